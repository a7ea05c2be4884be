"""Aligned pairs with a low confidence are reviewed first, and show their bead and confidence."""

from tmtool import SQLiteMemory
from tmtool.records import Segment, TranslationUnit
from tmtool.review import describe, select_pairs


def test_doubtful_alignments_come_first_least_confident_first(tm_path):
    sources = ["Satu.", "Dua.", "Tiga.", "Empat."]
    confidences = ["0.99", "0.31", "0.97", "0.12"]
    text = " ".join(sources)
    segments, pos = [], 0
    for i, s in enumerate(sources):
        start = text.index(s, pos)
        segments.append(Segment(i, start, start + len(s), s))
        pos = start + len(s)
    with SQLiteMemory(tm_path) as tm:
        doc = tm.save_document("aligned.txt", text, segments, "id", "en")
        ids = tm.add_units(
            TranslationUnit(None, s, f"EN {s}", origin="aligned",
                            props={"x-align-confidence": c, "x-bead": "1-1"})
            for s, c in zip(sources, confidences)
        )
        tm.link_segments(doc, dict(enumerate(ids)))
        pairs = select_pairs(tm, "aligned.txt")
        assert [p.segment.text for p in pairs] == ["Empat.", "Dua.", "Satu.", "Tiga."]
        assert "aligned (bead 1-1, confidence 0.12)" in describe(pairs[0], 1, 4)
