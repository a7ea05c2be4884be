"""The batching and long-input logic every backend inherits (exercised with a word-level stub
engine; the real MarianMT backend is tested end to end in test_translate_cli.py)."""

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
