"""A page's view looks the graph up in the shared cache once, however many names it draws."""

from __future__ import annotations

import networkx as nx
import pytest

from ui import app_state


def test_view_looks_the_graph_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = nx.MultiDiGraph()
    graph.add_node("a", name="Alpha")
    graph.add_node("b", name="Beta")
    lookups: list[tuple[str | None, str]] = []

    def counted(url: str | None, version: str) -> nx.MultiDiGraph:
        lookups.append((url, version))
        return graph

    monkeypatch.setattr(app_state, "_graph", counted)
    view = app_state.View("sqlite:///x.db", "run-1")
    names = [view.name(n) for n in ["a", "b", "missing"] * 100]
    assert names[:3] == ["Alpha", "Beta", "missing"]
    assert lookups == [("sqlite:///x.db", "run-1")]
    # A view at another horizon (or of other data) looks again; equality ignores the memo.
    later = view.at(6)
    assert later.name("a") == "Alpha" and len(lookups) == 2
    assert view == app_state.View("sqlite:///x.db", "run-1")
