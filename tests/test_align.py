"""Sentence alignment (issue 6): English segmenter, beads, DP, scorers, quality on the gold data."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARTICLE, ARTICLE_EN, ARTICLE_EN_SENTENCES

from tmtool.align import (
    Bead,
    align_sentences,
    format_beads,
    parse_beads,
    segment_english,
    strict_scores,
)
from tmtool.align.beads import check_beads
from tmtool.align.document import (
    align_reference,
    align_texts,
    machine_translations,
    store_alignment,
)
from tmtool.align.dp import best_path
from tmtool.align.length import LengthScorer, anchors
from tmtool.align.mt import char_f
from tmtool.errors import FormatError
from tmtool.memory import SQLiteMemory
from tmtool.records import TranslationUnit
from tmtool.translate import Translator

DATA = Path(__file__).parent / "data" / "align"


def load(name: str) -> dict:
    def lines(suffix):
        return (DATA / f"{name}{suffix}").read_text(encoding="utf-8").splitlines()

    return {"src": lines(".src.txt"), "tgt": lines(".tgt.txt"), "mt": lines(".mt.txt"),
            "gold": parse_beads((DATA / f"{name}.gold").read_text(encoding="utf-8"))}


# -- the English segmenter ------------------------------------------------------------------


def test_english_segmenter_splits_the_reference_like_our_sentence_file():
    text = ARTICLE_EN.read_text(encoding="utf-8")
    segments = segment_english(text)
    assert [s.text for s in segments] == ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
    assert all(text[s.start : s.end] == s.text for s in segments)
    assert [s.paragraph for s in segments][:4] == [0, 1, 1, 2]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ("J. K. Rowling wrote it. It sold.", ["J. K. Rowling wrote it.", "It sold."]),
        ("The U.S. Army left. It came from the U.S. He said no.",
         ["The U.S. Army left.", "It came from the U.S.", "He said no."]),
        ("It came from the U.S. The rest stayed.", ["It came from the U.S.", "The rest stayed."]),
        ('"We are ready," he said. "Go!" They went.', ['"We are ready," he said.', '"Go!"', "They went."]),
        ("Prices rose 3.5 percent in Jan. 2023 alone.", ["Prices rose 3.5 percent in Jan. 2023 alone."]),
        ("Wait... what? Yes. (It was late.) Then home.", ["Wait... what?", "Yes.", "(It was late.)", "Then home."]),
        ("e.g. this one, i.e. that one. Next.", ["e.g. this one, i.e. that one.", "Next."]),
        ("Title without a stop\nFirst line. Second line.", ["Title without a stop", "First line.", "Second line."]),
    ],
)
def test_english_segmenter_rules(text, expected):
    assert [s.text for s in segment_english(text)] == expected


def test_english_segmenter_keeps_offsets_lines_and_paragraphs():
    text = "  One. Two.\r\n\r\n\u00a0\nThree?\rFour"
    segments = segment_english(text)
    assert [(s.text, s.paragraph, s.line) for s in segments] == [
        ("One.", 0, 0), ("Two.", 0, 0), ("Three?", 1, 3), ("Four", 1, 4)
    ]
    assert all(text[s.start : s.end] == s.text for s in segments)
    assert segment_english("") == [] and segment_english("\n \n") == []


# -- beads and scores -------------------------------------------------------------------------


def test_bead_lines_round_trip_and_are_checked():
    text = "[0]:[0]\n[1, 2]:[1]\n[3]:[]\n[]:[2]\n"
    beads = parse_beads(text)
    assert [b.kind for b in beads] == ["1-1", "2-1", "1-0", "0-1"]
    assert format_beads(beads) == text
    check_beads(beads, 4, 3)
    with pytest.raises(ValueError):
        check_beads(beads, 5, 3)
    with pytest.raises(FormatError):
        parse_beads("0-0\n")
    assert parse_beads("[0]:[0]:0.25\n# comment\n\n") == [Bead((0,), (0,))]


def test_strict_scores_count_exact_beads_only():
    gold = parse_beads("[0]:[0]\n[1, 2]:[1]\n[3]:[]\n[4]:[2]\n")
    pred = parse_beads("[0]:[0]\n[1]:[1]\n[2]:[]\n[3]:[]\n[4]:[2]\n")
    q = strict_scores(pred, gold)
    assert (q.correct, q.predicted, q.gold) == (3, 5, 4)
    assert q.precision == pytest.approx(0.6) and q.recall == pytest.approx(0.75)
    assert q.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert strict_scores(pred, gold, skip_empty=True).gold == 3


# -- the aligner --------------------------------------------------------------------------------


def test_identical_lengths_align_one_to_one():
    src = [f"Kalimat nomor {k} ini cukup panjang." * (1 + k % 3) for k in range(30)]
    result = align_sentences(src, src)
    assert [b.key for b in result.beads] == [((k,), (k,)) for k in range(30)]
    assert all(0.5 < b.confidence <= 1 for b in result.beads)


def test_empty_sides():
    assert align_sentences([], []).beads == []
    assert [b.kind for b in align_sentences(["a", "b"], []).beads] == ["1-0", "1-0"]
    assert [b.kind for b in align_sentences([], ["a"]).beads] == ["0-1"]


def test_merges_and_omissions_are_found():
    d = load("article-edited")
    result = align_sentences(d["src"], d["tgt"])
    kinds = {b.kind for b in result.beads}
    assert {"2-1", "1-2"} <= kinds
    check_beads(result.beads, len(d["src"]), len(d["tgt"]))


def test_banded_search_finds_what_the_full_search_finds():
    d = load("es-en-openxliff-hard")
    scorer = LengthScorer(d["src"], d["tgt"])
    full, full_cost = best_path(scorer, band=0)
    banded, banded_cost = best_path(scorer)
    assert banded == full and banded_cost == pytest.approx(full_cost)


def test_the_band_keeps_the_search_linear():
    """10x the sentences cost about 10x the bead evaluations, not 100x."""

    def evaluations(copies: int) -> int:
        d = load("cy-en-trados-hard")
        src, tgt = d["src"] * copies, d["tgt"] * copies
        scorer = LengthScorer(src, tgt)
        calls = 0
        cost = scorer.cost

        def counting(*args):
            nonlocal calls
            calls += 1
            return cost(*args)

        scorer.cost = counting
        best_path(scorer)
        return calls

    small, large = evaluations(4), evaluations(40)
    assert large < 14 * small


def test_anchors_are_numbers_and_names_written_alike():
    a = anchors("Hingga 120.000 UMKM dan Rp3,2 miliar pada Kamis (15/9) di Jakarta.")
    b = anchors("Up to 120,000 UMKM and Rp3.2 billion on Thursday (15/9) in Jakarta.")
    assert a.keys() & b.keys() == {"120000", "umkm", "rp32", "15/9", "jakarta"}
    assert "miliar" not in a and "kamis" in a


def test_char_f_is_a_symmetric_f_score():
    assert char_f("the cat sat", "the cat sat") == 1.0
    assert char_f("abc", "xyz") == 0.0
    assert char_f("the cat sat on the mat", "the cat sat") == pytest.approx(
        char_f("the cat sat", "the cat sat on the mat")
    )


# -- quality on the gold data (tests/data/align, see its README) ------------------------------

# Length-only strict F1 floors; scripts/bench_align.py prints the full table.
LENGTH_FLOORS = {
    "article": 1.0,
    "news-id-en": 0.97,
    "cy-en-trados": 0.95,
    "es-en-openxliff": 0.93,
    "news-id-en-hard": 0.90,
    "cy-en-trados-hard": 0.88,
    "es-en-openxliff-hard": 0.88,
    "article-edited": 0.80,
}


@pytest.mark.parametrize("name", sorted(LENGTH_FLOORS))
def test_length_scorer_quality(name):
    d = load(name)
    result = align_sentences(d["src"], d["tgt"], confidence=False)
    assert strict_scores(result.beads, d["gold"]).f1 >= LENGTH_FLOORS[name]


@pytest.mark.parametrize("name", ["cy-en-trados-hard", "es-en-openxliff-hard", "news-id-en-hard"])
def test_mt_scorer_beats_length_scorer(name):
    """NAME.mt.txt is a noisy copy of each source's original translation (see the README)."""
    d = load(name)
    length = strict_scores(align_sentences(d["src"], d["tgt"], confidence=False).beads, d["gold"]).f1
    mt = align_sentences(d["src"], d["tgt"], translations=d["mt"], confidence=False)
    mt_f1 = strict_scores(mt.beads, d["gold"]).f1
    assert mt_f1 > length or mt_f1 == length == 1.0


