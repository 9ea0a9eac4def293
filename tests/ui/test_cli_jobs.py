"""`chokepoint jobs run|history` through the real command: exit codes and output; and the
change report that compares analysis results before and after a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graph.store import Store
from ingest.jobs import JobLock
from ui.cli import cli
from ui.jobs_runner import AnalysisChanges, AnalysisSnapshot

DOCUMENT = {
    "nodes": [{"id": "cn-auto", "kind": "industry", "name": "CN automotive"},
              {"id": "chip-x", "kind": "chip", "name": "Chip X"},
              {"id": "fab-a", "kind": "supplier", "name": "Fab A"}],
    "edges": [{"from": "cn-auto", "to": "chip-x", "kind": "requires"},
              {"from": "chip-x", "to": "fab-a", "kind": "supplied_by"}],
}


@pytest.fixture
def jobs_file(tmp_path: Path) -> Path:
    (tmp_path / "good.json").write_text(json.dumps(DOCUMENT), encoding="utf-8")
    path = tmp_path / "jobs.toml"
    path.write_text('[[source]]\nname = "good"\nreader = "tabular"\nlocation = "good.json"\n\n'
                    '[[source]]\nname = "gone"\nreader = "tabular"\nlocation = "gone.json"\n',
                    encoding="utf-8")
    return path


def chokepoint(store: Store, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", store.url, *args], catch_exceptions=False)


def jobs_run(store: Store, jobs_file: Path, *args: str) -> Result:
    return chokepoint(store, "jobs", "run", "--config", str(jobs_file), "--state-dir",
                      str(jobs_file.parent / "state"), *args)


def test_jobs_run_exits_0_when_every_source_succeeded(store: Store, jobs_file: Path) -> None:
    result = jobs_run(store, jobs_file, "--only", "good", "--format", "json")
    assert result.exit_code == 0, result.output
    run, = json.loads(result.stdout)
    assert (run["source"], run["status"], run["added"]) == ("good", "ok", 5)
    assert {"target": "cn-auto", "node": "fab-a"} in run["new_spofs"]


def test_jobs_run_exits_1_and_names_the_failed_source(store: Store, jobs_file: Path) -> None:
    result = jobs_run(store, jobs_file)
    assert result.exit_code == 1
    assert "1 of 2 source(s) failed: gone" in result.stderr
    assert "good" in result.stdout and "failed" in result.stdout
    assert "INFO chokepoint.jobs: good:" in result.stderr


def test_jobs_run_exits_3_when_another_run_holds_the_lock(store: Store,
                                                         jobs_file: Path) -> None:
    jobs_run(store, jobs_file, "--only", "good")
    lock_file, = (jobs_file.parent / "state" / "jobs").glob("*/lock")
    with JobLock(lock_file):
        result = jobs_run(store, jobs_file)
    assert result.exit_code == 3
    assert "another jobs run holds the lock" in result.stderr
    assert "this run did nothing" in result.stderr
    assert len(store.runs()) == 1


def test_a_bad_jobs_file_is_reported_with_file_and_key(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "jobs.toml"
    path.write_text('[[source]]\nname = "s"\nreader = "tabular"\nlocation = "x.json"\n'
                    "retries = 'many'\n", encoding="utf-8")
    result = chokepoint(store, "jobs", "run", "--config", str(path))
    assert result.exit_code == 2
    assert f"error: {path}: [[source]] #1 (s): key 'retries'" in result.stderr


def test_history_lists_runs_as_json_objects(store: Store, jobs_file: Path) -> None:
    jobs_run(store, jobs_file)
    result = chokepoint(store, "jobs", "history", "--format", "json")
    assert result.exit_code == 0
    runs = {r["source"]: r for r in json.loads(result.stdout)}
    assert set(runs) == {"good", "gone"}
    for run in runs.values():
        assert {"source", "status", "added", "removed", "changed", "new_spofs", "started",
                "finished", "error"} <= set(run)
    assert runs["gone"]["status"] == "failed" and runs["gone"]["new_spofs"] == []
    assert runs["good"]["status"] == "ok"


def test_history_shows_a_table_for_people_and_filters_by_source(store: Store,
                                                                jobs_file: Path) -> None:
    jobs_run(store, jobs_file)
    result = chokepoint(store, "jobs", "history", "--source", "good")
    assert result.exit_code == 0
    assert "good" in result.stdout and "gone" not in result.stdout


# -- the change report --------------------------------------------------------------------------
def snapshot(spofs: set[tuple[str, str]], hhi: dict[str, float]) -> AnalysisSnapshot:
    return AnalysisSnapshot(frozenset(spofs), hhi)


def test_changes_name_new_and_resolved_spofs() -> None:
    before = snapshot({("cn-auto", "tsmc"), ("cn-auto", "asml")}, {})
    after = snapshot({("cn-auto", "asml"), ("cn-steel", "asml")}, {})
    found = AnalysisChanges().changes(before, after)
    assert found["new_spofs"] == [{"target": "cn-steel", "node": "asml"}]
    assert found["resolved_spofs"] == [{"target": "cn-auto", "node": "tsmc"}]


@pytest.mark.parametrize(("before", "after", "direction"), [
    pytest.param({"hbm": 2000.0}, {"hbm": 5000.0}, "up", id="rises across the threshold"),
    pytest.param({"hbm": 5000.0}, {"hbm": 2400.0}, "down", id="falls below it"),
    pytest.param({}, {"hbm": 10000.0}, "up", id="a new item already above it"),
    pytest.param({"hbm": 2600.0}, {"hbm": 9000.0}, None, id="stays above it"),
    pytest.param({"hbm": 9000.0}, {}, None, id="an item that is gone"),
])
def test_a_threshold_crossing_is_reported_either_way(before: dict[str, float],
                                                     after: dict[str, float],
                                                     direction: str | None) -> None:
    found = AnalysisChanges(2500).changes(snapshot(set(), before), snapshot(set(), after))
    assert [c["direction"] for c in found["threshold_crossings"]] == (
        [direction] if direction else [])


def test_the_threshold_is_configurable() -> None:
    found = AnalysisChanges(1500).changes(snapshot(set(), {"x": 1000.0}),
                                          snapshot(set(), {"x": 2000.0}))
    assert found["threshold_crossings"][0]["threshold"] == 1500
