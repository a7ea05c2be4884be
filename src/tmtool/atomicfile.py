"""The one way tmtool writes a file: atomically, with the mode a user expects (issue 14).

A reader sees the old file or the new one, never half of one: the text goes to a temporary file
in the same folder, which is renamed over the target only when complete. A new file gets the
mode ``open()`` would give it (0666 less the umask, and a default ACL applies, because the
temporary file is created through ``os.open`` with 0666, not ``mkstemp``'s private 0600); a
replaced file keeps its mode. A write that fails leaves the old file and no temporary file.
Devices and FIFOs (``/dev/null``, ``/dev/stdout``) are written into, never replaced.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def atomic_open(path: str | Path, *, encoding: str = "utf-8", newline: str | None = "") -> Iterator[TextIO]:
    """A text stream that replaces ``path`` when the ``with`` block ends without an exception.

    ``newline=""`` writes the text's line ends as they are; ``"\\n"`` is the same on POSIX.
    Raises ``IsADirectoryError`` for a folder and ``OSError`` for what the system refuses.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(target))
    if target.exists() and not target.is_file():  # /dev/null, a FIFO: a plain file must not replace it
        with open(target, "w", encoding=encoding, newline=newline) as f:
            yield f
        return
    tmp, fd = _create_temporary(target)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())  # the rename must not reach the disk before the text does
        _keep_mode(target, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, text: str, *, encoding: str = "utf-8", newline: str | None = "") -> None:
    """Write ``text`` to ``path`` through :func:`atomic_open`. Raises OSError."""
    with atomic_open(path, encoding=encoding, newline=newline) as f:
        f.write(text)


def _create_temporary(target: Path) -> tuple[Path, int]:
    # O_EXCL with a random name is what mkstemp does, but with 0666: the umask decides, as for open().
    folder = target.parent
    for _ in range(100):
        tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(17, "no free temporary name", str(folder))


def _keep_mode(target: Path, tmp: Path) -> None:
    """Give ``tmp`` the permission bits of the file it replaces (a 0644 report stays readable)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.chmod(tmp, mode)
