"""The one translation-memory store, composed of feature parts (issue 15).

:class:`Store` holds a :class:`~tmtool.memory.database.Database` handle and one object per
feature, each holding that handle: units (``units.py``), documents (``documents.py``), lookups
(``lookup.py``), review history (``history.py``), scores (``scores.py``), paged browsing
(``browse.py``), glossary and QA findings (``glossary.py``), whole tables for copying
(``copy.py``). Its public methods are the flat API of
:class:`~tmtool.memory.protocol.TranslationMemory` (documented there), each a one-line
delegation. :class:`~tmtool.memory.sqlite.SQLiteMemory` and
:class:`~tmtool.memory.pg.PostgresMemory` only say which database to open.

What the store does not do: decide reuse (the pipeline, :mod:`tmtool.reuse`) or read and write
files (:mod:`tmtool.exchange` over :mod:`tmtool.formats`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ..records import Document, Segment, TranslationUnit
from .browse import Browse
from .copy import Tables
from .database import Database
from .documents import Documents
from .fuzzy import DEFAULT_MIN_SCORE, FuzzyIndex, FuzzyMatch
from .glossary import Glossary
from .history import History
from .imports import Imports
from .lookup import Lookup
from .records import (
    Change, Concordance, Finding, GlossaryEntry, GlossaryImport, IndexRow, Pair, ReviewPair, StoredCorpusScore,
    SegmentLink, StoredScore,
)
from .scores import Scores
from .stats import memory_stats
from .units import Units


class Store:
    """A translation memory: the parts over one database handle."""

    def __init__(self, db: Database):
        self.db = db
        self._units = Units(db)
        self._documents = Documents(db)
        self._scores = Scores(db, self._documents)
        self._lookup = Lookup(db, self._units, self._documents)
        self._history = History(db, self._units, self._documents, self._scores)
        self._browse = Browse(db, self._documents, self._scores)
        self._glossary = Glossary(db, self._documents)
        self._whole = Tables(db)
        self._imports = Imports(db, self._units)

    # -- life cycle and transactions
    @property
    def conn(self) -> Any:
        return self.db.conn

    @property
    def path(self) -> Path | str:
        return self.db.path

    @property
    def schema_version(self) -> str:
        return self.db.schema_version

    def atomic(self) -> AbstractContextManager[Any]:
        return self.db.atomic()

    def snapshot(self) -> AbstractContextManager[Any]:
        return self.db.snapshot()

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- units
    def add_units(self, units: Iterable[TranslationUnit]) -> list[int]:
        return self._units.add_units(units)

    def get_unit(self, tu_id: int) -> TranslationUnit:
        return self._units.get_unit(tu_id)

    def get_units(self, tu_ids: Iterable[int]) -> dict[int, TranslationUnit]:
        return self._units.get_units(tu_ids)

    def count_units(self) -> int:
        return self._units.count_units()

    def unit_ids(self, units: Iterable[TranslationUnit]) -> list[int | None]:
        return self._units.unit_ids(units)

    def lookup_exact(self, sources: Iterable[str], src_lang: str, tgt_lang: str, *,
                     hashes: Iterable[str] | None = None) -> dict[str, TranslationUnit]:
        return self._units.lookup_exact(sources, src_lang, tgt_lang, hashes=hashes)

    def approved_targets(self, sources: Iterable[str], src_lang: str, tgt_lang: str) -> dict[str, TranslationUnit]:
        return self._units.approved_targets(sources, src_lang, tgt_lang)

    def language_pairs(self) -> list[tuple[str, str]]:
        return self._units.language_pairs()

    def iter_units(self, *, status: Sequence[str] | None = None, doc: str | None = None,
                   src_lang: str | None = None, tgt_lang: str | None = None,
                   batch: int = 2000) -> Iterator[TranslationUnit]:
        doc_id = self._documents.get_document(doc).id if doc is not None else None
        return self._units.iter_units(status=status, doc_id=doc_id, src_lang=src_lang, tgt_lang=tgt_lang,
                                      batch=batch)

    # -- documents and their segments
    def save_document(self, name: str, text: str, segments: Sequence[Segment], src_lang: str, tgt_lang: str,
                      hashes: Sequence[str] | None = None, links: Mapping[int, SegmentLink] | None = None) -> int:
        return self._documents.save_document(name, text, segments, src_lang, tgt_lang, hashes, links)

    def link_segments(self, doc_id: int, links: dict[int, int], matches: dict[int, int | None] | None = None) -> None:
        self._documents.link_segments(doc_id, links, matches)

    def link_sources(self, doc_id: int, links: dict[str, int], match: int | None = None,
                     suggestions: Mapping[str, tuple[int, int]] | None = None) -> None:
        self._documents.link_sources(doc_id, links, match, suggestions)

    def record_suggestions(self, doc_id: int, suggestions: dict[int, tuple[int, int] | None]) -> None:
        self._documents.record_suggestions(doc_id, suggestions)

    def document_units(self, name: str) -> set[int]:
        return self._documents.document_units(name)

    def mark_own_mt(self, doc_id: int, tu_ids: Iterable[int]) -> None:
        self._documents.mark_own_mt(doc_id, tu_ids)

    def get_document(self, name: str) -> Document:
        return self._documents.get_document(name)

    def documents(self) -> list[Document]:
        return self._documents.documents()

    def document_text(self, name: str) -> str:
        return self._documents.document_text(name)

    def pairs(self, name: str) -> list[Pair]:
        return self._documents.pairs(name)

    # -- fuzzy, context and concordance lookups
    def fuzzy_index(self) -> FuzzyIndex:
        return self.db.fuzzy_index()

    def update_fuzzy_index(self, *, minimum: int = 0) -> int:
        return self._lookup.update_fuzzy_index(minimum=minimum)

    def search_fuzzy(self, text: str, src_lang: str = "id", tgt_lang: str = "en", *,
                     min_score: float = DEFAULT_MIN_SCORE, limit: int = 5, prev_source: str | None = None,
                     next_source: str | None = None, source_hash: str | None = None) -> list[FuzzyMatch]:
        return self._lookup.search_fuzzy(text, src_lang, tgt_lang, min_score=min_score, limit=limit,
                                         prev_source=prev_source, next_source=next_source,
                                         source_hash=source_hash)

    def lookup_fuzzy(self, sources: Iterable[str], src_lang: str, tgt_lang: str, *,
                     min_score: float = DEFAULT_MIN_SCORE,
                     hashes: Iterable[str] | None = None) -> dict[str, FuzzyMatch]:
        return self._lookup.lookup_fuzzy(sources, src_lang, tgt_lang, min_score=min_score, hashes=hashes)

    def lookup_context(self, items: Iterable[tuple[str, str | None, str | None]], src_lang: str,
                       tgt_lang: str, *, hashes: Sequence[str] | None = None) -> dict[int, TranslationUnit]:
        return self._lookup.lookup_context(items, src_lang, tgt_lang, hashes=hashes)

    def suggestions(self, name: str) -> dict[int, FuzzyMatch]:
        return self._lookup.suggestions(name)

    def concordance(self, phrase: str, *, src_lang: str | None = None, tgt_lang: str | None = None,
                    side: str = "both", limit: int = 20) -> list[Concordance]:
        return self._lookup.concordance(phrase, src_lang=src_lang, tgt_lang=tgt_lang, side=side, limit=limit)

    # -- review, history, scores
    def review_pairs(self, name: str, *, statuses: Sequence[str] | None = None,
                     origins: Sequence[str] | None = None) -> list[ReviewPair]:
        return self._history.review_pairs(name, statuses=statuses, origins=origins)

    def document_pairs(self, name: str) -> list[ReviewPair]:
        return self._history.document_pairs(name)

    def history(self, tu_id: int) -> list[Change]:
        return self._history.history(tu_id)

    def unit_segments(self, tu_id: int) -> list[tuple[str, int]]:
        return self._history.unit_segments(tu_id)

    def machine_targets(self, tu_ids: Iterable[int]) -> dict[int, str]:
        return self._history.machine_targets(tu_ids)

    def set_status(self, tu_id: int, status: str, *, author: str | None = None,
                   expected: TranslationUnit | None = None) -> TranslationUnit:
        return self._history.set_status(tu_id, status, author=author, expected=expected)

    def set_document_status(self, name: str, status: str, *, origins: Sequence[str] | None = None,
                            statuses: Sequence[str] | None = None, author: str | None = None) -> dict[str, int]:
        return self._history.set_document_status(name, status, origins=origins, statuses=statuses, author=author)

    def edit_target(self, tu_id: int, target: str, *, author: str | None = None, status: str = "approved",
                    expected: TranslationUnit | None = None) -> TranslationUnit:
        return self._history.edit_target(tu_id, target, author=author, status=status, expected=expected)

    def corpus_scores(self, name: str) -> list[StoredCorpusScore]:
        return self._scores.corpus_scores(name)

    def save_scores(self, name: str, corpus: Iterable[StoredCorpusScore],
                    sentences: Iterable[tuple[int, StoredScore]]) -> None:
        self._scores.save_scores(name, corpus, sentences)

    # -- a document a page at a time (tmtool serve)
    def review_index(self, name: str) -> list[IndexRow]:
        return self._browse.review_index(name)

    def status_counts(self, name: str) -> dict[str, int]:
        return self._browse.status_counts(name)

    def review_page(self, name: str, indexes: Iterable[int]) -> list[ReviewPair]:
        return self._browse.review_page(name, indexes)

    def page_suggestions(self, name: str, indexes: Iterable[int]) -> dict[int, tuple[int, TranslationUnit]]:
        return self._browse.page_suggestions(name, indexes)

    # -- glossary and QA findings
    def import_glossary(self, entries: Iterable[GlossaryEntry], *, origin: str | None = None) -> GlossaryImport:
        return self._glossary.import_glossary(entries, origin=origin)

    def glossary(self, ids: Sequence[int] | None = None) -> list[GlossaryEntry]:
        return self._glossary.glossary(ids)

    def search_glossary(self, text: str, *, limit: int = 50) -> list[GlossaryEntry]:
        return self._glossary.search_glossary(text, limit=limit)

    def glossary_size(self) -> tuple[int, int]:
        return self._glossary.glossary_size()

    def save_findings(self, name: str, findings: Iterable[Finding]) -> int:
        return self._glossary.save_findings(name, findings)

    def findings(self, name: str) -> list[Finding]:
        return self._glossary.findings(name)

    def findings_checked_at(self, name: str) -> str | None:
        return self._glossary.findings_checked_at(name)

    def consistency_conflicts(self, tu_ids: Sequence[int] | None = None) -> list[tuple[int, str, int, str]]:
        return self._glossary.consistency_conflicts(tu_ids)

    # -- bulk import (files: tmtool.exchange reads them) and statistics
    def import_units(self, units: Iterable[TranslationUnit], *, status: str | None = None,
                     progress: Callable[[int], None] | None = None) -> tuple[int, int]:
        return self._imports.import_units(units, status=status, progress=progress)

    def main_source_language(self) -> str:
        return self._units.main_source_language()

    def stats(self) -> dict:
        return memory_stats(self.db)

    # -- whole-memory copy
    def is_empty(self) -> bool:
        return self._whole.is_empty()

    def content_tables(self) -> dict[str, list[str]]:
        return self._whole.content_tables()

    def read_rows(self, table: str, columns: Sequence[str], batch: int = 5000) -> Iterator[list[tuple]]:
        return self._whole.read_rows(table, columns, batch)

    def write_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        self._whole.write_rows(table, columns, rows)

    def finish_copy(self) -> None:
        self.db.dialect.finish_copy(self.db)
        self.update_fuzzy_index()
        self.db.dialect.after_import(self.db, 1000)
