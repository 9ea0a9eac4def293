"""`chokepoint scenario run` and `chokepoint analyze chokepoints|concentration`, driven
through the real command line on a temporary SQLite store."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.sqlite_store import SQLiteStore
from ui.cli import ChokepointGroup, Settings, cli
from ui.cli_scenario import register_analyze_commands

NODES = [("euv", "component", "EUV lithography"), ("asml", "supplier", "ASML"),
         ("smic-n7", "component", "SMIC N7"), ("tsmc-n4", "component", "TSMC N4"),
         ("NL", "country", "Netherlands"), ("CN", "country", "China"),
         ("TW", "country", "Taiwan"), ("cn-cars", "industry", "CN automotive"),
         ("tw-cars", "industry", "TW automotive")]
EDGES = [("euv", "asml", "SUPPLIED_BY", None), ("asml", "NL", "HEADQUARTERED_IN", None),
         ("smic-n7", "CN", "LOCATED_IN", None), ("smic-n7", "euv", "REQUIRES", None),
         ("tsmc-n4", "TW", "LOCATED_IN", 0.9), ("tsmc-n4", "CN", "LOCATED_IN", 0.1),
         ("tsmc-n4", "euv", "REQUIRES", None), ("cn-cars", "CN", "HEADQUARTERED_IN", None),
         ("cn-cars", "smic-n7", "REQUIRES", None), ("tw-cars", "TW", "HEADQUARTERED_IN", None),
         ("tw-cars", "tsmc-n4", "REQUIRES", None)]


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "graph.db"
    with SQLiteStore(path) as store:
        store.apply(Batch(
            "test",
            [Node(i, NodeKind(k), name) for i, k, name in NODES],
            [Relationship(a, b, RelKind(k), share=s) for a, b, k, s in EDGES]))
    monkeypatch.setenv("CHOKEPOINT_STORE", str(path))
    return path


TAIWAN_HALF = "name: Taiwan\ndisrupt: [{country: TW, severity: 0.5}]\n"


def scenario_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@click.group(cls=ChokepointGroup)
@click.pass_context
def analyze_harness(ctx: click.Context) -> None:
    """Stands in for `chokepoint analyze` (owned by ui/cli_analyze.py) so these commands are
    tested the same whether or not that group is registered yet."""
    ctx.obj = Settings(None)


register_analyze_commands(analyze_harness)


def invoke(*args: str):
    if args[0] == "analyze" and "analyze" not in cli.commands:
        return CliRunner().invoke(analyze_harness, list(args[1:]), catch_exceptions=False)
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_scenario_run_prints_availability_and_loss_per_target_as_json(store_env, tmp_path):
    path = scenario_file(tmp_path, "tw.yaml", TAIWAN_HALF)
    result = invoke("scenario", "run", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["name"] == "Taiwan"
    # tw-cars sits in TW (0.5 left) and needs TSMC N4, 90 % in TW (0.55 left)
    assert data["targets"]["tw-cars"]["availability"] == pytest.approx(0.5)
    assert data["targets"]["tw-cars"]["capacity_loss"] == pytest.approx(0.5)
    assert data["targets"]["cn-cars"]["capacity_loss"] == 0.0
    assert data["targets"]["tw-cars"]["drivers"][0]["id"] == "TW"


def test_scenario_run_with_compare_includes_both_and_the_difference(store_env, tmp_path):
    first = scenario_file(tmp_path, "tw.yaml", TAIWAN_HALF)
    second = scenario_file(tmp_path, "ban.yaml", "name: Ban\nblock: [{from: [NL], to: [CN]}]\n")
    result = invoke("scenario", "run", str(first), "--compare", str(second), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["first"]["name"] == "Taiwan" and data["second"]["name"] == "Ban"
    assert data["difference"]["cn-cars"]["capacity_loss_difference"] == pytest.approx(1.0)
    # the ban costs TW automotive the tenth of TSMC N4 that sits in CN: 0.1 - 0.5
    assert data["difference"]["tw-cars"]["capacity_loss_difference"] == pytest.approx(-0.4)


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_scenario_run_prints_a_table_or_csv_for_people_and_spreadsheets(store_env, tmp_path,
                                                                         fmt):
    path = scenario_file(tmp_path, "tw.yaml", TAIWAN_HALF)
    result = invoke("scenario", "run", str(path), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "tw-cars" in result.output
    if fmt == "table":  # a CSV row is as long as its cells (it now carries the path)
        assert max(len(line) for line in result.output.splitlines()) <= 80


def test_a_scenario_with_an_unknown_id_exits_2_naming_the_line(store_env, tmp_path):
    path = scenario_file(tmp_path, "bad.yaml", """\
        name: bad
        disrupt:
          - {country: TW}
          - {supplier: nobody}
        """)
    result = invoke("scenario", "run", str(path))
    assert result.exit_code == 2
    assert f"{path}:4:supplier: no supplier with id 'nobody'" in result.output


def test_analyze_chokepoints_lists_nodes_in_rank_order_as_json(store_env):
    result = invoke("analyze", "chokepoints", "--kinds", "all", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["chokepoints"]
    # NL hosts ASML (its headquarters), ASML makes EUV tools, both fabs need them: ties by id
    assert [c["id"] for c in found[:3]] == ["NL", "asml", "euv"]
    assert found[0]["spof_count"] == 2
    assert found[0]["capacity_loss"] == pytest.approx(1.0)
    assert found[0]["path"] == ["cn-cars", "smic-n7", "euv", "asml", "NL"]
    assert {"id", "name", "kind", "spof_count", "capacity_loss", "path"} <= set(found[0])


def test_analyze_chokepoints_from_a_perspective_targets_that_countrys_industries(store_env):
    result = invoke("analyze", "chokepoints", "--perspective", "TW", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["targets"] == ["tw-cars"]
    assert "smic-n7" not in {c["id"] for c in data["chokepoints"]}


def test_analyze_chokepoints_table_fits_80_columns(store_env):
    result = invoke("analyze", "chokepoints", "--top", "3")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_analyze_concentration_with_a_perspective_adds_self_sufficiency(store_env):
    result = invoke("analyze", "concentration", "--perspective", "cn", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["perspective"] == ["CN"]
    items = {i["id"]: i for i in data["items"]}
    assert items["tsmc-n4"]["domestic_share"] == pytest.approx(0.1)
    assert items["tsmc-n4"]["hhi_countries"] == pytest.approx(8200)
    assert items["euv"]["self_sufficiency"] == 0.0


def test_analyze_concentration_table_fits_80_columns(store_env):
    result = invoke("analyze", "concentration", "--perspective", "CN", "--allies", "TW")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
