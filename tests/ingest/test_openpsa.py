"""The Open-PSA MEF reader: gates and basic events in, bad and hostile XML refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.cutsets import minimal_cut_sets
from analysis.probability import failure_probability
from graph.errors import InputError
from graph.networkx_view import to_networkx
from ingest.openpsa import read_openpsa, read_openpsa_files
from ui.cli import cli

MODEL = """<?xml version="1.0"?>
<opsa-mef>
  <define-fault-tree name="Theatre">
    <define-gate name="Theatre">
      <and>
        <basic-event name="Mains_Fail"/>
        <gate name="Generator"/>
      </and>
    </define-gate>
    <define-gate name="Generator">
      <or>
        <basic-event name="Gen_Fail"/>
        <event name="Relay_Fail"/>
        <atleast min="2">
          <basic-event name="Fuel1"/><basic-event name="Fuel2"/><basic-event name="Fuel3"/>
        </atleast>
      </or>
    </define-gate>
  </define-fault-tree>
  <model-data>
    <define-basic-event name="Mains_Fail"><label>Mains</label><float value="3e-2"/>
    </define-basic-event>
    <define-basic-event name="Gen_Fail"><float value="2e-2"/></define-basic-event>
    <define-basic-event name="Relay_Fail"><float value="5e-2"/></define-basic-event>
    <define-parameter name="fuel"><float value="0.1"/></define-parameter>
    <define-basic-event name="Fuel1"><parameter name="fuel"/></define-basic-event>
    <define-basic-event name="Fuel2"><parameter name="fuel"/></define-basic-event>
    <define-basic-event name="Fuel3"><int value="0"/></define-basic-event>
  </model-data>
