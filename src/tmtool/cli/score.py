"""tmtool score."""

from __future__ import annotations

import json
import textwrap

import click

from ..errors import UsageError
from ..terminal import plural
from .base import cli, echo, open_tm
from .options import doc_option, encoding_option
from .review import resolve_doc


@cli.command()
@click.option("--ref", "refs", multiple=True, type=click.Path(),
              help="Reference file, one line per segment (repeat for several references).")
@click.option("--align", is_flag=True,
              help="The --ref file is a whole document: align its sentences to the segments first.")
@click.option("--ref-from-tm", is_flag=True,
              help="Score the document's machine translations against the targets people approved.")
@doc_option()
@click.option("--hyp", type=click.Path(),
              help="Score this file (one line per segment) instead of a stored document.")
@click.option("--metrics", default="bleu,chrf,ter", show_default=True, help="Comma-separated: bleu, chrf, ter.")
@click.option("--confidence", is_flag=True, help="Add sacrebleu's bootstrap 95% confidence intervals.")
@click.option("--confidence-n", type=click.IntRange(2, 100000), default=1000, show_default=True,
              help="Bootstrap resamples.")
@click.option("--seed", type=int, default=12345, show_default=True, help="Bootstrap seed (results repeat).")
@click.option("--worst", type=click.IntRange(0), default=5, show_default=True,
              help="List this many lowest-scoring segments (sentence BLEU).")
@click.option("-w", "--width", type=click.IntRange(0, 10), default=1, show_default=True,
              help="Decimals, as sacrebleu's --width.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (sacrebleu's fields per metric).")
@encoding_option
@click.pass_context
def score(ctx, refs, align, ref_from_tm, doc_name, hyp, metrics, confidence, confidence_n, seed, worst,
          width, as_json, encoding):
    """Score translations against references (sacrebleu).

    Corpus BLEU, chrF and TER. Each score is printed with its sacrebleu signature, as `sacrebleu REF -i HYP -f text`
    prints it, and gives the same figures. For a stored document the sentence BLEU and chrF
    of each pair are stored (with their signatures) for `tmtool review` and `tmtool report`,
    and the worst segments are listed. References have one line per segment; a different
    count is an error, unless --align is given: then the one reference is a whole document
    whose sentences are aligned to the segments first.

    \b
    Example:
        tmtool score --doc antara-2022-09-15-xi-aliyev.id.txt \\
            --ref examples/antara-2022-09-15-xi-aliyev.en.sentences.txt
        tmtool score --hyp system.en.txt --ref ref1.en.txt --ref ref2.en.txt --confidence
        tmtool score --ref-from-tm --doc antara-2022-09-15-xi-aliyev.id.txt --json
        tmtool score --doc article.id.txt --ref published-article.en.txt --align
    """
    from .. import score as scoring

    if bool(refs) == ref_from_tm:
        raise UsageError("give reference files with --ref, or --ref-from-tm (not both)")
    if hyp and (doc_name or ref_from_tm):
        raise UsageError("--hyp scores a file; it does not go with --doc or --ref-from-tm")
    if align and (hyp or ref_from_tm):
        raise UsageError("--align aligns a reference document to a stored document; use it with --ref and --doc")
    options = {"metrics": scoring.parse_metrics(metrics),
               "n_bootstrap": confidence_n if confidence else 1, "seed": seed}
    if hyp:
        result = scoring.score_files(hyp, refs, encoding=encoding, **options)
    else:
        with open_tm(ctx, create=False) as tm:
            name = resolve_doc(tm, doc_name)
            if ref_from_tm:
                result = scoring.score_against_tm(tm, name, width=width, **options)
            else:
                result = scoring.score_document(tm, name, refs, width=width, align=align,
                                                encoding=encoding, **options)
    if as_json:
        echo(json.dumps(_as_json(result, worst, width), ensure_ascii=False, indent=1))
        return
    echo(_header(result, hyp))
    for c in result.corpus:
        echo(c.format(width))
    _print_worst(result, worst)


def _header(result, hyp) -> str:
    what = hyp if hyp else result.document
    refs = ", ".join(result.references)
    line = f"{what}: {plural(len(result.segments), 'segment')} scored against {refs}"
    if result.ref_kind == "tm":
        how = {k: sum(s.how == k for s in result.segments) for k in ("accepted", "edited", "tm")}
        line += (f" ({how['accepted']} accepted as the model wrote them, {how['edited']} edited, "
                 f"{how['tm']} from other approved units; {result.unscored} not yet approved)")
    if result.ref_kind == "aligned":
        line += f" (aligned; {plural(result.unscored, 'segment')} left unaligned and not scored)"
    return line


def _print_worst(result, n: int) -> None:
    worst = result.worst(n)
    if not worst:
        return
    echo("")
    echo(f"Worst {len(worst)} by sentence BLEU:")
    for s in worst:
        figures = "  ".join(f"{m} {v.score:5.1f}" for m, v in s.scores.items())
        unit = f"  unit {s.tu_id}" if s.tu_id is not None else ""
        echo(f"  #{s.index + 1:<4} {figures}{unit}")
        for label, text in (("hyp", s.hypothesis), *(("ref", r) for r in s.refs)):
            body = textwrap.wrap(text, 88, break_on_hyphens=False) or [""]
            echo(f"        {label}  {body[0]}")
            for more in body[1:]:
                echo(f"             {more}")


def _as_json(result, worst: int, width: int) -> dict:
    return {
        "document": result.document,
        "segments": len(result.segments),
        "references": result.references,
        "ref_kind": result.ref_kind,
        "unscored": result.unscored,
        "scores": [c.as_dict(width) for c in result.corpus],
        "worst": [
            {"index": s.index, "tu_id": s.tu_id, "hypothesis": s.hypothesis, "refs": list(s.refs),
             **{m: round(v.score, 4) for m, v in s.scores.items()}}
            for s in result.worst(worst)
        ],
    }
