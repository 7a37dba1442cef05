"""The house's layout, as the import graph shows it: no app imports in a circle, `tally`
(the counting) knows nothing of `events` (built on it), and the site's plumbing
(`voting_site/`) names an app only from its roots: settings, the ASGI and URL roots,
the cron root and the admin site."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("voting_site", "polls", "tally", "events", "accounts")
APPS = ("polls", "tally", "events", "accounts")
# The site's modules that gather the apps, as Django's roots do.
SITE_ROOTS = {"voting_site.settings", "voting_site.asgi", "voting_site.urls", "voting_site.cron"}


def project_imports() -> dict[str, set[str]]:
    """Each project module and the project modules it imports, at its top or inside a
    function alike (a function's import is still an arrow between the two); not those
    for type checkers only (`if TYPE_CHECKING:`), which never run."""
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): path
        for package in PACKAGES
        for path in (ROOT / package).glob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in _nodes(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {module for module in found if module in modules and module != name}
    return graph


def _nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of the tree but those under `if TYPE_CHECKING:`."""
    found, waiting = [], [tree]
    while waiting:
        node = waiting.pop()
        found.append(node)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            waiting.extend(node.orelse)
            continue
        waiting.extend(ast.iter_child_nodes(node))
    return found


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """A circle of imports, if there is one (depth first, as the modules are sorted)."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = "open"
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                return [*path[path.index(imported) :], imported]
            if imported not in state and (found := visit(imported)):
                return found
        state[module] = "done"
        path.pop()
        return []

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return []


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_in_a_circle(app):
    inside = {
        module: {i for i in imported if i.startswith(f"{app}.")}
        for module, imported in project_imports().items()
        if module.startswith(f"{app}.")
    }
    assert cycle_in(inside) == []


def test_tally_imports_nothing_of_events():
    reaching = {
        module: sorted(i for i in imported if i.startswith("events"))
        for module, imported in project_imports().items()
        if module.startswith("tally.")
    }
    assert {module: events for module, events in reaching.items() if events} == {}


def test_the_sites_plumbing_names_an_app_only_from_its_roots():
    graph = project_imports()
    reaching = {
        module: sorted(i for i in imported if i.split(".")[0] in APPS)
        for module, imported in graph.items()
        if module.startswith("voting_site.") and module not in SITE_ROOTS
    }
    assert {module: apps for module, apps in reaching.items() if apps} == {}


def test_the_check_finds_a_circle():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) == []


def test_no_test_module_imports_another():
    """Helpers shared by tests live in tests/support/ (or a conftest), never in a test
    module that another imports."""
    tests = ROOT / "tests"
    importing = {}
    for path in sorted(tests.rglob("test_*.py")):
        found = {
            node.module
            for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.ImportFrom) and node.module
        }
        named = sorted(m for m in found if m.split(".")[-1].startswith("test_"))
        if named:
            importing[path.relative_to(ROOT).as_posix()] = named
    assert importing == {}
