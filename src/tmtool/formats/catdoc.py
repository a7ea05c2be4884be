"""The files translators work in (XLIFF 1.2, XLIFF 2.x, SDLXLIFF, gettext PO) as one interface.

A :class:`CatDocument` is read whole, lists the :class:`CatSegment` s that need a translation
(units marked not to translate, locked, already final or already translated are counted in
``skipped`` by reason, and left alone), takes a :class:`Fill` for each, and gives back the
file's bytes with those targets filled and everything else as it was.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import FormatError, UsageError
from .catrecords import Alt, CatDocument, CatSegment, Fill  # noqa: F401  (the interface, read from here)

CAT_FORMATS = ("xliff", "po")
_SUFFIXES = {".xlf": "xliff", ".xliff": "xliff", ".sdlxliff": "xliff", ".mqxliff": "xliff", ".po": "po",
             ".pot": "po"}


def cat_format(path: str | Path, given: str | None = None) -> str | None:
    """``given``, else the CAT format the file name says (``xliff`` or ``po``), else None."""
    if given:
        if given not in CAT_FORMATS:
            raise UsageError(f"unknown input format {given!r} (one of {', '.join(CAT_FORMATS)})")
        return given
    return _SUFFIXES.get(Path(str(path)).suffix.lower())


def open_document(data: bytes, name: str, fmt: str, encoding: str | None = None) -> CatDocument:
    """Read ``data`` (the bytes of file ``name``) as a CAT document of format ``fmt``."""
    if fmt == "po":
        from .po import PoDocument

        return PoDocument(data, name, encoding)
    from .xlf import local, parse

    tree = parse(data, name, encoding)
    root = tree.getroot()
    if local(root.tag) != "xliff":
        raise FormatError(f"{name}: root element is <{local(root.tag)}>, not <xliff>")
    version = root.get("version", "")
    if version.startswith("2") or "urn:oasis:names:tc:xliff:document:2" in (root.tag or ""):
        from .xliff2 import Xliff2Document

        return Xliff2Document(data, tree, name)
    from .xliff12 import Xliff12Document

    return Xliff12Document(data, tree, name)
