"""Assumptions and margins through `chokepoint analyze` (--facts-only, details, flags)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from cli_store import ingested

from ui.cli import cli

NODES = """id,kind,name,min_supply_share
car,industry,Car makers,
chip,chip,Accelerator,
process,component,Logic process,
resist,component,Resist tools,0.05
euv,component,EUV scanners,
tel,supplier,Tokyo Electron,
other,supplier,Other resist tools,
asml,supplier,ASML,
JP,country,Japan,
US,country,United States,
NL,country,Netherlands,
"""
EDGES = """from,to,kind,share,basis
car,chip,REQUIRES,,cited
chip,process,REQUIRES,,cited
process,resist,REQUIRES,,assumption
process,euv,REQUIRES,,cited
resist,tel,SUPPLIED_BY,0.952,estimate
resist,other,SUPPLIED_BY,0.048,estimate
tel,JP,HEADQUARTERED_IN,,
other,US,HEADQUARTERED_IN,,
euv,asml,SUPPLIED_BY,,
asml,NL,HEADQUARTERED_IN,,
"""


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    runner = ingested(tmp_path, monkeypatch, NODES, EDGES)

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return result.exit_code, result.output

    return invoke


def test_spof_json_keeps_targets_and_adds_details_with_flags_and_margins(run) -> None:
    _, out = run("analyze", "spof", "--format", "json")
    data = json.loads(out)
    assert data["targets"]["car"] == ["JP", "NL", "asml", "chip", "euv", "process", "resist",
                                      "tel"]
    details = {d["id"]: d for d in data["details"]["car"]}
    assert details["JP"]["rests_on_assumptions"] is True
    assert details["JP"]["knife_edge"] is True
    assert details["JP"]["margin"] == {"node": "resist", "rule": "supply",
                                       "surviving": pytest.approx(0.048),
                                       "threshold": 0.05, "knife_edge": True}
    assert details["asml"]["rests_on_assumptions"] is False
    assert details["asml"]["margin"] is None
    assert data["rests_on_assumptions"] == 3
    assert data["knife_edge"] == 2


def test_facts_only_analyses_without_the_assumption_edges(run) -> None:
    _, out = run("analyze", "spof", "--facts-only", "--format", "json")
    assert json.loads(out)["targets"]["car"] == ["NL", "asml", "chip", "euv", "process"]
    _, out = run("analyze", "chokepoints", "--facts-only", "--format", "json")
    assert [c["id"] for c in json.loads(out)["chokepoints"]] == ["NL", "asml"]


def test_chokepoints_carry_the_flag_and_their_loss_without_assumptions(run) -> None:
    _, out = run("analyze", "chokepoints", "--format", "json")
    found = {c["id"]: c for c in json.loads(out)["chokepoints"]}
    assert found["JP"]["rests_on_assumptions"] is True
    assert found["JP"]["facts_only_loss"] == 0.0
    assert found["NL"]["rests_on_assumptions"] is False
    _, table = run("analyze", "spof")
    assert "rest on assumptions" in table
    assert "knife-edge" in table


def test_uncertainty_adds_intervals_and_top_k_chances_with_a_fixed_seed(run) -> None:
    _, out = run("analyze", "chokepoints", "--uncertainty", "20", "--top-k", "2",
                 "--format", "json")
    data = json.loads(out)
    assert data["uncertainty"] == {"draws": 20, "seed": 0, "k": 2, "pool": 6,
                                   "ranged_shares": 0}
    for c in data["chokepoints"]:
        low, high = c["loss_interval"]
        assert low <= c["capacity_loss"] + 1e-9 and c["capacity_loss"] <= high + 1e-9
        assert 0.0 <= c["p_top_k"] <= 1.0
    _, again = run("analyze", "chokepoints", "--uncertainty", "20", "--top-k", "2",
                   "--format", "json")
    assert again == out
    _, table = run("analyze", "chokepoints", "--uncertainty", "20")
    assert "Rank confidence over 20 draws" in table


def test_chokepoints_over_time_flag_those_that_rest_on_assumptions(run) -> None:
    """Over several horizons the table still says which losses stand on assumptions: JP
    (through the assumed need for resist tools) does, NL (EUV, cited) does not."""
    _, out = run("analyze", "chokepoints", "--horizon", "0,12", "--format", "csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["JP"]["rests_on_assumptions"] == "True"
    assert float(rows["JP"]["facts_only_loss"]) == 0.0
    assert rows["NL"]["rests_on_assumptions"] == "False"
    assert float(rows["NL"]["facts_only_loss"]) == pytest.approx(1.0)
    _, table = run("analyze", "chokepoints", "--horizon", "0,12")
    assert "rests on them: 4 of 6" in " ".join(table.split()) and "0.0% !" in table
