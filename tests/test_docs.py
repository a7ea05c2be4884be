"""Every console session of README.md and docs/*.md and every `Example:` of every --help runs, as a
user would run it, against a fresh memory and the tiny test model (issue 20). How sessions are
written and checked: tests/docsession.py; README's Development section.

TMTOOL_UPDATE_DOCS=1 rewrites the expected outputs that changed (then read the diff).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import ARTICLE, ARTICLE_EN, ARTICLE_EN_SENTENCES, REPO
from docsession import (
    console_blocks, help_examples, localize, matches, normalize, prepare_dir, run, run_command, run_server,
    update_file,
)

from tmtool.cli import cli

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SESSIONS = [p for p in DOCUMENTS if console_blocks(p)]
UPDATE = os.environ.get("TMTOOL_UPDATE_DOCS") == "1"


def _id(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("document", SESSIONS, ids=_id)
def test_console_sessions_print_what_the_document_shows(document, tiny_model, tmp_path, monkeypatch, request):
    where = tmp_path / "session"
    env = prepare_dir(where, tiny_model)
    failures, updates = [], []
    status = 0  # the last command's exit status: `$?` in the next one, as in one shell
    for block in console_blocks(document):
        for step in block.steps:
            command, shown_url, real_url = step.command, None, None
            if "postgresql://" in command:  # the document's server is the test server, with our memory
                shown_url = re.search(r"postgresql://\S+", command).group(0)
                real_url = _server_copy(request, where, env, monkeypatch, f"doc{step.line}")
                command = command.replace(shown_url, shlex.quote(real_url))
            if "$?" in command:
                command = f"(exit {status}); {command}"
            if " serve" in command:  # it serves until Ctrl-C: started, seen to listen, stopped
                output, status = run_server(command, where, env, ready="Ctrl-C stops the server")
            else:
                output, status = run(command, where, env, step.input(), monkeypatch)
            if real_url:
                output = output.replace(real_url, shown_url)
            raw = localize(output, where)
            actual, expected = normalize(raw), normalize("\n".join(step.expected))
            if not matches(expected, actual):
                failures.append(f"{_id(document)}:{step.line}: $ {step.command}\n--- expected\n{expected}\n"
                                f"--- actual\n{actual}\n")
                updates.append((step, "\n".join(line.rstrip() for line in raw.splitlines()).strip("\n")))
    if UPDATE and updates:
        update_file(document, updates)
    assert not failures, "\n".join(failures)


def _server_copy(request, where: Path, env: dict, monkeypatch, schema: str) -> str:
    """A memory on the test server (skipped without one; failed in CI): a copy of the session's
    own memory, in a schema of its own."""
    import pgserver
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(request.getfixturevalue("pg_server"))
    params["options"] = f"-csearch_path={schema}"
    url = pgserver.url_of(params)
    output, code = run(f"tmtool tm copy memory/tm.sqlite {shlex.quote(url)}", where, env, "", monkeypatch)
    assert code == 0, output
    return url


# -- --help examples --------------------------------------------------------------------------

EXAMPLES = [(path, lines) for path, lines in help_examples(cli)]


def _joined(lines: list[str]) -> list[str]:
    """Example lines with backslash continuations joined."""
    out: list[str] = []
    for line in lines:
        if out and out[-1].endswith("\\"):
            out[-1] = out[-1][:-1].rstrip() + " " + line
        else:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def example_dir(tiny_model, tmp_path_factory) -> tuple[Path, dict]:
    """A directory with what the examples name (the article, references, TMX files from other
    tools, a model folder) and a memory holding the article, translated by the default model
    (the tiny model, cached as Helsinki-NLP/opus-mt-id-en)."""
    where = tmp_path_factory.mktemp("examples") / "work"
    env = prepare_dir(where, tiny_model, hub_model=True)
    for name in ("article.id.txt", "article.txt"):
        shutil.copyfile(ARTICLE, where / name)
    for name in ("article.en.txt", "published-article.en.txt"):
        shutil.copyfile(ARTICLE_EN, where / name)
    shutil.copyfile(ARTICLE_EN_SENTENCES, where / "system.en.txt")
    shutil.copyfile(REPO / "tests" / "data" / "score" / "ref-a.en.txt", where / "ref1.en.txt")
    shutil.copyfile(REPO / "tests" / "data" / "score" / "ref-b.en.txt", where / "ref2.en.txt")
    (where / "omegat").mkdir()
    shutil.copyfile(REPO / "tests" / "data" / "tmx" / "omegat-project_save.tmx", where / "omegat" / "project_save.tmx")
    shutil.copyfile(REPO / "tests" / "data" / "tiny-extra.tsv", where / "pairs.tsv")
    for name in ("terms.tbx", "termbase.tbx"):
        shutil.copyfile(REPO / "tests" / "data" / "qa" / "glossary-id-en.tbx", where / name)
    shutil.copyfile(REPO / "tests" / "data" / "qa" / "glossary-id-en.tsv", where / "omegat" / "glossary.txt")
    # CAT files and a small archive (translate job.xlf, tm import job.done.xlf project.po, --ray).
    docs_data = REPO / "tests" / "data" / "docs"
    for name in ("job.xlf", "job.po", "job.done.xlf", "project.po", "extra.id.txt"):
        shutil.copyfile(docs_data / name, where / name)
    shutil.copytree(docs_data / "archive", where / "archive")
    (where / "corrections.jsonl").write_text(
        json.dumps({"source": "Selamat malam.", "target": "Good evening."}) + "\n", encoding="utf-8")
    sources = [line.split("\t")[0] for line in (where / "pairs.tsv").read_text(encoding="utf-8").splitlines()]
    targets = [line.split("\t")[1] for line in (where / "pairs.tsv").read_text(encoding="utf-8").splitlines()]
    for name, src, tgt in (("trados.tmx", "id-ID", "en-US"), ("memoq-export.tmx", "id", "en"),
                           ("team.tmx", "id", "en")):
        (where / name).write_text(_tmx(src, tgt, zip(sources, targets)), encoding="utf-8")
    # The article translated twice (the last is the latest document), then a reviewer at work:
    # some pairs approved, one edited. In this process: the model converts fastest here.
    with pytest.MonkeyPatch.context() as mp:
        for command in ("tmtool translate article.id.txt -o article.en.out.txt",
                        "tmtool translate examples/antara-2022-09-15-xi-aliyev.id.txt -o article.en.out.txt",
                        f"tmtool pairs set-status approved --doc {ARTICLE.name} --origin mt",
                        'tmtool pairs edit --segment 18 --target "Translator: Xinhua"'):
            output = run_command(command, where, env, "", mp)
            assert "Error" not in output, output
    return where, env


def _tmx(src: str, tgt: str, pairs) -> str:
    from xml.sax.saxutils import escape

    units = "".join(f'<tu><tuv xml:lang="{src}"><seg>{escape(s)}</seg></tuv>'
                    f'<tuv xml:lang="{tgt}"><seg>{escape(t)}</seg></tuv></tu>\n' for s, t in pairs)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="doc-test" '
            f'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="{src}" '
            f'datatype="plaintext"/>\n<body>\n{units}</body></tmx>\n')


@pytest.mark.parametrize("command, lines", [e for e in EXAMPLES if e[1]], ids=[e[0] or "tmtool" for e in EXAMPLES if e[1]])
def test_every_help_example_runs(command, lines, example_dir, tmp_path, monkeypatch, request):
    source, env = example_dir
    where = tmp_path / "work"
    shutil.copytree(source, where, symlinks=True)
    examples = _joined(lines)
    if any("postgresql://" in e for e in examples):
        # The example's server is the test server (skipped without one, failed in CI), in a
        # schema that the example's first command creates.
        import pgserver
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(request.getfixturevalue("pg_server"))
        params["options"] = f"-csearch_path=ex_{command.replace(' ', '_')}"
        url = pgserver.url_of(params)
        examples = [re.sub(r"postgresql://\S+", lambda _: shlex.quote(url), e) for e in examples]
        if not any(e.startswith("tmtool tm copy memory") for e in examples):  # the team's memory: ours
            output, code = run(f"tmtool tm copy memory/tm.sqlite {shlex.quote(url)}", where, env, "", monkeypatch)
            assert code == 0, output
    for example in examples:
        if command.split()[:1] == ["serve"] or " serve " in example:
            # It serves until Ctrl-C: started, seen to listen, stopped.
            output, code = run_server(example, where, env, ready="http://")
            assert code is not None and "http://" in output, f"$ {example}\n{output}"
        else:
            output, code = run(example, where, env, "", monkeypatch)
            assert code == 0, f"$ {example}\n{output}"
        assert "Traceback" not in output, f"$ {example}\n{output}"
        assert "Error:" not in output and "Usage:" not in output, f"$ {example}\n{output}"


# -- every command documented -----------------------------------------------------------------


@pytest.mark.parametrize("command, lines", EXAMPLES, ids=[e[0] or "tmtool" for e in EXAMPLES])
def test_every_command_has_help_with_an_example_a_line_in_the_readme_and_a_page(command, lines):
    assert lines, f"`tmtool {command} --help` has no Example: block"
    if not command:
        return
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    top, *rest = command.split()
    table = [line for line in readme.splitlines() if line.startswith("| `tmtool ")]
    rows = [line for line in table if line.startswith(f"| `tmtool {top}")]
    assert rows, f"README.md's command table has no line for tmtool {top}"
    if rest:  # `tmtool tm import ...` / `tm export`, or `tm qa` in another command's line
        named = any(rest[-1] in row for row in rows) or any(f"`{command}" in row for row in table)
        assert named, f"README.md's command table does not name tmtool {command}"
    pages = [p for p in DOCUMENTS[1:] if f"tmtool {command}" in p.read_text(encoding="utf-8")]
    assert pages, f"no page of docs/ tells about tmtool {command}"
