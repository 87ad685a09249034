"""The package's rooms and what each may import (docs/architecture.md).

* The import-linter contracts in pyproject.toml: stages and the data model are pure (no Scrapy,
  SQL or Redis) and import neither crawl nor store; the store never imports the crawl; nothing
  imports the tests; the installed package never imports the evaluation material.
* No import cycle between newscrawl's modules, counting imports inside functions (a cycle hidden
  by a function-level import is still a cycle).
* No module imports another module's ``_private`` names: what two modules share is public in a
  module beneath both.
* Benchmarks import newscrawl's public names and the evaluation package, never the tests.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    # In a process of its own: in a process that has imported Scrapy (other test modules do),
    # import-linter fails reading its contract classes (AttributeError: __provides__).
    run = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))"],
        cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("newscrawl", cache_dir=None)


def test_no_import_cycles(graph):
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            # An __init__ re-exporting its own submodules is not a cycle of two concerns.
            if imported.startswith(module + "."):
                continue
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                cycles.append(" -> ".join((module, *chain)))
    assert not cycles, "\n".join(sorted(set(cycles)))


def _python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((REPO / folder).rglob("*.py"))]


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, names, line) of every import statement, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.append((base, [alias.name for alias in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_private_names_imported_across_modules():
    offences = []
    for path in _python_files("newscrawl", "evaluation", "benchmarks", "tests"):
        for module, names, line in _imports(path):
            if module.split(".")[0] not in ("newscrawl", "evaluation", "tests"):
                continue
            hidden = [n for n in names if _private(n)]
            hidden += [part for part in module.split(".") if _private(part)]
            if hidden:
                offences.append(f"{path.relative_to(REPO)}:{line}: {module} {hidden}")
    assert not offences, "\n".join(offences)


def test_benchmarks_never_import_the_tests():
    offences = [f"{path.relative_to(REPO)}:{line}: {module}"
                for path in _python_files("benchmarks", "evaluation")
                for module, _names, line in _imports(path)
                if module == "tests" or module.startswith("tests.")]
    assert not offences, "\n".join(offences)

