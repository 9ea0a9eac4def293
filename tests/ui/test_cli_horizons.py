"""`--horizon` / `--until` on `analyze spof|chokepoints` and `scenario run`, through the real
command line on a temporary SQLite store whose graph has buffers and lead times."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.sqlite_store import SQLiteStore
from ui.cli import cli

NODES = [("tool", "component"), ("asml", "supplier"), ("NL", "country"),
         ("chip", "chip"), ("fab-a", "supplier"), ("fab-b", "supplier"), ("TW", "country"),
         ("JP", "country"), ("cars", "industry")]
# cars needs the chip; the chip comes from fab-a (TW) and, after 12 months, fab-b (JP);
# the chip needs the tool, held for 6 months; the tool comes only from ASML (NL).
EDGES = [("cars", "chip", "REQUIRES", {}),
         ("chip", "fab-a", "SUPPLIED_BY", {"share": 0.4}),
         ("chip", "fab-b", "SUPPLIED_BY", {"share": 0.6, "lead_time_months": 12}),
         ("chip", "tool", "REQUIRES", {"buffer_months": 6}),
         ("tool", "asml", "SUPPLIED_BY", {}), ("asml", "NL", "HEADQUARTERED_IN", {}),
         ("fab-a", "TW", "HEADQUARTERED_IN", {}), ("fab-b", "JP", "HEADQUARTERED_IN", {})]
TAIWAN = "name: Taiwan\ndisrupt: [{country: TW}]\n"


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "graph.db"
    with SQLiteStore(path) as store:
        store.apply(Batch(
            "test", [Node(i, NodeKind(k), i, as_of="2026-12-01") for i, k in NODES],
            [Relationship(a, b, RelKind(k), **attrs) for a, b, k, attrs in EDGES]))
    monkeypatch.setenv("CHOKEPOINT_STORE", str(path))
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_one_horizon_keeps_the_usual_json_read_at_that_horizon(store_env):
    code, out = run("analyze", "spof", "--format", "json")
    assert code == 0
    usual = json.loads(out)
    assert usual["targets"] == {"cars": ["TW", "chip", "fab-a"]}
    assert "horizons" not in usual
    code, out = run("analyze", "spof", "--horizon", "12", "--format", "json")
    later = json.loads(out)
    assert later.keys() == usual.keys()
    assert later["targets"] == {"cars": ["NL", "asml", "chip", "tool"]}
    assert [d["id"] for d in later["details"]["cars"]] == ["NL", "asml", "chip", "tool"]


def test_several_horizons_add_a_list_after_the_first_horizons_fields(store_env):
    code, out = run("analyze", "spof", "--horizon", "0,12", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["targets"] == {"cars": ["TW", "chip", "fab-a"]}
    assert [h["months"] for h in doc["horizons"]] == [0, 12]
    assert doc["horizons"][1]["targets"] == {"cars": ["NL", "asml", "chip", "tool"]}


def test_chokepoints_over_time_say_which_persist_and_when_they_are_relieved(store_env):
    code, out = run("analyze", "chokepoints", "--horizon", "0,3,12", "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    first = {c["id"]: c for c in doc["chokepoints"]}
    assert first["TW"]["persistence"] == "partly adaptable"
    assert first["TW"]["capacity_loss"] == pytest.approx(1.0)
    assert first["TW"]["relieved_after_months"] == 12
    later = {c["id"]: c for c in doc["horizons"][2]["chokepoints"]}
    assert later["TW"]["capacity_loss"] == pytest.approx(0.4)
    assert later["asml"]["capacity_loss"] == pytest.approx(1.0)
    assert later["asml"]["persistence"] == "persistent"
    assert "asml" not in first
    code, out = run("analyze", "chokepoints", "--horizon", "0,3,12")
    assert code == 0 and "partly adaptable" in out and "12 mo" in out
    assert "asml" in out  # a chokepoint that only appears once the buffer runs out


def test_a_scenario_gives_a_loss_curve_per_target_and_compares_curves(store_env, tmp_path):
    scenario = tmp_path / "taiwan.yaml"
    scenario.write_text(TAIWAN, encoding="utf-8")
    other = tmp_path / "asml.yaml"
    other.write_text("name: ASML\ndisrupt: [{supplier: asml}]\n", encoding="utf-8")
    code, out = run("scenario", "run", str(scenario), "--horizon", "0,12", "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["targets"]["cars"]["capacity_loss"] == pytest.approx(1.0)
    assert [p["capacity_loss"] for p in doc["loss_curves"]["cars"]] == pytest.approx([1.0, 0.4])
    code, out = run("scenario", "run", str(scenario), "--compare", str(other),
                    "--horizon", "0,3,12", "--format", "json")
    doc = json.loads(out)
    assert [p["capacity_loss"] for p in doc["loss_curves"]["second"]["cars"]] == \
        pytest.approx([0.0, 0.0, 1.0])
    code, out = run("scenario", "run", str(scenario), "--compare", str(other),
                    "--horizon", "0,3,12")
    assert code == 0 and "B 12 mo" in out


def test_until_counts_whole_months_from_the_graphs_as_of_date(store_env):
    code, out = run("analyze", "spof", "--until", "2027-12-31", "--format", "json")
    assert code == 0
    assert [h["months"] for h in json.loads(out)["horizons"]] == [0, 3, 6, 12]


@pytest.mark.parametrize("args, message", [
    (("--horizon", "0,-1"), "--horizon"),
    (("--horizon", "soon"), "--horizon"),
    (("--until", "2020-01-01"), "--until"),
])
def test_bad_horizons_are_refused_in_one_line_with_exit_2(store_env, args, message):
    code, out = run("analyze", "chokepoints", *args)
    assert code == 2
    assert message in out


def test_horizon_and_until_together_are_refused(store_env):
    code, out = run("analyze", "spof", "--horizon", "0", "--until", "2027-12-31")
    assert code == 2 and "not both" in out
