"""How ``translate`` shows its results: the document in each output format, the summary line,
the progress bar (shared by one document and many, ``translate_many.py``)."""

from __future__ import annotations

import json
import sys

import click

from ..terminal import plural

def render(result, fmt: str) -> str:
    """The translated document, or one JSON/TSV record per segment."""
    if fmt == "text":
        return result.text
    rows = [
        {
            "index": r.segment.index,
            "paragraph": r.segment.paragraph,
            "source": r.segment.text,
            "target": r.target,
            "origin": r.origin,
            "match": r.match if r.origin == "tm" else None,  # the published record: null for the model
            "tu_id": r.unit.id,
            "status": r.unit.status,
            "model": r.unit.model,
            "fuzzy": {"score": r.fuzzy.score, "tu_id": r.fuzzy.tu_id} if r.fuzzy else None,
            # issue 14: a reuse of this document's own earlier MT is not a TM match of other
            # work; a translation the model stopped at its output limit is cut short.
            "own_mt": r.own,
            "truncated": r.cut is not None,
        }
        for r in result.segments
    ]
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    # The JSONL keys as columns (the README promises the same ones); a nested object is spread
    # over one column per key: "fuzzy" becomes fuzzy_score and fuzzy_tu_id.
    flat = [flat_row(row) for row in rows]
    columns = list(flat[0]) if flat else ["index"]
    lines = ["\t".join(columns)]
    for row in flat:
        lines.append("\t".join(tsv_cell(row[c]) for c in columns))
    return "\n".join(lines) + "\n"


def flat_row(row: dict) -> dict:
    """``{"fuzzy": {"score": 91, "tu_id": 3}}`` -> ``{"fuzzy_score": 91, "fuzzy_tu_id": 3}``."""
    out = {}
    for key, value in row.items():
        if isinstance(value, dict) or (value is None and key in _NESTED):
            for sub in _NESTED.get(key, value or ()):
                out[f"{key}_{sub}"] = (value or {}).get(sub)
        else:
            out[key] = value
    return out


_NESTED = {"fuzzy": ("score", "tu_id")}  # objects a row may hold, and their keys (when absent: None)


def tsv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # as in the jsonl records
    # Tabs and line breaks inside a cell would shift columns; escape them as in translate-toolkit.
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def summary(result) -> str:
    model = f" ({result.model})" if result.model else ""
    distinct = result.distinct_translated
    extra = f" ({distinct} distinct)" if distinct != result.translated else ""
    own = f" ({result.own} of them this document's own earlier machine translation)" if result.own else ""
    flagged = ""
    if result.cut:
        flagged += f", {result.cut} cut short at the model's output limit"
    if result.rejected:
        flagged += f", {result.rejected} rejected (left untranslated)"
    return (
        f"{result.document}: {plural(len(result.segments), 'segment')}, {result.reused} reused from the TM{own}, "
        f"{result.translated} translated by the model{extra}{model}{flagged}, {result.seconds:.1f} s"
    )


def interactive() -> bool:
    return sys.stderr.isatty()


class Progress:
    """A progress bar on stderr while the model works; silent when stderr is not a terminal."""

    def __init__(self):
        self.bar = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if not interactive():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Translating", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
