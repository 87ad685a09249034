"""The README's commands: the two quick-start commands where CI and users find them, and every
``newscrawl`` command and option the guide shows exists."""

from __future__ import annotations

import re
from pathlib import Path

from newscrawl.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()

COMMAND_1 = ("python3 -m venv --upgrade-deps .venv && .venv/bin/python -m pip install -q -e . && "
             ".venv/bin/python -m scrapy crawl news -a sources=fixtures/sample_sources.toml "
             "-s NEWSCRAWL_REPLAY_DIR=fixtures/sites -s LOG_LEVEL=WARNING && .venv/bin/python -m newscrawl stories")
TEST_COMMAND = ("python3 -m venv --upgrade-deps .venv && .venv/bin/python -m pip install -q -e '.[test]' "
                "&& .venv/bin/python -m pytest")


def test_quick_start_commands_where_ci_and_users_read_them():
    lines = README.splitlines()
    assert lines[23] == COMMAND_1  # `sed -n 24p README.md` is command 1
    assert TEST_COMMAND in lines
    assert TEST_COMMAND in (REPO / ".ci" / "run").read_text().splitlines()  # run verbatim by CI


def _subcommands(parser) -> dict[str, object]:
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return dict(action.choices)


def test_every_command_and_option_the_readme_shows_exists():
    commands = _subcommands(build_parser())
    blocks = re.findall(r"```(?:sh|console|cron|ini)\n(.*?)```", README, re.S)
    shown = [m.group(1) for block in blocks
             for m in re.finditer(r"(?:^|\$ |bin/)newscrawl ((?:[a-z]+)(?: [^#\n]*)?)", block, re.M)]
    assert len(shown) > 20
    for usage in shown:
        words = usage.split()
        assert words[0] in commands, usage
        parser = commands[words[0]]
        if words[0] == "db":
            parser = _subcommands(parser)[words[1]]
        options = {o for a in parser._actions for o in a.option_strings}
        for word in words:
            option = word.split("=")[0].strip("[]|")
            if option.startswith("--"):
                assert option in options, (usage, option)
