"""Test helper, run as a child process: apply source ``flip`` again and again, alternating
between two disjoint graphs, until its standard input closes or ``seconds`` pass.

Usage: python flip_source.py STORE_URL SIZE SECONDS
"""

from __future__ import annotations

import select
import sys
import time

from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.open import open_store


def flip_graph(prefix: str, size: int) -> Batch:
    """A chain of ``size`` components, ``prefix-0`` → ``prefix-1`` → …, each with a share."""
    nodes = [Node(f"{prefix}-{i}", NodeKind.COMPONENT, f"{prefix} {i}") for i in range(size)]
    rels = [Relationship(f"{prefix}-{i}", f"{prefix}-{i + 1}", RelKind.REQUIRES)
            for i in range(size - 1)]
    return Batch("flip", nodes, rels, origin="flip")


def main(url: str, size: int, seconds: float) -> None:
    graphs = [flip_graph("a", size), flip_graph("b", size)]
    deadline = time.monotonic() + seconds
    runs = 0
    with open_store(url) as store:
        print("started", flush=True)
        while time.monotonic() < deadline:
            if select.select([sys.stdin], [], [], 0)[0] and not sys.stdin.read(1):
                break
            runs += 1
            store.apply(graphs[runs % 2])
    print(f"runs {runs}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
