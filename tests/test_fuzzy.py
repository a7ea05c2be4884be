"""Fuzzy matching: pinned CAT scores, 100/99/101, the persistent index against brute force,
concordance, and the translate integration (suggestions, --fuzzy-reuse)."""

from __future__ import annotations

import random

import pytest

from tmtool import SQLiteMemory, TranslationUnit, translate_document
from tmtool.memory import open_memory
from tmtool.memory.fuzzy import FOLD_MIN, cat_score, similarity, word_diff, word_similarity
from tmtool.translate import Translator


@pytest.fixture
def tm_path(memory_location):
    """The store tests of this module run on both back ends (SQLite file, PostgreSQL server)."""
    return memory_location


def unit(source, target, **kw) -> TranslationUnit:
    return TranslationUnit(id=None, source=source, target=target, **kw)


# -- scores, pinned on hand-made examples ---------------------------------------------------


def test_character_level_cat_percentage():
    assert similarity("kitten", "sitting") == pytest.approx(100 * (1 - 3 / 7))
    a = "Presiden Joko Widodo tiba di Jakarta pada hari Senin."
    b = "Presiden Joko Widodo tiba di Bandung pada hari Senin."
    assert similarity(a, b) == pytest.approx(100 * (1 - 6 / 53))  # Jakarta -> Bandung: 6 edits
    assert cat_score(a, b) == 88
    # Whitespace is normalised before comparing: not a difference at all.
    assert cat_score("Dia  pergi ke pasar.", " Dia pergi ke pasar. ") == 100


def test_exact_is_100_case_or_punctuation_only_is_99_and_any_other_edit_at_most_98():
    s = "Menteri Luar Negeri Retno Marsudi bertemu dengan Presiden Azerbaijan Ilham Aliyev di Baku."
    assert cat_score(s, s) == 100
    assert cat_score(s, s.lower()) == 99
    assert cat_score(s, s.replace(".", "!")) == 99
    assert cat_score(s, s.replace("Baku", "Bake")) == 98  # 98.9 by the formula, but a word changed
    assert cat_score("Ya.", "ya") == 99


def test_word_similarity_and_diff():
    a, b = "Dia membeli buku baru di toko.", "Dia membeli buku lama di pasar."
    assert word_similarity(a, b) == pytest.approx(100 * (1 - 2 / 7))
    assert word_diff(a, b) == (("=", "Dia membeli buku"), ("-", "baru"), ("+", "lama"), ("=", "di"),
                               ("-", "toko"), ("+", "pasar"), ("=", "."))


# -- the store: search, context, index ------------------------------------------------------


def test_search_ranks_context_above_exact_above_fuzzy(tm_path):
    with open_memory(tm_path) as tm:
        tm.add_units([
            unit("Dia pergi ke pasar.", "He went to the market.", origin="human", status="approved"),
            unit("Dia pergi ke pasar.", "She went to the market.", prev_source="Ibu bangun pagi.",
                 next_source="Dia membeli sayur."),
            unit("Dia pergi ke pasar ikan.", "He went to the fish market."),
            unit("dia pergi ke pasar", "he went to the market"),
            unit("Kami pergi ke sekolah.", "We went to school."),
        ])
        plain = tm.search_fuzzy("Dia pergi ke pasar.", limit=10)
        assert [(m.score, m.unit.target) for m in plain] == [
            (100, "He went to the market."), (100, "She went to the market."),
            (99, "he went to the market"), (79, "He went to the fish market."),
        ]
        ctx = tm.search_fuzzy("Dia pergi ke pasar.", prev_source="Ibu bangun pagi.",
                              next_source="Dia membeli sayur.")
        assert (ctx[0].score, ctx[0].unit.target) == (101, "She went to the market.")
        assert [m.score for m in tm.search_fuzzy("Dia pergi ke pasar.", min_score=80)] == [100, 100, 99]


def test_rejected_units_never_match(tm_path):
    with open_memory(tm_path) as tm:
        (tu,) = tm.add_units([unit("Dia pergi ke pasar.", "Bad.", status="rejected")])
        assert tm.search_fuzzy("Dia pergi ke pasar.") == []


