"""Reports over several horizons: a chokepoint table over time, a loss-over-time chart, and
a summary that says what persists to the last horizon and what is relieved."""

from __future__ import annotations

import networkx as nx
import pytest

from analysis.report import build_report
from analysis.scenario import parse_scenario
from ui.reports import RENDERERS, render_bytes


def timed_graph() -> nx.MultiDiGraph:
    """cars need a chip from fab-a (TW), or from fab-b (JP) after 12 months; the chip needs
    a tool, held for 6 months, that only ASML (NL) makes."""
    graph = nx.MultiDiGraph()
    for node, kind in [("cars", "industry"), ("chip", "chip"), ("tool", "component"),
                       ("fab-a", "supplier"), ("fab-b", "supplier"), ("asml", "supplier"),
                       ("TW", "country"), ("JP", "country"), ("NL", "country")]:
        graph.add_node(node, kind=kind, name=node.upper())
    graph.add_edge("cars", "chip", "REQUIRES")
    graph.add_edge("chip", "fab-a", "SUPPLIED_BY", share=0.4)
    graph.add_edge("chip", "fab-b", "SUPPLIED_BY", share=0.6, lead_time_months=12)
    graph.add_edge("chip", "tool", "REQUIRES", buffer_months=6)
    graph.add_edge("tool", "asml", "SUPPLIED_BY")
    for supplier, country in [("fab-a", "TW"), ("fab-b", "JP"), ("asml", "NL")]:
        graph.add_edge(supplier, country, "HEADQUARTERED_IN")
    return graph


TAIWAN = parse_scenario("name: Taiwan\ndisrupt: [{country: TW}]\n")


def test_one_horizon_reads_as_before_without_time_parts():
    report = build_report(timed_graph(), generated="2026-01-01")
    assert "over_time" not in [t.name for t in report.tables]
    assert "over_time" not in [c.name for c in report.charts]
    assert [r[1] for r in report.table("chokepoints").rows] == ["TW", "fab-a"]


def test_several_horizons_add_the_table_the_chart_and_the_summary():
    report = build_report(timed_graph(), scenario=TAIWAN, horizons=(0, 12),
                          generated="2026-01-01")
    table = report.table("over_time")
    rows = {r[0]: r for r in table.rows}
    assert rows["TW"][2:] == (1.0, 0.4, "partly adaptable", 12)
    assert rows["asml"][2:] == (0.0, 1.0, "persistent", None)
    chart = next(c for c in report.charts if c.name == "over_time")
    assert chart.months == (0, 12)
    assert chart.series[0] == (1.0, 0.4)  # the scenario's mean loss comes first
    summary = " ".join(report.summary)
    assert "persist to 12 months: NL (100%), ASML (100%), JP (60%), FAB-B (60%)." in summary
    assert "Relieved over time: TW (after 12 months), FAB-A (after 12 months)." in summary
    assert "100% at 0 months, 40% at 12 months" in summary


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_a_report_over_time_renders_in_every_format(fmt):
    report = build_report(timed_graph(), scenario=TAIWAN, horizons=(0, 6, 12),
                          generated="2026-01-01")
    assert render_bytes(report, fmt)


@pytest.mark.parametrize(("horizons", "top", "when"), [
    ((0,), "(TW, FAB-A)", "when the disruption starts (month 0)"),
    ((12,), "(NL, ASML)", "12 months after the disruption starts"),
])
def test_the_headline_loss_says_when_it_is_read(horizons, top, when):
    """At month 0 the tool's stock hides ASML and Taiwan's share binds; at 12 months Japan's
    fab has come in and the tool's stock is gone: the headline names its horizon."""
    report = build_report(timed_graph(), scenario=TAIWAN, horizons=horizons,
                          generated="2026-01-01")
    headline = next(s for s in report.summary if "chokepoint" in s)
    assert headline.startswith(f"2 nodes tie as the top chokepoint {top}:")
    assert f"of their capacity on average {when} (" in headline
    scenario = next(s for s in report.summary if s.startswith("Under the scenario"))
    assert f"of their capacity on average {when}" in scenario
