"""Write the whole graph out: the tabular format (re-ingestable), JSON, or GraphML.

Files are written to a temporary name beside the target and renamed into place, so a failed
export never leaves a half-written file.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from graph.model import NODE_FIELDS, REL_FIELDS, Node, Relationship
from graph.store import Store

__all__ = ["export_graph", "graph_document", "node_record", "relationship_record", "EXPORTERS",
           "atomic_write"]


def node_record(node: Node) -> dict[str, Any]:
    """A node as a flat JSON-ready dict: the documented node fields, then free attributes."""
    record: dict[str, Any] = {"id": node.id, **node.properties(), "sources": list(node.sources)}
    attributes = record.pop("attributes")
    record.update({k: v for k, v in attributes.items() if k not in record})
    return {k: v for k, v in record.items() if v is not None}


def relationship_record(rel: Relationship) -> dict[str, Any]:
    """A relationship as a flat dict; ``"counted": false`` marks one the analysis leaves out
    (another source is its item's source of record for shares)."""
    record: dict[str, Any] = {"from": rel.from_id, "to": rel.to_id, "kind": rel.kind.value,
                              **rel.properties(), "sources": list(rel.sources)}
    if not rel.counted:
        record["counted"] = False
    attributes = record.pop("attributes")
    record.update({k: v for k, v in attributes.items() if k not in record})
    return {k: v for k, v in record.items() if v is not None}


def graph_document(store: Store) -> dict[str, list[dict[str, Any]]]:
    """``{"nodes": [...], "relationships": [...]}``, sorted by id and key."""
    nodes, rels = store.snapshot()
    return {"nodes": [node_record(n) for n in nodes],
            "relationships": [relationship_record(r) for r in rels]}


@contextmanager
def atomic_write(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it over ``path`` only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only when a file is written: it costs the command line's start

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 would hide exports from their readers
    try:
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else "utf-8",
                       newline=None if binary else "") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_csv(path: Path, columns: tuple[str, ...], records: list[dict[str, Any]]) -> None:
    extra = sorted({k for r in records for k in r} - set(columns) - {"sources"})
    with atomic_write(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=[*columns, *extra], extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow({k: _cell(v) for k, v in record.items()})


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def export_tabular(store: Store, out: Path) -> None:
    """A folder with nodes.csv and edges.csv that ``chokepoint ingest tabular`` reads back
    (the merged graph as the analysis sees it)."""
    doc = graph_document(store)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "nodes.csv", NODE_FIELDS, doc["nodes"])
    # Edges not counted are left out: read back as one source, they would be counted.
    _write_csv(out / "edges.csv", REL_FIELDS,
               [r for r in doc["relationships"] if r.get("counted", True)])


def export_json(store: Store, out: Path) -> None:
    with atomic_write(out) as handle:
        json.dump(graph_document(store), handle, indent=1, ensure_ascii=False)
        handle.write("\n")


def export_graphml(store: Store, out: Path) -> None:
    import networkx as nx

    graph = nx.MultiDiGraph()
    doc = graph_document(store)
    for record in doc["nodes"]:
        graph.add_node(record["id"], **{k: _cell(v) for k, v in record.items() if k != "id"})
    for record in doc["relationships"]:
        attrs = {k: _cell(v) for k, v in record.items() if k not in ("from", "to")}
        graph.add_edge(record["from"], record["to"], key=record["kind"], **attrs)
    with atomic_write(out, "wb") as handle:
        nx.write_graphml(graph, handle)


EXPORTERS: dict[str, Callable[[Store, Path], None]] = {
    "tabular": export_tabular, "json": export_json, "graphml": export_graphml,
}


def export_graph(store: Store, fmt: str, out: Path) -> None:
    EXPORTERS[fmt](store, Path(out))
