"""Executable documentation (issue 20): the console sessions of README.md and docs/*.md, and the
`Example:` lines of every command's --help, run as a user would run them.

A ```console block is a session: lines starting with ``$ `` are commands, the lines after each
one its expected output (stdout and stderr as a terminal shows them). The blocks of one file run
in order, in one fresh directory (see :func:`prepare_dir`), so a later block sees what an earlier
one made. Lines whose output varies are written as they looked once and compared after
:func:`normalize` (times in seconds, timestamps, 16-digit hashes) and :func:`localize` (the
directory itself, the home folder); anything else that varies is written ``...``, which matches
any text, across lines too (doctest's ELLIPSIS); a line of only ``...`` matches any number of
lines, none included. Keystrokes of an interactive command are written after its prompt, as a
terminal shows them (``[?]help > a``); they become its input. ```sh blocks are not run.

``TMTOOL_UPDATE_DOCS=1`` rewrites each expected output that no longer matches with the actual one.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: Prompts of interactive commands: what follows one on an expected line is typed input.
PROMPTS = ("[?]help > ", "  new target > ")
#: Shell syntax: such a command runs in bash, others in this process (faster: no start-up).
_SHELL = re.compile(r"[|<>;&$`*(){}]|\becho\b")
#: What varies from run to run, and what it is replaced by in both the expected and the actual text.
_VARIES = (
    (re.compile(r"\b\d+\.\d+ s\b"), "<N> s"),  # durations: "20 segments, ..., 4.5 s"
    (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)"), "<time>"),
    (re.compile(r"\b[0-9a-f]{16}\b"), "<hash>"),  # converted copies: demo-tiny-5257f86201188128-int8
)


@dataclass
class Step:
    """One command of a session and the output the document shows for it."""

    command: str
    expected: list[str]
    line: int  # where the command is in the file (1-based)
    end: int  # the line after its output

    def input(self) -> str:
        """What the user typed at the command's prompts, one line each."""
        typed = []
        for line in self.expected:
            for prompt in PROMPTS:
                if prompt in line:
                    typed.append(line.split(prompt, 1)[1])
                    break
        return "".join(t + "\n" for t in typed)


@dataclass
class Block:
    start: int  # the ```console line (1-based)
    steps: list[Step] = field(default_factory=list)


def console_blocks(path: Path) -> list[Block]:
    """The ```console blocks of a Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    block = None
    for n, line in enumerate(lines, 1):
        if block is None:
            if line.strip() == "```console":
                block = Block(n)
            continue
        if line.strip() == "```":
            if block.steps:
                block.steps[-1].end = n
            blocks.append(block)
            block = None
        elif line.startswith("$ "):
            if block.steps:
                block.steps[-1].end = n
            block.steps.append(Step(line[2:], [], n, n + 1))
        elif block.steps:
            block.steps[-1].expected.append(line)
    return blocks


def localize(text: str, where: Path) -> str:
    """``text`` as if the session had run in ``.`` with ``~`` for the home folder."""
    return text.replace(str(where / "home"), "~").replace(str(where) + "/", "").replace(str(where), ".")


def normalize(text: str) -> str:
    """``text`` with what varies replaced (see _VARIES), trailing spaces and blank lines gone."""
    for pattern, replacement in _VARIES:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected``, where ``...`` in ``expected`` stands for any text, and
    a line that is only ``...`` for any number of lines, none included."""
    lines = expected.split("\n")
    pattern = ""
    for n, line in enumerate(lines):
        if line == "...":
            pattern += r"(?:.*(?:\n|\Z))*?"
            continue
        pattern += "(?s:.*?)".join(re.escape(part) for part in line.split("..."))
        if n < len(lines) - 1:
            pattern += r"(?:\n|\Z)"
    return re.fullmatch(pattern, actual) is not None


