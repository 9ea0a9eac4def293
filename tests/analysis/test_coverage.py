"""Unknown is not zero and not equal: unmodelled items and unlisted shares (design §4.7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_store import ingested
from test_capacity import make_graph

from analysis.concentration import concentration
from analysis.coverage import incomplete, unmodelled
from analysis.scenario import Disruption, Scenario, run_scenario
from ui.cli import cli


def chips():
    """A car maker needing one of two chips: one with a fab, one with nothing modelled."""
    graph = make_graph(
        {"car": "industry", "modelled": "chip", "bare": "chip", "fab": "component",
         "assumed": "chip", "eda": "component", "open-sw": "software!",
         "resist": "component", "a": "supplier", "b": "supplier", "TW": "country",
         "JP": "country", "US": "country"},
        [("car", "modelled", "REQUIRES", {"group": "chips"}),
         ("car", "bare", "REQUIRES", {"group": "chips"}),
         ("modelled", "fab", "REQUIRES"), ("fab", "TW", "LOCATED_IN"),
         ("assumed", "eda", "REQUIRES", {"basis": "assumption"}),
         ("eda", "a", "SUPPLIED_BY"), ("resist", "a", "SUPPLIED_BY"),
         ("resist", "b", "SUPPLIED_BY"), ("a", "JP", "HEADQUARTERED_IN"),
         ("b", "US", "HEADQUARTERED_IN")])
    return graph


def test_chips_without_known_requirements_are_unmodelled_and_open_code_is_not():
    found = {u.id: u for u in unmodelled(chips())}
    assert set(found) == {"bare", "assumed"}
    assert found["bare"].dependents == 1
    assert "REQUIRES" in found["bare"].reason


def test_a_target_that_depends_on_an_unmodelled_item_is_incomplete():
    assert incomplete(chips(), ["car", "modelled"]) == {"car": ["bare"]}


def test_a_scenario_does_not_pass_off_an_unmodelled_alternative_as_zero_loss():
    result = run_scenario(chips(), Scenario("TW", (Disruption("country", "TW"),)))
    (car,) = result.targets
    assert car.capacity_loss == 0.0  # the bare chip stands in, as far as the data knows
    assert car.unmodelled == ("bare",)
    assert car.as_dict()["incomplete"] is True


def test_concentration_without_listed_shares_is_unknown_unless_equal_split_is_asked():
    (resist,) = concentration(chips(), ["resist"])
    assert (resist.hhi_suppliers, resist.cr1, resist.cr3, resist.hhi_countries) == \
        (None, None, None, None)
    assert resist.supplier_coverage == 0.0
    assert resist.shares_unknown and not resist.equal_split
    (split,) = concentration(chips(), ["resist"], equal_split=True)
    assert split.hhi_suppliers == pytest.approx(5000.0)
    assert split.hhi_countries == pytest.approx(5000.0)
    assert split.equal_split


def test_unlisted_shares_inside_one_country_still_give_that_country():
    graph = chips()
    graph.remove_edge("b", "US", "HEADQUARTERED_IN")
    graph.add_edge("b", "JP", "HEADQUARTERED_IN")
    (resist,) = concentration(graph, ["resist"])
    assert resist.hhi_suppliers is None
    assert (resist.top_country, resist.hhi_countries) == ("JP", 10_000.0)


NODES = """id,kind,name
car,industry,Car makers
chip,chip,Accelerator
bare,chip,Unmodelled accelerator
fab,component,Fab
resist,component,Resist
a,supplier,A
b,supplier,B
TW,country,Taiwan
"""
EDGES = """from,to,kind,group
car,chip,REQUIRES,
car,bare,REQUIRES,
car,resist,REQUIRES,
chip,fab,REQUIRES,
fab,TW,LOCATED_IN,
resist,a,SUPPLIED_BY,
resist,b,SUPPLIED_BY,
"""


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    runner = ingested(tmp_path, monkeypatch, NODES, EDGES)

    def invoke(*args: str) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_analyze_coverage_lists_unmodelled_items_incomplete_targets_and_unknown_shares(run):
    data = json.loads(run("analyze", "coverage", "--format", "json"))
    assert [u["id"] for u in data["unmodelled"]] == ["bare"]
    assert data["incomplete_targets"] == {"car": ["bare"]}
    assert data["unknown_shares"] == [{"id": "resist", "suppliers": True, "locations": False}]
    assert "Unmodelled items (1)" in run("analyze", "coverage")


def test_results_that_depend_on_unmodelled_items_say_so(run):
    assert json.loads(run("analyze", "spof", "--format", "json"))["incomplete"] == \
        {"car": ["bare"]}
    assert json.loads(run("analyze", "chokepoints", "--format", "json"))["incomplete"] == \
        {"car": ["bare"]}
    assert "Incomplete: 1 target(s)" in run("analyze", "chokepoints")


def test_concentration_shows_unknown_and_the_equal_split_only_on_request(run):
    items = {i["id"]: i for i in
             json.loads(run("analyze", "concentration", "--format", "json"))["items"]}
    assert items["resist"]["hhi_suppliers"] is None
    assert items["resist"]["supplier_coverage"] == 0.0
    assert "unknown" in run("analyze", "concentration")
    split = {i["id"]: i for i in json.loads(run(
        "analyze", "concentration", "--assume-equal-shares", "--format", "json"))["items"]}
    assert split["resist"]["hhi_suppliers"] == 5000.0
    assert split["resist"]["equal_split"] is True


def test_single_target_documents_name_the_unmodelled_items_they_depend_on(run):
    for command in ("probability", "importance", "cutsets"):
        document = json.loads(run("analyze", command, "--target", "car", "--format", "json"))
        assert document["unmodelled_inputs"] == ["bare"], command
    assert "unmodelled_inputs" not in json.loads(
        run("analyze", "probability", "--target", "chip", "--format", "json"))
