"""tmtool model fetch|convert|info|shortlist|prune."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config import default_model
from ..terminal import plural
from .base import cli, echo, open_tm
from .options import language_options


@cli.group()
def model():
    """Download, inspect and convert translation models.

    \b
    Example:
        tmtool model info
        tmtool model convert ./opus-mt-id-en
        tmtool model prune --dry-run
    """


@model.command()
@click.argument("name", required=False)
def fetch(name):
    """Download model NAME from the Hugging Face hub into its local cache.

    Run it on a connected machine; then `tmtool translate` works offline (copy
    ~/.cache/huggingface to a machine without network, or pass --model DIR).

    \b
    Example:
        tmtool model fetch Helsinki-NLP/opus-mt-id-en
    """
    from ..translate import hub

    name = name or default_model()
    cached = hub.cached_snapshot(name) if hub.offline_mode() else None
    if cached is not None:  # offline by choice: what is there is what translate will use
        echo(f"{name}: already cached in {cached} (HF_HUB_OFFLINE is set: no newer revision looked for)")
        return
    path = hub.fetch(name)
    echo(f"{name}: cached in {path}")


@model.command()
@click.argument("name", required=False)
@click.option(
    "--compute-type", type=click.Choice(["auto", "int8", "int8_float32", "float32"]), default="auto",
    show_default=True, help="Weights and arithmetic of the copy (auto: int8 on a CPU).",
)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="cpu", show_default=True,
              help="The device auto picks a compute type for.")
@click.option("--force", is_flag=True, help="Convert again even if a copy exists.")
def convert(name, compute_type, device, force):
    """Convert model NAME (a hub id or directory) for the ct2 backend (CTranslate2).

    The copy goes to tmtool's cache ($TMTOOL_CACHE, default ~/.cache/tmtool/ct2), named by a
    hash of the model's files, the compute type and the CTranslate2 version, so it is made once;
    `tmtool translate --backend ct2` also converts on first use. Works offline from a model
    directory or the Hugging Face cache.

    \b
    Example:
        tmtool model convert
        tmtool model convert ./opus-mt-id-en --compute-type float32
    """
    from ..errors import BackendNotAvailable
    from ..translate import BACKENDS

    name = name or default_model()
    try:
        from ..translate import ct2
    except ImportError as e:
        raise BackendNotAvailable(f"converting needs ctranslate2 ({e}); {BACKENDS['ct2'][2]}") from None
    told = []

    def notify(message):
        told.append(message)
        echo(message, err=True)

    path = ct2.convert_model(name, compute_type, device=device, force=force, notify=notify, option="NAME")
    echo(f"{name}: {'converted into' if told else 'already converted in'} {path}")


@model.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True)
def info(name, as_json):
    """Say whether model NAME (a hub id or directory) is available here, where, its shape, and
    its converted copies for the ct2 backend.

    \b
    Example:
        tmtool model info
        tmtool model info ./models/tiny
    """
    from ..translate import ct2_cache, hub

    name = name or default_model()
    path = hub.resolve(name, download=False, option="NAME")
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    generation_file = path / "generation_config.json"
    generation = json.loads(generation_file.read_text(encoding="utf-8")) if generation_file.is_file() else {}
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    copies = ct2_cache.copies_of(name, path, _ct2_version())
    data = {
        "model": name,
        "path": str(path),
        "size_bytes": size,
        "model_type": config.get("model_type"),
        "d_model": config.get("d_model"),
        "layers": [config.get("encoder_layers"), config.get("decoder_layers")],
        "vocab_size": config.get("vocab_size"),
        "max_position_embeddings": config.get("max_position_embeddings"),
        "num_beams": generation.get("num_beams", config.get("num_beams")),
        "ct2_cache": str(ct2_cache.ct2_root()),
        "converted": [
            {"compute_type": c.compute_type, "path": str(c.path), "size_bytes": c.size_bytes} for c in copies
        ],
    }
    from ..translate import shortlist as sl

    default_shortlist = sl.default_path(name)
    meta = sl.read_info(default_shortlist) if default_shortlist.is_file() else None
    data["shortlist"] = (
        {"path": str(default_shortlist), "pairs": meta.get("pairs"), "data": meta.get("data"),
         "created": meta.get("created")} if meta else None
    )
    if as_json:
        echo(json.dumps(data))
        return
    for key, value in data.items():
        if key not in ("converted", "shortlist"):
            echo(f"{key:24} {value}")
    if not copies:
        echo(f"{'converted':24} none (tmtool model convert {name})")
    for c in copies:
        echo(f"{'converted':24} {c.compute_type:12} {c.size_bytes / 1e6:8.1f} MB  {c.path}")
    if meta:
        echo(f"{'shortlist':24} {default_shortlist} ({_pairs(meta.get('pairs', 0))} of "
                   f"{meta.get('data') or '?'}, {meta.get('created', '?')})")
    else:
        echo(f"{'shortlist':24} none (tmtool model shortlist {name} --from-tm)")


@model.command()
@click.argument("name", required=False)
@click.option("--from-tm", "from_tm", is_flag=True,
              help="Count the translation memory's units (--tm), rejected ones left out.")
@click.option("--from", "from_files", multiple=True, metavar="FILE",
              help="Count the sentence pairs of a TMX, TSV or JSONL file (repeatable).")
@click.option("-f", "--format", "fmt", type=click.Choice(["tmx", "tsv", "jsonl"]), default=None,
              help="Format of the --from files [default: from each file's name].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Where to write it [default: tmtool's cache, shortlists/<model>.vmap].")
@click.option("--per-token", type=click.IntRange(0, 10_000), default=50, show_default=True,
              help="Candidates kept for each source token.")
@click.option("--frequent", type=click.IntRange(0, 1_000_000), default=1000, show_default=True,
              help="Most frequent target tokens, always candidates.")
@click.option("--min-count", type=click.IntRange(1, 10**9), default=1, show_default=True,
              help="Pairs a source and a target token must share to be linked.")
@click.option("--max-pairs", type=click.IntRange(1, 10**9), default=500_000, show_default=True,
              help="Stop counting after this many sentence pairs.")
@click.option("--check", type=click.IntRange(0, 100_000), default=0, show_default=True, metavar="N",
              help="Hold N source sentences out of the counts, then translate them with and without "
              "the shortlist and say how many come out the same, and how fast each was (loads the model).")
@language_options("file")
@click.option("--beams", type=click.IntRange(1, 64), default=None, help="Beams for --check [default: the model's].")
@click.option("--threads", type=click.IntRange(1, 1024), default=None, help="CPU threads for --check.")
@click.pass_context
def shortlist(ctx, name, from_tm, from_files, fmt, output, per_token, frequent, min_count, max_pairs, check,
              source_lang, target_lang, beams, threads):
    """Build a vocabulary shortlist for model NAME from aligned sentence pairs.

    With `tmtool translate --shortlist FILE` the ct2 backend then scores only the target
    tokens the batch's source tokens can lead to, instead of the whole vocabulary: more than
    half of a step's work for opus-mt-id-en, and more with beams. It can change a translation
    (a word the table misses cannot be produced), so it is never on by default: use --check on
    your own text first. Built from the memory's units and/or TMX/TSV/JSONL files, by
    co-occurrence; every source token that the model can also output maps to itself (names,
    numbers).

    \b
    Example:
        tmtool model shortlist --from-tm --check 200
        tmtool model shortlist --from team.tmx -o team.vmap
        tmtool translate article.id.txt --shortlist team.vmap
    """
    import contextlib
    import itertools

    from ..config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG
    from ..errors import UsageError
    from ..translate import hub
    from ..translate import shortlist as sl

    if not from_tm and not from_files:
        raise UsageError("say what to count: --from-tm and/or --from FILE")
    name = name or default_model()
    model_dir = hub.resolve(name, download=False, option="NAME")
    out = Path(output) if output else sl.default_path(name)
    src_lang = source_lang or DEFAULT_SRC_LANG
    tgt_lang = target_lang or DEFAULT_TGT_LANG
    sample: list[str] = []

    with contextlib.ExitStack() as stack:
        tm = stack.enter_context(open_tm(ctx, create=False)) if from_tm else None

        def pairs():
            if tm is not None:
                yield from _sampled(sl.pairs_from_memory(tm, src_lang, tgt_lang), sample, check)
            for f in from_files:
                yield from _sampled(sl.pairs_from_file(f, source_lang, target_lang, fmt), sample, check)

        described = " + ".join(([f"the memory {tm.path}"] if tm is not None else []) + list(from_files))
        info = sl.build_shortlist(
            itertools.islice(pairs(), max_pairs), model_dir, out, model=name, data=described,
            per_token=per_token, frequent=frequent, min_count=min_count,
        )
    echo(
        f"{out}: {_pairs(info.pairs)}, {info.source_tokens:,} source tokens with "
        f"{info.mean_candidates:.1f} candidates each on average, {info.frequent} always"
    )
    if check:
        result = sl.check_shortlist(name, out, sample[:check], beams=beams, threads=threads, device="cpu")
        share = result.same / result.sentences if result.sentences else 0.0
        echo(
            f"check: {result.same} of {result.sentences} held-out sentences translated the same as "
            f"without it ({share:.1%}); "
            f"{result.full_seconds:.1f} s without, {result.shortlist_seconds:.1f} s with "
            f"({result.full_seconds / max(result.shortlist_seconds, 1e-9):.2f}x)"
        )
        for source, full, short in result.differences:
            echo(f"  differs: {source}\n    without: {full}\n    with:    {short}")
    echo(f"use it: tmtool translate INPUT --shortlist {out}")


def _pairs(n: int) -> str:
    return f"{n:,} sentence pair" + ("" if n == 1 else "s")


def _sampled(pairs, sample: list[str], wanted: int):
    """``pairs`` passed through, except every third one until ``wanted`` distinct sources are set
    aside in ``sample``: --check then measures the shortlist on sentences it was not built from."""
    seen = set(sample)
    for i, (source, target) in enumerate(pairs):
        if wanted and len(sample) < wanted and i % 3 == 0 and source.strip() and source not in seen:
            seen.add(source)
            sample.append(source)
            continue
        yield source, target


@model.command()
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
def prune(dry_run):
    """Remove converted copies that will never be loaded again from tmtool's cache.

    A copy is stale when its model folder is gone or has changed, or another CTranslate2 version
    made it (each makes its own); so is a shortlist folder whose copy is gone, and what an
    interrupted conversion left. Models in the Hugging Face cache and shortlist files are kept.

    \b
    Example:
        tmtool model prune --dry-run
        tmtool model prune
    """
    import shutil

    from ..translate import ct2_cache

    ct2_version = _ct2_version()  # without CTranslate2 only vanished models are certainly stale
    stale = ct2_cache.stale_entries(ct2_version)
    for entry in stale:
        echo(f"{'would remove' if dry_run else 'removed'} {entry.path} "
                   f"({entry.size_bytes / 1e6:.1f} MB): {entry.reason}")
        if not dry_run:
            shutil.rmtree(entry.path, ignore_errors=True)
    total = sum(e.size_bytes for e in stale) / 1e6
    if stale:
        n = len(stale)
        echo(f"{plural(n, 'copy', 'copies')} {'would be' if dry_run else 'was' if n == 1 else 'were'} "
             f"removed, {total:.1f} MB")
    else:
        echo(f"nothing stale in {ct2_cache.cache_root()}")


def _ct2_version() -> str | None:
    """The installed CTranslate2's version, without importing it (None: not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ctranslate2")
    except PackageNotFoundError:
        return None
