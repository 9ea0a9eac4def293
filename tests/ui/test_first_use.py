"""A first use without traps, through the real `chokepoint` process: a mistyped store path, a
store that seeded itself, an empty store, finding and showing nodes, "did you mean"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

EMPTY_STORE_COMMANDS = [
    ["analyze", "spof"],
    ["analyze", "cutsets", "--target", "x"],
    ["analyze", "chokepoints"],
    ["analyze", "concentration"],
    ["show", "x"],
    ["search", "x"],
    ["targets"],
    ["export", "--out", "{tmp}/out.json"],
    ["report", "--out", "{tmp}/report.md"],
    ["scenario", "run", str(REPO / "seeds" / "scenarios" / "asml-outage.yaml")],
    ["conflicts"],
]


def chokepoint(*args: str, home: Path | None = None, store: str | None = None
               ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("CHOKEPOINT_STORE", None)
    if home is not None:
        env["CHOKEPOINT_HOME"] = str(home)
    prefix = ["--store", store] if store else []
    return subprocess.run([sys.executable, "-m", "ui.cli", *prefix, *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=300, check=False)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> str:
    store = str(tmp_path_factory.mktemp("seeded") / "graph.db")
    done = chokepoint("seed", store=store)
    assert done.returncode == 0, done.stderr
    return store


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    from graph.sqlite_store import SQLiteStore

    path = tmp_path_factory.mktemp("empty") / "graph.db"
    SQLiteStore(path).close()
    return str(path)


def as_json(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# -- the store ---------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["stats"], ["analyze", "spof"], ["show", "tsmc"],
                                     ["search", "tsmc"], ["targets"], ["jobs", "history"],
                                     ["export", "--out", "out.json"]],
                         ids=lambda c: " ".join(c))
def test_a_store_path_that_does_not_exist_is_refused_with_a_hint(tmp_path: Path,
                                                                 command: list[str]) -> None:
    missing = tmp_path / "typo" / "graph.db"
    done = chokepoint(*command, store=str(missing))
    assert done.returncode == 1
    assert f"no store at {missing}: the file does not exist" in done.stderr
    assert f"chokepoint --store {missing} seed" in done.stderr
    assert not missing.exists() and not missing.parent.exists()


def test_seed_and_ingest_create_a_store_that_does_not_exist_yet(tmp_path: Path) -> None:
    seeded = tmp_path / "new" / "seeded.db"
    assert chokepoint("seed", store=str(seeded)).returncode == 0
    assert seeded.exists()
    model = tmp_path / "tree.xml"
    model.write_text("<opsa-mef><define-gate name='top'><or><basic-event name='a'/>"
                     "<basic-event name='b'/></or></define-gate><define-basic-event name='a'/>"
                     "<define-basic-event name='b'/></opsa-mef>", encoding="utf-8")
    ingested = tmp_path / "other" / "tree.db"
    done = chokepoint("ingest", "openpsa", str(model), store=str(ingested))
    assert done.returncode == 0, done.stderr
    assert ingested.exists()


def test_seed_on_the_default_store_that_seeded_itself_says_so(tmp_path: Path) -> None:
    first = chokepoint("seed", home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "was new, so it was filled with the bundled seeds just now" in first.stdout
    assert " 0 added" not in first.stdout
    again = chokepoint("seed", home=tmp_path)
    assert "0 added, 0 changed, 0 removed" in again.stdout
    assert "was new" not in again.stdout


def test_a_command_that_fills_the_default_store_on_first_use_says_so(tmp_path: Path) -> None:
    done = chokepoint("stats", "--format", "json", home=tmp_path)
    assert json.loads(done.stdout)["nodes"]["industry"] > 0
    assert "was filled with the bundled seeds" in done.stderr


@pytest.mark.parametrize("command", EMPTY_STORE_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_on_an_empty_store_says_it_is_empty_and_how_to_fill_it(
        empty_store: str, tmp_path: Path, command: list[str]) -> None:
    done = chokepoint(*(a.replace("{tmp}", str(tmp_path)) for a in command), store=empty_store)
    assert done.returncode == 1
    assert "is empty; fill it with" in done.stderr
    assert f"`chokepoint --store {empty_store} seed`" in done.stderr
    assert not list(tmp_path.iterdir())  # nothing was written


@pytest.mark.parametrize("command", [["stats"], ["jobs", "history"]])
def test_listing_commands_on_an_empty_store_list_nothing_and_say_how_to_fill_it(
        empty_store: str, command: list[str]) -> None:
    done = chokepoint(*command, store=empty_store)
    assert done.returncode == 0
    assert "empty; fill it with `chokepoint --store" in done.stderr


# -- finding and showing nodes ----------------------------------------------------------------
def test_show_gives_a_nodes_properties_provenance_inputs_dependents_and_spofs(
        seeded: str) -> None:
    spofs = as_json(chokepoint("analyze", "spof", "--format", "json", store=seeded))["targets"]
    target, node = next((t, nodes[0]) for t, nodes in sorted(spofs.items()) if nodes)
    shown = as_json(chokepoint("show", node, "--format", "json", store=seeded))
    assert shown["id"] == node and shown["kind"] and shown["name"]
    assert shown["sources"] == ["seeds"] and "citation" in shown
    assert target in shown["spof_of"]
    assert shown["spof_of"] == sorted(t for t, nodes in spofs.items() if node in nodes)
    assert shown["dependents"]  # a SPOF of something has dependents
    dependent = shown["dependents"][0]
    other = as_json(chokepoint("show", dependent["from"], "--format", "json", store=seeded))
    assert {"relationship": dependent["relationship"], "to": node} in [
        {"relationship": i["relationship"], "to": i["to"]} for i in other["inputs"]]


def test_show_lists_listed_and_used_shares_that_sum_to_one(seeded: str) -> None:
    shown = as_json(chokepoint("show", "hbm3e", "--format", "json", store=seeded))
    assert shown["citation"].startswith("Counterpoint")
    assert shown["properties"]["min_supply_share"] == {
        "value": 0.05, "source": "seeds", "citation": shown["citation"]}
    used = [i["share_used"] for i in shown["inputs"] if i["relationship"] == "SUPPLIED_BY"]
    assert len(used) >= 2
    assert sum(used) == pytest.approx(1.0, abs=1e-5)
    table = chokepoint("show", "hbm3e", store=seeded)
    assert "SK hynix" in table.stdout and "share used" in table.stdout


def test_show_names_the_source_and_citation_of_each_property(tmp_path: Path) -> None:
    def source(name: str, priority: str, node: dict) -> None:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"nodes": [node], "edges": []}), encoding="utf-8")
        done = chokepoint("ingest", "tabular", str(path), "--source", name, "--priority",
                          priority, store=store)
        assert done.returncode == 0, done.stderr

    store = str(tmp_path / "g.db")
    source("registry", "10", {"id": "fab", "kind": "supplier", "name": "Fab Inc.",
                              "description": "a fab", "citation": "company registry"})
    source("survey", "20", {"id": "fab", "kind": "supplier", "name": "Fab",
                            "failure_probability": 0.1, "citation": "industry survey"})
    shown = as_json(chokepoint("show", "fab", "--format", "json", store=store))
    assert shown["sources"] == ["registry", "survey"]
    assert shown["properties"]["name"] == {"value": "Fab", "source": "survey",
                                           "citation": "industry survey"}
    assert shown["properties"]["description"] == {"value": "a fab", "source": "registry",
                                                  "citation": "company registry"}
    assert shown["properties"]["failure_probability"]["source"] == "survey"
    table = chokepoint("show", "fab", store=store).stdout
    assert "company registry" in table and "industry survey" in table


def test_search_finds_ids_and_names_ignoring_case_and_accents(tmp_path: Path) -> None:
    data = tmp_path / "graph.json"
    data.write_text(json.dumps({"nodes": [
        {"id": "zurich-optics", "kind": "supplier", "name": "Zürich Optiké AG"},
        {"id": "lens", "kind": "component", "name": "Lens"}], "edges": [
        {"from": "lens", "to": "zurich-optics", "kind": "SUPPLIED_BY"}]}), encoding="utf-8")
    store = str(tmp_path / "g.db")
    assert chokepoint("ingest", "tabular", str(data), store=store).returncode == 0
    for query in ("zurich", "ZÜRICH optike", "optiké ag", "Zurich-Optics"):
        found = as_json(chokepoint("search", query, "--format", "json", store=store))
        assert [n["id"] for n in found["nodes"]] == ["zurich-optics"], query
    nothing = chokepoint("search", "zurigh", store=store)
    assert "no node's id or name contains 'zurigh'" in nothing.stdout
    assert "zurich-optics" in nothing.stdout  # the nearest


def test_targets_lists_the_default_targets_and_other_useful_ones(seeded: str) -> None:
    from graph.model import NodeKind
    from graph.sqlite_store import SQLiteStore

    listed = as_json(chokepoint("targets", "--format", "json", store=seeded))
    with SQLiteStore(seeded) as store:
        industries = sorted(n.id for n in store.nodes([NodeKind.INDUSTRY]))
    assert listed["default"] == industries
    others = [n for n in listed["nodes"] if n["id"] not in industries]
    assert others and all(n["why"] == "nothing in the graph depends on it" for n in others)


# -- did you mean -------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [
    ["analyze", "spof", "--target", "nvida-h100"],
    ["analyze", "cutsets", "--target", "NVIDIA H100"],
    ["analyze", "probability", "--target", "nvidia-h10"],
    ["show", "nvida-h100"],
    ["export", "--format", "openpsa", "--target", "nvida-h100", "--out", "x.xml"],
    ["report", "--target", "nvida-h100", "--out", "x.md"],
], ids=lambda c: " ".join(c[:2]))
def test_an_unknown_id_gets_the_nearest_ids(seeded: str, command: list[str]) -> None:
    done = chokepoint(*command, store=seeded)
    assert done.returncode == 1
    assert "did you mean 'nvidia-h100' (NVIDIA H100)" in done.stderr
    assert "export --format json" not in done.stderr  # the old hint failed for want of --out


def test_an_unknown_target_points_to_the_commands_that_list_ids(seeded: str) -> None:
    done = chokepoint("analyze", "spof", "--target", "no-such-thing-at-all", store=seeded)
    assert "`chokepoint targets`" in done.stderr and "`chokepoint search TEXT`" in done.stderr
    assert chokepoint("targets", store=seeded).returncode == 0


def test_an_unknown_country_and_scenario_id_get_the_nearest(seeded: str, tmp_path: Path) -> None:
    done = chokepoint("analyze", "concentration", "--perspective", "TWN", store=seeded)
    assert "did you mean 'TW'" in done.stderr
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: typo\ndisrupt:\n  - {node: asmll}\n", encoding="utf-8")
    done = chokepoint("scenario", "run", str(scenario), store=seeded)
    assert done.returncode == 2
    assert "did you mean 'asml' (ASML)" in done.stderr


def test_shell_completion_offers_node_ids(seeded: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "_CHOKEPOINT_COMPLETE": "bash_complete",
           "COMP_WORDS": f"chokepoint --store {seeded} show nvidia-h", "COMP_CWORD": "4"}
    done = subprocess.run([sys.executable, "-m", "ui.cli"], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120, check=False)
    assert "plain,nvidia-h100" in done.stdout.splitlines()


def test_the_readers_named_in_the_hint_are_the_registered_ones() -> None:
    from ingest.registry import reader_names
    from ui.context import READERS

    assert sorted(READERS) == sorted(reader_names())


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_reader_that_goes_away_ends_the_command_quietly(seeded: str, fmt: str) -> None:
    """`chokepoint ... | head`: when the output's reader has closed it, the command stops
    with status 1 and prints no error (no "internal error", no traceback)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "--store", seeded, "analyze", "cutsets",
         "--target", "cn-logistics", "--format", fmt],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # nobody reads: the first write fails
    error = process.stderr.read().decode()
    assert process.wait(timeout=300) == 1
    assert error == ""


def test_a_scenario_read_at_once_says_stocks_still_cover_inputs(seeded: str) -> None:
    """The seeds hold stocks: a scenario read only at horizon 0 says so and how to see more."""
    done = chokepoint("scenario", "run", str(REPO / "seeds" / "scenarios" / "taiwan-strait.yaml"),
                      store=seeded)
    assert done.returncode == 0, done.stderr
    assert "losses at once (horizon 0)" in done.stdout and "--horizon 0,6,12,24" in done.stdout
    over_time = chokepoint("scenario", "run", "--horizon", "0,12",
                           str(REPO / "seeds" / "scenarios" / "taiwan-strait.yaml"), store=seeded)
    assert over_time.returncode == 0, over_time.stderr
    assert "losses at once" not in over_time.stdout
