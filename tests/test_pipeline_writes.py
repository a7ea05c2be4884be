"""The pipeline owns reuse and writes each segment row once (issue 15): a row the memory answers
is inserted with its link, match and suggestion; a row the model translates is inserted, then
updated once when its unit is stored. What an interrupted run leaves is what it always left."""

from __future__ import annotations

import pytest

from tmtool import JobOptions, TranslationUnit, translate_document
from tmtool.errors import ModelError
from tmtool.memory import SQLiteMemory
from tmtool.reuse import MODEL, Match
from tmtool.translate import Translator

TEXT = ("Ibu bangun pagi. Harga beras naik lima persen di pasar Senen.\n\n"
        "Kapal itu tiba di Surabaya kemarin. Dia pergi ke pasar.\n")


class Echo(Translator):
    model_id = "echo"

    def __init__(self, fail_after: int | None = None):
        self.seen: list[str] = []
        self.fail_after = fail_after

    def translate_batch(self, texts):
        if self.fail_after is not None and len(self.seen) >= self.fail_after:
            raise ModelError("CTranslate2 failed on a batch (out of memory)")
        self.seen += texts
        return [f"MT {t}" for t in texts]


def _seed(tm) -> None:
    tm.add_units([
        TranslationUnit(None, "Harga beras naik empat persen di pasar Senen.",
                        "Rice prices rose four percent at Senen market.", origin="imported"),
        TranslationUnit(None, "Kapal itu tiba di Jakarta kemarin.", "The ship arrived in Jakarta yesterday.",
                        origin="imported"),
        TranslationUnit(None, "Dia pergi ke pasar.", "She went to the market.", origin="human", status="approved"),
    ])


def _count_row_writes(tm: SQLiteMemory) -> None:
    """From now on, every INSERT and UPDATE of a segments row adds a row to ``row_writes``."""
    tm.conn.execute("CREATE TEMP TABLE row_writes (idx INTEGER)")
    for event in ("INSERT", "UPDATE"):
        tm.conn.execute(f"CREATE TEMP TRIGGER count_{event.lower()} AFTER {event} ON main.segments "
                        "BEGIN INSERT INTO row_writes VALUES (new.idx); END")


def _row_writes(tm: SQLiteMemory) -> dict[int, int]:
    rows = tm.conn.execute("SELECT idx, count(*) FROM row_writes GROUP BY idx").fetchall()
    tm.conn.execute("DELETE FROM row_writes")
    return {r[0]: r[1] for r in rows}


def test_a_row_the_memory_answers_is_written_once_and_one_the_model_translates_twice(tm_path):
    with SQLiteMemory(tm_path) as tm:
        _seed(tm)
        _count_row_writes(tm)
        first = translate_document(TEXT, tm, Echo, name="a", batch_size=1)
        # Segment 3 is an exact match: inserted linked. The others: inserted, then linked to the
        # model's unit with their fuzzy suggestion (looked up while the model worked).
        assert [(r.origin, r.match) for r in first.segments] == [("mt", 0), ("mt", 0), ("mt", 0), ("tm", 100)]
        assert _row_writes(tm) == {0: 2, 1: 2, 2: 2, 3: 1}
        assert sorted((i, m.score) for i, m in tm.suggestions("a").items()) == [(1, 91), (2, 82)]
        again = translate_document(TEXT, tm, lambda: pytest.fail("no model needed"), name="a")
        assert [(r.origin, r.match) for r in again.segments] == [("tm", 101)] * 3 + [("tm", 100)]
        assert _row_writes(tm) == {0: 1, 1: 1, 2: 1, 3: 1}
        pairs = tm.document_pairs("a")
        assert [(p.match, p.own_mt) for p in pairs] == [(101, True)] * 3 + [(100, False)]
        assert tm.suggestions("a") == {}  # every segment answered: nothing to suggest


def test_fuzzy_reuse_links_the_made_unit_once_it_is_stored(tm_path):
    with SQLiteMemory(tm_path) as tm:
        _seed(tm)
        _count_row_writes(tm)
        r = translate_document(TEXT, tm, Echo, name="a", fuzzy_reuse=80)
        assert [(s.origin, s.match, s.unit.model) for s in r.segments] == [
            ("mt", MODEL, "echo"), ("tm", 91, "tm-fuzzy"), ("tm", 82, "tm-fuzzy"), ("tm", 100, None)]
        # The suggestion is known at plan time (inserted with the row); the unit made from it is
        # stored in document order with the model's, and its segment linked then.
        assert _row_writes(tm) == {0: 2, 1: 2, 2: 2, 3: 1}
        assert (r.segments[1].fuzzy.score, r.segments[1].fuzzy.tu_id, r.segments[1].fuzzy.kind) == (91, 1, "fuzzy")


def test_an_interrupted_run_keeps_the_suggestions_of_what_it_left_untranslated(memory):
    _seed(memory)
    engine = Echo(fail_after=1)
    with pytest.raises(ModelError, match="out of memory"):
        translate_document(TEXT, memory, lambda: engine, name="a", batch_size=1)
    pairs = memory.pairs("a")
    assert sum(p.unit is not None for p in pairs) == 2  # one batch of the model's and the exact match
    assert len(pairs) == 4  # the untranslated segments are listed too
    # Both fuzzy suggestions were looked up while the model worked: recorded, translated or not.
    assert sorted((i, m.score) for i, m in memory.suggestions("a").items()) == [(1, 91), (2, 82)]
    again = translate_document(TEXT, memory, Echo, name="a")
    assert [s.origin for s in again.segments].count("mt") == 2  # only what was missing


def test_one_match_record_and_one_option_record():
    assert [Match(1, s).kind for s in (101, 100, 99, 75, MODEL)] == ["context", "exact", "fuzzy", "fuzzy", "model"]
    options = JobOptions.of(JobOptions(src_lang="en", tgt_lang="fr"), {"batch_size": 4})
    assert (options.src_lang, options.tgt_lang, options.batch_size, options.reuse) == ("en", "fr", 4, True)
    with pytest.raises(TypeError, match="unknown job option"):
        JobOptions.of(None, {"source_lang": "en"})
