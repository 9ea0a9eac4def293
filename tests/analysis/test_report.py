"""The report object: the right facts, in plain records, ready for every format."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from analysis.report import Report, build_report
from analysis.scenario import parse_scenario
from graph.model import Node, NodeKind, Relationship, RelKind
from graph.networkx_view import to_networkx
from graph.store import RunRecord


def small_graph() -> nx.MultiDiGraph:
    """Cars and steel both need the GPU; the GPU comes 80/20 from a fab in TW and one in US;
    steel's framework has an alternative."""
    nodes = [
        Node("cars", NodeKind.INDUSTRY, "Cars", sources=("seeds",)),
        Node("steel", NodeKind.INDUSTRY, "Steel", sources=("seeds",)),
        Node("gpu", NodeKind.CHIP, "GPU", as_of="2024-03-01", citation="vendor",
             sources=("seeds",)),
        Node("fab-tw", NodeKind.SUPPLIER, "Fab TW", as_of="2023-06-30", sources=("seeds",)),
        Node("fab-us", NodeKind.SUPPLIER, "Fab US", sources=("seeds", "news")),
        Node("fw-a", NodeKind.SOFTWARE, "Framework A", sources=("seeds",)),
        Node("fw-b", NodeKind.SOFTWARE, "Framework B", sources=("seeds",)),
        Node("TW", NodeKind.COUNTRY, "Taiwan", sources=("seeds",)),
        Node("US", NodeKind.COUNTRY, "United States", sources=("seeds",)),
    ]
    rels = [
        Relationship("cars", "gpu", RelKind.REQUIRES, sources=("seeds",)),
        Relationship("steel", "gpu", RelKind.REQUIRES, sources=("seeds",)),
        Relationship("steel", "fw-a", RelKind.REQUIRES, group="fw", sources=("seeds",)),
        Relationship("steel", "fw-b", RelKind.REQUIRES, group="fw", sources=("seeds",)),
        Relationship("gpu", "fab-tw", RelKind.SUPPLIED_BY, share=0.8, sources=("seeds",)),
        Relationship("gpu", "fab-us", RelKind.SUPPLIED_BY, share=0.2, sources=("news",)),
        Relationship("fab-tw", "TW", RelKind.LOCATED_IN, share=1.0, sources=("seeds",)),
        Relationship("fab-us", "US", RelKind.LOCATED_IN, share=1.0, sources=("seeds",)),
    ]
    return to_networkx(nodes, rels)


@pytest.fixture
def report() -> Report:
    return build_report(small_graph(), generated="2025-05-01", store="SQLite store test.db")


def column(report: Report, table: str, name: str) -> list[object]:
    found = report.table(table)
    index = found.columns.index(name)
    return [row[index] for row in found.rows]


def test_the_supplier_and_country_most_targets_lean_on_are_the_top_chokepoints(
        report: Report) -> None:
    ids = column(report, "chokepoints", "id")
    assert ids == ["TW", "fab-tw", "US", "fab-us"]  # 80% each, then 20% each; ties by id
    top = report.table("chokepoints").rows[0]
    assert top[4] == 0 and top[5] == 0.8
    assert top[-1] == "Cars → GPU → Fab TW → Taiwan"


def test_each_target_lists_its_single_points_of_failure(report: Report) -> None:
    spofs = dict(zip(column(report, "spofs", "target"),
                     column(report, "spofs", "single points of failure"), strict=True))
    assert spofs == {"cars": "GPU", "steel": "GPU"}


def test_the_summary_names_the_top_chokepoint_and_the_spof_count(report: Report) -> None:
    text = " ".join(report.summary)
    # Taiwan and its one fab cost the same: a tie is stated as a tie.
    assert "2 nodes tie as the top chokepoint (Taiwan, Fab TW)" in text
    assert "single point of failure for 0 of 2 targets" in text
    assert "2 of 2 targets have at least one single point of failure" in text


def test_concentrated_inputs_are_items_never_suppliers(report: Report) -> None:
    assert column(report, "concentration", "id") == ["gpu"]  # fab-tw, fab-us are suppliers
    gpu = report.table("concentration").rows[0]
    assert gpu[3] == 6800  # 80² + 20²
    assert "never the suppliers" in report.table("concentration").note


def test_provenance_counts_what_each_source_asserts_and_its_dates(report: Report) -> None:
    rows = {row[0]: row for row in report.table("provenance").rows}
    assert rows["news"][1:3] == (1, 1)
    assert rows["seeds"][1:3] == (9, 7)
    assert rows["seeds"][4:] == ("2023-06-30", "2024-03-01")
    assert report.table("provenance").note.startswith("1 item with suppliers, 1 with listed shares")


def test_ingest_runs_are_listed_when_passed_in() -> None:
    run = RunRecord("r1", "seeds", "2025-01-01T00:00:00+00:00", "2025-01-01T00:00:05+00:00",
                    "ok", added=16)
    report = build_report(small_graph(), provenance=[run])
    assert report.table("ingest_runs").rows[0][:5] == ("r1", "seeds", run.started,
                                                       run.finished, "ok")


