"""Scenario files: loading with helpful errors, running, comparing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from test_capacity import BLOCKED, TWO_COUNTRIES

from analysis.capacity import Block
from analysis.horizon import DEFAULT_HORIZONS
from analysis.scenario import (
    Disruption,
    Scenario,
    compare,
    load_scenario,
    parse_scenario,
    run_scenario,
)
from analysis.timeline import scenario_over_time
from graph.errors import InputError, NotFoundError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_scenario_file_is_read_with_defaults(tmp_path):
    path = write(tmp_path, """\
        name: Export controls
        disrupt:
          - {country: TW}
          - {node: chip, severity: 0.5}
        block:
          - {from: [US, NL], to: CN}
        targets: [car]
        """)
    scenario = load_scenario(path)
    assert scenario.name == "Export controls"
    assert scenario.disruptions == (Disruption("country", "TW", 1.0),
                                    Disruption("node", "chip", 0.5))
    assert scenario.blocks == (Block.of(["US", "NL"], ["CN"]),)
    assert scenario.targets == ("car",)
    assert scenario.source == str(path)


def test_a_scenario_without_a_name_is_named_after_its_file(tmp_path):
    assert load_scenario(write(tmp_path, "disrupt: [{country: TW}]\n")).name == "scenario"


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    ("name: x\nshock: [TW]\n", 2, "shock", "unknown key 'shock'"),
    ("name: x\ndisrupt:\n  - {country: TW}\n  - {country: US, severity: 1.5}\n", 4,
     "severity", "from 0 to 1"),
    ("name: x\ndisrupt:\n  - {country: TW, severity: high}\n", 3, "severity", "from 0 to 1"),
    ("name: x\ndisrupt:\n  - {country: TW, node: chip}\n", 3, "disrupt", "exactly one"),
    ("name: x\ndisrupt:\n  - {country: TW, sevrity: 1}\n", 3, "sevrity", "unknown key"),
    ("name: x\nblock:\n  - {from: [US]}\n", 3, "block", "needs to"),
    ("name: x\ndisrupt: TW\n", 2, "disrupt", "must be a list"),
    ("- just\n- a list\n", 1, None, "is a mapping"),
    ("name: x\ndisrupt: [{country: TW}\n", 3, None, "not valid YAML"),
])
def test_a_scenario_with_an_error_names_the_file_line_and_key(tmp_path, text, line, column,
                                                               words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    problem = caught.value.problems[0]
    assert (problem.file, problem.row, problem.column) == (str(path), line, column)
    assert words in problem.message


def test_ids_the_graph_does_not_have_are_refused_with_their_line(tmp_path):
    path = write(tmp_path, """\
        name: x
        disrupt:
          - {country: TW}
          - {supplier: chip}
          - {country: tw}
        block:
          - {from: [US], to: [XX]}
        targets: [car, nowhere]
        """)
    with pytest.raises(InputError) as caught:
        load_scenario(path, TWO_COUNTRIES)
    found = [(p.row, p.column) for p in caught.value.problems]
    assert found == [(4, "supplier"), (5, "country"), (7, "to"), (8, "targets")]
    assert "no supplier with id 'chip'" in caught.value.problems[0].message
    assert "upper-case" in caught.value.problems[1].message


def test_a_missing_scenario_file_is_not_found(tmp_path):
    with pytest.raises(NotFoundError):
        load_scenario(tmp_path / "absent.yaml")


def test_running_a_scenario_reports_availability_loss_and_baseline_per_target():
    result = run_scenario(TWO_COUNTRIES, Scenario("TW", (Disruption("country", "TW"),)))
    (car,) = result.targets
    assert car.id == "car"
    assert car.availability == pytest.approx(0.4)
    assert car.capacity_loss == pytest.approx(0.6)
    assert car.baseline == 1.0
    assert [(d.id, d.cause, d.loss) for d in car.drivers] == [("TW", "disrupted", 1.0)]


def test_the_nodes_that_account_for_a_block_are_the_ones_cut_off():
    scenario = parse_scenario("name: ban\nblock: [{from: [NL], to: [CN]}]\n", graph=BLOCKED)
    result = {t.id: t for t in run_scenario(BLOCKED, scenario).targets}
    assert result["cn-cars"].capacity_loss == 1.0
    assert result["tw-cars"].capacity_loss == 0.0
    assert [(d.id, d.cause) for d in result["cn-cars"].drivers] == [("euv", "blocked")]
    assert result["tw-cars"].drivers == ()


def test_a_scenario_result_serialises_by_target():
    result = run_scenario(TWO_COUNTRIES, Scenario("half", (Disruption("node", "chip", 0.5),)))
    data = result.as_dict()
    assert data["name"] == "half"
    assert data["targets"]["car"]["availability"] == pytest.approx(0.5)
    assert data["targets"]["car"]["capacity_loss"] == pytest.approx(0.5)
    assert data["targets"]["car"]["drivers"][0]["id"] == "chip"
    assert data["scenario"]["disrupt"] == [{"node": "chip", "severity": 0.5}]


def test_comparing_two_results_gives_the_difference_in_loss():
    first = run_scenario(TWO_COUNTRIES, Scenario("TW", (Disruption("country", "TW"),)))
    second = run_scenario(TWO_COUNTRIES, Scenario("US", (Disruption("country", "US"),)))
    difference = compare(first, second).as_dict()["difference"]["car"]
    assert difference["capacity_loss_difference"] == pytest.approx(-0.2)


def test_a_node_disrupted_twice_takes_the_larger_severity():
    scenario = Scenario("x", (Disruption("node", "chip", 0.2), Disruption("node", "chip", 0.7)))
    assert scenario.disruption_map() == {"chip": 0.7}


SHIPPED = sorted((Path(__file__).resolve().parents[2] / "seeds" / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def seed_graph():
    from graph.networkx_view import to_networkx
    from ingest.tabular import read_tabular
    from seeds import SEEDS_DIR

    batch = read_tabular(SEEDS_DIR, source="seeds")
    return to_networkx(batch.nodes, batch.relationships)


def test_scenarios_are_shipped_with_the_seeds():
    assert len(SHIPPED) >= 3


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_loads_and_runs_against_the_seeds(seed_graph, path):
    # Stocks in the seeds (installed tools, chip inventory) can hide a loss at horizon 0;
    # every shipped scenario must hurt some target within the default horizons.
    scenario = load_scenario(path, seed_graph)
    results = scenario_over_time(seed_graph, scenario, DEFAULT_HORIZONS)
    for result in results:
        assert result.targets
        assert all(0.0 <= t.availability <= 1.0 for t in result.targets)
    assert any(t.capacity_loss > 0 and t.drivers for r in results for t in r.targets), \
        scenario.name


def test_each_target_is_explained_by_the_path_through_the_inputs_that_bind():
    result = run_scenario(TWO_COUNTRIES, Scenario("TW", (Disruption("country", "TW"),)))
    assert result.targets[0].path == ("car", "chip", "TW")
    scenario = parse_scenario("name: ban\nblock: [{from: [NL], to: [CN]}]\n", graph=BLOCKED)
    impacts = {t.id: t for t in run_scenario(BLOCKED, scenario).targets}
    assert impacts["cn-cars"].path == ("cn-cars", "smic", "euv")
    assert impacts["cn-cars"].drivers[0].id == "euv"
    assert impacts["tw-cars"].path == ()


@pytest.mark.parametrize("path", SHIPPED[:2], ids=lambda p: p.stem)
def test_gaps_kept_by_the_caller_give_the_same_result(seed_graph, path):
    from analysis.capacity import CapacityModel
    from analysis.coverage import incomplete
    from analysis.semantics import default_targets

    scenario = load_scenario(path, seed_graph)
    model = CapacityModel.from_graph(seed_graph)
    gaps = incomplete(seed_graph, default_targets(seed_graph), model.supply)
    assert gaps  # the seeds have unmodelled items: the kept gaps are used, not found again
    kept = run_scenario(seed_graph, scenario, model, gaps=gaps,
                        default=default_targets(seed_graph))
    assert kept.as_dict() == run_scenario(seed_graph, scenario, model).as_dict()
    assert any(t.unmodelled for t in kept.targets)
    # the default targets the caller keeps are used, and only for a scenario naming none
    two = default_targets(seed_graph)[:2]
    told = run_scenario(seed_graph, scenario, model, default=two)
    assert [t.id for t in told.targets] == (list(scenario.targets or ()) or two)
