"""All-target SPOFs and one scenario on a graph of a million nodes held in arrays.

Run: ``python benchmarks/supplygen.py --nodes 1000000 GRAPH.npz`` (the graph, written
once), then ``python benchmarks/bench_million.py GRAPH.npz``.  Prints each step's wall
time and the process's peak resident memory so far (goals: SPOFs of every industry target,
and one scenario, each under 60 s and 8 GiB; the generator under a minute).

The scenario is a scenario file (``--scenario FILE``: disruptions only, blocks need the
capacity model's per-destination flows) or the full disruption of one country
(``--country ID``; default: the country the most relationships site or headquarter
something in); it prints the industry targets that lose the most capacity.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.arrays import KINDS, RELS, GraphArrays, indexed_rules  # noqa: E402
from analysis.capacity import CapacityModel  # noqa: E402
from analysis.capacity_arrays import ArrayCapacity  # noqa: E402
from analysis.scenario import load_scenario  # noqa: E402
from analysis.spof import spof_sets  # noqa: E402
from graph.errors import ChokepointError  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def largest_country(arrays: GraphArrays) -> str:
    """The country the most ``LOCATED_IN`` and ``HEADQUARTERED_IN`` relationships point to."""
    sited = np.isin(arrays.rel, [RELS.index("LOCATED_IN"), RELS.index("HEADQUARTERED_IN")])
    counts = np.bincount(arrays.dst[sited], minlength=arrays.nodes)
    counts[arrays.kind != KINDS.index("country")] = -1
    return arrays.ids[int(np.argmax(counts))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("graph", type=Path, help="an .npz file written by supplygen.py")
    parser.add_argument("--only", choices=("spof", "scenario"),
                        help="run one of the two steps (default: both)")
    parser.add_argument("--scenario", type=Path, help="a scenario file (disruptions only)")
    parser.add_argument("--country", help="disrupt this country fully (default: the largest)")
    parser.add_argument("--model", choices=("arrays", "networkx", "both"), default="arrays",
                        help="run the scenario on the capacity model in arrays (default), on "
                        "the one built from a NetworkX graph (for comparison; about 1 KiB per "
                        "relationship), or on both, printing the largest difference")
    parser.add_argument("--top", type=int, default=10, help="targets to list (default 10)")
    args = parser.parse_args()
    start = time.perf_counter()

    def step(label: str) -> None:
        print(f"{label:<60} {time.perf_counter() - start:7.1f} s  peak RSS "
              f"{peak_mib():7.0f} MiB", flush=True)

    arrays = GraphArrays.load(args.graph)
    step(f"load {arrays.nodes:,} nodes, {arrays.relationships:,} relationships")
    targets = arrays.industry_nodes()
    if args.only != "scenario":
        rules = indexed_rules(arrays)
        step("compile every node's rules and dependency order")
        sets = spof_sets(rules, targets)
        pairs = sum(len(sets[t]) - 1 for t in targets)
        step(f"SPOFs of {len(targets):,} industry targets ({pairs:,} pairs)")
        del rules, sets
    if args.only != "spof":
        try:
            scenario(arrays, targets, args, step)
        except ChokepointError as exc:
            sys.exit(f"error: {exc}")


def scenario(arrays: GraphArrays, targets: list[int], args: argparse.Namespace,
             step: Callable[[str], None]) -> None:
    if args.scenario:
        chosen = load_scenario(args.scenario)
        disruption, blocks, name = chosen.disruption_map(), chosen.blocks, chosen.name
    else:
        country = args.country or largest_country(arrays)
        disruption, blocks, name = {country: 1.0}, (), f"country {country} disrupted"
    if args.model != "networkx":
        model = ArrayCapacity(arrays)
        step(f"compile the capacity model in arrays ({len(model.stages):,} stages)")
        value = model.availability(disruption, blocks)
        step(f"scenario '{name}' on every node")
    if args.model != "arrays":
        graph = arrays.to_graph()
        step("the graph in NetworkX")
        networkx_model = CapacityModel.from_graph(graph)
        del graph
        step("compile the capacity model from NetworkX")
        found = networkx_model.availability(disruption, blocks)
        step(f"scenario '{name}' on the capacity model")
        before = np.array([found[node] for node in arrays.ids])
        if args.model == "both":
            print(f"  largest difference, node by node: {np.max(np.abs(value - before)):.3g}")
        value = before
    loss = 1.0 - value[targets]
    low, median, high = np.percentile(loss, [10, 50, 90]) if len(loss) else (0.0,) * 3
    print(f"  {int((loss > 1e-9).sum()):,} of {len(targets):,} industry targets lose capacity; "
          f"mean loss {loss.mean() if len(loss) else 0.0:.4f}, 10/50/90th percentile "
          f"{low:.4f} / {median:.4f} / {high:.4f}")
    for i in np.argsort(-loss, kind="stable")[:args.top].tolist():
        print(f"  {arrays.ids[targets[i]]:<24} capacity loss {loss[i]:.4f}")


if __name__ == "__main__":
    main()
