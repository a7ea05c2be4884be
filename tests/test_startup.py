"""Start-up stays light: the CLI and the commands that need no model import no ML stack."""

import subprocess
import sys

HEAVY = ("torch", "transformers", "sacrebleu", "ctranslate2", "sentencepiece", "huggingface_hub", "psycopg",
         "flask", "werkzeug", "ray")


def loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return [m for m in out.split() if m.split(".")[0] in HEAVY]


def test_importing_the_cli_loads_no_ml_library():
    assert loaded_after("import tmtool.cli") == []


def test_help_and_segment_load_no_ml_library(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Satu. Dua.\n", encoding="utf-8")
    code = (
        "from click.testing import CliRunner\nfrom tmtool.cli import cli\n"
        "from tmtool.memory import SQLiteMemory\n"
        f"SQLiteMemory({str(tmp_path / 'tm.sqlite')!r}).close()\n"
        f"assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
        f"assert CliRunner().invoke(cli, ['segment', {str(article)!r}]).exit_code == 0\n"
        f"assert CliRunner().invoke(cli, ['--tm', {str(tmp_path / 'tm.sqlite')!r}, 'docs']).exit_code == 0\n"
    )
    assert loaded_after(code) == []


def test_help_does_not_even_import_the_memory():
    """`tmtool --help` imports only the command definitions: the package exports load on first use."""
    probe = (
        "from click.testing import CliRunner\nfrom tmtool.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
        "import sys\nprint(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert not [m for m in out if m.startswith(("tmtool.memory", "tmtool.pipeline", "tmtool.segment", "sqlite3",
                                                "numpy", "lxml"))]


def test_the_package_exports_still_import():
    import tmtool

    assert tmtool.SQLiteMemory.__name__ == "SQLiteMemory"
    assert callable(tmtool.translate_document) and callable(tmtool.segment_text)
    assert set(tmtool.__all__) <= set(dir(tmtool))
    assert all(getattr(tmtool, name) is not None for name in tmtool.__all__)