def test_wrong_beads_get_lower_confidence_than_right_ones():
    d = load("cy-en-trados-hard")
    gold = {b.key for b in d["gold"]}
    beads = align_sentences(d["src"], d["tgt"]).beads
    right = [b.confidence for b in beads if b.key in gold]
    wrong = [b.confidence for b in beads if b.key not in gold]
    assert wrong and sum(wrong) / len(wrong) < sum(right) / len(right) - 0.2


# -- documents, the memory, references -------------------------------------------------------------


def test_align_texts_and_store_them_in_the_memory(tm_path):
    source = ARTICLE.read_text(encoding="utf-8")
    result = align_texts(source, (DATA / "article-edited.en.txt").read_text(encoding="utf-8"))
    assert len(result.source_segments) == 20 and len(result.target_segments) == 19
    with SQLiteMemory(tm_path) as tm:
        stored = store_alignment(tm, "article", source, result, author="tester")
        pairs = tm.pairs("article")
        units = {p.unit.id: p.unit for p in pairs if p.unit}
    assert stored.stored == len(units) == len(result.alignment.pairs())
    unit = next(iter(units.values()))
    assert (unit.origin, unit.status, unit.author) == ("aligned", "draft", "tester")
    assert set(unit.props) == {"x-align-confidence", "x-bead", "x-align-scorer"}
    merged = [b for b in result.alignment.beads if len(b.src) == 2]
    assert merged
    for b in merged:
        first, second = pairs[b.src[0]].unit, pairs[b.src[1]].unit
        assert first.id == second.id
        assert first.source == pairs[b.src[0]].segment.text + " " + pairs[b.src[1]].segment.text
    omitted = [b.src[0] for b in result.alignment.beads if not b.tgt]
    assert all(pairs[i].unit is None for i in omitted)
    assert stored.unlinked == len(omitted)


