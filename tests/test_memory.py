import sqlite3

import pytest

from tmtool.errors import Conflict, MemoryNotFound, NotFound, TMError
from tmtool.memory import SQLiteMemory, normalize, open_memory, text_hash
from tmtool.memory.migrations import MIGRATIONS
from tmtool.records import Segment, TranslationUnit


def unit(source, target, **kw):
    return TranslationUnit(id=None, source=source, target=target, **kw)


def test_migrations_create_the_schema(tm_path):
    with SQLiteMemory(tm_path) as tm:
        tables = {r[0] for r in tm.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"units", "documents", "segments", "_migrations"} <= tables
        assert tm.schema_version == MIGRATIONS[-1][0]
        applied = [r[0] for r in tm.conn.execute("SELECT name FROM _migrations ORDER BY name")]
        assert applied == [name for name, _ in MIGRATIONS]
        assert tm.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Reopening applies nothing twice.
    with SQLiteMemory(tm_path) as tm:
        assert tm.conn.execute("SELECT count(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)


def test_creates_parent_folder_but_read_only_open_needs_a_file(tmp_path):
    with pytest.raises(MemoryNotFound, match="no translation memory at"):
        SQLiteMemory(tmp_path / "nope" / "tm.sqlite", create=False)
    assert not (tmp_path / "nope").exists()
    SQLiteMemory(tmp_path / "new" / "dir" / "tm.sqlite").close()
    assert (tmp_path / "new" / "dir" / "tm.sqlite").is_file()


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "tm.sqlite"
    bad.write_text("this is not sqlite " * 100)
    with pytest.raises(TMError, match="not a"):
        SQLiteMemory(bad)
    assert bad.read_text().startswith("this is not sqlite")


def test_normalisation_folds_whitespace_and_unicode_but_keeps_case():
    assert normalize("  Presiden\u00a0 Jokowi\n tiba. ") == "Presiden Jokowi tiba."
    assert normalize("Cafe\u0301") == "Café"
    assert text_hash("Presiden  tiba.") == text_hash("Presiden tiba.")
    assert text_hash("Presiden tiba.") != text_hash("presiden tiba.")


# -- the store, on both back ends (SQLite file, PostgreSQL server) -------------------------


def test_both_back_ends_implement_the_store_interface(memory):
    from tmtool.memory import TranslationMemory

    assert isinstance(memory, TranslationMemory)
    missing = [m for m in dir(TranslationMemory) if not m.startswith("_") and not hasattr(memory, m)]
    assert missing == []


def test_add_units_merges_identical_pairs(memory):
    tm = memory
    a, b, c = tm.add_units([unit("Halo.", "Hello."), unit("Halo. ", "Hello."), unit("Halo.", "Hi.")])
    assert a == b != c
    assert tm.count_units() == 2
    assert tm.get_unit(a).source == "Halo."


def test_add_units_in_batches_numbers_new_units_in_the_order_given(memory):
    # More units than one INSERT takes (500), given out of key order, with repeats: one batched
    # algorithm on both back ends (issue 15) numbers them as given and stores each once.
    tm = memory
    first = [unit(f"Kalimat {n:04d}.", f"Sentence {n}.") for n in range(1200, 0, -1)]
    ids = tm.add_units(first + first[:3])
    assert ids[:1200] == list(range(ids[0], ids[0] + 1200))
    assert ids[1200:] == ids[:3]
    tm.set_status(ids[5], "approved")  # a person's decision the next add must keep
    again = tm.add_units([unit("Baru.", "New."), first[5], unit("Lain.", "Other."), first[0]])
    assert again == [ids[1199] + 1, ids[5], ids[1199] + 2, ids[0]]
    assert tm.count_units() == 1202
    assert tm.get_unit(ids[5]).status == "approved"
    assert tm.get_unit(again[2]).source == "Lain."


def test_lookup_prefers_approved_then_human_then_mt_and_skips_rejected(memory):
    tm = memory
    mt, human, approved_mt, rejected = tm.add_units(
        [
            unit("Selamat pagi.", "Good morning (mt).", origin="mt", model="m"),
            unit("Selamat pagi.", "Good morning (human).", origin="human"),
            unit("Selamat pagi.", "Good morning (approved).", origin="mt", status="approved"),
            unit("Sampai jumpa.", "Bye.", origin="human", status="rejected"),
        ]
    )
    found = tm.lookup_exact(["Selamat  pagi.", "Sampai jumpa.", "Tidak ada."], "id", "en")
    assert found["Selamat  pagi."].id == approved_mt
    assert set(found) == {"Selamat  pagi."}
    tm.conn.execute("UPDATE units SET status = 'draft' WHERE id = ?", (approved_mt,))
    assert tm.lookup_exact(["Selamat pagi."], "id", "en")["Selamat pagi."].id == human
    assert tm.lookup_exact(["Selamat pagi."], "id", "ms") == {}


def test_atomic_rolls_back_everything_on_error(memory):
    tm = memory
    with pytest.raises(RuntimeError):
        with tm.atomic():
            tm.add_units([unit("Satu.", "One.")])
            raise RuntimeError("crash between two writes")
    assert tm.count_units() == 0


def test_nested_atomic_is_a_savepoint(memory):
    tm = memory
    with tm.atomic():
        tm.add_units([unit("Satu.", "One.")])
        with pytest.raises(ValueError):
            with tm.atomic():
                tm.add_units([unit("Dua.", "Two.")])
                raise ValueError
    assert [u for u in tm.lookup_exact(["Satu.", "Dua."], "id", "en")] == ["Satu."]


def test_invalid_unit_values_are_refused_and_nothing_is_written(memory):
    tm = memory
    with pytest.raises(ValueError, match="unknown origin"):
        tm.add_units([unit("Satu.", "One."), unit("Dua.", "Two.", origin="robot")])
    assert tm.count_units() == 0


def test_documents_keep_segments_and_links(memory):
    text = "Satu. Dua.\n\nTiga."
    segs = [Segment(0, 0, 5, "Satu.", 0, 0), Segment(1, 6, 10, "Dua.", 0, 0), Segment(2, 12, 17, "Tiga.", 1, 2)]
    tm = memory
    doc_id = tm.save_document("doc.txt", text, segs, "id", "en")
    (one,) = tm.add_units([unit("Satu.", "One.")])
    tm.link_segments(doc_id, {0: one})
    pairs = tm.pairs("doc.txt")
    assert [p.segment for p in pairs] == segs
    assert pairs[0].unit.target == "One." and pairs[1].unit is None
    assert tm.document_text("doc.txt") == text
    (doc,) = tm.documents()
    assert (doc.name, doc.segment_count) == ("doc.txt", 3)
    # Saving again replaces the segments instead of appending to them.
    tm.save_document("doc.txt", "Satu.", segs[:1], "id", "en")
    assert len(tm.pairs("doc.txt")) == 1
    with pytest.raises(NotFound):
        tm.pairs("other.txt")


def test_history_of_edits_and_status_changes(memory):
    tm = memory
    (tu,) = tm.add_units([unit("Penerjemah: Xinhua", "Interpreter: Xinhua", model="m")])
    tm.set_status(tu, "approved", author="ayu")
    edited = tm.edit_target(tu, "Translator: Xinhua", author="budi", status="draft")
    assert (edited.target, edited.origin, edited.status, edited.author) == ("Translator: Xinhua", "human", "draft", "budi")
    changes = [(h.action, h.old_target, h.new_target, h.old_status, h.new_status, h.author) for h in tm.history(tu)]
    assert changes == [
        ("approve", "Interpreter: Xinhua", "Interpreter: Xinhua", "draft", "approved", "ayu"),
        ("edit", "Interpreter: Xinhua", "Translator: Xinhua", "approved", "draft", "budi"),
    ]
    assert tm.machine_targets([tu]) == {tu: "Interpreter: Xinhua"}
    with pytest.raises(NotFound):
        tm.history(tu + 1)


def test_a_change_based_on_a_stale_read_is_refused_not_saved_over(memory_location):
    # Two reviewers (two connections) on one unit: the second saw it before the first saved.
    with open_memory(memory_location) as ayu, open_memory(memory_location) as budi:
        (tu,) = ayu.add_units([unit("Satu.", "One.")])
        seen_by_ayu = ayu.get_unit(tu)
        budi.edit_target(tu, "One!", author="budi", expected=budi.get_unit(tu))
        with pytest.raises(Conflict, match=f"unit {tu} was changed by budi .*nothing was saved"):
            ayu.edit_target(tu, "1.", author="ayu", expected=seen_by_ayu)
        with pytest.raises(Conflict):
            ayu.set_status(tu, "rejected", author="ayu", expected=seen_by_ayu)
        assert (ayu.get_unit(tu).target, ayu.get_unit(tu).status) == ("One!", "approved")
        assert [h.author for h in ayu.history(tu)] == ["budi"]
        # Shown the unit as it is now, the reviewer's change goes through.
        assert ayu.edit_target(tu, "1.", author="ayu", expected=ayu.get_unit(tu)).target == "1."


def test_write_to_read_only_memory_is_a_clear_error(tm_path):
    with SQLiteMemory(tm_path) as tm:
        tm.add_units([unit("Satu.", "One.")])
        tm.conn.execute("PRAGMA query_only = ON")  # what a read-only file gives, even as root
        with pytest.raises(TMError, match="read-only; nothing was written"):
            tm.add_units([unit("Dua.", "Two.")])
        assert tm.count_units() == 1