def _near_duplicates(rng: random.Random, n: int) -> list[str]:
    vocab = ("pemerintah presiden menteri kota daerah rakyat ekonomi pasar harga beras minyak "
             "sekolah guru murid rumah sakit dokter jalan banjir hujan kereta bandara pesawat "
             "kemarin hari ini besok tahun bulan minggu akan telah sudah belum tidak juga").split()
    bases = [" ".join(rng.choice(vocab) for _ in range(rng.randint(4, 16))).capitalize() + "."
             for _ in range(n // 10)]
    out = []
    for i in range(n):
        words = rng.choice(bases).split()
        for _ in range(rng.randint(0, 3)):
            words[rng.randrange(len(words))] = rng.choice(vocab)
        out.append(" ".join(words) + f" ({i % 97})")
    return out


def test_index_finds_what_brute_force_finds(tm_path):
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    rng = random.Random(9)
    sources = _near_duplicates(rng, 4000)
    with open_memory(tm_path) as tm:
        tm.add_units(unit(s, f"EN {i}") for i, s in enumerate(sources))
        assert tm.update_fuzzy_index() == len(sources)
        stored = {u.id: u.source for u in tm.iter_units()}
        hits = 0
        queries = [q for q in _near_duplicates(random.Random(10), 400)[:60]]
        for q in queries:
            best = process.extractOne(q, stored, scorer=Levenshtein.normalized_similarity)
            found = tm.search_fuzzy(q, limit=1, min_score=50)
            if best[1] * 100 >= 75:
                hits += bool(found) and found[0].similarity == pytest.approx(best[1] * 100)
            else:
                hits += 1
        assert hits == len(queries)


def test_units_added_after_the_index_was_built_are_found_then_folded(tm_path):
    with open_memory(tm_path) as tm:
        tm.add_units([unit("Satu dua tiga empat lima.", "One two three four five.")])
        tm.update_fuzzy_index()
        tm.add_units([unit("Enam tujuh delapan sembilan.", "Six seven eight nine.")])
        assert tm.fuzzy_index().pending() == 1
        assert tm.search_fuzzy("Enam tujuh delapan sembilan!")[0].score == 99
        tm.add_units(unit(f"Kalimat nomor {i}.", f"Sentence {i}.") for i in range(FOLD_MIN))
        tm.search_fuzzy("Kalimat nomor 7.")  # a lookup folds once enough units wait
        assert tm.fuzzy_index().pending() == 0
        assert tm.search_fuzzy("Enam tujuh delapan sembilan!")[0].score == 99


def test_index_survives_reopening(tm_path):
    with open_memory(tm_path) as tm:
        tm.add_units(unit(f"Harga beras naik {i} persen di pasar.", f"Rice {i}.") for i in range(50))
        tm.update_fuzzy_index()
    with open_memory(tm_path) as tm:
        assert tm.fuzzy_index().pending() == 0
        assert tm.search_fuzzy("Harga beras naik 17 persen di pasar kota.")[0].unit.target == "Rice 17."


def test_concordance_finds_words_and_phrases_on_either_side(tm_path):
    with open_memory(tm_path) as tm:
        tm.add_units([
            unit("Ilham Aliyev tiba di Jakarta.", "Ilham Aliyev arrived in Jakarta."),
            unit("Presiden Aliyev berbicara.", "President Aliyev spoke."),
            unit("Hujan turun di Bandung.", "It rained in Bandung."),
        ])
        assert len(tm.concordance("aliyev")) == 2
        assert [c.unit.source for c in tm.concordance("tiba di jakarta")] == ["Ilham Aliyev tiba di Jakarta."]
        assert [c.unit.target for c in tm.concordance("rained", side="target")] == ["It rained in Bandung."]
        assert tm.concordance("rained", side="source") == []
        assert tm.concordance('"; DROP') == []


# -- translate --------------------------------------------------------------------------


class Echo(Translator):
    model_id = "echo"

    def __init__(self):
        self.seen = []

    def translate_batch(self, texts):
        self.seen += texts
        return [f"MT {t}" for t in texts]


TEXT = "Ibu bangun pagi. Dia pergi ke pasar. Dia membeli sayur.\n\nHarga beras naik lima persen di pasar Senen.\n"


def _seed(tm):
    tm.add_units([
        unit("Dia pergi ke pasar.", "He went to the market.", origin="human", status="approved"),
        unit("Dia pergi ke pasar.", "She went to the market.", origin="human",
             prev_source="Ibu bangun pagi.", next_source="Dia membeli sayur."),
        unit("Harga beras naik empat persen di pasar Senen.", "Rice prices rose four percent at Senen market.",
             origin="imported"),
    ])


def test_translate_reuses_context_and_records_fuzzy_suggestions(tm_path):
    with open_memory(tm_path) as tm:
        _seed(tm)
        engine = Echo()
        r = translate_document(TEXT, tm, lambda: engine, name="a")
        by = {s.segment.text: s for s in r.segments}
        assert (by["Dia pergi ke pasar."].match, by["Dia pergi ke pasar."].target) == (101, "She went to the market.")
        assert _found(by["Dia pergi ke pasar."]) == (101, 2)
        rice = by["Harga beras naik lima persen di pasar Senen."]
        assert (rice.origin, rice.match, _found(rice)) == ("mt", 0, (91, 3))  # 0: the model made it
        assert by["Ibu bangun pagi."].fuzzy is None
        suggestion = tm.suggestions("a")[rice.segment.index]
        assert (suggestion.score, suggestion.unit.target) == (91, "Rice prices rose four percent at Senen market.")
        assert suggestion.diff[-3:] == (("-", "empat"), ("+", "lima"), ("=", "persen di pasar Senen."))


class Threaded(Echo):
    """Echo that notes the thread it runs in, and takes its time."""

    def __init__(self):
        super().__init__()
        self.threads = set()

    def translate_batch(self, texts):
        import threading
        import time

        self.threads.add(threading.current_thread().name)
        time.sleep(0.02)
        return super().translate_batch(texts)


def test_suggestions_are_looked_up_while_the_model_works_and_never_come_from_its_output(tm_path):
    """The engine runs in a thread while the suggestions are looked up; they are recorded before
    any unit the model makes is stored, so two new near-identical sentences never suggest each
    other (the result does not depend on timing)."""
    text = TEXT + "\nKapal itu berlayar ke pelabuhan Tanjung Priok pada pagi hari.\n" \
        "Kapal itu berlayar ke pelabuhan Tanjung Perak pada pagi hari.\n"
    with open_memory(tm_path) as tm:
        _seed(tm)
        engine = Threaded()
        r = translate_document(text, tm, lambda: engine, name="a", batch_size=1)
        assert engine.threads == {"tmtool-engine"}
        by = {s.segment.text: s for s in r.segments}
        assert _found(by["Harga beras naik lima persen di pasar Senen."]) == (91, 3)
        ships = [s for t, s in by.items() if t.startswith("Kapal")]
        assert [s.fuzzy for s in ships] == [None, None] and all(s.origin == "mt" for s in ships)
        assert set(tm.suggestions("a")) == {by["Harga beras naik lima persen di pasar Senen."].segment.index}
        # A second document now finds the first one's ships as suggestions: they are in the memory.
        r2 = translate_document(text.replace("pagi", "sore"), tm, lambda: Threaded(), name="b", batch_size=1)
        assert all(s.fuzzy is not None for s in r2.segments if s.segment.text.startswith("Kapal"))


def test_with_fuzzy_reuse_the_model_runs_after_the_plan_in_this_thread(tm_path):
    with open_memory(tm_path) as tm:
        _seed(tm)
        engine = Threaded()
        translate_document(TEXT, tm, lambda: engine, name="a", fuzzy_reuse=95)
        assert engine.threads == {"MainThread"}


def test_an_engine_error_in_its_thread_is_raised_here_after_the_finished_batches(tm_path):
    from tmtool.errors import ModelError

    class Failing(Echo):
        def translate_batch(self, texts):
            if len(self.seen) >= 2:
                raise ModelError("CTranslate2 failed on a batch (out of memory)")
            return super().translate_batch(texts)

    with open_memory(tm_path) as tm:
        before = tm.count_units()
        with pytest.raises(ModelError, match="out of memory"):
            translate_document(TEXT, tm, Failing, name="a", batch_size=1)
        assert tm.count_units() == before + 2


def test_fuzzy_reuse_takes_a_good_enough_match_instead_of_the_model(tm_path, new_memory_location):
    other = new_memory_location("other")
    with open_memory(tm_path) as tm:
        _seed(tm)
        engine = Echo()
        text = TEXT.replace("Senen", "Minggu")
        r = translate_document(text, tm, lambda: engine, name="b", fuzzy_reuse=80)
        rice = r.segments[-1]
        assert (rice.origin, rice.match, rice.target) == ("tm", 80, "Rice prices rose four percent at Senen market.")
        assert (rice.unit.status, rice.unit.model, rice.unit.props["fuzzy"]) == ("draft", "tm-fuzzy", {"tu_id": 3, "score": 80})
        assert rice.segment.text not in engine.seen
        assert _found(rice) == (80, 3)  # the match found, not the unit made from it
    with open_memory(other) as tm:
        _seed(tm)
        engine = Echo()
        r = translate_document(text, tm, lambda: engine, name="c", fuzzy_reuse=81)
        assert r.segments[-1].origin == "mt" and r.segments[-1].segment.text in engine.seen


def test_migration_003_indexes_the_units_of_an_older_memory(tmp_path):
    import sqlite3

    tm_path = tmp_path / "tm" / "tm.sqlite"
    from tmtool.memory.migrations import MIGRATIONS
    from tmtool.memory.sqlite import _split_sql

    tm_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(tm_path)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in MIGRATIONS:
        if name >= "003":
            break
        for statement in _split_sql(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO _migrations VALUES (?, 'then')", (name,))
    conn.execute(
        "INSERT INTO units (src_lang, tgt_lang, source, target, source_hash, target_hash, origin, status, "
        "created_at, updated_at) VALUES ('id', 'en', 'Hujan turun di Bandung.', 'It rained in Bandung.', "
        "'h1', 'h2', 'mt', 'draft', 'then', 'then')"
    )
    conn.commit()
    conn.close()
    with SQLiteMemory(tm_path) as tm:
        assert tm.schema_version >= "003_fuzzy_concordance"
        assert [c.unit.id for c in tm.concordance("bandung")] == [1]
        assert tm.search_fuzzy("Hujan turun di Bandung!")[0].score == 99
        assert tm.update_fuzzy_index() == 1


def _found(result):
    """A segment result's best match found, as ``(score, tu_id)`` (None: none)."""
    return (result.fuzzy.score, result.fuzzy.tu_id) if result.fuzzy else None