def test_a_scenario_adds_its_impact_table_chart_and_sentence() -> None:
    scenario = parse_scenario("name: Taiwan out\ndisrupt:\n  - {country: TW}\n")
    report = build_report(small_graph(), scenario=scenario)
    losses = dict(zip(column(report, "scenario", "target"),
                      column(report, "scenario", "capacity loss"), strict=True))
    assert losses == {"cars": pytest.approx(0.8), "steel": pytest.approx(0.8)}
    assert any("Taiwan out" in s and "80%" in s for s in report.summary)
    assert any("2 targets tie as hardest hit at 80% lost" in s for s in report.summary)
    # Two identical bars say nothing a table does not: no chart of them.
    assert "scenario" not in [c.name for c in report.charts]
    graph = small_graph()
    graph.add_edge("steel", "TW", "LOCATED_IN")  # steel now loses everything, cars 80%
    varied = build_report(graph, scenario=scenario)
    assert "scenario" in [c.name for c in varied.charts]
    titles = {c.name: c.title for c in varied.charts}
    assert titles["scenario"] == "Capacity loss under Taiwan out, when the disruption starts " \
        "(month 0)"
    assert titles["chokepoints"].endswith("removed, when the disruption starts (month 0)")


def test_a_perspective_adds_self_sufficiency() -> None:
    report = build_report(small_graph(), perspective="US")
    rows = {row[0]: row for row in report.table("perspective").rows}
    assert rows["gpu"][3:] == (pytest.approx(0.2), pytest.approx(0.2))
    assert any(s.startswith("Seen from US") for s in report.summary)


def test_the_critical_subgraph_links_targets_to_the_top_chokepoints(report: Report) -> None:
    roles = {n.id: n.role for n in report.subgraph.nodes}
    assert roles["cars"] == roles["steel"] == "target"
    assert roles["TW"] == roles["fab-tw"] == "chokepoint"
    assert roles["gpu"] == "path"
    assert ("cars", "gpu", "REQUIRES") in {(e.source, e.target, e.kind)
                                           for e in report.subgraph.edges}


def test_the_report_is_json_ready_and_round_trips(report: Report) -> None:
    document = json.loads(json.dumps(report.as_dict()))
    assert document["generated"] == "2025-05-01"
    assert [t["name"] for t in document["tables"]] == [
        "chokepoints", "chokepoints_by_region", "spofs", "concentration", "unmodelled",
        "provenance"]
    assert document["methodology"][0]["heading"] == "The graph"


def test_optional_tables_are_absent_without_their_inputs(report: Report) -> None:
    for name in ("scenario", "perspective", "ingest_runs"):
        with pytest.raises(KeyError):
            report.table(name)


def test_a_graph_without_targets_still_gives_a_report() -> None:
    graph = to_networkx([Node("gpu", NodeKind.CHIP, "GPU")], [])
    report = build_report(graph)
    assert report.table("chokepoints").rows == ()
    assert "No single node's removal" in " ".join(report.summary)


def test_the_report_carries_assumptions_margins_regions_and_gaps() -> None:
    graph = small_graph()
    graph.add_node("CN", kind="country", name="China")
    graph.add_edge("cars", "CN", "HEADQUARTERED_IN")
    graph.add_edge("steel", "US", "HEADQUARTERED_IN")
    graph.edges["steel", "fw-a", "REQUIRES"]["basis"] = "assumption"
    report = build_report(graph)
    assert "rests on assumptions" in report.table("chokepoints").columns
    regions = report.table("chokepoints_by_region")
    assert regions.columns[3:] == ("CN (1)", "US (1)")
    gaps = report.table("unmodelled")
    assert "gpu" in [row[0] for row in gaps.rows]
    text = " ".join(report.summary)
    assert "by headquarters 1 in CN, 1 in US" in text
    assert "rest on modelling assumptions" in text
    assert "results are incomplete" in text
    assert any(s.heading == "How sure" for s in report.methodology)


@pytest.mark.parametrize("targets", [None, ["nvidia-h100"], ["cn-automotive", "us-cloud-ai"]])
def test_a_report_from_a_given_model_and_ranking_is_the_same_report(targets) -> None:
    """The app hands build_report the model and ranking it has cached; the report must be
    the one build_report makes alone, at every length."""
    from analysis.capacity import CapacityModel
    from analysis.chokepoints import chokepoints
    from graph.sqlite_store import SQLiteStore
    from ui.context import load_seeds

    with SQLiteStore(":memory:") as store:
        load_seeds(store)
        graph = store.read_graph()
    targets = [t for t in targets or [] if t in graph] or None
    model = CapacityModel.from_graph(graph)
    ranking = chokepoints(graph, targets, model=model)
    for top in (3, 15):
        alone = build_report(graph, targets=targets, top=top, perspective="US",
                             generated="2026-01-01")
        given = build_report(graph, targets=targets, top=top, perspective="US",
                             generated="2026-01-01", model=model, ranking=ranking)
        assert given == alone