def prepare_dir(where: Path, model: Path, *, hub_model: bool = False) -> dict[str, str]:
    """A directory like a user's clone after `make`: ``examples/``, ``tests/data/``, the tiny
    model wherever the documents and examples name a model folder (``.cache/models/demo-tiny``,
    ``./tiny-model``, ``./opus-mt-id-en``, ``./models/tiny``) and, with ``hub_model``, in the
    Hugging Face cache of the directory's own home (``~``) as ``Helsinki-NLP/opus-mt-id-en``.
    Returns the environment to run in."""
    where.mkdir(parents=True, exist_ok=True)
    (where / "examples").symlink_to(REPO / "examples")
    (where / "tests").mkdir()
    (where / "tests" / "data").symlink_to(REPO / "tests" / "data")
    for name in (".cache/models/demo-tiny", "tiny-model", "opus-mt-id-en", "models/tiny"):
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).symlink_to(model)
    home = where / "home"
    if hub_model:
        repo = home / ".cache" / "huggingface" / "hub" / "models--Helsinki-NLP--opus-mt-id-en"
        shutil.copytree(model, repo / "snapshots" / "0123abcd")
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text("0123abcd")
    bin_dir = where / "home" / "bin"
    bin_dir.mkdir(parents=True)
    wrapper = bin_dir / "tmtool"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tmtool "$@"\n')
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TMTOOL_", "HF_", "XDG_")) and k not in ("COLUMNS", "LINES", "EDITOR", "VISUAL")}
    env.update({
        "HOME": str(home), "HF_HOME": str(home / ".cache" / "huggingface"), "HF_HUB_OFFLINE": "1",
        "USER": "ayu", "LOGNAME": "ayu", "COLUMNS": "100", "BROWSER": "true", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
        "PATH": f"{bin_dir}:{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    })
    return env


def run_command(command: str, where: Path, env: dict[str, str], stdin: str = "", monkeypatch=None) -> str:
    """:func:`run`'s output."""
    return run(command, where, env, stdin, monkeypatch)[0]


def run(command: str, where: Path, env: dict[str, str], stdin: str = "", monkeypatch=None) -> tuple[str, int]:
    """Run one command line in ``where``: the terminal's text (stdout and stderr as they come)
    and the exit status.

    A plain `tmtool ...` runs in this process through click's test runner (with ``monkeypatch``
    to set the environment), which echoes the typed input after each prompt as a terminal does;
    anything with shell syntax runs in bash, with `tmtool` on the PATH: both streams as they come,
    or with a pipe (where their order is a race) the standard output, then the standard error.
    """
    words = shlex.split(command, comments=True)
    # --ray starts a local Ray instance: in a process of its own, so that what Ray keeps for the
    # process (its session, the auth token read from this directory's home) cannot meet the
    # instance a later test starts.
    in_process = "--ray" not in words
    if (words and words[0] == "tmtool" and not _SHELL.search(command.split(" #")[0]) and monkeypatch is not None
            and in_process):
        from click.testing import CliRunner

        from tmtool.cli import cli

        with monkeypatch.context() as mp:
            for key in list(os.environ):
                if key not in env:
                    mp.delenv(key)
            for key, value in env.items():
                mp.setenv(key, value)
            mp.chdir(where)
            result = CliRunner(echo_stdin=True).invoke(cli, words[1:], input=stdin)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.output, result.exit_code
    if "|" in command:
        # Through a pipe, the order of the two streams is a race: the output, then the errors.
        done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=where, env=env, input=stdin,
                              text=True, capture_output=True, timeout=300)
        return done.stdout + done.stderr, done.returncode
    done = subprocess.run(["bash", "-c", command], cwd=where, env=env, input=stdin, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    return done.stdout, done.returncode


def run_server(command: str, where: Path, env: dict[str, str], ready: str, timeout: float = 60) -> tuple[str, int]:
    """Start a command that serves until interrupted (`tmtool serve`), wait until its output
    shows ``ready`` (or it ends, or ``timeout``), then stop it with Ctrl-C: its output and the
    exit status it ended with (None if Ctrl-C did not stop it in 20 s)."""
    import signal
    import threading
    import time

    proc = subprocess.Popen(["bash", "-c", "exec " + command], cwd=where, env=env, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and ready not in "".join(seen):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        code = None
    reader.join(timeout=5)
    return "".join(seen), code


def update_file(path: Path, replacements: list[tuple[Step, str]]) -> None:
    """Replace the expected output of each step with the actual one (TMTOOL_UPDATE_DOCS=1)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for step, actual in sorted(replacements, key=lambda r: -r[0].line):
        region = lines[step.line : step.end - 1]  # the output lines after the command's line
        blank = len(region) - len("\n".join(region).rstrip().split("\n")) if "\n".join(region).strip() else len(region)
        # Keep the blank lines that separated this output from the next command.
        lines[step.line : step.end - 1] = (actual.split("\n") if actual else []) + [""] * blank
    path.write_text("\n".join(lines), encoding="utf-8")


def help_examples(command, path: tuple[str, ...] = ()) -> list[tuple[str, list[str]]]:
    """``(command path, example lines)`` of every command under the click ``command``."""
    import click

    out = []
    text = command.help or ""
    if "Example:" in text:
        body = text.split("Example:", 1)[1]
        lines = []
        for line in body.splitlines()[1:]:
            if not line.strip():
                if lines:
                    break
                continue
            lines.append(line.strip())
        out.append((" ".join(path), lines))
    else:
        out.append((" ".join(path), []))
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            if not sub.hidden:
                out += help_examples(sub, (*path, name))
    return out
