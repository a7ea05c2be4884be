"""The store interface: what the CLI, the pipeline and the review loop call on a memory.

Two classes implement it: :class:`~tmtool.memory.sqlite.SQLiteMemory` (one SQLite file) and
:class:`~tmtool.memory.pg.PostgresMemory` (a PostgreSQL database shared by a team). Both are
the one :class:`~tmtool.memory.store.Store` over their own database, and for the same content they return the
same results: exact and fuzzy matches (same candidates, rescored by the same code), pairs,
history and statistics (issue 7). :func:`~tmtool.memory.open_memory` picks the class from the
location (a path, or a ``postgresql://`` URL).

Guarantees both give: every write is one transaction (:meth:`atomic` nests with savepoints);
a unit is stored once per language pair, source and target, however many processes add it at
once; an edit or status change made with ``expected=`` (the unit as the caller read it) raises
:class:`~tmtool.errors.Conflict` instead of overwriting another writer's change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..records import Document, Segment, TranslationUnit
    from .fuzzy import FuzzyMatch
    from .records import (
        Change, Concordance, Finding, GlossaryEntry, GlossaryImport, IndexRow, Pair, ReviewPair,
        SegmentLink, StoredCorpusScore, StoredScore,
    )


@runtime_checkable
class TranslationMemory(Protocol):
    """A translation memory, whichever database holds it."""

    path: Path | str  # where it is, for messages (a server URL without its password)

    # -- life cycle and transactions
    def atomic(self) -> AbstractContextManager[Any]:
        """A write transaction; nested calls become savepoints of the outer one."""
    def snapshot(self) -> AbstractContextManager[Any]:
        """Reads that see one consistent state of the memory (a read transaction)."""
    def close(self) -> None:
        """Close the connection."""
    def __enter__(self) -> TranslationMemory:
        """The memory itself, closed by :meth:`__exit__`."""
    def __exit__(self, *exc: object) -> None:
        """Close the memory."""
    @property
    def schema_version(self) -> str:
        """The name of the last migration applied."""

    # -- units
    def add_units(self, units: Iterable[TranslationUnit]) -> list[int]:
        """Store units; their ids in the order given. A unit already stored (same languages,
        source and target) keeps its row and id; concurrent writers never store one twice."""
    def get_unit(self, tu_id: int) -> TranslationUnit:
        """The unit with id ``tu_id``; :class:`~tmtool.errors.NotFound` if none."""
    def get_units(self, tu_ids: Iterable[int]) -> dict[int, TranslationUnit]:
        """The units with these ids that exist, by id."""
    def count_units(self) -> int:
        """How many units the memory holds."""
    def unit_ids(self, units: Iterable[TranslationUnit]) -> list[int | None]:
        """The id of the stored unit with each unit's languages, source and target (None where
        there is none), whatever its status."""
    def lookup_exact(self, sources: Iterable[str], src_lang: str, tgt_lang: str, *,
                     hashes: Iterable[str] | None = None) -> dict[str, TranslationUnit]:
        """The best reusable unit for each source that has one (approved, then by origin, then
        newest), keyed by source. ``hashes``: the sources' text hashes, if known."""
    def language_pairs(self) -> list[tuple[str, str]]:
        """The distinct ``(src_lang, tgt_lang)`` tags of the stored units, as stored."""
    def iter_units(self, *, status: Sequence[str] | None = None, doc: str | None = None,
                   src_lang: str | None = None, tgt_lang: str | None = None,
                   batch: int = 2000) -> Iterator[TranslationUnit]:
        """Every unit matching the filters, by id, read in batches."""

    # -- documents and their segments
    def save_document(self, name: str, text: str, segments: Sequence[Segment], src_lang: str,
                      tgt_lang: str, hashes: Sequence[str] | None = None,
                      links: Mapping[int, SegmentLink] | None = None) -> int:
        """Store (or replace) document ``name`` with its segments, each row written once with what
        ``links`` knows of it (unit, match, own MT, suggestion); its id."""
    def link_segments(self, doc_id: int, links: dict[int, int],
                      matches: dict[int, int | None] | None = None) -> None:
        """Point segments (by index) of document ``doc_id`` at units, with how each was obtained
        (``matches``)."""
    def link_sources(self, doc_id: int, links: dict[str, int], match: int | None = None,
                     suggestions: Mapping[str, tuple[int, int]] | None = None) -> None:
        """Point the unlinked segments whose source hash is a key of ``links`` at that unit, with
        ``match`` and, where ``suggestions`` has one, the best fuzzy match ``(tu_id, score)``."""
    def record_suggestions(self, doc_id: int, suggestions: dict[int, tuple[int, int] | None]) -> None:
        """Record, per segment index, the best fuzzy match found ``(tu_id, score)`` (or None)."""
    def document_units(self, name: str) -> set[int]:
        """The ids of the units document ``name``'s segments are linked to."""
    def mark_own_mt(self, doc_id: int, tu_ids: Iterable[int]) -> None:
        """Record that segments reused from ``tu_ids`` reused the document's own earlier MT (issue 14)."""
    def get_document(self, name: str) -> Document:
        """Document ``name``; :class:`~tmtool.errors.NotFound` if none."""
    def documents(self) -> list[Document]:
        """Every document, the most recently updated first."""
    def document_text(self, name: str) -> str:
        """The text document ``name`` was stored with."""
    def pairs(self, name: str) -> list[Pair]:
        """The segments of document ``name`` in order, each with its unit (or None)."""

    # -- fuzzy, context and concordance lookups
    def search_fuzzy(self, text: str, src_lang: str = "id", tgt_lang: str = "en", *,
                     min_score: float = 75, limit: int = 5, prev_source: str | None = None,
                     next_source: str | None = None, source_hash: str | None = None) -> list[FuzzyMatch]:
        """The units whose source best matches ``text`` (>= ``min_score``), best first; 101 for the
        same context."""
    def lookup_fuzzy(self, sources: Iterable[str], src_lang: str, tgt_lang: str, *,
                     min_score: float = 75, hashes: Iterable[str] | None = None) -> dict[str, FuzzyMatch]:
        """The best fuzzy match of each source that has one, keyed by source."""
    def lookup_context(self, items: Iterable[tuple[str, str | None, str | None]], src_lang: str,
                       tgt_lang: str, *, hashes: Sequence[str] | None = None) -> dict[int, TranslationUnit]:
        """Context matches (101) for ``(source, prev, next)`` items, by position."""
    def suggestions(self, name: str) -> dict[int, FuzzyMatch]:
        """The recorded fuzzy suggestion of each segment of document ``name`` that has one."""
    def concordance(self, phrase: str, *, src_lang: str | None = None, tgt_lang: str | None = None,
                    side: str = "both", limit: int = 20) -> list[Concordance]:
        """Units whose source and/or target contain ``phrase`` (its words, in order), best bm25 rank first."""
    def update_fuzzy_index(self, *, minimum: int = 0) -> int:
        """Fold units waiting for the fuzzy index into it (if at least ``minimum`` wait); how many."""

    # -- review, history, scores
    def review_pairs(self, name: str, *, statuses: Sequence[str] | None = None,
                     origins: Sequence[str] | None = None) -> list[ReviewPair]:
        """The translated segments of document ``name``, filtered by unit status and origin."""
    def document_pairs(self, name: str) -> list[ReviewPair]:
        """Every segment of document ``name``, translated or not, with match and stored scores."""
    def history(self, tu_id: int) -> list[Change]:
        """The recorded changes of unit ``tu_id``, oldest first."""
    def unit_segments(self, tu_id: int) -> list[tuple[str, int]]:
        """Where unit ``tu_id`` is used: (document name, segment index) pairs."""
    def machine_targets(self, tu_ids: Iterable[int]) -> dict[int, str]:
        """The model's text of each unit that has one (its target, or the MT target an edit replaced)."""
    def approved_targets(self, sources: Iterable[str], src_lang: str, tgt_lang: str) -> dict[str, TranslationUnit]:
        """For each source, the best approved unit a person wrote (human, imported, aligned), keyed by
        source."""
    def set_status(self, tu_id: int, status: str, *, author: str | None = None,
                   expected: TranslationUnit | None = None) -> TranslationUnit:
        """Set unit ``tu_id``'s status and record it; :class:`~tmtool.errors.Conflict` if it changed
        since ``expected``."""
    def set_document_status(self, name: str, status: str, *, origins: Sequence[str] | None = None,
                            statuses: Sequence[str] | None = None,
                            author: str | None = None) -> dict[str, int]:
        """Set the status of the selected units of document ``name``; how many changed, by previous status."""
    def edit_target(self, tu_id: int, target: str, *, author: str | None = None,
                    status: str = "approved", expected: TranslationUnit | None = None) -> TranslationUnit:
        """Replace unit ``tu_id``'s target with a person's text, keeping the old one in its history."""
    def corpus_scores(self, name: str) -> list[StoredCorpusScore]:
        """The corpus scores the last ``tmtool score`` stored for document ``name``."""
    # a document a page at a time (tmtool serve)
    def review_index(self, name: str) -> list[IndexRow]:
        """Every segment of document ``name`` in order, light (no unit records)."""
    def status_counts(self, name: str) -> dict[str, int]:
        """How many segments of document ``name`` have each status (``untranslated``: no unit)."""
    def review_page(self, name: str, indexes: Iterable[int]) -> list[ReviewPair]:
        """The segments ``indexes`` of document ``name``, in that order, as ``document_pairs`` gives them."""
    def page_suggestions(self, name: str, indexes: Iterable[int]) -> dict[int, tuple[int, TranslationUnit]]:
        """The fuzzy suggestion recorded for segments ``indexes``: index -> (score, unit)."""
    def save_scores(self, name: str, corpus: Iterable[StoredCorpusScore],
                    sentences: Iterable[tuple[int, StoredScore]]) -> None:
        """Store one scoring run of document ``name``, replacing the previous run's scores."""

    # -- glossary and QA findings (memory/glossary.py, issue 17)
    def import_glossary(self, entries: Iterable[GlossaryEntry], *, origin: str | None = None) -> GlossaryImport:
        """Store glossary entries in one transaction; an entry already stored is not added twice."""
    def glossary(self, ids: Sequence[int] | None = None) -> list[GlossaryEntry]:
        """Every glossary entry (or those with ``ids``) with its terms, in import order."""
    def search_glossary(self, text: str, *, limit: int = 50) -> list[GlossaryEntry]:
        """Entries with a term that contains ``text`` (case and accents folded), at most ``limit``."""
    def glossary_size(self) -> tuple[int, int]:
        """(entries, terms) in the glossary."""
    def save_findings(self, name: str, findings: Iterable[Finding]) -> int:
        """Replace the stored QA findings of document ``name``; how many were stored."""
    def findings(self, name: str) -> list[Finding]:
        """The findings the last ``tmtool qa`` stored for document ``name``, in segment order."""
    def findings_checked_at(self, name: str) -> str | None:
        """When ``tmtool qa`` last stored findings for ``name`` (None: never)."""
    def consistency_conflicts(self, tu_ids: Sequence[int] | None = None) -> list[tuple[int, str, int, str]]:
        """Units that disagree with others: ``(tu_id, kind, other_id, other_text)``."""

    # -- exchange and statistics
    def import_units(self, units: Iterable[TranslationUnit], *, status: str | None = None,
                     progress: Callable[[int], None] | None = None) -> tuple[int, int]:
        """Store ``units`` in one transaction, in batches, merged as :meth:`add_units` does;
        ``(read, added)``. ``status`` overrides theirs; ``progress(read)`` after each batch.
        (Files: :mod:`tmtool.exchange` reads them and calls this.)"""
    def main_source_language(self) -> str:
        """The one source language of the units, ``*all*`` if several, ``id`` if none."""
    def stats(self) -> dict:
        """Units by language pair, origin and status; documents; duplicates; size; index state."""

    # -- whole-memory copy (tmtool tm copy)
    def is_empty(self) -> bool:
        """True when the memory holds no content at all."""
    def content_tables(self) -> dict[str, list[str]]:
        """The content tables with their columns, in the order a copy writes them."""
    def read_rows(self, table: str, columns: Sequence[str], batch: int = 5000) -> Iterator[list[tuple]]:
        """Every row of ``table`` (the given columns), in batches."""
    def write_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """Insert rows as they are, ids included (into an empty memory; inside :meth:`atomic`)."""
    def finish_copy(self) -> None:
        """After :meth:`write_rows`: bring counters and indexes up to date."""