</opsa-mef>
"""


def write(tmp_path: Path, text: str, name: str = "model.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def graph_of(path: Path):
    batch = read_openpsa(path, source="test")
    return to_networkx(batch.nodes, batch.relationships)


def test_gates_become_industry_nodes_and_basic_events_components(tmp_path: Path) -> None:
    graph = graph_of(write(tmp_path, MODEL))
    assert graph.nodes["theatre"]["kind"] == "industry"
    assert graph.nodes["theatre"]["name"] == "Theatre"
    assert graph.nodes["theatre"]["top_event"] is True
    assert graph.nodes["mains_fail"]["kind"] == "component"
    assert graph.nodes["mains_fail"]["failure_probability"] == 0.03
    assert graph.nodes["mains_fail"]["description"] == "Mains"
    assert graph.nodes["fuel1"]["failure_probability"] == 0.1
    assert graph.nodes["generator.3"]["kind"] == "industry"


def test_connectives_become_requirements_with_the_right_group_sizes(tmp_path: Path) -> None:
    graph = graph_of(write(tmp_path, MODEL))
    requires = {(a, b): d for a, b, k, d in graph.edges(keys=True, data=True)}
    assert requires[("theatre", "generator")]["min_required"] == 1  # and: one up is enough
    assert requires[("generator", "gen_fail")].get("group") is None  # or: each is needed
    assert requires[("generator.3", "fuel1")]["min_required"] == 2  # 2 of 3 down: 2 up needed


def test_cut_sets_and_probability_are_the_fault_trees(tmp_path: Path) -> None:
    graph = graph_of(write(tmp_path, MODEL))
    cuts = minimal_cut_sets(graph, "theatre", max_order=None, fail_kinds=["component"])
    assert cuts.cut_sets == [("gen_fail", "mains_fail"), ("mains_fail", "relay_fail"),
                             ("fuel1", "fuel2", "mains_fail"), ("fuel1", "fuel3", "mains_fail"),
                             ("fuel2", "fuel3", "mains_fail")]
    p_fuel = 0.1 * 0.1  # Fuel3 never fails, so both other fuels must
    p_generator = 1 - (1 - 0.02) * (1 - 0.05) * (1 - p_fuel)
    assert failure_probability(graph, "theatre", method="exact").probability == \
        pytest.approx(0.03 * p_generator, rel=1e-12)


def test_a_model_split_over_files_is_read_as_one(tmp_path: Path) -> None:
    gates = write(tmp_path, MODEL.split("<model-data>")[0] + "</opsa-mef>\n", "gates.xml")
    events = write(tmp_path, "<opsa-mef><model-data>" + MODEL.split("<model-data>")[1],
                   "events.xml")
    batch = read_openpsa_files([gates, events], source="test")
    assert len(batch.nodes) == 9
    with pytest.raises(InputError, match="not defined in the files given"):
        read_openpsa(gates, source="test")


BAD = [
    ("a DOCTYPE with entities is refused before any expansion",
     '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n'
     "<opsa-mef>&lol2;</opsa-mef>", 2, "DOCTYPE"),
    ("an external entity is refused",
     '<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "file:///etc/passwd">\n<opsa-mef/>', 2,
     "DOCTYPE"),
    ("malformed XML names line and column",
     "<opsa-mef>\n  <define-gate name='a'>\n</opsa-mef>\n", 3, "malformed XML"),
    ("a non-coherent gate is refused",
     "<opsa-mef>\n<define-gate name='g'>\n<not><basic-event name='e'/></not>\n</define-gate>\n"
     "<define-basic-event name='e'/>\n</opsa-mef>", 3, "<not> is not supported"),
    ("an undefined event is named",
     "<opsa-mef>\n<define-gate name='g'>\n<or><event name='x'/><event name='y'/></or>\n"
     "</define-gate>\n</opsa-mef>", 3, "event 'x' is not defined"),
    ("atleast needs a usable minimum",
     "<opsa-mef>\n<define-gate name='g'>\n<atleast min='3'><event name='e'/><event name='f'/>"
     "</atleast>\n</define-gate>\n<define-basic-event name='e'/><define-basic-event name='f'/>"
     "\n</opsa-mef>", 3, "from 1 to its 2 inputs"),
    ("a name defined twice is refused",
     "<opsa-mef>\n<define-basic-event name='e'/>\n<define-basic-event name='e'/>\n</opsa-mef>",
     3, "defined twice"),
    ("names that become one id are refused",
     "<opsa-mef>\n<define-basic-event name='Pump'/>\n<define-basic-event name='pump'/>\n"
     "</opsa-mef>", 3, "both become id 'pump'"),
    ("a probability outside 0-1 is refused",
     "<opsa-mef>\n<define-basic-event name='e'>\n<float value='1.5'/>\n"
     "</define-basic-event>\n</opsa-mef>", 3, "not a number in 0–1"),
    ("a non-constant probability is refused",
     "<opsa-mef>\n<define-basic-event name='e'>\n<exponential><float value='1e-3'/>"
     "<system-mission-time/></exponential>\n</define-basic-event>\n</opsa-mef>", 3,
     "<exponential> is not supported"),
    ("event trees are refused",
     "<opsa-mef>\n<define-event-tree name='t'/>\n</opsa-mef>", 2, "not supported"),
    ("a cycle is refused",
     "<opsa-mef>\n<define-gate name='a'><or><gate name='b'/><event name='e'/></or>"
     "</define-gate>\n<define-gate name='b'><or><gate name='a'/><event name='e'/></or>"
     "</define-gate>\n<define-basic-event name='e'/>\n</opsa-mef>", None, "depends on itself"),
    ("another root element is refused",
     "<html>\n</html>", 1, "not <opsa-mef>"),
]


@pytest.mark.parametrize(("text", "line", "message"), [case[1:] for case in BAD],
                         ids=[case[0] for case in BAD])
def test_bad_input_is_refused_with_file_and_line(tmp_path: Path, text: str, line: int | None,
                                                 message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        read_openpsa(path, source="test")
    first = str(caught.value.problems[0])
    assert message in first
    assert first.startswith(str(path) + (f":{line}" if line else ""))


def test_a_file_above_the_size_limit_is_refused(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHOKEPOINT_MAX_INPUT_BYTES", "100")
    with pytest.raises(InputError, match="above the limit"):
        read_openpsa(write(tmp_path, MODEL), source="test")


def test_ingest_and_export_through_the_command(tmp_path: Path) -> None:
    model, store = write(tmp_path, MODEL), str(tmp_path / "g.db")
    runner = CliRunner()
    done = runner.invoke(cli, ["--store", store, "ingest", "openpsa", str(model)])
    assert done.exit_code == 0, done.output
    assert "9 nodes and 8 relationships read from source 'openpsa:model'" in done.output
    # a fault tree supplies nothing: the app's first-page analyses are still kept
    assert "Kept the app's first-page analyses" in done.output
    assert "were not kept" not in done.output
    cuts = runner.invoke(cli, ["--store", store, "analyze", "cutsets", "--target", "theatre",
                               "--fail-kinds", "component", "--format", "json"])
    assert json.loads(cuts.output)["cut_sets"][0] == ["gen_fail", "mains_fail"]
    out = tmp_path / "back.xml"
    done = runner.invoke(cli, ["--store", store, "export", "--format", "openpsa", "--target",
                               "theatre", "--fail-kinds", "component", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert 'name="chokepoint-id" value="theatre"' in out.read_text()
    refused = runner.invoke(cli, ["--store", store, "export", "--format", "openpsa", "--out",
                                  str(out)])
    assert refused.exit_code == 2 and "needs --target" in refused.output


def test_refused_input_writes_nothing_through_the_command(tmp_path: Path) -> None:
    store = str(tmp_path / "g.db")
    bad = write(tmp_path, "<opsa-mef>\n<define-gate name='g'>\n<xor/></define-gate>\n"
                          "</opsa-mef>")
    done = CliRunner().invoke(cli, ["--store", store, "ingest", "openpsa", str(bad)])
    assert done.exit_code == 2
    assert f"{bad}:3: <xor> is not supported" in done.output
