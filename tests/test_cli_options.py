"""One spelling per option across every command (issue 15): --source-lang/--target-lang from one
decorator, the old --src/--tgt hidden and deprecated, and the options several commands share
spelled, typed and explained the same way everywhere."""

from __future__ import annotations

import json
from collections import defaultdict

import click
import pytest
from click.testing import CliRunner

from tmtool.cli import cli
from tmtool.cli.options import DEPRECATED_LANGUAGE_ALIASES, LANGUAGE_ROLES, LanguageOption


def _commands(command: click.Command = cli, path: tuple[str, ...] = ()):
    """Every command and group under ``tmtool``, with its path (``("tm", "import")``)."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, (*path, name))


def _options():
    for path, command in _commands():
        for param in command.params:
            if isinstance(param, click.Option):
                yield " ".join(path), param


def _names_a_language(option: click.Option) -> bool:
    """Whether an option is about a language, however it is spelled (--src, --lang, --tl, ...)."""
    names = [*option.opts, *option.secondary_opts]
    words = {w for n in names for w in n.lstrip("-").replace("_", "-").split("-")}
    return (bool(words & {"lang", "langs", "language", "languages", "src", "tgt", "sl", "tl", "locale"})
            or (option.name or "").endswith(("_lang", "_language")))


# The commands that translate, store, search or check a language pair; each must take both options.
WITH_LANGUAGES = {"translate", "align", "model shortlist", "tm import", "tm export", "tm search", "tm qa",
                  "glossary import", "glossary export"}
# The commands that spelt them --src/--tgt before issue 15, where the old spelling must keep working.
WITH_OLD_SPELLING = {"tm import", "tm export", "tm search", "tm qa", "glossary import", "glossary export"}


def test_every_language_option_is_spelled_source_lang_or_target_lang():
    visible, hidden = defaultdict(set), defaultdict(set)
    for command, option in _options():
        if not _names_a_language(option):
            continue
        if option.hidden:
            # Only the known old spellings may hide, and they feed the new option, not a parameter.
            assert option.opts[0] in DEPRECATED_LANGUAGE_ALIASES, (command, option.opts)
            assert option.opts == [option.opts[0]] and not option.expose_value, (command, option.opts)
            hidden[command].add(option.opts[0])
            continue
        assert (option.opts, option.secondary_opts) in ((["--source-lang"], []), (["--target-lang"], [])), (
            f"tmtool {command}: {'/'.join(option.opts)} names a language; spell it --source-lang/--target-lang")
        assert isinstance(option, LanguageOption) and option.role in LANGUAGE_ROLES, (
            f"tmtool {command} {option.opts[0]}: declare it with cli.options.language_options")
        assert option.name == option.opts[0].lstrip("-").replace("-", "_")  # source_lang / target_lang
        visible[command].add(option.opts[0])
    assert set(visible) == WITH_LANGUAGES
    assert all(names == {"--source-lang", "--target-lang"} for names in visible.values()), visible
    assert set(hidden) == WITH_OLD_SPELLING
    assert all(names == {"--src", "--tgt"} for names in hidden.values()), hidden


def test_a_language_option_of_one_role_has_one_default_and_one_help_everywhere():
    seen = defaultdict(set)
    for _, option in _options():
        if isinstance(option, LanguageOption):
            seen[(option.opts[0], option.role)].add((option.default, option.help, option.metavar))
    assert {key: len(values) for key, values in seen.items()} == {key: 1 for key in seen}
    defaults = {key: next(iter(values))[0] for key, values in seen.items()}
    assert defaults == {("--source-lang", "pair"): "id", ("--target-lang", "pair"): "en",
                        ("--source-lang", "file"): None, ("--target-lang", "file"): None,
                        ("--source-lang", "filter"): None, ("--target-lang", "filter"): None}


# Options several commands share: each long name must have one short form, one parameter name and
# (where it means the same thing) one help text. Found by walking the commands, so a new command
# that spells one differently fails here.
SAME_HELP = ("--author", "--encoding", "--backend", "--srx", "--abbrev")


def test_options_shared_by_commands_are_spelled_the_same_way():
    spellings = defaultdict(set)
    helps = defaultdict(set)
    for command, option in _options():
        if option.hidden:
            continue
        long = next((o for o in option.opts if o.startswith("--")), option.opts[0])
        spellings[long].add((tuple(sorted(option.opts)), tuple(option.secondary_opts)))
        helps[long].add(option.help)
        if long == "--doc":
            assert option.name == "doc_name" and option.metavar == "NAME", command
        if long == "--json":
            assert option.is_flag and option.name == "as_json", command
        assert long not in ("--document", "--src", "--tgt", "--out", "--lang"), (command, long)
    different = {long: sorted(s) for long, s in spellings.items() if len(s) > 1}
    assert different == {}, different
    assert spellings["--format"] == {(("--format", "-f"), ())}
    assert spellings["--output"] == {(("--output", "-o"), ())}
    for long in SAME_HELP:
        assert len(helps[long]) == 1, (long, helps[long])


def test_jsonl_is_the_name_of_one_json_object_per_line_on_every_command():
    for command, option in _options():
        if option.name == "fmt" and isinstance(option.type, click.Choice):
            assert "json" not in option.type.choices, f"tmtool {command} --format: call it jsonl"


# -- the old spelling, used ---------------------------------------------------------------------


def _run(memory, *args, input=None):
    return CliRunner().invoke(cli, ["--tm", str(memory), *args], input=input, catch_exceptions=False)


def test_src_and_tgt_still_work_and_say_they_are_deprecated(memory_location, tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("Selamat pagi.\tGood morning.\nTerima kasih.\tThank you.\n", encoding="utf-8")
    r = _run(memory_location, "tm", "import", str(tsv), "--src", "id-ID", "--tgt", "en-US")
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines() == ["warning: --src is deprecated; use --source-lang",
                                     "warning: --tgt is deprecated; use --target-lang"]
    assert "2 units (id-ID->en-US), 2 added" in r.stdout
    # The alias reaches the option it stands for: the filter of export, the pair of search.
    old = _run(memory_location, "tm", "export", "-f", "jsonl", "--tgt", "en-US")
    new = _run(memory_location, "tm", "export", "-f", "jsonl", "--target-lang", "en-US")
    assert old.stdout == new.stdout and len(old.stdout.splitlines()) == 2
    assert old.stderr == "warning: --tgt is deprecated; use --target-lang\n" and new.stderr == ""
    none = _run(memory_location, "tm", "export", "-f", "jsonl", "--src", "fr")
    assert none.exit_code == 0 and none.stdout == ""
    r = _run(memory_location, "tm", "search", "Selamat pagi.", "--json", "--src", "id", "--tgt", "en")
    assert [json.loads(line)["target"] for line in r.stdout.splitlines()] == ["Good morning."]
    assert r.stderr.count("is deprecated") == 2


@pytest.mark.parametrize("args", [["--src", "id", "--source-lang", "en"], ["--source-lang", "en", "--src", "id"]])
def test_old_and_new_spelling_that_disagree_are_refused(tm_path, args):
    r = _run(tm_path, "tm", "search", "Selamat pagi.", *args)
    assert r.exit_code == 2
    assert "Error: --source-lang 'en' and its old spelling 'id' disagree; give one" in r.stderr
    assert "Traceback" not in r.output


def test_old_and_new_spelling_that_agree_are_one_value(tm_path, tmp_path):
    terms = tmp_path / "terms.tsv"
    terms.write_text("kerja sama\tcooperation\n", encoding="utf-8")
    r = _run(tm_path, "glossary", "import", str(terms), "--tgt", "en", "--target-lang", "en")
    assert r.exit_code == 0, r.output
    assert r.stdout == f"{terms}: 1 entries added, 0 already in the glossary\n"
    r = _run(tm_path, "glossary", "export", "-f", "tsv", "--target-lang", "en")
    assert "cooperation" in r.stdout


@pytest.mark.parametrize("command", sorted(WITH_OLD_SPELLING))
def test_old_spelling_is_hidden_from_help(command):
    r = CliRunner().invoke(cli, [*command.split(), "--help"])
    assert r.exit_code == 0
    assert "--source-lang LANG" in r.output and "--target-lang LANG" in r.output
    assert "--src" not in r.output and "--tgt" not in r.output


@pytest.mark.parametrize("args", [
    ["translate", "-", "--source-lang", "!!"],
    ["tm", "search", "x", "--target-lang", "en US"],
    ["tm", "export", "--src", "123"],
    ["glossary", "export", "--target-lang", ""],
])
def test_a_language_that_is_not_a_tag_is_refused_before_the_memory_is_opened(tm_path, args):
    r = _run(tm_path, *args, input="Selamat pagi.\n")
    assert r.exit_code == 2, r.output
    assert "is not a language tag (like id or en-US)" in r.stderr.splitlines()[-1]
    assert not tm_path.exists()


def test_qa_format_json_is_jsonl_with_a_warning(tm_path, tmp_path):
    (tmp_path / "a.id.txt").write_text("Harganya Rp 1.500 per buah.\n", encoding="utf-8")
    (tmp_path / "a.en.txt").write_text("It costs Rp 2,000 each.\n", encoding="utf-8")
    r = _run(tm_path, "align", str(tmp_path / "a.id.txt"), str(tmp_path / "a.en.txt"), "--no-model")
    assert r.exit_code == 0, r.output
    old, new = _run(tm_path, "qa", "--format", "json"), _run(tm_path, "qa", "-f", "jsonl")
    assert old.exit_code == new.exit_code == 0
    assert old.stdout == new.stdout
    assert "numbers" in [json.loads(line)["check"] for line in new.stdout.splitlines()]
    assert old.stderr.splitlines()[0] == "warning: --format json is deprecated; use --format jsonl"
    assert "deprecated" not in new.stderr
