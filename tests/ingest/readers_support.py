"""Helpers for the reader tests: look records up in a batch, run the real command."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from graph.model import Batch, Node, Relationship
from ui.cli import cli


def node(batch: Batch, node_id: str) -> Node:
    found = [n for n in batch.nodes if n.id == node_id]
    assert found, f"no node {node_id!r} in the batch"
    return found[0]


def relationship(batch: Batch, start: str, end: str, kind: str) -> Relationship | None:
    for rel in batch.relationships:
        if rel.key == (start, end, kind):
            return rel
    return None


def targets(batch: Batch, start: str, kind: str) -> set[str]:
    return {r.to_id for r in batch.relationships if r.from_id == start and r.kind.value == kind}


def run_cli(store: Path, *args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"CHOKEPOINT_STORE": str(store), **env})


def stored_counts(store: Path) -> dict[str, int]:
    """Nodes per kind in ``store`` through `chokepoint stats`; none when a refused run left
    no store file at all."""
    if not store.exists():
        return {}
    return json.loads(run_cli(store, "stats", "--format", "json").output)["nodes"]
