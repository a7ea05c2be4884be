"""The store's units: adding them (one batched algorithm for both back ends), reading them,
exact lookup, the language pairs they are stored in, and iterating them for export."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from ..errors import NotFound
from ..langs import matching_pairs
from ..records import TranslationUnit, reusable
from .core import (
    ORIGIN_RANK_SQL, STATUS_RANK_SQL, UNIT_COLUMNS, UNIT_INSERT_COLUMNS, UNIT_INSERT_FIELDS, check_unit,
    unit_from_row, unit_key, unit_row,
)
from .database import Database
from .normalize import text_hash

CHUNK = 500  # ids or hashes per IN (...) list, rows per multi-row INSERT
Key = tuple[str, str, str, str]
# The language pair after (?, ?): two prefix seeks of the unique index in one statement. A
# row-value `(src_lang, tgt_lang) > (?, ?)` made SQLite walk every unit of the last pair (6 ms
# of each lookup at 50,000 units).
_NEXT_PAIR = """SELECT src_lang, tgt_lang FROM (
    SELECT * FROM (SELECT src_lang, tgt_lang FROM units WHERE src_lang = ? AND tgt_lang > ?
                   ORDER BY src_lang, tgt_lang LIMIT 1) AS same_source
    UNION ALL
    SELECT * FROM (SELECT src_lang, tgt_lang FROM units WHERE src_lang > ?
                   ORDER BY src_lang, tgt_lang LIMIT 1) AS next_source
) AS n ORDER BY src_lang, tgt_lang LIMIT 1"""


def marks(values: Sequence) -> str:
    """``?, ?, ...``: one placeholder per value."""
    return ",".join("?" * len(values))


class Units:
    """Units of one memory (``db``: the shared :class:`Database` handle)."""

    def __init__(self, db: Database):
        self.db = db
        self.pairs_now: list[tuple[str, str]] | None = None  # set during one batch of lookups

    # -- adding -----------------------------------------------------------------------------

    def add_units(self, units: Iterable[TranslationUnit]) -> list[int]:
        """Store units and return their ids, in the order given.

        A unit whose source and target are already stored for its languages is not added twice:
        the existing row's id is returned and the row is left as it is (its status and origin
        may carry a person's decision). The new ones get ids in the order given, and go in
        sorted by key: one order for every writer, so that writers adding overlapping units
        never deadlock (the second waits for the first); a unit another writer stored since it
        was looked up is that writer's row.
        """
        keyed = []
        for u in units:
            check_unit(u)
            keyed.append((u, unit_key(u)))
        stamp = self.db.now()
        with self.db.atomic():
            known = self.existing_units(k for _, k in keyed)
            missing: dict[Key, TranslationUnit] = {}
            for u, key in keyed:
                if key not in known:
                    missing.setdefault(key, u)
            known.update(self._insert_sorted(list(missing.items()), stamp))
            for key in missing:
                if key not in known:  # another writer stored it since we looked
                    known[key] = self.existing_unit(key)
        return [known[key] for _, key in keyed]

    def _insert_sorted(self, items: list[tuple[Key, TranslationUnit]], stamp: str) -> dict[Key, int]:
        """Insert units not stored a moment ago: ids in the order given, rows in key order."""
        ids = self.db.dialect.new_unit_ids(self.db, len(items))
        rows = [unit_row(u, key, stamp, tu_id) for (key, u), tu_id in zip(items, ids)]
        rows.sort(key=lambda r: (r[1], r[2], r[5], r[6]))
        one = "(" + ", ".join("?" * len(UNIT_INSERT_FIELDS)) + ")"
        found: dict[Key, int] = {}
        for i in range(0, len(rows), CHUNK):
            chunk = rows[i : i + CHUNK]
            cur = self.db.write(
                f"""INSERT INTO units ({UNIT_INSERT_COLUMNS}) VALUES {', '.join([one] * len(chunk))}
                    ON CONFLICT (src_lang, tgt_lang, source_hash, target_hash) DO NOTHING
                    RETURNING src_lang, tgt_lang, source_hash, target_hash, id""",
                [v for row in chunk for v in row],
            )
            found.update((tuple(r[:4]), r[4]) for r in cur.fetchall())
        return found

    def insert_batch(self, units: list[TranslationUnit]) -> int:
        """``add_units`` for a bulk import: the same merge rule (a unit whose languages, source
        and target are stored is left as it is), no ids returned; how many were new. The
        readers have checked origin and status."""
        stamp = self.db.now()
        missing: dict[Key, TranslationUnit] = {}
        for u in units:
            missing.setdefault(unit_key(u), u)
        items = list(missing.items())
        ids: list[int | None] = [None] * len(items)
        if self.db.dialect.bulk_needs_ids:  # numbered in file order here, inserted in key order
            known = self.existing_units(missing)
            items = [(k, u) for k, u in items if k not in known]
            ids = list(self.db.dialect.new_unit_ids(self.db, len(items)))
        rows = [unit_row(u, key, stamp, tu_id) for (key, u), tu_id in zip(items, ids)]
        return self.db.dialect.bulk_insert(self.db, rows)

    def existing_units(self, keys: Iterable[Key]) -> dict[Key, int]:
        """The ids of the units stored with these keys (those that are)."""
        by_pair: dict[tuple[str, str], set[str]] = {}
        wanted = set(keys)
        for k in wanted:
            by_pair.setdefault(k[:2], set()).add(k[2])
        found: dict[Key, int] = {}
        for (src, tgt), hashes in sorted(by_pair.items()):
            for r in self.db.dialect.units_by_source(self.db, src, tgt, sorted(hashes)):
                key = (src, tgt, r[0], r[1])
                if key in wanted:
                    found[key] = r[2]
        return found

    def existing_unit(self, key: Key) -> int | None:
        """The id of the unit stored with ``key``, or None."""
        row = self.db.conn.execute(
            "SELECT id FROM units WHERE src_lang = ? AND tgt_lang = ? AND source_hash = ? AND target_hash = ?",
            key,
        ).fetchone()
        return row[0] if row else None

    # -- reading ----------------------------------------------------------------------------

    def get_unit(self, tu_id: int, *, lock: bool = False) -> TranslationUnit:
        """The unit with id ``tu_id``; :class:`NotFound` if there is none. ``lock`` (inside
        ``atomic()``): kept from other writers until commit."""
        row = self.db.conn.execute(
            f"SELECT {UNIT_COLUMNS} FROM units WHERE id = ?{self.db.dialect.lock if lock else ''}", (tu_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no translation unit {tu_id} in {self.db.path}")
        return unit_from_row(row)

    def get_units(self, tu_ids: Iterable[int]) -> dict[int, TranslationUnit]:
        """The units with these ids that exist, by id (what the memory holds, status included)."""
        ids = list(dict.fromkeys(tu_ids))
        found: dict[int, TranslationUnit] = {}
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            rows = self.db.conn.execute(f"SELECT {UNIT_COLUMNS} FROM units WHERE id IN ({marks(chunk)})", chunk)
            found.update((r["id"], unit_from_row(r)) for r in rows)
        return found

    def count_units(self) -> int:
        """How many units the memory holds."""
        return self.db.conn.execute("SELECT count(*) FROM units").fetchone()[0]

    def lookup_exact(self, sources: Iterable[str], src_lang: str, tgt_lang: str, *,
                     hashes: Iterable[str] | None = None) -> dict[str, TranslationUnit]:
        """The best reusable unit for each source that has one, keyed by source text.

        Rejected units are never reused, nor machine drafts the model cut short at its output
        limit (see :func:`~tmtool.records.cut_short`). Among the rest: approved first, then by
        origin (human, imported, aligned, mt), then the most recently updated. ``hashes``: the
        sources' :func:`text_hash` values, in order, if the caller has them already.
        """
        return self._best_by_source(sources, src_lang, tgt_lang, "status != 'rejected'",
                                    f"{STATUS_RANK_SQL}, {ORIGIN_RANK_SQL}", reusable, hashes)

    def unit_ids(self, units: Iterable[TranslationUnit]) -> list[int | None]:
        """The id of the stored unit with each unit's languages, source and target (None where
        the memory holds none), whatever its status."""
        keys = [unit_key(u) for u in units]
        known = self.existing_units(keys)
        return [known.get(k) for k in keys]

    def approved_targets(self, sources: Iterable[str], src_lang: str, tgt_lang: str) -> dict[str, TranslationUnit]:
        """For each source, the best approved unit written by a person (human, imported or
        aligned; newest first), keyed by source text."""
        return self._best_by_source(sources, src_lang, tgt_lang, "status = 'approved' AND origin != 'mt'",
                                    "CASE origin WHEN 'human' THEN 0 ELSE 1 END", None)

    def _best_by_source(self, sources, src_lang, tgt_lang, condition, rank, keep,
                        hashes: Iterable[str] | None = None) -> dict[str, TranslationUnit]:
        by_hash: dict[str, list[str]] = {}
        sources = list(sources)
        for s, h in zip(sources, hashes if hashes is not None else map(text_hash, sources)):
            by_hash.setdefault(h, []).append(s)
        found: dict[str, TranslationUnit] = {}
        hashes = list(by_hash)
        # Units of any variant of the languages (id, id-ID, in ...), the exact one first.
        where, params, ranks = self.lang_where(src_lang, tgt_lang)
        order, order_params = self.lang_order(ranks)
        for i in range(0, len(hashes), CHUNK):
            chunk = hashes[i : i + CHUNK]
            rows = self.db.conn.execute(
                f"""SELECT {UNIT_COLUMNS}, source_hash FROM units
                    WHERE {where} AND source_hash IN ({marks(chunk)}) AND {condition}
                    ORDER BY source_hash, {order} {rank}, updated_at DESC, id DESC""",
                (*params, *chunk, *order_params),
            )
            for row in rows:
                unit = unit_from_row(row)
                if keep is not None and not keep(unit):
                    continue
                for s in by_hash[row["source_hash"]]:
                    found.setdefault(s, unit)
        return found

    def iter_units(self, *, status: Sequence[str] | None = None, doc_id: int | None = None,
                   src_lang: str | None = None, tgt_lang: str | None = None,
                   batch: int = 2000) -> Iterator[TranslationUnit]:
        """Every unit matching the filters, by id, read in batches (a million stay out of RAM)."""
        where, params = ["id > ?"], []
        if status:
            where.append(f"status IN ({marks(status)})")
            params += list(status)
        if doc_id is not None:
            where.append("id IN (SELECT tu_id FROM segments WHERE doc_id = ?)")
            params.append(doc_id)
        if src_lang or tgt_lang:  # any variant of the language: en-US and en-GB for en
            langs, values, _ = self.lang_where(src_lang, tgt_lang)
            where.append(langs)
            params += values
        last = 0
        while True:
            rows = self.db.conn.execute(
                f"SELECT {UNIT_COLUMNS} FROM units WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
                (last, *params, batch),
            ).fetchall()
            if not rows:
                return
            yield from map(unit_from_row, rows)
            last = rows[-1]["id"]

    # -- languages --------------------------------------------------------------------------

    def main_source_language(self) -> str:
        """The source language of every unit, ``*all*`` if they have several (TMX 1.4b's header
        ``srclang``), ``id`` if the memory is empty."""
        rows = self.db.conn.execute("SELECT DISTINCT src_lang FROM units LIMIT 2").fetchall()
        return rows[0][0] if len(rows) == 1 else ("*all*" if rows else "id")

    def language_pairs(self) -> list[tuple[str, str]]:
        """The distinct ``(src_lang, tgt_lang)`` tags of the stored units, as stored.

        A loose scan of the units' unique index: one seek per pair, however many units."""
        if self.pairs_now is not None:  # inside one lookup_fuzzy
            return self.pairs_now
        q = self.db.conn.execute
        pairs: list[tuple[str, str]] = []
        row = q("SELECT src_lang, tgt_lang FROM units ORDER BY src_lang, tgt_lang LIMIT 1").fetchone()
        while row is not None:
            pairs.append((row[0], row[1]))
            row = q(_NEXT_PAIR, (*pairs[-1], row[0])).fetchone()
        return pairs

    def lang_ranks(self, src_lang: str | None, tgt_lang: str | None) -> dict[tuple[str, str], int]:
        """The stored tag pairs that are these languages (BCP 47, case-insensitive, ``in`` =
        ``id``; None: any), each with its rank: 0 the exact tags, more for other variants."""
        return {(s, t): r for s, t, r in matching_pairs(self.language_pairs(), src_lang, tgt_lang)}

    def lang_where(self, src_lang: str | None, tgt_lang: str | None,
                   prefix: str = "") -> tuple[str, list[str], dict[tuple[str, str], int]]:
        """A WHERE condition for units in these languages, its parameters and the ranks."""
        ranks = self.lang_ranks(src_lang, tgt_lang)
        if not ranks:
            return "1 = 0", [], ranks
        sql = " OR ".join([f"({prefix}src_lang = ? AND {prefix}tgt_lang = ?)"] * len(ranks))
        return f"({sql})", [tag for pair in ranks for tag in pair], ranks

    def lang_order(self, ranks: dict[tuple[str, str], int]) -> tuple[str, list[str]]:
        """ORDER BY terms (ending in a comma, or none) that put the exact language variant first."""
        if len(set(ranks.values())) <= 1:
            return "", []
        cases = " ".join(f"WHEN src_lang = ? AND tgt_lang = ? THEN {r}" for r in ranks.values())
        return f"CASE {cases} END,", [tag for pair in ranks for tag in pair]
