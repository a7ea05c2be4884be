"""The bottom of the store: what every part of ``memory/`` (and the modules that stamp what they
store) shares. It imports nothing from the rest of tmtool but records and ``normalize``.

* the clock: every timestamp the memory stores comes from :func:`now`; tests fix it with
  :func:`set_clock` (the ``clock`` fixture) instead of patching module attributes;
* the unit and document columns, a row -> record builder for each, and a unit's insert values
  (one place for SQLite, PostgreSQL, bulk import and copy);
* the ranking of statuses and origins, defined once: the SQL ``CASE`` text and the Python sort
  keys both derive from the same tuples;
* what makes a unit unique (:func:`unit_key`) and the checks a unit passes before it is stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone

from ..records import ORIGINS, STATUSES, Document, Segment, TranslationUnit
from .normalize import text_hash

# -- the clock ------------------------------------------------------------------------------


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_clock: Callable[[], str] = _utc_now


def now() -> str:
    """The current time as ISO 8601 UTC with seconds, the form every timestamp is stored in."""
    return _clock()


def set_clock(clock: Callable[[], str] | None) -> None:
    """Make :func:`now` return ``clock()`` (a function giving ISO 8601 UTC stamps); None puts the
    real clock back."""
    global _clock
    _clock = clock or _utc_now


# -- tables and columns ---------------------------------------------------------------------

#: Tables whose rows are a memory's content (``tmtool tm copy`` moves them, in this order, so
#: that every row's references exist before it). The other tables are indexes built from them.
CONTENT_TABLES = ("units", "documents", "segments", "history", "segment_scores", "doc_scores")

#: The columns a unit record is read from, in :class:`TranslationUnit`'s order.
UNIT_FIELDS = (
    "id", "source", "target", "src_lang", "tgt_lang", "origin", "status", "model", "author",
    "prev_source", "next_source", "created_at", "updated_at", "props",
)
#: The columns a new unit row is written to (:func:`unit_row` gives the values, id first).
UNIT_INSERT_FIELDS = (
    "id", "src_lang", "tgt_lang", "source", "target", "source_hash", "target_hash", "origin", "model",
    "status", "author", "prev_source", "next_source", "props", "created_at", "updated_at",
)
#: The unique key of a unit row (the ``units_pair`` index), as :func:`unit_key` orders it.
UNIT_KEY_FIELDS = ("src_lang", "tgt_lang", "source_hash", "target_hash")
UNIT_COLUMNS = ", ".join(UNIT_FIELDS)
UNIT_INSERT_COLUMNS = ", ".join(UNIT_INSERT_FIELDS)
SEGMENT_COLUMNS = "s.idx, s.start, s.end, s.source AS seg_source, s.paragraph, s.line"


def unit_columns(alias: str = "") -> str:
    """The unit columns, each prefixed with ``alias.`` when one is given (for joins)."""
    return ", ".join(f"{alias}.{c}" for c in UNIT_FIELDS) if alias else UNIT_COLUMNS


def unit_from_row(row) -> TranslationUnit:
    """The unit a row read with :func:`unit_columns` holds."""
    return TranslationUnit(
        id=row["id"], source=row["source"], target=row["target"], src_lang=row["src_lang"],
        tgt_lang=row["tgt_lang"], origin=row["origin"], status=row["status"], model=row["model"],
        author=row["author"], prev_source=row["prev_source"], next_source=row["next_source"],
        created_at=row["created_at"], updated_at=row["updated_at"],
        props=json.loads(row["props"]) if row["props"] else {},
    )


def segment_from_row(row) -> Segment:
    """The segment a row read with :data:`SEGMENT_COLUMNS` holds."""
    return Segment(row["idx"], row["start"], row["end"], row["seg_source"], row["paragraph"], row["line"])


def document_from_row(row) -> Document:
    """The document of a ``documents`` row with its segment count as ``n``."""
    return Document(
        id=row["id"], name=row["name"], content_hash=row["content_hash"], src_lang=row["src_lang"],
        tgt_lang=row["tgt_lang"], segment_count=row["n"], created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def unit_key(u: TranslationUnit) -> tuple[str, str, str, str]:
    """What makes a unit unique: languages and normalised source and target (their hashes)."""
    return (u.src_lang, u.tgt_lang, text_hash(u.source), text_hash(u.target))


def unit_row(u: TranslationUnit, key: tuple[str, str, str, str], stamp: str, tu_id: int | None = None) -> tuple:
    """The values of a new row of unit ``u`` (its :func:`unit_key` ``key``), in the order of
    :data:`UNIT_INSERT_FIELDS`; times the unit lacks are ``stamp``."""
    props = json.dumps(u.props, ensure_ascii=False) if u.props else None
    return (tu_id, u.src_lang, u.tgt_lang, u.source, u.target, key[2], key[3], u.origin, u.model,
            u.status, u.author, u.prev_source, u.next_source, props, u.created_at or stamp,
            u.updated_at or stamp)


def check_unit(u: TranslationUnit) -> None:
    """Refuse a unit whose origin or status the schema does not know (ValueError)."""
    if u.origin not in ORIGINS:
        raise ValueError(f"unknown origin {u.origin!r}")
    if u.status not in STATUSES:
        raise ValueError(f"unknown status {u.status!r}")


# -- ranking --------------------------------------------------------------------------------

#: Exact-match preference: approved beats draft, a person's text beats the model's (newest next).
STATUS_ORDER = ("approved", "draft", "rejected")
ORIGIN_ORDER = ("human", "imported", "aligned", "mt")
STATUS_RANK = {s: i for i, s in enumerate(STATUS_ORDER)}
ORIGIN_RANK = {o: i for i, o in enumerate(ORIGIN_ORDER)}


def rank_case(column: str, order: tuple[str, ...], first: int | None = None) -> str:
    """A SQL ``CASE`` giving ``column``'s rank in ``order`` (values not listed rank last);
    ``first``: only the first that many values are told apart, the rest share one rank."""
    named = order if first is None else order[:first]
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(named))
    return f"CASE {column} {whens} ELSE {len(named)} END"


#: The SQL form of the ranking (``ORDER BY`` terms of the exact lookup).
STATUS_RANK_SQL = rank_case("status", STATUS_ORDER, first=1)  # approved first, the rest alike
ORIGIN_RANK_SQL = rank_case("origin", ORIGIN_ORDER, first=3)


def neg_time(stamp: str | None) -> str:
    """A key that sorts ISO timestamps newest first inside an ascending sort."""
    return "".join(chr(0x10FFFF - ord(c)) for c in (stamp or ""))


def unit_rank(unit: TranslationUnit) -> tuple:
    """The Python sort key of the ranking :data:`STATUS_RANK_SQL`/:data:`ORIGIN_RANK_SQL` give
    in SQL (rejected and unknown values last), then the newest first."""
    return (STATUS_RANK.get(unit.status, len(STATUS_ORDER)), ORIGIN_RANK.get(unit.origin, len(ORIGIN_ORDER)),
            neg_time(unit.updated_at))
