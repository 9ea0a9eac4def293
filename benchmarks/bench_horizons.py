"""Time benchmark: chokepoints and SPOFs at several horizons against one, on one graph.

    .venv/bin/python benchmarks/bench_horizons.py [--nodes 100000] [--horizons 0,3,6,12,24]

The synthetic graph of ``benchmarks/supplygen.py`` gets time fields on a share of its edges
(deterministic): buffers on 10 % of ``REQUIRES`` edges (3, 6 or 12 months), lead times on 5 %
of ``SUPPLIED_BY`` edges (6 or 12 months) and surge shares on another 3 %.  The models at
later horizons share the compiled model of the first; a removal is propagated again only
where it reaches a node whose inputs change with time.  Run it once with ``--horizons 0`` and
once with five horizons and compare the "analysis" lines (and the whole processes).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.capacity import CapacityModel  # noqa: E402
from analysis.chokepoints import chokepoints  # noqa: E402
from analysis.horizon import capacity_at, parse_horizons  # noqa: E402
from analysis.semantics import default_targets  # noqa: E402
from analysis.spof import single_points_of_failure  # noqa: E402
from analysis.structure import compile_structure  # noqa: E402
from analysis.timeline import chokepoints_over_time, spofs_over_time  # noqa: E402
from benchmarks.supplygen import supply_graph  # noqa: E402


def add_time_fields(graph: nx.MultiDiGraph, seed: int) -> dict[str, int]:
    """Buffers, lead times and surge shares on a deterministic share of the edges."""
    rng = random.Random(seed)
    counts = {"buffer_months": 0, "lead_time_months": 0, "surge_share": 0}
    for _, _, kind, data in sorted(graph.edges(keys=True, data=True),
                                   key=lambda e: (e[0], e[1], e[2])):
        draw = rng.random()
        if kind == "REQUIRES" and draw < 0.10:
            data["buffer_months"] = rng.choice((3, 6, 12))
            counts["buffer_months"] += 1
        elif kind == "SUPPLIED_BY" and draw < 0.05:
            data["lead_time_months"] = rng.choice((6, 12))
            counts["lead_time_months"] += 1
        elif kind == "SUPPLIED_BY" and draw < 0.08:
            data["lead_time_months"] = rng.choice((6, 12))
            data["surge_share"] = min(1.0, (data.get("share") or 0.0) + 0.3)
            counts["surge_share"] += 1
    return counts


def _timed(label: str, work: Any) -> Any:
    start = time.perf_counter()
    result = work()
    print(f"{label:<52} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--horizons", default="0,3,6,12,24")
    parser.add_argument("--only", choices=("chokepoints", "spof", "both"), default="both")
    args = parser.parse_args()
    horizons = parse_horizons(args.horizons)
    graph = _timed("generate graph", lambda: supply_graph(args.nodes, seed=args.seed))
    counts = add_time_fields(graph, args.seed)
    print(f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges, "
          f"time fields: {counts}")
    start = time.perf_counter()
    model = _timed("compile capacity model", lambda: CapacityModel.from_graph(graph))
    if args.only in ("chokepoints", "both"):
        if len(horizons) == 1:
            ranked = _timed(f"chokepoints at {args.horizons}", lambda: chokepoints(
                graph, top=20, model=capacity_at(model, horizons[0])))
            print(f"  top: {[c.id for c in ranked[:5]]}")
        else:
            timeline = _timed(f"chokepoints at {args.horizons}",
                              lambda: chokepoints_over_time(graph, None, horizons, model=model))
            print(f"  top at each: {[[c.id for c in r[:3]] for r in timeline.rankings]}")
    if args.only in ("spof", "both"):
        if len(horizons) == 1:
            found = _timed(f"SPOFs at {args.horizons}", lambda: single_points_of_failure(
                compile_structure(capacity_at(model, horizons[0]).supply),
                default_targets(graph)))
            print(f"  pairs: {sum(map(len, found.values()))}")
        else:
            every = _timed(f"SPOFs at {args.horizons}",
                           lambda: spofs_over_time(graph, None, horizons, model.supply))
            print(f"  pairs at each: {[sum(map(len, f.values())) for f in every]}")
    print(f"{'analysis (compile + the above)':<52} {time.perf_counter() - start:8.2f} s")


if __name__ == "__main__":
    main()
