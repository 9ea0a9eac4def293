"""The app's one-line note on how sure a SPOF is (assumptions, margin)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ui import app_state
from ui.cli import cli

NODES = """id,kind,name,min_supply_share
car,industry,Car makers,
chip,chip,Accelerator,
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
chip,resist,REQUIRES,,assumption
chip,euv,REQUIRES,,cited
resist,tel,SUPPLIED_BY,0.952,estimate
resist,other,SUPPLIED_BY,0.048,estimate
tel,JP,HEADQUARTERED_IN,,
other,US,HEADQUARTERED_IN,,
euv,asml,SUPPLIED_BY,,
asml,NL,HEADQUARTERED_IN,,
"""


def test_the_note_says_whether_a_spof_rests_on_assumptions_and_its_knife_edge(
        tmp_path: Path) -> None:
    data = tmp_path / "graph"
    data.mkdir()
    (data / "nodes.csv").write_text(NODES)
    (data / "edges.csv").write_text(EDGES)
    store = tmp_path / "store.db"
    result = CliRunner().invoke(cli, ["--store", str(store), "ingest", "tabular", str(data)])
    assert result.exit_code == 0, result.output
    japan = app_state._spof_note(str(store), "v1", "car", "JP")
    assert "rests on modelling assumptions" in japan
    assert "4.8% of Resist tools survives, under the 5.0% threshold" in japan
    assert "knife-edge" in japan
    assert "holds without the modelling assumptions" in app_state._spof_note(
        str(store), "v1", "car", "NL")
