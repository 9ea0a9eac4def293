"""Imports run one way: no module imports, directly or through others, one that imports it,
and the layers keep their order (ingest → graph, analysis → graph, ui → everything)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("graph", "ingest", "analysis", "ui")
ALLOWED = {"graph": {"graph"}, "ingest": {"graph", "ingest"},
           "analysis": {"graph", "analysis"}, "ui": {"graph", "ingest", "analysis", "ui", "seeds"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import statements under ``if TYPE_CHECKING:``: names for the type checker,
    never imported when the program runs."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) \
                and node.test.id == "TYPE_CHECKING":
            hidden.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return hidden


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """Every project module ``path`` imports, at any depth of the file (lazy imports count;
    imports only the type checker sees do not)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        found.update(name for name in names if name in known)
    return found


def import_graph() -> nx.DiGraph:
    files = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        graph.add_edges_from((name, target) for target in imported_modules(path, set(files))
                             if target != name and not name.startswith(f"{target}."))
    return graph


def test_no_module_imports_one_that_imports_it() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []


def test_layers_import_only_the_layers_below_them() -> None:
    wrong = [(a, b) for a, b in import_graph().edges
             if b.split(".")[0] not in ALLOWED[a.split(".")[0]]]
    assert wrong == []
