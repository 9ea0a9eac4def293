"""The picture of a neighbourhood: which nodes are drawn, grouped, and in which tier."""

from __future__ import annotations

import networkx as nx

from analysis.neighbourhood import neighbourhood
from ui.graph_view import neighbourhood_html, picture, short_label, tier_levels
from ui.tiers import tier


def fan(components: int, suppliers: int) -> nx.MultiDiGraph:
    """A chip needing ``components`` components, each from one of ``suppliers`` suppliers,
    sited in two countries."""
    g = nx.MultiDiGraph()
    g.add_node("chip", kind="chip", name="Chip")
    for c in ("AA", "BB"):
        g.add_node(c, kind="country", name=c)
    for s in range(suppliers):
        g.add_node(f"s{s}", kind="supplier", name=f"Supplier {s}", country="AA" if s % 2 else "BB")
        g.add_edge(f"s{s}", "AA" if s % 2 else "BB", "LOCATED_IN", share=1.0)
    for i in range(components):
        g.add_node(f"c{i}", kind="component", name=f"Component {i}")
        g.add_edge("chip", f"c{i}", "REQUIRES")
        g.add_edge(f"c{i}", f"s{i % suppliers}", "SUPPLIED_BY", share=1.0)
    return g


def test_a_small_neighbourhood_is_drawn_whole():
    g = fan(10, 3)
    nbhd = neighbourhood(g, "chip", depth=3, direction="upstream", cap=500)
    drawn = picture(g, nbhd, budget=50)
    assert set(drawn.singles) == set(nbhd.nodes) and not drawn.groups
    assert sum(drawn.edges.values()) == len(nbhd.edges)


def test_a_big_neighbourhood_is_grouped_and_groups_expand():
    g = fan(300, 40)
    nbhd = neighbourhood(g, "chip", depth=3, direction="upstream", cap=2000)
    drawn = picture(g, nbhd, budget=100)
    assert drawn.singles == ["chip"]  # 300 direct neighbours do not fit half the budget
    assert set(drawn.groups) == {"upstream:component", "upstream:supplier", "upstream:country"}
    assert sum(len(m) for m in drawn.groups.values()) + 1 == len(nbhd.nodes)
    assert drawn.edges[("chip", "group:upstream:component", "REQUIRES")] == 300
    opened = picture(g, nbhd, budget=100, expand=["upstream:supplier"])
    assert {f"s{i}" for i in range(40)} <= set(opened.singles)
    split = picture(g, nbhd, budget=100, expand=["upstream:component"])  # 300 > budget
    assert "upstream:component:unknown" in split.groups  # then by country
    assert len(split.singles) == 1


def test_tiers_run_from_countries_to_industries_in_columns():
    kinds = {"AA": "country", "s": "supplier", "chip": "chip", "m": "model",
             "i": "industry", **{f"c{n}": "component" for n in range(40)}}
    levels = tier_levels(kinds, list(kinds))
    assert levels["AA"] < levels["s"] < levels["c0"] <= levels["c39"] < levels["chip"] \
        < levels["m"] < levels["i"]
    per_level: dict[int, int] = {}
    for level in levels.values():
        per_level[level] = per_level.get(level, 0) + 1
    assert max(per_level.values()) < 40  # the 40 components are split into columns
    assert all(tier(kinds[a]) <= tier(kinds[b]) for a in kinds for b in kinds
               if levels[a] < levels[b])


def test_labels_are_short_and_the_full_name_is_in_the_tooltip():
    long_name = "Very long supplier name " * 400
    assert short_label(long_name).endswith("…") and len(short_label(long_name)) <= 24
    assert short_label("X" * 10_000) == "X" * 23 + "…"
    g = fan(2, 1)
    g.nodes["s0"]["name"] = long_name.strip()
    nbhd = neighbourhood(g, "chip", depth=3, direction="upstream")
    page = neighbourhood_html(g, nbhd)
    assert long_name.strip() in page and '"level":' in page.replace(" ", "")


def test_the_picture_fetches_nothing_from_elsewhere():
    """Everything the picture needs is in its page: no CDN, no file the server does not have."""
    import re

    g = fan(4, 2)
    page = neighbourhood_html(g, neighbourhood(g, "chip", depth=3, direction="upstream"))
    assert not re.findall(r"""\b(?:src|href)\s*=\s*["'][^"']""", page)
    assert "new vis.Network" in page  # the drawing code itself is still there, inline


def test_the_app_picture_loads_the_library_from_where_it_is_served(monkeypatch):
    import re

    import ui.graph_view

    g = fan(4, 2)
    nbhd = neighbourhood(g, "chip", depth=3, direction="upstream")
    whole = neighbourhood_html(g, nbhd)
    served = neighbourhood_html(g, nbhd, library="/component/lib/")
    assert re.findall(r'\b(?:src|href)\s*=\s*"([^"]+)"', served) == [
        "/component/lib/vis-9.1.2/vis-network.css", "/component/lib/vis-9.1.2/vis-network.min.js"]
    assert len(served) < len(whole) - 600_000 and "vis-network" not in served.split("<body>")[1]
    assert served.split("<body>")[1] == whole.split("<body>")[1]  # the same picture
    assert (ui.graph_view.library_dir() / "vis-9.1.2" / "vis-network.min.js").stat().st_size \
        > 400_000
    # where the library is not found, the picture carries it as before
    monkeypatch.setattr(ui.graph_view, "library_dir", lambda: None)
    assert neighbourhood_html(g, nbhd, library="/component/lib/") == whole
