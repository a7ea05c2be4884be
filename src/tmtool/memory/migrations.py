"""Append-only schema migrations. Never edit a released step: add a new one.

Each step runs in its own transaction and is recorded in ``_migrations``; the store applies the
pending ones when it opens a memory (see :meth:`SQLiteMemory._migrate`).
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
    (
        "002_history",
        """
        -- Every change a person makes to a unit (issue 4): the review loop and `tmtool pairs`
        -- write one row per change, in the same transaction as the change itself.
        CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            tu_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
            action TEXT NOT NULL,
            old_target TEXT,
            new_target TEXT,
            old_status TEXT,
            new_status TEXT,
            old_origin TEXT,
            new_origin TEXT,
            author TEXT,
            at TEXT NOT NULL,
            note TEXT
        );
        CREATE INDEX history_tu ON history (tu_id, id);

        -- How each segment was obtained in the last translate run: the TM match score its
        -- target came from (100 exact, fuzzy bands below), 0 for the model, NULL if not recorded.
        ALTER TABLE segments ADD COLUMN match INTEGER;

        -- Sentence-level scores of a segment's target against its reference(s), each with the
        -- sacrebleu signature. `hypothesis` is the text that was scored, so a later edit shows.
        CREATE TABLE segment_scores (
            doc_id INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            metric TEXT NOT NULL,
            score REAL NOT NULL,
            signature TEXT NOT NULL,
            hypothesis TEXT NOT NULL,
            refs TEXT NOT NULL,
            ref_kind TEXT NOT NULL,
            scored_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, idx, metric),
            FOREIGN KEY (doc_id, idx) REFERENCES segments (doc_id, idx) ON DELETE CASCADE
        ) WITHOUT ROWID;

        -- The corpus scores of the last `tmtool score` run on a document, as sacrebleu printed them.
        CREATE TABLE doc_scores (
            doc_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            metric TEXT NOT NULL,
            score REAL NOT NULL,
            signature TEXT NOT NULL,
            formatted TEXT NOT NULL,
            ci_mean REAL,
            ci_half REAL,
            segments INTEGER NOT NULL,
            ref_kind TEXT NOT NULL,
            scored_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, metric)
        ) WITHOUT ROWID;
        """,
    ),
    (
        "003_fuzzy_concordance",
        """
        -- Concordance (issue 9): full-text index of sources and targets. External content, so the
        -- text is not stored twice; triggers keep it in step with every write to units.
        -- unicode61 without the Co category: the inline-tag markers (private use) separate words.
        CREATE VIRTUAL TABLE units_fts USING fts5 (
            source, target, content = 'units', content_rowid = 'id',
            tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Mc Mn'"
        );
        INSERT INTO units_fts (units_fts) VALUES ('rebuild');
        CREATE TRIGGER units_fts_insert AFTER INSERT ON units BEGIN
            INSERT INTO units_fts (rowid, source, target) VALUES (new.id, new.source, new.target);
        END;
        CREATE TRIGGER units_fts_delete AFTER DELETE ON units BEGIN
            INSERT INTO units_fts (units_fts, rowid, source, target)
                VALUES ('delete', old.id, old.source, old.target);
        END;
        CREATE TRIGGER units_fts_update AFTER UPDATE OF source, target ON units BEGIN
            INSERT INTO units_fts (units_fts, rowid, source, target)
                VALUES ('delete', old.id, old.source, old.target);
            INSERT INTO units_fts (rowid, source, target) VALUES (new.id, new.source, new.target);
        END;

        -- Fuzzy index (see memory/fuzzy.py): trigram postings per language pair and length
        -- bucket (lb), each row one chunk of unit ids packed as uint32; units with an id above
        -- fuzzy_state.watermark are not indexed yet (lookups scan them directly).
        CREATE TABLE fuzzy_pairs (
            id INTEGER PRIMARY KEY,
            src_lang TEXT NOT NULL,
            tgt_lang TEXT NOT NULL,
            UNIQUE (src_lang, tgt_lang)
        );
        CREATE TABLE fuzzy_postings (
            id INTEGER PRIMARY KEY,
            pair INTEGER NOT NULL,
            gram INTEGER NOT NULL,
            lb INTEGER NOT NULL,
            n INTEGER NOT NULL,
            ids BLOB NOT NULL
        );
        CREATE INDEX fuzzy_postings_gram ON fuzzy_postings (pair, gram, lb, n);
        CREATE TABLE fuzzy_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);

        -- The best fuzzy match found for a segment that had no exact one (translate records it,
        -- review and pairs show it as a suggestion).
        ALTER TABLE segments ADD COLUMN fuzzy_tu_id INTEGER;
        ALTER TABLE segments ADD COLUMN fuzzy_score INTEGER;
        """,
    ),
    (
        "004_segments_by_source",
        """
        -- translate links every segment with the same source at once (one statement per distinct
        -- sentence, not one per segment): a document of a million repeated lines stays fast.
        CREATE INDEX segments_source ON segments (doc_id, source_hash);
        """,
    ),
    (
        "005_units_by_provenance",
        """
        -- tm stats counts units by language pair, origin and status: from this index alone
        -- instead of reading every unit's text (3 s at a million units; issue 8).
        CREATE INDEX units_provenance ON units (src_lang, tgt_lang, origin, status);
        """,
    ),
    (
        "006_glossary_qa",
        """
        -- The glossary (termbase, issue 17): one row per concept entry, its terms in every
        -- language below it. entry_key (a hash of the terms) makes importing a file twice a no-op.
        CREATE TABLE glossary_entries (
            id INTEGER PRIMARY KEY,
            entry_key TEXT NOT NULL UNIQUE,
            concept TEXT,
            subject TEXT,
            definition TEXT,
            note TEXT,
            origin TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE glossary_terms (
            entry_id INTEGER NOT NULL REFERENCES glossary_entries (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            lang TEXT NOT NULL,
            term TEXT NOT NULL,
            term_key TEXT NOT NULL,
            pos TEXT,
            status TEXT,
            note TEXT,
            PRIMARY KEY (entry_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX glossary_terms_key ON glossary_terms (term_key);

        -- The findings of the last `tmtool qa` run on a document (replaced by each run).
        CREATE TABLE qa_findings (
            doc_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            tu_id INTEGER,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
            message TEXT NOT NULL,
            spans TEXT NOT NULL,
            target_hash TEXT, -- the unit's target when checked: a later edit makes the finding stale
            checked_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, seq)
        ) WITHOUT ROWID;

        -- QA's consistency check looks up units by target (one target for several sources).
        CREATE INDEX units_by_target ON units (src_lang, tgt_lang, target_hash);
        """,
    ),
    (
        "007_segments_own_mt",
        """
        -- 1 where translate reused this document's own earlier machine translation: not a TM
        -- match of other work, and review, pairs and the report say so (issue 14).
        ALTER TABLE segments ADD COLUMN own_mt INTEGER;
        """,
    ),
]