def test_min_confidence_leaves_uncertain_pairs_out(tm_path):
    source = ARTICLE.read_text(encoding="utf-8")
    result = align_texts(source, (DATA / "article-edited.en.txt").read_text(encoding="utf-8"))
    with SQLiteMemory(tm_path) as tm:
        stored = store_alignment(tm, "article", source, result, min_confidence=1.01)
        assert tm.count_units() == 0
    assert stored.stored == 0 and stored.below_threshold == len(result.alignment.pairs())


def test_align_reference_gives_each_segment_its_reference():
    hyps = ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
    reference = (DATA / "article-edited.en.txt").read_text(encoding="utf-8")
    refs, unaligned = align_reference(hyps, reference)
    assert refs[0] == hyps[0]
    # Two segments merged into one reference sentence: that sentence cannot be split.
    assert refs[1] is None and refs[2] is None
    # One segment the reference split into two sentences: both, joined.
    assert refs[3].startswith("The two sides should view") and refs[3].endswith("in various fields.")
    assert refs[8] is None  # omitted in the reference
    assert unaligned == 5 and refs[19] == "Copyright © ANTARA 2022"


class FakeTranslator(Translator):
    model_id = "fake"

    def __init__(self):
        self.seen = []

    def translate_batch(self, texts):
        self.seen += texts
        return [t.upper() for t in texts]


def test_machine_translations_reuse_the_memory_but_not_unapproved_alignments(tm_path):
    with SQLiteMemory(tm_path) as tm:
        tm.add_units([
            TranslationUnit(None, "Satu.", "One.", origin="human"),
            TranslationUnit(None, "Dua.", "Two?", origin="aligned"),
        ])
        fake = FakeTranslator()
        out, reused = machine_translations(["Satu.", "Dua.", "Tiga.", "Tiga."], lambda: fake, tm=tm)
    assert out == ["One.", "DUA.", "TIGA.", "TIGA."]
    assert reused == 1 and sorted(fake.seen) == ["Dua.", "Tiga."]


@pytest.mark.slow
def test_mt_scorer_with_the_tiny_model_aligns_the_edited_article_exactly(tiny_translator):
    d = load("article-edited")
    translations, _ = machine_translations(d["src"], lambda: tiny_translator)
    assert translations == ARTICLE_EN_SENTENCES.read_text(encoding="utf-8").splitlines()
    result = align_sentences(d["src"], d["tgt"], translations=translations)
    assert strict_scores(result.beads, d["gold"]).f1 == 1.0
