"""Append-only schema migrations. Never edit a released step: add a new one.

Each step runs in its own transaction and is recorded in ``_migrations``; the store applies the
pending ones when it opens a memory (see :meth:`TranslationMemory._migrate`).
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "001_initial",
        """
        CREATE TABLE units (
            id INTEGER PRIMARY KEY,
            src_lang TEXT NOT NULL,
            tgt_lang TEXT NOT NULL,
            source TEXT NOT NULL,
            target TEXT NOT NULL,
            source_hash TEXT NOT NULL,
            target_hash TEXT NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('mt', 'human', 'imported', 'aligned')),
            model TEXT,
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected')),
            author TEXT,
            prev_source TEXT,
            next_source TEXT,
            props TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- One unit per distinct pair: a second process that translates the same sentence to the
        -- same text finds the first one's row instead of adding a duplicate.
        CREATE UNIQUE INDEX units_pair ON units (src_lang, tgt_lang, source_hash, target_hash);

        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            content_hash TEXT NOT NULL,
            src_lang TEXT NOT NULL,
            tgt_lang TEXT NOT NULL,
            source_text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE segments (
            doc_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            paragraph INTEGER NOT NULL,
            line INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            source TEXT NOT NULL,
            source_hash TEXT NOT NULL,
            tu_id INTEGER REFERENCES units (id) ON DELETE SET NULL,
            PRIMARY KEY (doc_id, idx)
        ) WITHOUT ROWID;
        CREATE INDEX segments_tu ON segments (tu_id);
        """,
    ),
]
