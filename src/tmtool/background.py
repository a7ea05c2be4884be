"""Run an iterator in a thread of its own: the translation engine while the driver stores."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator


class _Raised:
    def __init__(self, error: BaseException):
        self.error = error


class Background:
    """Iterate ``items`` in a thread of its own, started now; iterating this yields its items
    here, in order, and raises here an exception raised there. :meth:`close` stops the thread
    after the item it is working on and waits for it: on Ctrl-C or an error here the engine
    finishes its batch, as it would in this thread, rather than run inside CTranslate2 while
    Python exits.

    At most ``ahead`` items wait here: the engine works on the next batch while this thread
    stores one, but does not run further ahead (memory stays bounded, and a pool of Ray actors
    is not handed the whole job while the driver lags: a batch in hand when a worker is lost
    is all that needs doing again)."""

    _END = object()

    def __init__(self, items: Iterable, ahead: int = 1):
        self._channel: queue.Queue = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(items,), name="tmtool-engine", daemon=True)
        self._thread.start()

    def _run(self, items: Iterable) -> None:
        try:
            for item in items:
                self._channel.put(item)
                if self._stop.is_set():
                    return
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            self._channel.put(_Raised(e))
        finally:
            close = getattr(items, "close", None)
            if callable(close):  # a generator: closed in the thread that ran it
                close()
            self._channel.put(self._END)

    def __iter__(self) -> Iterator:
        while (item := self._channel.get()) is not self._END:
            if isinstance(item, _Raised):
                raise item.error
            yield item

    def close(self) -> None:
        self._stop.set()
        # Items nobody will read are dropped, so that a thread waiting to hand one over ends.
        while self._thread.is_alive():
            try:
                self._channel.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()
