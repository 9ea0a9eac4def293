"""A store filled from a small tabular graph, for tests that run the real command on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ui.cli import cli


def ingested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nodes: str,
             edges: str) -> CliRunner:
    """A runner whose store (``CHOKEPOINT_STORE``) holds ``nodes`` and ``edges``."""
    data = tmp_path / "graph"
    data.mkdir()
    (data / "nodes.csv").write_text(nodes)
    (data / "edges.csv").write_text(edges)
    monkeypatch.setenv("CHOKEPOINT_STORE", str(tmp_path / "store.db"))
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", "tabular", str(data), "--source", "test"])
    assert result.exit_code == 0, result.output
    return runner
