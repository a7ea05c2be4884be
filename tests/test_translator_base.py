"""The batching and long-input logic every backend inherits (exercised with a word-level stub
engine; the real MarianMT backend is tested end to end in test_translate_cli.py)."""

import pytest
from conftest import require_ct2

from tmtool.translate import Translator


class Recorder(Translator):
    """Upper-cases its input and records the batches it was given."""

    model_id = "recorder"

    def __init__(self, limit=None):
        self.max_source_tokens = limit
        self.batches = []

    def translate_batch(self, texts):
        self.batches.append(list(texts))
        return [t.upper() for t in texts]


def test_batches_are_sorted_by_length_and_sized():
    r = Recorder()
    texts = ["a", "a b c d", "a b", "a b c", "a b c d e"]
    assert r.translate(texts, batch_size=2) == [t.upper() for t in texts]
    assert r.batches == [["a b c d e", "a b c d"], ["a b c", "a b"], ["a"]]


def test_each_batch_reports_what_it_finished():
    r = Recorder()
    got = list(r.translate_batches(["x y", "x", "x y z"], batch_size=2))
    assert got == [([(0, "X Y"), (2, "X Y Z")], []), ([(1, "X")], [])]


def test_long_input_is_cut_at_clauses_then_words_and_reported():
    r = Recorder(limit=5)  # the stub counts words + 1 for </s>
    text = "satu dua tiga, empat lima enam tujuh delapan sembilan sepuluh"
    ((done, notes),) = list(r.translate_batches([text], batch_size=8))
    assert done == [(0, text.upper())]
    assert (notes[0].index, notes[0].tokens, notes[0].limit) == (0, 11, 5)
    assert all(r.count_tokens([p])[0] <= 5 for p in r.batches[0])
    assert "satu dua tiga," in r.batches[0]  # the clause boundary was preferred
    assert notes[0].pieces == len(r.batches[0]) == 3


def test_a_text_is_yielded_only_when_all_its_pieces_are_done():
    r = Recorder(limit=3)
    texts = ["a b c d e f", "g"]
    yielded = list(r.translate_batches(texts, batch_size=1))
    finished = [i for done, _ in yielded for i, _ in done]
    assert sorted(finished) == [0, 1] and len(finished) == 2
    assert r.translate(texts) == ["A B C D E F", "G"]


def test_a_token_budget_caps_each_padded_batch():
    r = Recorder()
    texts = ["a b c d e f g", "a b c", "a b", "a"]  # 8, 4, 3, 2 tokens with </s>
    assert r.translate(texts, batch_size=100, max_batch_tokens=8) == [t.upper() for t in texts]
    # longest first; a batch's padded size is its count times its first (longest) text
    assert r.batches == [["a b c d e f g"], ["a b c", "a b"], ["a"]]


def test_a_text_given_twice_is_translated_once_and_returned_for_both():
    r = Recorder()
    got = list(r.translate_batches(["x y", "z", "x y"], batch_size=1))
    assert r.batches == [["x y"], ["z"]]
    assert got == [([(0, "X Y"), (2, "X Y")], []), ([(1, "Z")], [])]


def test_each_backend_has_its_own_batching_defaults():
    class Big(Recorder):
        default_batch_size = 2
        default_max_batch_tokens = 100

    r = Big()
    r.translate(["a", "b", "c"])
    assert [len(b) for b in r.batches] == [2, 1]


def test_a_batch_holds_at_most_64_hypotheses_by_default():
    """Issue 14: each hypothesis scores the whole vocabulary at every step, so many short
    sentences in one batch (which the token budget allows) cost memory for no speed."""
    from tmtool.translate.base import BATCH_HYPOTHESES, default_batch_sentences

    assert BATCH_HYPOTHESES == 64
    assert [default_batch_sentences(128, b) for b in (1, 2, 6, 64, 100)] == [64, 32, 10, 1, 1]
    assert default_batch_sentences(16, 1) == 16  # a backend's own smaller cap stays


@pytest.mark.parametrize("backend", ["transformers", pytest.param("ct2", marks=pytest.mark.ct2)])
@pytest.mark.parametrize(("beams", "size"), [(None, 32), (1, 64), (6, 10)])
def test_each_backend_caps_sentences_by_beams(tiny_model, backend, beams, size):
    if backend == "ct2":
        require_ct2()
    from tmtool.translate import get_translator

    engine = get_translator(backend, model=str(tiny_model), device="cpu", beams=beams)  # the model's own: 2
    assert engine.default_batch_size == size
    seen = []
    inner = engine.translate_batch_checked
    engine.translate_batch_checked = lambda texts: seen.append(len(texts)) or inner(texts)
    engine.translate([f"Editor {i}." for i in range(size + 3)])  # short: the token budget allows more
    assert seen == [size, 3]
