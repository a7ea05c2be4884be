"""Translation on a Ray cluster: a pool of actors, each holding the CTranslate2 model once.

The only module that imports ray, and only ``tmtool translate --ray`` imports it (issue 16).
The driver converts the model as it does for one process, puts the converted files in Ray's
object store and starts ``workers`` actors; each writes them to its node's tmtool cache and
loads them, so a worker node needs neither the Hugging Face hub nor a shared file system. The
driver plans the batches exactly as :meth:`Translator.translate_batches` does in one process
(the same tokenizer, splitting of long sentences, length sort and token budget), so the
translations are the same, byte for byte. Each actor has up to two batches in hand, so it never
waits for the driver; a batch whose actor dies (SIGKILL, a lost node) goes back to the queue
and to another actor.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import ray
    from ray import exceptions as ray_errors
except ImportError as e:  # the CLI turns this into one line
    from ..errors import BackendNotAvailable

    raise BackendNotAvailable(f"--ray needs Ray, which is not installed ({e}): pip install 'tmtool[ray]'") from None

from ..errors import ModelError, TmtoolError, UsageError
from . import ct2_cache
from .base import Translator, default_batch_sentences
from .spm import SpmTokenizer

#: Batches given to one actor before it returns one: it starts the next while the driver commits.
IN_FLIGHT = 2
#: How long the actors may take to start and load the model (env TMTOOL_RAY_START_TIMEOUT).
START_TIMEOUT = 600.0


class ClusterError(TmtoolError):
    """The Ray cluster cannot be reached, or lost every worker."""


def connect(address: str) -> bool:
    """Connect to the Ray cluster ``address`` names; True if this call did (and should disconnect).

    ``local`` starts a Ray instance on this machine; ``auto`` joins the running cluster; anything
    else is a cluster address (``HOST:PORT`` or ``ray://HOST:PORT``). A program that already
    called ``ray.init`` keeps its connection.
    """
    if ray.is_initialized():
        return False
    options: dict = {"logging_level": logging.ERROR, "log_to_driver": False}
    if address == "local":
        options.update(address="local", include_dashboard=False)
    else:
        # Ship this tmtool to the workers, so that they run the driver's code even where the
        # cluster image has another version (they still need ctranslate2 and sentencepiece).
        import tmtool

        options.update(address=address, runtime_env={"py_modules": [str(Path(tmtool.__file__).parent)]})
    try:
        ray.init(**options)
    except Exception as e:  # noqa: BLE001 - Ray raises many kinds; all mean the same here
        raise ClusterError(f"cannot connect to the Ray cluster at {address!r}: {_first_line(e)}") from None
    return True


class _Worker:
    """One Ray actor: the converted model, loaded once; translates the batches it is given."""

    def __init__(self, name: str, files: dict[str, bytes], options: dict):
        self.node = ray.get_runtime_context().get_node_id()
        self.ip = ray.util.get_node_ip_address()
        self.error = None
        self.engine = None
        try:
            from .ct2 import CT2Translator

            self.engine = CT2Translator(str(_unpack(name, files)), **options)
        except TmtoolError as e:
            self.error = str(e)
        except Exception as e:  # noqa: BLE001 - reported to the driver in one line
            self.error = f"{type(e).__name__}: {_first_line(e)}"

    def ready(self) -> dict:
        """Where this actor runs, and why it could not load the model (None if it could)."""
        return {"node": self.node, "ip": self.ip, "pid": os.getpid(), "error": self.error}

    def translate(self, texts: list[str]) -> list[tuple[str, int | None]]:
        """Each translation with the output limit it ran into (None: it ended its sentence)."""
        return self.engine.translate_batch_checked(texts)

    def peak_rss(self) -> int:
        """This actor's peak resident memory in bytes, 0 where unknown (scripts/bench_ray.py).

        VmHWM, not getrusage: on Linux ru_maxrss keeps the high-water mark of the process that
        was replaced by exec, here the worker pool's."""
        try:
            with open("/proc/self/status", encoding="ascii") as f:
                return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
        except (OSError, StopIteration, ValueError):
            return 0


def _unpack(name: str, files: dict[str, bytes]) -> Path:
    """The shipped model's files in this node's tmtool cache (written once per node, atomically)."""
    target = ct2_cache.cache_root() / "ray-models" / name
    if (target / ct2_cache.MANIFEST).is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
        for rel, data in files.items():
            (building / rel).parent.mkdir(parents=True, exist_ok=True)
            (building / rel).write_bytes(data)
        building.chmod(0o755)
        try:
            os.rename(building, target)
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
            if not (target / ct2_cache.MANIFEST).is_file():  # not another actor's copy that won
                raise
    except OSError as e:
        raise ModelError(f"cannot write the model to {target.parent}: {e.strerror or e}") from None
    return target


def _pack(path: Path) -> dict[str, bytes]:
    return {f.relative_to(path).as_posix(): f.read_bytes() for f in sorted(path.rglob("*")) if f.is_file()}


class RayTranslator(Translator):
    """A pool of Ray actors running the CTranslate2 model, with one process's batching.

    Create it with the model options of :class:`~tmtool.translate.ct2.CT2Translator` plus
    ``address`` and ``workers``; :meth:`close` stops the actors (and Ray, if this started it).
    ``retried`` counts the batches sent again because their actor was lost, ``replaced`` the
    lost actors replaced by new ones.
    """

    BATCH_TOKENS = 2048  # as CT2Translator: the same batches as one process
    default_batch_size = 128  # as CT2Translator, capped the same way by beams

    def __init__(
        self,
        model: str,
        *,
        address: str,
        workers: int | None = None,
        device: str = "auto",
        beams: int | None = None,
        threads: int | None = None,
        compute_type: str | None = None,
        fixed_output_tokens: int | None = None,
        notify: Callable[[str], None] | None = None,
    ):
        from . import ct2  # the driver converts the model once, as for one process

        self.model_id = model
        self.notify = notify or (lambda message: None)
        self.retried = 0  # batches sent again because their actor was lost
        self.replaced = 0  # lost actors replaced by a new one that loaded the model
        self._replacements = 0
        self.actors: dict = {}  # handle -> its ready() record
        self.threads = threads or 1
        self._started = connect(address)
        try:
            workers = self._size(workers, device == "cuda", fixed=address == "local")
            # A GPU worker converts the float weights on load to its own type; a CPU one gets the
            # copy one process would use, so both make the same translations.
            convert_as = "float32" if device == "cuda" else (compute_type or "auto")
            path = ct2.convert_model(model, convert_as, device="cpu", notify=notify)
            settings = ct2_cache.read_manifest(path) or {}
            self.tokenizer = SpmTokenizer(path)
            self.max_source_tokens = settings.get("max_source_tokens") or 512
            self.beams = beams or settings.get("num_beams") or 1
            self.default_max_batch_tokens = max(1, self.BATCH_TOKENS // self.beams)
            self.default_batch_size = default_batch_sentences(self.default_batch_size, self.beams)
            self._start(path, workers, dict(device=device, beams=beams, threads=self.threads,
                                            compute_type=compute_type, fixed_output_tokens=fixed_output_tokens))
        except BaseException:
            self.close()
            raise

    def _size(self, workers: int | None, gpu: bool, fixed: bool) -> int:
        """``workers``, or as many as the cluster has CPUs (GPUs) for; checked against a local
        instance, which will never grow (a cluster's autoscaler may add the nodes asked for)."""
        kind, each = ("GPU", 1) if gpu else ("CPU", self.threads)
        total = ray.cluster_resources().get(kind, 0)
        if workers is None:
            workers = max(1, int(total // each))
        if fixed and workers * each > total:
            who = "1 worker needs" if workers == 1 else f"{workers} workers need"
            raise UsageError(f"{who} {workers * each:g} {kind} ({each:g} per worker) but the local "
                             f"Ray instance has {total:g} {kind}; ask for fewer --workers"
                             + ("" if gpu else " or --threads"))
        return workers

    def _start(self, path: Path, workers: int, options: dict) -> None:
        gpu = options["device"] == "cuda"
        try:
            files = ray.put(_pack(path))
        except ray_errors.RayError as e:
            raise ClusterError(f"cannot put the model into Ray's object store: {_first_line(e)}") from None
        actor = ray.remote(_Worker).options(
            num_cpus=self.threads, num_gpus=1 if gpu else 0, max_restarts=0, max_task_retries=0,
            scheduling_strategy="SPREAD",
        )
        # Kept for replacing lost actors: at most `workers` replacements in all, so a node that
        # keeps failing cannot make the job start actors for ever.
        self._spawn = lambda: actor.remote(path.name, files, options)
        self._replacements = workers
        handles = [self._spawn() for _ in range(workers)]
        self.actors = {h: None for h in handles}
        pending = {h.ready.remote(): h for h in handles}
        timeout = float(os.environ.get("TMTOOL_RAY_START_TIMEOUT") or START_TIMEOUT)
        ready, late = ray.wait(list(pending), num_returns=len(pending), timeout=timeout)
        if late:
            raise ClusterError(
                f"{len(late)} of {workers} Ray workers did not start within {timeout:.0f} s; each needs "
                f"{'1 GPU' if gpu else f'{self.threads} CPU'} (the cluster has "
                f"{_resources(ray.cluster_resources())}); ask for fewer --workers"
            )
        for ref in ready:
            try:
                info = ray.get(ref)
            except ray_errors.RayError as e:
                raise ModelError(f"a Ray worker could not start: {_first_line(e)}") from None
            self.actors[pending[ref]] = info
            if info["error"]:
                raise ModelError(f"the Ray worker on node {info['ip']} ({info['node'][:12]}) cannot load "
                                 f"{self.model_id}: {info['error']}")

    def count_tokens(self, texts):
        return self.tokenizer.count(texts)

    def translate_batch(self, texts: list[str]) -> list[str]:
        return [t for t, _ in self.translate_batch_checked(texts)]

    def translate_batch_checked(self, texts: list[str]) -> list[tuple[str, int | None]]:
        """One batch, on one actor (:meth:`translate_batches` spreads them over all)."""
        actor = next(h for h, info in self.actors.items() if info and not info["error"])
        return [tuple(r) for r in ray.get(actor.translate.remote(list(texts)))]

    def _run_batches(
        self, pieces: list[str], batches: Iterator[list[int]]
    ) -> Iterator[tuple[list[int], list[tuple[str, int | None]]]]:
        """``(batch, translations)`` as the actors finish them, in whatever order: each
        translation with the output limit it ran into, as :meth:`Translator.translate_batches`
        wants, so a cut-short one is marked as in one process. A lost actor's batches go back to
        the front of the queue for the others, and a new actor is started in its place."""
        queue = deque(batches)
        live = {h: 0 for h, info in self.actors.items() if info and not info["error"]}
        flying: dict = {}  # ObjectRef -> (actor, batch)
        starting: dict = {}  # ready() ObjectRef -> a replacement actor
        while queue or flying:
            for actor in list(live):
                while queue and live[actor] < IN_FLIGHT:
                    batch = queue.popleft()
                    flying[actor.translate.remote([pieces[i] for i in batch])] = (actor, batch)
                    live[actor] += 1
            if not flying and not starting:
                raise ClusterError(f"every Ray worker was lost; {len(queue)} batches were not translated "
                                   "(the finished ones are stored: run the command again to resume)")
            timeout = None if flying else float(os.environ.get("TMTOOL_RAY_START_TIMEOUT") or START_TIMEOUT)
            done, _ = ray.wait([*flying, *starting], num_returns=1, timeout=timeout)
            if not done:
                raise ClusterError(f"every Ray worker was lost and no new one started within {timeout:.0f} s; "
                                   "the finished batches are stored: run the command again to resume")
            ref = done[0]
            if ref in starting:
                self._joined(starting.pop(ref), ref, live)
                continue
            actor, batch = flying.pop(ref)
            try:
                results = ray.get(ref)
            except ray_errors.RayActorError as e:
                if self._lost(actor, live, e) and self._replacements > 0:
                    self._replacements -= 1
                    new = self._spawn()
                    self.actors[new] = None
                    starting[new.ready.remote()] = new
                queue.appendleft(batch)
                self.retried += 1
                continue
            except ray_errors.ObjectLostError:
                # A big result stored on a node that went away before it was read: do it again.
                if actor in live:
                    live[actor] -= 1
                queue.appendleft(batch)
                self.retried += 1
                continue
            except ray_errors.RayTaskError as e:
                info = self.actors[actor]
                raise ModelError(f"the Ray worker on node {info['ip']} failed on a batch: "
                                 f"{_first_line(e.cause if e.cause is not None else e)}") from None
            except ray_errors.RayError as e:
                raise ClusterError(f"Ray failed: {_first_line(e)} (the finished batches are stored: run the "
                                   "command again to resume)") from None
            if actor in live:
                live[actor] -= 1
            if len(results) != len(batch):
                raise ModelError("a Ray worker returned a different number of translations")
            yield batch, [tuple(r) for r in results]

    def _joined(self, actor, ref, live: dict) -> None:
        """A replacement actor is up (or could not load the model: the job goes on without it)."""
        try:
            info = ray.get(ref)
        except ray_errors.RayError as e:
            info = {"node": "?", "ip": "?", "pid": None, "error": _first_line(e)}
        self.actors[actor] = info
        if info["error"]:
            self.notify(f"note: a new Ray worker on node {info['ip']} cannot load the model: {info['error']}")
        else:
            live[actor] = 0
            self.replaced += 1

    def _lost(self, actor, live: dict, error: BaseException) -> bool:
        """Forget a dead actor; True the first time (its other batches come back one by one)."""
        if live.pop(actor, None) is None:
            return False
        info = self.actors.get(actor) or {}
        self.notify(f"note: lost the Ray worker on node {info.get('ip', '?')} (pid {info.get('pid', '?')}): "
                    f"{_first_line(error)}; its batches go to the other workers, and a new one is started")
        return True

    def close(self) -> None:
        """Stop the actors (their batches in hand are dropped), and Ray if this started it."""
        for actor in self.actors:
            try:
                ray.kill(actor)
            except Exception:  # noqa: BLE001 - already dead, or the cluster is gone
                pass
        if self._started:
            self._started = False
            ray.shutdown()

    @property
    def worker_info(self) -> list[dict]:
        """The node, address and pid of each actor that started, lost ones included (for tests and
        the benchmark; kept after :meth:`close`)."""
        return [info for info in self.actors.values() if info]


def _resources(res: dict) -> str:
    return ", ".join(f"{res.get(k, 0):g} {k}" for k in ("CPU", "GPU"))


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__

