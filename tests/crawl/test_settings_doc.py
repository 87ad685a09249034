"""One home per ``NEWSCRAWL_*`` default: newscrawl/crawl/settings.py, documented in docs/settings.md.

The table there is written by hand and checked here (not generated): every setting the module
defines is in the table with the same default, and the table has nothing else. Every
``NEWSCRAWL_*`` name the code reads is either defined in the module or listed in that page as
read only from the environment, and code that falls back to a default takes it from the module,
never a copy.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from newscrawl.crawl import settings as crawl_settings

REPO = Path(__file__).resolve().parents[2]
SETTINGS_FILE = REPO / "newscrawl" / "crawl" / "settings.py"
SETTINGS_DOC = REPO / "docs" / "settings.md"
NAME = re.compile(r"\bNEWSCRAWL_[A-Z0-9_]+\b")


def _module_settings() -> dict[str, int]:
    """Each NEWSCRAWL_* name assigned in the settings module -> how often it is assigned."""
    counts: dict[str, int] = {}
    for node in ast.parse(SETTINGS_FILE.read_text()).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.startswith("NEWSCRAWL_"):
                    counts[target.id] = counts.get(target.id, 0) + 1
    return counts


def _table_rows(header: str) -> list[list[str]]:
    """The cells of the rows of the settings page's table whose header row starts with
    ``header``."""
    lines = SETTINGS_DOC.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _code(cell: str) -> str:
    assert cell.startswith("`") and cell.endswith("`"), cell
    return cell[1:-1]


def _documented_settings() -> dict[str, object]:
    return {_code(name): ast.literal_eval(_code(default))
            for name, default, _meaning in _table_rows("setting")}


def _documented_environment_only() -> set[str]:
    return {_code(name) for name, _where, _meaning in _table_rows("variable")}


def test_every_setting_is_defined_once_under_a_comment_that_says_what_it_means():
    counts = _module_settings()
    assert counts, "no NEWSCRAWL_* setting found in the settings module"
    assert {name: n for name, n in counts.items() if n != 1} == {}
    lines = SETTINGS_FILE.read_text().splitlines()
    uncommented = [name for name in counts
                   if not lines[next(i for i, line in enumerate(lines)
                                     if line.startswith(f"{name} = ")) - 1].startswith("#")]
    assert uncommented == []


def test_the_documented_table_and_the_settings_module_agree():
    module = {name: getattr(crawl_settings, name) for name in _module_settings()}
    documented = _documented_settings()
    assert sorted(documented) == sorted(module)
    for name, value in module.items():
        assert (type(documented[name]), documented[name]) == (type(value), value), name


def _code_files() -> list[Path]:
    folders = ("newscrawl", "tests", "benchmarks", "evaluation")
    return [p for folder in folders for p in sorted((REPO / folder).rglob("*.py"))]


def test_every_name_the_code_reads_is_a_setting_or_documented_as_environment_only():
    known = set(_module_settings()) | _documented_environment_only()
    assert not set(_module_settings()) & _documented_environment_only()
    unknown = {}
    for path in _code_files():  # names read, and names mentioned in docstrings alike
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for name in set(NAME.findall(node.value)) - known:
                    unknown.setdefault(name, str(path.relative_to(REPO)))
    assert unknown == {}


def _fallbacks(path: Path) -> list[tuple[str, ast.expr, int]]:
    """(setting, fallback expression, line) of every call that reads a NEWSCRAWL_* setting by
    name with a default after it (``settings.getfloat(name, default)`` and the like; calls that
    set a value, ``settings.set(name, value)``, are not reads)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if func.startswith("set"):
            continue
        for i, arg in enumerate(node.args[:-1]):
            if (isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    and NAME.fullmatch(arg.value)):
                found.append((arg.value, node.args[i + 1], node.lineno))
    return found


def test_code_falls_back_to_the_settings_module_never_to_a_copy_of_the_default():
    copies = []
    for path in sorted((REPO / "newscrawl").rglob("*.py")):
        for name, fallback, line in _fallbacks(path):
            from_module = any(isinstance(n, ast.Attribute) and n.attr == name
                              and isinstance(n.value, ast.Name) and n.value.id == "defaults"
                              for n in ast.walk(fallback))
            if not from_module:
                copies.append(f"{path.relative_to(REPO)}:{line}: {name} -> {ast.unparse(fallback)}")
    assert copies == []
