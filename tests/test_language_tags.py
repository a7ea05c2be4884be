"""Language tags compared as languages in every lookup, search and filter (issue 20, point 2)."""

from __future__ import annotations

import json

import pytest

from tmtool import translate_document
from tmtool.langs import canonical_lang, matching_pairs, primary_lang, tag_rank
from tmtool.memory import open_memory
from tmtool.records import TranslationUnit
from tmtool.translate import Translator

SOURCES = ["Presiden itu tiba di Jakarta pada hari Senin.", "Warna bendera itu merah dan putih."]
TARGETS = ["The president arrived in Jakarta on Monday.", "The color of the flag is red and white."]


@pytest.fixture
def tm_path(memory_location):
    return memory_location


class NoModel(Translator):
    model_id = "no-model"

    def translate_batch(self, texts):
        raise AssertionError(f"the model was asked for {texts}")


def test_tags_compare_as_languages():
    assert canonical_lang("in_id") == "id-ID" and primary_lang("IN") == "id"
    assert tag_rank("en-US", "en-us") == 0 and tag_rank("en-US", "en-GB") == 1 and tag_rank("en", "EN-gb") == 1
    assert tag_rank("id", "ms") is None
    stored = [("id-ID", "en-GB"), ("id", "en-US"), ("ms", "en"), ("in", "EN-US")]
    # `in` is the old code of `id`: the same tag
    assert matching_pairs(stored, "id", "en-US") == [("id", "en-US", 0), ("in", "EN-US", 0), ("id-ID", "en-GB", 2)]
    assert matching_pairs(stored, None, "en") == [("ms", "en", 0), ("id", "en-US", 1), ("id-ID", "en-GB", 1),
                                                   ("in", "EN-US", 1)]


def test_approved_units_imported_with_region_tags_are_reused(tm_path, tmp_path, tmtool):
    tsv = tmp_path / "trados.tsv"
    tsv.write_text("".join(f"{s}\t{t}\n" for s, t in zip(SOURCES, TARGETS)), encoding="utf-8")
    tmtool("--tm", tm_path, "tm", "import", tsv, "--source-lang", "id-ID", "--target-lang", "en-US", "--status", "approved")
    with open_memory(tm_path) as tm:
        result = translate_document("\n".join(SOURCES) + "\n", tm, NoModel, name="doc.txt")
        assert (result.reused, result.translated) == (2, 0)
        assert [s.target for s in result.segments] == TARGETS
        assert tm.language_pairs() == [("id-ID", "en-US")]
    # search and concordance with the default id->en, or any spelling of the languages
    for langs in ([], ["--source-lang", "ID", "--target-lang", "en"], ["--source-lang", "in", "--target-lang", "EN-us"]):
        r = tmtool("--tm", tm_path, "tm", "search", SOURCES[0].replace("Jakarta", "Bandung"), "--json", *langs)
        assert json.loads(r.output.splitlines()[0])["tu_id"] == 1
        r = tmtool("--tm", tm_path, "tm", "search", "bendera", "--concordance", "--json", *langs)
        assert json.loads(r.output.splitlines()[0])["tu_id"] == 2
    r = tmtool("--tm", tm_path, "tm", "search", "bendera", "--concordance", "--json", "--source-lang", "ms")
    assert r.output == ""
    # export filters
    for langs in (["--source-lang", "id"], ["--target-lang", "en"], ["--source-lang", "in-id", "--target-lang", "en-us"]):
        r = tmtool("--tm", tm_path, "tm", "export", "--format", "tsv", "-o", "-", *langs)
        assert len(r.stdout.strip().splitlines()) >= 2, langs
    r = tmtool("--tm", tm_path, "tm", "export", "--format", "jsonl", "-o", "-", "--target-lang", "fr")
    assert r.stdout == ""


def test_the_exact_variant_ranks_above_another(tm_path):
    source = SOURCES[1]
    with open_memory(tm_path) as tm:
        tm.add_units([
            TranslationUnit(None, source, "The colour of the flag is red and white.", src_lang="id",
                            tgt_lang="en-GB", origin="human", status="approved", prev_source="Halo."),
            TranslationUnit(None, source, TARGETS[1], src_lang="id-ID", tgt_lang="en-US", origin="human",
                            status="approved", prev_source="Halo."),
        ])
        # the colour unit is older (lower id): only its exact tags put it first
        assert "colour" in tm.lookup_exact([source], "id", "en-GB")[source].target
        assert "colour" in tm.lookup_exact([source], "IN", "en-gb")[source].target
        assert "color " in tm.lookup_exact([source], "id-id", "en-US")[source].target
        near = source.replace("merah", "biru")
        for src, tgt, word in (("id", "en-GB", "colour"), ("id-ID", "en-US", "color ")):
            matches = tm.search_fuzzy(near, src, tgt)
            assert len(matches) == 2 and word in matches[0].unit.target
            assert matches[0].score == matches[1].score
            context = tm.lookup_context([(source, "Halo.", None)], src.upper(), tgt)
            assert word in context[0].target
        assert tm.approved_targets([source], "in", "en-gb")[source].target.startswith("The colour")
