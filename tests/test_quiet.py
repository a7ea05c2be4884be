"""stderr carries tmtool's own lines only (issue 13): no library progress bars ("Loading weights",
"Writing model shards", "Fetching N files"), no library advice ("Recommended: pip install
sacremoses"), whatever the model is loaded for. Each command runs in its own process, on a real
model, with a fresh converted-model cache so the one-time conversion runs too."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import ARTICLE, ARTICLE_EN, require_ct2

# What tmtool itself writes on stderr for these commands (anything else is noise).
OWN = re.compile(
    r"^(converting .* for CTranslate2 \(.*\) into .*; this happens once"
    r"|.*: 20 segments, .*"
    r"|.*: 20 source and 20 target sentences aligned .*"
    r"|.*: converted into .*"
    r"|note: .*)$"
)
NOISE = ("Loading weights", "Writing model shards", "Fetching", "Recommended", "%|", "it/s", "Warning", "warn")


def run(tmp_path, *args: str, backend_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TMTOOL_CACHE": str(tmp_path / "fresh-cache"), **(backend_env or {})}
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-m", "tmtool", "--tm", str(tmp_path / "tm.sqlite"), *args],
                          capture_output=True, text=True, env=env, timeout=300)


def assert_quiet(r: subprocess.CompletedProcess) -> None:
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines, "the command said nothing on stderr"
    for line in lines:
        assert not any(n in line for n in NOISE), f"library noise on stderr: {line!r}"
        assert OWN.match(line), f"a line tmtool does not write: {line!r}"


@pytest.mark.slow
@pytest.mark.parametrize("backend", [pytest.param("ct2", marks=pytest.mark.ct2), "transformers"])
def test_translate_align_and_convert_print_only_tmtools_lines(tmp_path, tiny_model, backend):
    if backend == "ct2":
        require_ct2()
        assert_quiet(run(tmp_path, "model", "convert", str(tiny_model)))
    model = ["--model", str(tiny_model), "--backend", backend]
    assert_quiet(run(tmp_path, "translate", str(ARTICLE), *model, "-o", str(tmp_path / "out.txt")))
    assert_quiet(run(tmp_path, "align", str(ARTICLE), str(ARTICLE_EN), *model, "--dry-run"))
