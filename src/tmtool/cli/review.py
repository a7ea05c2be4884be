"""tmtool review; tmtool pairs show | set-status | edit."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from ..config import current_user
from ..errors import NotFound, UsageError
from ..records import ORIGINS, STATUSES
from ..terminal import plural
from .base import cli, echo, open_tm, terminal_width
from .options import author_option, doc_option
from .pairs import pairs

ORIGIN_CHOICES = (*ORIGINS, "tm")
_ORIGIN_HELP = (
    "Only pairs of this origin (repeatable): mt, human, imported, aligned, or tm for targets "
    "the last translate run reused from other work in the memory (not the document's own earlier MT)."
)


def resolve_doc(tm, name: str | None) -> str:
    """``name``, or the most recently translated document."""
    if name is not None:
        return tm.get_document(name).name
    docs = tm.documents()
    if not docs:
        raise NotFound(f"{tm.path} holds no documents yet; translate one first")
    return docs[0].name


def _unit_options(f):
    """TU_ID, or the segment as `tmtool pairs` numbers it (issue 20: nobody has to guess)."""
    f = click.option("--segment", type=click.IntRange(min=1), metavar="N",
                     help="The pair of segment #N (as `tmtool pairs` numbers them) instead of TU_ID.")(f)
    f = doc_option("With --segment: the document [default: the most recently translated].")(f)
    return click.argument("tu_id", type=int, required=False)(f)


def resolve_unit(tm, tu_id: int | None, doc_name: str | None, segment: int | None) -> int:
    """The unit id a command was given: TU_ID, or the unit of ``--doc D --segment N``."""
    if (tu_id is None) == (segment is None):
        raise UsageError("give a unit id (TU_ID) or --segment N (with --doc), not both and not neither")
    if tu_id is not None:
        if doc_name is not None:
            raise UsageError("--doc goes with --segment; a TU_ID names a unit of any document")
        return tu_id
    name = resolve_doc(tm, doc_name)
    pairs_ = tm.pairs(name)
    if segment > len(pairs_):
        raise NotFound(f"{name} has {plural(len(pairs_), 'segment')}; there is no segment #{segment}")
    unit = pairs_[segment - 1].unit
    if unit is None:
        raise NotFound(f"segment #{segment} of {name} has no translation yet")
    return unit.id


@cli.command()
@doc_option()
@click.option(
    "--status", "statuses", multiple=True, type=click.Choice((*STATUSES, "any")),
    help="Only pairs with this status (repeatable) [default: draft, i.e. not yet decided].",
)
@click.option("--origin", "origins", multiple=True, type=click.Choice(ORIGIN_CHOICES), help=_ORIGIN_HELP)
@click.option("--worst-first", is_flag=True, help="Lowest sentence chrF first (run `tmtool score` before).")
@author_option
@click.option("--qa", "qa_first", is_flag=True, help="Pairs with QA findings first (run `tmtool qa` before).")
@click.pass_context
def review(ctx, doc_name, statuses, origins, worst_first, author, qa_first):
    """Review a document's pairs one at a time.

    Each pair shows its source, target, origin (and model), status, the best fuzzy match the
    memory had for it, and once `tmtool score` has run, its reference and sentence scores;
    the findings of the last `tmtool qa` and the pair's glossary terms.
    Keys: a accept (approved), e edit on one line, E edit in $EDITOR, r reject, s skip,
    b back, q quit, ? help. An edit becomes a human target (approved); the old text stays in
    the pair's history (`tmtool pairs show TU_ID`).
    Every decision is saved at once, so a later `tmtool review` resumes at the first pair
    still undecided.

    \b
    Example:
        tmtool review
        tmtool review --doc antara-2022-09-15-xi-aliyev.id.txt --origin mt --worst-first
        tmtool qa && tmtool review --qa
    """
    from ..qa.view import findings_first, review_notes
    from ..review import recorded_suggestions, run_review, select_pairs

    statuses = None if "any" in statuses else (statuses or ("draft",))
    with open_tm(ctx, create=False) as tm:
        name = resolve_doc(tm, doc_name)
        items = select_pairs(tm, name, statuses=statuses, origins=origins or None, worst_first=worst_first)
        if not items:
            echo(f"{name}: no pairs to review with these filters.")
            return
        if qa_first:
            items = findings_first(items, tm, name)
        scored = sum(bool(p.scores) for p in items)
        if worst_first and not scored:
            echo("note: no stored scores yet (run `tmtool score`); keeping document order", err=True)
        echo(f"{name}: {plural(len(items), 'pair')} to review. ? shows the keys; q quits, and every "
                   "decision is saved as you go.")
        summary = run_review(
            tm, items, read=_read, write=echo, edit_long=_edit, author=author or current_user(),
            suggest=recorded_suggestions(tm, name),
            width=min(120, terminal_width(100)), notes=review_notes(tm, name),
        )
    echo("")
    echo(summary.describe())


def _read(prompt: str) -> str | None:
    try:
        return click.prompt(prompt, default="", show_default=False, prompt_suffix="")
    except click.Abort:  # end of input or Ctrl-C: everything decided is already saved
        echo("")
        return None


def _edit(text: str) -> str | None:
    from ..errors import EditorError

    try:
        return click.edit(text + "\n", require_save=True)
    except click.ClickException as e:  # not found, or it exited with an error
        raise EditorError(f"the editor failed: {e.format_message()}") from None


@pairs.command("show")
@_unit_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the unit, its uses and its history.")
@click.pass_context
def show(ctx, tu_id, doc_name, segment, as_json):
    """Show one pair with its uses, scores and history.

    A pair is a translation unit of the memory: TU_ID is the `tu_id` of `tmtool pairs` (its
    "tu"), or name it by the segment it translates, `--segment N` (the `#N` of `tmtool pairs`).

    \b
    Example:
        tmtool pairs show --segment 3
        tmtool pairs show --doc antara-2022-09-15-xi-aliyev.id.txt --segment 3 --json
        tmtool pairs show 3
    """
    with open_tm(ctx, create=False) as tm:
        tu_id = resolve_unit(tm, tu_id, doc_name, segment)
        unit = tm.get_unit(tu_id)
        history = tm.history(tu_id)
        uses = tm.unit_segments(tu_id)
        scores = {}
        for doc, idx in uses:
            for p in tm.document_pairs(doc):
                if p.segment.index == idx and p.scores:
                    scores[(doc, idx)] = p.scores
    if as_json:
        echo(json.dumps({
            "unit": asdict(unit),
            "segments": [{"document": d, "index": i} for d, i in uses],
            "scores": [
                {"document": d, "index": i, "metric": s.metric, "score": s.score,
                 "signature": s.signature, "hypothesis": s.hypothesis, "refs": list(s.refs)}
                for (d, i), by_metric in scores.items() for s in by_metric.values()
            ],
            "history": [asdict(h) for h in history],
        }, ensure_ascii=False))
        return
    echo(_describe_unit(unit, uses, scores, history))


def _describe_unit(unit, uses, scores, history) -> str:
    from ..inline import shown

    model = ""
    if unit.model:
        model = f" ({unit.model})" if unit.origin == "mt" else f" (edited from {unit.model})"
    out = [
        f"unit {unit.id}  {unit.src_lang}->{unit.tgt_lang}  {unit.origin}{model} · {unit.status}",
        f"  source  {shown(unit, 'source')}",
        f"  target  {shown(unit)}",
        f"  author  {unit.author or '-'}   created {unit.created_at}   updated {unit.updated_at}",
    ]
    for doc, idx in uses:
        out.append(f"  used in {doc} #{idx + 1}")
        for s in scores.get((doc, idx), {}).values():
            stale = "  (scored an earlier target)" if s.hypothesis != unit.target else ""
            out.append(f"    {s.metric} {s.score:.1f}  {s.signature}{stale}")
    out.append("history:" if history else "history: no changes recorded")
    for h in history:
        status = h.new_status if h.old_status == h.new_status else f"{h.old_status} -> {h.new_status}"
        origin = "" if h.old_origin == h.new_origin else f"  {h.old_origin} -> {h.new_origin}"
        out.append(f"  {h.at}  {h.author or '-'}  {h.action}  {status}{origin}")
        if h.old_target != h.new_target:
            out.append(f"    - {h.old_target}")
            out.append(f"    + {h.new_target}")
        if h.note:
            out.append(f"    ({h.note})")
    return "\n".join(out)


@pairs.command("set-status")
@click.argument("status", type=click.Choice(STATUSES))
@doc_option("Document name.", required=True)
@click.option("--origin", "origins", multiple=True, type=click.Choice(ORIGIN_CHOICES), help=_ORIGIN_HELP)
@click.option("--from-status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only pairs now in this status (repeatable) [default: any].")
@author_option
@click.pass_context
def set_status(ctx, status, doc_name, origins, statuses, author):
    """Set the status of a document's pairs in one go.

    One transaction; each changed pair gets a history entry.

    \b
    Example:
        tmtool pairs set-status approved --doc antara-2022-09-15-xi-aliyev.id.txt --origin tm
        tmtool pairs set-status draft --doc antara-2022-09-15-xi-aliyev.id.txt --from-status rejected
    """
    with open_tm(ctx, create=False) as tm:
        changed = tm.set_document_status(
            doc_name, status, origins=origins or None, statuses=statuses or None,
            author=author or current_user(),
        )
    total = sum(changed.values())
    detail = ", ".join(f"{n} {old}" for old, n in sorted(changed.items()))
    echo(f"{doc_name}: {plural(total, 'pair')} set to {status}"
               + (f" (were: {detail})" if detail else ""))


@pairs.command("edit")
@_unit_options
@click.option("--target", required=True, help="The new target text; - reads it from stdin.")
@click.option("--status", type=click.Choice(STATUSES), default="approved", show_default=True,
              help="The pair's status after the edit.")
@author_option
@click.pass_context
def edit(ctx, tu_id, doc_name, segment, target, status, author):
    """Replace a pair's target with your own text.

    The pair is TU_ID (the `tu` of `tmtool pairs`) or `--segment N` (its `#N`, in the most
    recent document or `--doc`). The new target has origin human; the old one stays in the
    pair's history.

    \b
    Example:
        tmtool pairs edit --segment 18 --target "Translator: Xinhua"
        echo "Editor: Atman Ahdiat (ANTARA)" | tmtool pairs edit --segment 19 --target -
    """
    if target == "-":
        target = sys.stdin.read()
    with open_tm(ctx, create=False) as tm:
        tu_id = resolve_unit(tm, tu_id, doc_name, segment)
        before = tm.get_unit(tu_id)
        unit = tm.edit_target(tu_id, target, author=author or current_user(), status=status)
    echo(describe_edit(before, unit, target))


def describe_edit(before, unit, target: str) -> str:
    """What `pairs edit` did, as the memory now holds it (issue 20: an unchanged text is no edit)."""
    if target.strip() == before.target:
        if unit.status == before.status:
            return f"unit {before.id}: the target is already this text; nothing changed ({unit.origin}, {unit.status})"
        return (f"unit {before.id}: the target is already this text and stays {unit.origin}; "
                f"status {before.status} -> {unit.status}")
    moved = "" if unit.id == before.id else f" (its segments now use unit {unit.id}, which had this text)"
    return f"unit {before.id}: target saved as human, {unit.status}{moved}"
