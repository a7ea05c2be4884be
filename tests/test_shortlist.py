"""The vocabulary shortlist (tmtool model shortlist, translate --shortlist) on the tiny real model."""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import ARTICLE, load_script, require_ct2

from tmtool.errors import InputError, ModelError
from tmtool.segment import Segmenter
from tmtool.translate import get_translator
from tmtool.translate import shortlist as sl
from tmtool.translate.spm import SpmTokenizer

require_ct2(allow_module_level=True)
pytestmark = pytest.mark.ct2


@pytest.fixture(scope="module")
def pairs():
    return load_script("build_tiny_model").default_pairs()


@pytest.fixture(scope="module")
def sources() -> list[str]:
    return [s.text for s in Segmenter().segment(ARTICLE.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def full_table(tiny_model, pairs, tmp_path_factory):
    """A shortlist counted from all the pairs the tiny model was trained on."""
    out = tmp_path_factory.mktemp("shortlist") / "tiny.vmap"
    info = sl.build_shortlist(pairs, tiny_model, out, model="tiny", data="training pairs", per_token=20,
                              frequent=50)
    return out, info


def read_table(path):
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, tab, targets = line.partition("\t")
        assert tab == "\t", line
        table[source] = targets.split()
    return table


def test_the_table_has_the_vmap_format_and_its_metadata(full_table, tiny_model, pairs):
    path, info = full_table
    table = read_table(path)
    assert len(table[""]) == info.frequent == 50
    assert info.pairs == len(pairs)
    assert info.source_tokens == len(table) - 1
    assert all(len(v) <= 20 + 1 for k, v in table.items() if k)  # per_token, plus the token itself
    meta = json.loads(sl.meta_path(path).read_text(encoding="utf-8"))
    assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta["per_token"] == 20 and meta["data"] == "training pairs"


def test_source_tokens_the_model_can_output_map_to_themselves(full_table, tiny_model):
    table = read_table(full_table[0])
    tok = SpmTokenizer(tiny_model)
    pieces = [p for p in tok.encode("Samarkand Ilham Aliyev 2022") if p not in tok.special]
    assert pieces
    for piece in pieces:
        assert table[piece][0] == piece


def test_cooccurring_words_are_candidates(full_table, tiny_model):
    """"Azerbaijan" on both sides of many pairs: the English piece is among the Indonesian's."""
    table = read_table(full_table[0])
    tok = SpmTokenizer(tiny_model)
    source = tok.encode("Azerbaijan")[0]
    target = tok.encode_target("Azerbaijan")[0]
    assert target in table[source] or target in table[""]
    # And "China" / "dan" -> "and": a translation, not a copy.
    assert tok.encode_target(" and")[0] in table[""] + table[tok.encode("dan")[0]]


def test_a_shortlist_from_the_training_pairs_keeps_every_translation(tiny_model, full_table, sources):
    full = get_translator("ct2", model=str(tiny_model), device="cpu", threads=1)
    short = get_translator("ct2", model=str(tiny_model), device="cpu", threads=1, shortlist=full_table[0])
    assert short.model_id.startswith(f"{tiny_model}+shortlist:")
    # Batches of 3: seven calls with different candidate sets in a row (CTranslate2's id-map bug).
    assert short.translate(sources, batch_size=3) == full.translate(sources, batch_size=3)


def test_the_shortlist_really_restricts_the_output(tiny_model, tmp_path, sources):
    """Only "." allowed (CTranslate2 always adds </s>, <unk>, <s>): nothing else can come out."""
    path = tmp_path / "dot.vmap"
    path.write_text("\t.\n", encoding="utf-8")
    short = get_translator("ct2", model=str(tiny_model), device="cpu", threads=1, shortlist=path)
    outputs = short.translate(sources[:4], batch_size=2)
    assert all(set(o) <= {"."} for o in outputs), outputs


def test_batches_with_fewer_candidates_after_more_do_not_break(tiny_model, full_table, sources):
    """CTranslate2 4.x keeps the previous batch's word-id map; without tmtool's reset the second
    call fails (or picks wrong rows). Each sentence must come out as a fresh engine makes it."""
    short = get_translator("ct2", model=str(tiny_model), device="cpu", threads=1, shortlist=full_table[0])
    together = short.translate(sources, batch_size=len(sources))  # the most candidates first
    one_by_one = [short.translate([s])[0] for s in sorted(sources, key=len)]
    fresh = get_translator("ct2", model=str(tiny_model), device="cpu", threads=1, shortlist=full_table[0])
    assert one_by_one == [fresh.translate([s])[0] for s in sorted(sources, key=len)]
    assert len(together) == len(sources)


def test_check_shortlist_counts_what_changes(tiny_model, tmp_path, sources):
    path = tmp_path / "dot.vmap"
    path.write_text("\t.\n", encoding="utf-8")
    result = sl.check_shortlist(str(tiny_model), path, sources[:3], device="cpu", threads=1)
    assert (result.sentences, result.same) == (3, 0)
    assert [d[0] for d in result.differences] == sources[:3]


def test_no_usable_pairs_is_an_input_error(tiny_model, tmp_path):
    with pytest.raises(InputError):
        sl.build_shortlist([("", "x"), ("  ", "y")], tiny_model, tmp_path / "x.vmap")
    assert not (tmp_path / "x.vmap").exists()


def test_a_file_that_is_not_a_shortlist_is_refused(tmp_path):
    bad = tmp_path / "article.txt"
    bad.write_text("Presiden China Xi Jinping bertemu dengan Presiden Azerbaijan.\n", encoding="utf-8")
    with pytest.raises(ModelError, match="not a vocabulary shortlist"):
        sl.check_file(bad)
    with pytest.raises(ModelError, match="cannot read the shortlist"):
        sl.check_file(tmp_path / "missing.vmap")


# ---------------------------------------------------------------- the command line


def test_shortlist_from_the_memory_then_translate_with_it(tiny_model, tm_path, tmp_path, tmtool):
    first = tmtool("--tm", tm_path, "translate", ARTICLE, "-m", tiny_model, "-o", tmp_path / "full.jsonl",
                   "--format", "jsonl", check=False)
    assert first.exit_code == 0, first.output
    out = tmp_path / "tm.vmap"
    made = tmtool("--tm", tm_path, "model", "shortlist", tiny_model, "--from-tm", "-o", out,
                  "--per-token", 20, "--frequent", 50, check=False)
    assert made.exit_code == 0, made.output
    assert "20 sentence pairs" in made.output
    assert f"--shortlist {out}" in made.output
    other_tm = tmp_path / "other.sqlite"
    second = tmtool("--tm", other_tm, "translate", ARTICLE, "-m", tiny_model, "-o", tmp_path / "short.txt",
                    "--shortlist", out, "--format", "jsonl", check=False)
    assert second.exit_code == 0, second.output
    records = [json.loads(line) for line in (tmp_path / "short.txt").read_text(encoding="utf-8").splitlines()]
    full = [json.loads(line) for line in (tmp_path / "full.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(r["model"].startswith(f"{tiny_model}+shortlist:") for r in records)
    assert not any("+shortlist" in r["model"] for r in full)
    # Counted from the memory's own 20 pairs, the shortlist allows every word they need.
    assert [r["target"] for r in records] == [r["target"] for r in full]


def test_shortlist_from_a_file_with_a_held_out_check(tiny_model, tmp_path, tmtool):
    tsv = tmp_path / "pairs.tsv"
    rows = load_script("build_tiny_model").default_pairs()
    tsv.write_text("".join(f"{s}\t{t}\n" for s, t in rows), encoding="utf-8")
    result = tmtool("model", "shortlist", tiny_model, "--from", tsv, "-o", tmp_path / "f.vmap", "--check", 2,
                    "--threads", 1, check=False)
    assert result.exit_code == 0, result.output
    # Two pairs were held out of the counts for the check.
    assert f"{len(rows) - 2} sentence pairs" in result.output
    check = next(line for line in result.output.splitlines() if line.startswith("check:"))
    same = int(check.split()[1])
    assert check.startswith(f"check: {same} of 2 held-out sentences")
    assert result.output.count("  differs: ") == 2 - same


def test_shortlist_errors_are_one_line_and_leave_the_memory_alone(tiny_model, tm_path, tmp_path, tmtool):
    nothing = tmtool("model", "shortlist", tiny_model, check=False)
    assert nothing.exit_code == 2
    assert nothing.output.strip() == "Error: say what to count: --from-tm and/or --from FILE"
    wrong_backend = tmtool("--tm", tm_path, "translate", ARTICLE, "-m", tiny_model, "--backend", "transformers",
                           "--shortlist", tmp_path / "x.vmap", check=False)
    assert wrong_backend.exit_code == 2
    assert wrong_backend.output.strip().startswith("Error: --shortlist needs the ct2 backend")
    missing = tmtool("--tm", tm_path, "translate", ARTICLE, "-m", tiny_model, "--shortlist", tmp_path / "x.vmap",
                     check=False)
    assert missing.exit_code == 1
    assert "cannot read the shortlist" in missing.output and len(missing.output.strip().splitlines()) == 1
    assert not tm_path.exists()  # refused before the memory was created


def test_a_shortlist_for_another_model_is_refused(tiny_model, tmp_path):
    other = tmp_path / "other.vmap"
    other.write_text("\tthe of and\nkucing\tcat cats\nanjing\tdog dogs\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"does not fit .*: \d+% of its words are in the model's vocabulary"):
        get_translator("ct2", model=str(tiny_model), device="cpu", threads=1, shortlist=other)


def test_hostile_shortlist_files_get_one_line_errors(tiny_model, tmp_path, tm_path, tmtool):
    binary = tmp_path / "binary.vmap"
    binary.write_bytes(bytes(range(256)) * 1000)
    no_tab = tmp_path / "huge-line.vmap"
    no_tab.write_text("x" * (3 << 20), encoding="utf-8")
    for path in (binary, no_tab, tmp_path):  # a directory, too
        r = tmtool("--tm", tm_path, "translate", ARTICLE, "-m", tiny_model, "--shortlist", path, check=False)
        assert r.exit_code in (1, 2), r.output
        assert r.output.startswith("Error: ") and r.output.count("\n") == 1, r.output
    assert not tm_path.exists()


def test_pairs_from_the_memory_on_both_back_ends(memory_location, tiny_model, tmp_path, tmtool):
    """--from-tm reads SQLite and PostgreSQL alike: rejected units and other language pairs left out,
    inline markers stripped."""
    from tmtool import TranslationUnit
    from tmtool.inline import marker
    from tmtool.memory import open_memory

    with open_memory(memory_location) as tm:
        tm.add_units([
            TranslationUnit(None, "Presiden tiba.", "The president arrived.", origin="imported"),
            TranslationUnit(None, f"Halo {marker(0)}dunia{marker(1)}.", f"Hello {marker(0)}world{marker(1)}.",
                            origin="imported"),
            TranslationUnit(None, "Salah.", "Wrong.", origin="imported", status="rejected"),
            TranslationUnit(None, "Bonjour.", "Hello.", src_lang="fr", origin="imported"),
        ])
        assert sorted(sl.pairs_from_memory(tm, "id", "en")) == [
            ("Halo dunia.", "Hello world."), ("Presiden tiba.", "The president arrived."),
        ]
    r = tmtool("--tm", memory_location, "model", "shortlist", tiny_model, "--from-tm", "-o", tmp_path / "m.vmap",
               check=False)
    assert r.exit_code == 0, r.output
    assert "2 sentence pairs" in r.output


def test_model_info_names_the_default_shortlist(tiny_model, tmp_path, monkeypatch, tmtool):
    monkeypatch.setenv("TMTOOL_CACHE", str(tmp_path / "cache"))
    info = tmtool("model", "info", tiny_model, check=False).output
    assert "shortlist                none (tmtool model shortlist" in info
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("Presiden tiba.\tThe president arrived.\n", encoding="utf-8")
    made = tmtool("model", "shortlist", tiny_model, "--from", tsv, check=False)
    assert made.exit_code == 0, made.output
    path = tmp_path / "cache" / "shortlists" / f"{tiny_model.name}.vmap"
    assert path.is_file()
    info = json.loads(tmtool("model", "info", tiny_model, "--json", check=False).output)
    assert info["shortlist"]["path"] == str(path)
    assert (info["shortlist"]["pairs"], info["shortlist"]["data"]) == (1, str(tsv))
    assert f"shortlist                {path} (1 sentence pair of {tsv}, " in tmtool("model", "info", tiny_model,
                                                                                    check=False).output


def test_a_model_with_separate_vocabularies_is_refused(tiny_model, tmp_path):
    import shutil

    copy = tmp_path / "separate"
    shutil.copytree(tiny_model, copy)
    config = json.loads((copy / "tokenizer_config.json").read_text(encoding="utf-8"))
    (copy / "tokenizer_config.json").write_text(json.dumps({**config, "separate_vocabs": True}), encoding="utf-8")
    with pytest.raises(ModelError, match="separate source and target vocabularies"):
        sl.build_shortlist([("Presiden tiba.", "The president arrived.")], copy, tmp_path / "s.vmap")


def test_from_files_of_any_name_with_format(tiny_model, tmp_path, tmtool):
    data = tmp_path / "pairs.dat"
    data.write_text("Presiden tiba.\tThe president arrived.\n", encoding="utf-8")
    unnamed = tmtool("model", "shortlist", tiny_model, "--from", data, "-o", tmp_path / "s.vmap", check=False)
    assert unnamed.exit_code == 2
    assert "pass --format tmx|tsv|jsonl" in unnamed.output
    named = tmtool("model", "shortlist", tiny_model, "--from", data, "--format", "tsv", "-o", tmp_path / "s.vmap",
                   check=False)
    assert named.exit_code == 0 and "1 sentence pair," in named.output
