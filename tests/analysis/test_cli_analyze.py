"""`chokepoint analyze …` through the real command, on a small graph ingested into a
temporary SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_store import ingested

from ui.cli import cli

NODES = """id,kind,name,failure_probability,min_supply_share
cars,industry,Car makers,,
robots,industry,Robot makers,,
chip,chip,Accelerator,0.01,
tsmc,supplier,TSMC,0.05,
samsung,supplier,Samsung,0.05,
euv,component,EUV tools,0.02,
model,model,Driving model,0.1,
TW,country,Taiwan,0.1,
KR,country,Korea,0.05,
"""
EDGES = """from,to,kind,share,group,min_required
cars,chip,REQUIRES,,,
cars,model,REQUIRES,,,
robots,chip,REQUIRES,,,
chip,tsmc,SUPPLIED_BY,0.8,,
chip,samsung,SUPPLIED_BY,0.2,,
chip,euv,REQUIRES,,,
tsmc,TW,LOCATED_IN,,,
samsung,KR,LOCATED_IN,,,
"""


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    runner = ingested(tmp_path, monkeypatch, NODES, EDGES)

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, ["analyze", *args])
        return result.exit_code, result.output

    return invoke


def test_spof_json_lists_every_industry_target(run) -> None:
    code, out = run("spof", "--format", "json")
    assert code == 0
    assert json.loads(out)["targets"] == {"cars": ["chip", "euv", "model"],
                                          "robots": ["chip", "euv"]}


def test_cutsets_json_is_the_contract_document(run) -> None:
    code, out = run("cutsets", "--target", "robots", "--max-order", "2", "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "target": "robots", "max_order": 2, "truncated": False,
        "cut_sets": [["chip"], ["euv"], ["KR", "TW"], ["KR", "tsmc"], ["TW", "samsung"],
                     ["samsung", "tsmc"]],
        "rests_on_assumptions": [False] * 6,
        "unmodelled_inputs": ["euv"]}  # EUV tools: no suppliers, sites or requirements


def test_cutsets_of_every_order_with_max_order_zero(run) -> None:
    code, out = run("cutsets", "--target", "cars", "--max-order", "0", "--fail-kinds",
                    "supplier,country", "--format", "json")
    assert code == 0
    assert json.loads(out) == {"target": "cars", "max_order": None, "truncated": False,
                               "cut_sets": [["KR", "TW"], ["KR", "tsmc"], ["TW", "samsung"],
                                            ["samsung", "tsmc"]],
                               "rests_on_assumptions": [False] * 4,
                               "unmodelled_inputs": ["euv", "model"]}


def test_cutsets_over_countries_only(run) -> None:
    code, out = run("cutsets", "--target", "robots", "--fail-kinds", "country",
                    "--format", "json")
    assert code == 0
    assert json.loads(out)["cut_sets"] == [["KR", "TW"]]


def test_cutsets_with_a_limit_say_they_are_truncated(run) -> None:
    code, out = run("cutsets", "--target", "robots", "--limit", "1", "--format", "json")
    assert code == 0
    assert json.loads(out) == {"target": "robots", "max_order": 3, "truncated": True,
                               "cut_sets": [["chip"]], "rests_on_assumptions": [False],
                               "unmodelled_inputs": ["euv"]}


def test_probability_json_says_which_method(run) -> None:
    code, out = run("probability", "--target", "robots", "--method", "exact", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    supply = 1 - (1 - 0.05) * (1 - 0.1), 1 - (1 - 0.05) * (1 - 0.05)
    expected = 1 - (1 - 0.01) * (1 - 0.02) * (1 - supply[0] * supply[1])
    assert doc["method"] == "exact" and doc["target"] == "robots"
    assert doc["probability"] == pytest.approx(expected, rel=1e-12)


def test_probability_by_monte_carlo_reports_its_interval(run) -> None:
    code, out = run("probability", "--target", "robots", "--method", "montecarlo",
                    "--samples", "2000", "--seed", "1", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["method"] == "montecarlo" and doc["samples"] == 2000
    assert doc["interval"][0] <= doc["probability"] <= doc["interval"][1]


def test_several_targets_give_one_document_each(run) -> None:
    code, out = run("probability", "--format", "json")
    assert code == 0
    assert [d["target"] for d in json.loads(out)] == ["cars", "robots"]


def test_importance_json_has_the_four_measures_per_node(run) -> None:
    code, out = run("importance", "--target", "cars", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["target"] == "cars"
    assert {n["id"] for n in doc["nodes"]} >= {"chip", "model", "euv", "tsmc", "TW"}
    for node in doc["nodes"]:
        assert set(node) == {"id", "birnbaum", "fussell_vesely", "raw", "rrw"}


def test_baselines_are_labelled_as_not_spofs(run) -> None:
    code, out = run("baselines", "--target", "cars", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert "not SPOFs" in doc["note"]
    assert "chip" in doc["targets"]["cars"]["articulation_points"]


@pytest.mark.parametrize("command", ["spof", "cutsets", "probability", "importance",
                                     "baselines"])
def test_every_command_prints_a_table_and_csv(run, command: str) -> None:
    code, out = run(command, "--target", "cars")
    assert code == 0 and "cars" in out.lower()
    code, out = run(command, "--target", "cars", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("target")


def test_an_unknown_target_is_a_clear_error(run) -> None:
    code, out = run("spof", "--target", "nope")
    assert code == 1
    assert "unknown target" in out
