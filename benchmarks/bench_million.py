"""All-target SPOFs on a graph of a million nodes held in arrays.

Run: ``python benchmarks/supplygen.py --nodes 1000000 GRAPH.npz`` (the graph, written
once), then ``python benchmarks/bench_million.py GRAPH.npz``.  Prints each step's wall
time and the process's peak resident memory so far (goal: SPOFs of every industry target
under 60 s and 8 GiB, the generator under a minute).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.arrays import GraphArrays, indexed_rules  # noqa: E402
from analysis.spof import spof_sets  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("graph", type=Path, help="an .npz file written by supplygen.py")
    args = parser.parse_args()
    start = time.perf_counter()

    def step(label: str) -> None:
        print(f"{label:<52} {time.perf_counter() - start:7.1f} s  peak RSS "
              f"{peak_mib():7.0f} MiB", flush=True)

    arrays = GraphArrays.load(args.graph)
    step(f"load {arrays.nodes:,} nodes, {arrays.relationships:,} relationships")
    rules = indexed_rules(arrays)
    step("compile every node's rules and dependency order")
    targets = arrays.industry_nodes()
    sets = spof_sets(rules, targets)
    pairs = sum(len(sets[t]) - 1 for t in targets)
    step(f"SPOFs of {len(targets):,} industry targets ({pairs:,} pairs)")


if __name__ == "__main__":
    main()
