"""A reader sees the graph before or after a run, never between: for 20 s one process flips a
source between two disjoint graphs while this one reads, and every read must be one of them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.store import Store

sys.path.insert(0, str(Path(__file__).parent))
from flip_source import flip_graph  # noqa: E402

HELPER = Path(__file__).with_name("flip_source.py")
SIZE = 2_000
SECONDS = 20.0


def shape(nodes: object, edges: object) -> tuple[frozenset, frozenset]:
    return frozenset(nodes), frozenset(edges)  # type: ignore[arg-type]


@pytest.mark.slow
def test_reads_see_whole_runs_while_a_writer_flips_a_source(store: Store) -> None:
    whole = set()
    for prefix in ("a", "b"):
        batch = flip_graph(prefix, SIZE)
        whole.add(shape((n.id for n in batch.nodes),
                        ((r.from_id, r.to_id, r.kind.value) for r in batch.relationships)))
    store.apply(flip_graph("b", SIZE))
    writer = subprocess.Popen([sys.executable, str(HELPER), store.url, str(SIZE),
                               str(SECONDS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    torn, reads = [], 0
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().startswith("started"), writer.stderr
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline and writer.poll() is None:
            graph = store.read_graph()
            reads += 1
            seen = shape(graph.nodes, graph.edges(keys=True))
            if seen not in whole:
                torn.append((graph.number_of_nodes(), graph.number_of_edges()))
    finally:
        out, err = writer.communicate(timeout=120)
    runs = int(out.split()[-1]) if out.split() else 0
    assert writer.returncode == 0, err[-3000:]
    # At least one flip each way while reading (a loaded machine manages few in 20 s).
    assert runs >= 2 and reads >= 2, (runs, reads)
    assert torn == [], f"{len(torn)} of {reads} reads were torn (nodes, edges): {torn[:5]}"
