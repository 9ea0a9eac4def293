"""Every bad-input case of the tabular format is refused through the real command: non-zero exit, a
message naming the file (and row and column where there is one), and the store unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ui.cli import cli

GOOD_NODES = "id,kind,name,country\ntsmc,supplier,TSMC,TW\nTW,country,Taiwan,\nh100,chip,H100,\n"
GOOD_EDGES = "from,to,kind,share\nh100,tsmc,SUPPLIED_BY,1.0\n"


def run_cli(store: Path, *args: str, **env: str) -> Result:
    """Run the real command in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(cli, list(args), env={"CHOKEPOINT_STORE": str(store), **env})


def write_folder(folder: Path, nodes: str | bytes | None, edges: str | bytes | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in (("nodes.csv", nodes), ("edges.csv", edges)):
        if content is None:
            continue
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def loaded_store(tmp_path: Path) -> Path:
    """A store holding a small good graph, so 'unchanged' means something."""
    store = tmp_path / "graph.db"
    good = write_folder(tmp_path / "good", GOOD_NODES, GOOD_EDGES)
    result = run_cli(store, "ingest", "tabular", str(good), "--source", "test")
    assert result.exit_code == 0, result.stderr
    return store


def export_state(store: Path, tmp_path: Path) -> dict:
    out = tmp_path / "state.json"
    result = run_cli(store, "export", "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    return json.loads(out.read_text())


CASES = [
    # (case, nodes.csv, edges.csv, expected fragments of the message)
    ("missing nodes file", None, GOOD_EDGES, ["nodes.csv", "missing file"]),
    ("missing edges file", GOOD_NODES, None, ["edges.csv", "missing file"]),
    ("missing column", "id,name\nx,X\n", GOOD_EDGES, ["nodes.csv:1", "kind"]),
    ("unknown node kind", GOOD_NODES + "g,gizmo,G,\n", GOOD_EDGES,
     ["nodes.csv:5:kind", "gizmo"]),
    ("unknown relationship kind", GOOD_NODES, GOOD_EDGES + "h100,tsmc,BUYS_FROM,\n",
     ["edges.csv:3:kind", "BUYS_FROM"]),
    ("duplicate id", GOOD_NODES + "tsmc,supplier,TSMC again,\n", GOOD_EDGES,
     ["nodes.csv:5:id", "duplicate id", "nodes.csv:2"]),
    ("relationship to unknown node", GOOD_NODES, GOOD_EDGES + "h100,nowhere,REQUIRES,\n",
     ["edges.csv:3:to", "nowhere"]),
    ("share above one", GOOD_NODES, "from,to,kind,share\nh100,tsmc,SUPPLIED_BY,60\n",
     ["edges.csv:2:share", "outside 0–1"]),
    ("negative share", GOOD_NODES, "from,to,kind,share\nh100,tsmc,SUPPLIED_BY,-0.1\n",
     ["edges.csv:2:share"]),
    ("shares of one item summing above one",
     GOOD_NODES + "smic,supplier,SMIC,\n",
     GOOD_EDGES.replace("1.0", "0.7") + "h100,smic,SUPPLIED_BY,0.5\n",
     ["edges.csv:2:share", "sum to 1.200"]),
    ("min_required larger than its group",
     GOOD_NODES + "cuda,software,CUDA,\n",
     "from,to,kind,group,min_required\nh100,cuda,REQUIRES,stack,2\n",
     ["edges.csv:2:min_required", "needs 2", "only 1"]),
    ("inconsistent min_required within a group",
     GOOD_NODES + "cuda,software,CUDA,\nrocm,software,ROCm,\n",
     "from,to,kind,group,min_required\nh100,cuda,REQUIRES,stack,1\nh100,rocm,REQUIRES,stack,2\n",
     ["edges.csv:2:min_required", "inconsistent"]),
    ("malformed number", "id,kind,name,failure_probability\nx,chip,X,abc\n",
     "from,to,kind\n", ["nodes.csv:2:failure_probability", "not a number"]),
    ("malformed whole number", GOOD_NODES + "cuda,software,CUDA,\n",
     "from,to,kind,group,min_required\nh100,cuda,REQUIRES,g,1.5\n",
     ["edges.csv:2:min_required", "whole number"]),
    ("malformed date", "id,kind,name,as_of\nx,chip,X,31/12/2025\n", "from,to,kind\n",
     ["nodes.csv:2:as_of", "YYYY-MM-DD"]),
    ("impossible date", "id,kind,name,as_of\nx,chip,X,2025-02-30\n", "from,to,kind\n",
     ["nodes.csv:2:as_of", "not a real date"]),
    ("non-UTF-8 text", b"id,kind,name\nx,chip,Caf\xe9\n", b"from,to,kind\n",
     ["nodes.csv:2", "not UTF-8"]),
    ("empty nodes file", "", GOOD_EDGES, ["nodes.csv", "empty"]),
    ("empty id", "id,kind,name\n,chip,X\n", "from,to,kind\n", ["nodes.csv:2:id", "empty"]),
    ("invalid id", "id,kind,name\nNVIDIA H100,chip,X\n", "from,to,kind\n",
     ["nodes.csv:2:id", "slug"]),
    ("ragged row", "id,kind,name\nx,chip,X,extra\n", "from,to,kind\n",
     ["nodes.csv:2", "quote cells"]),
    # Time and trust fields (DESIGN §4.6, §4.7)
    ("unknown basis", GOOD_NODES, "from,to,kind,share,basis\nh100,tsmc,SUPPLIED_BY,1,guess\n",
     ["edges.csv:2:basis", "guess", "cited, estimate, assumption"]),
    ("negative buffer", GOOD_NODES, "from,to,kind,buffer_months\nh100,tsmc,SUPPLIED_BY,-1\n",
     ["edges.csv:2:buffer_months", "outside 0–1200"]),
    ("huge lead time", GOOD_NODES, "from,to,kind,lead_time_months\nh100,tsmc,SUPPLIED_BY,1e300\n",
     ["edges.csv:2:lead_time_months", "outside"]),
    ("lead time on a headquarters", GOOD_NODES,
     "from,to,kind,lead_time_months\ntsmc,TW,HEADQUARTERED_IN,3\n",
     ["edges.csv:2:lead_time_months", "only for REQUIRES, SUPPLIED_BY and LOCATED_IN"]),
    ("surge share below the share", GOOD_NODES,
     "from,to,kind,share,surge_share\nh100,tsmc,SUPPLIED_BY,0.6,0.4\n",
     ["edges.csv:2:surge_share", "below the share 0.6"]),
    ("surge share above one", GOOD_NODES,
     "from,to,kind,share,surge_share\nh100,tsmc,SUPPLIED_BY,0.6,1.5\n",
     ["edges.csv:2:surge_share", "outside 0–1"]),
    ("surge share on a requirement", GOOD_NODES + "cuda,software,CUDA,\n",
     "from,to,kind,surge_share\nh100,cuda,REQUIRES,0.5\n",
     ["edges.csv:2:surge_share", "only for SUPPLIED_BY"]),
    ("share outside its range", GOOD_NODES,
     "from,to,kind,share,share_low,share_high\nh100,tsmc,SUPPLIED_BY,0.9,0.5,0.8\n",
     ["edges.csv:2:share_high", "above share_high"]),
    ("share range reversed", GOOD_NODES,
     "from,to,kind,share_low,share_high\nh100,tsmc,SUPPLIED_BY,0.8,0.5\n",
     ["edges.csv:2:share_low", "above share_high"]),
    ("share range on a requirement", GOOD_NODES + "cuda,software,CUDA,\n",
     "from,to,kind,share_low\nh100,cuda,REQUIRES,0.5\n",
     ["edges.csv:2:share_low", "only for SUPPLIED_BY and LOCATED_IN"]),
]


@pytest.mark.parametrize(("nodes", "edges", "fragments"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_its_location_and_the_store_unchanged(
        tmp_path: Path, loaded_store: Path, nodes, edges, fragments) -> None:
    before = export_state(loaded_store, tmp_path)
    folder = write_folder(tmp_path / "bad", nodes, edges)
    result = run_cli(loaded_store, "ingest", "tabular", str(folder), "--source", "test")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert export_state(loaded_store, tmp_path) == before


def test_time_and_trust_fields_are_read_stored_and_exported(tmp_path: Path,
                                                            loaded_store: Path) -> None:
    edges = ("from,to,kind,share,basis,share_low,share_high,buffer_months,lead_time_months,"
             "surge_share\nh100,tsmc,SUPPLIED_BY,0.6,Estimate,0.5,0.7,2.5,12,0.9\n")
    folder = write_folder(tmp_path / "timed", GOOD_NODES, edges)
    result = run_cli(loaded_store, "ingest", "tabular", str(folder), "--source", "test")
    assert result.exit_code == 0, result.stderr
    (rel,) = export_state(loaded_store, tmp_path)["relationships"][:1]
    assert {k: rel.get(k) for k in ("basis", "share_low", "share_high", "buffer_months",
                                      "lead_time_months", "surge_share")} == {
        "basis": "estimate", "share_low": 0.5, "share_high": 0.7, "buffer_months": 2.5,
        "lead_time_months": 12.0, "surge_share": 0.9}
    out = tmp_path / "tabular"
    assert run_cli(loaded_store, "export", "--format", "tabular", "--out", str(out)).exit_code == 0
    header = (out / "edges.csv").read_text().splitlines()[0].split(",")
    assert header[9:15] == ["basis", "share_low", "share_high", "buffer_months",
                            "lead_time_months", "surge_share"]
    # And back in: the export is read by the same reader to the same graph.
    again = tmp_path / "again.db"
    assert run_cli(again, "ingest", "tabular", str(out), "--source", "test").exit_code == 0
    assert export_state(again, tmp_path)["relationships"] == \
        export_state(loaded_store, tmp_path)["relationships"]


def test_a_file_above_the_size_limit_is_refused(tmp_path: Path, loaded_store: Path) -> None:
    folder = write_folder(tmp_path / "big", GOOD_NODES * 50, GOOD_EDGES)
    result = run_cli(loaded_store, "ingest", "tabular", str(folder),
                     CHOKEPOINT_MAX_INPUT_BYTES="1000")
    assert result.exit_code == 2
    assert "nodes.csv" in result.stderr and "above the limit of 1,000" in result.stderr


def test_a_missing_path_is_refused(tmp_path: Path, loaded_store: Path) -> None:
    result = run_cli(loaded_store, "ingest", "tabular", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert "nope.json" in result.stderr and "no such file" in result.stderr


def test_dry_run_validates_and_writes_nothing(tmp_path: Path, loaded_store: Path) -> None:
    before = export_state(loaded_store, tmp_path)
    folder = write_folder(tmp_path / "new", GOOD_NODES + "b200,chip,B200,\n", GOOD_EDGES)
    result = run_cli(loaded_store, "ingest", "tabular", str(folder), "--source", "test",
                     "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 1
    assert export_state(loaded_store, tmp_path) == before


def test_the_installed_command_reports_bad_input_in_one_line_without_a_traceback(
        tmp_path: Path, loaded_store: Path) -> None:
    folder = write_folder(tmp_path / "bad", GOOD_NODES, GOOD_EDGES + "h100,nowhere,REQUIRES,\n")
    result = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", "tabular", str(folder)],
                            capture_output=True, text=True,
                            env={"CHOKEPOINT_STORE": str(loaded_store), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{folder / 'edges.csv'}:3:to: unknown node 'nowhere'" in result.stderr
