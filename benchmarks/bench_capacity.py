"""Capacity-side benchmark: chokepoint ranking and a scenario run on a large synthetic graph.

    .venv/bin/python benchmarks/bench_capacity.py [--nodes 100000] [--seed 7]
        [--uncertainty 1000 [--ranged 0.1]]

With ``--uncertainty N``, a share range of ±20 % is put on a ``--ranged`` fraction of the
listed supplier shares and ``N`` draws of the chokepoint ranking are timed (as
``chokepoint analyze chokepoints --uncertainty N``).

Uses ``benchmarks/supplygen.py`` when it provides ``supply_graph(nodes, seed)``; otherwise a
layered generator of its own: countries, suppliers (headquartered, some multi-sited), and
tiers of items (materials → tools → processes → chips → software → models → industries), each
supplied by 1–4 suppliers with listed shares and requiring 1–4 items of lower tiers, some as
alternatives (groups with min_required), plus a few back edges that make cycles.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.capacity import Block, CapacityModel  # noqa: E402
from analysis.chokepoints import chokepoints  # noqa: E402
from analysis.scenario import Disruption, Scenario, run_scenario  # noqa: E402
from analysis.semantics import default_targets  # noqa: E402
from analysis.uncertainty import chokepoint_uncertainty  # noqa: E402

TIERS = ("component", "component", "component", "chip", "software", "model")


def layered_supply_graph(nodes: int, seed: int) -> nx.MultiDiGraph:
    """A synthetic supply graph of about ``nodes`` nodes."""
    rng = random.Random(seed)
    graph = nx.MultiDiGraph()
    countries = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(40)]
    for country in countries:
        graph.add_node(country, kind="country", name=country)
    suppliers = [f"s{i}" for i in range(nodes // 5)]
    for supplier in suppliers:
        graph.add_node(supplier, kind="supplier", name=supplier)
        graph.add_edge(supplier, rng.choice(countries), "HEADQUARTERED_IN")
        if rng.random() < 0.2:
            for country in rng.sample(countries, 2):
                graph.add_edge(supplier, country, "LOCATED_IN", share=0.5)
    industries = max(10, nodes // 500)
    per_tier = (nodes - len(countries) - len(suppliers) - industries) // len(TIERS)
    tiers: list[list[str]] = []
    for level, kind in enumerate(TIERS):
        tier = [f"t{level}-{i}" for i in range(per_tier)]
        for item in tier:
            graph.add_node(item, kind=kind, name=item)
            for supplier, share in _split(rng, rng.sample(suppliers, rng.randint(1, 4))):
                graph.add_edge(item, supplier, "SUPPLIED_BY", share=share)
            if rng.random() < 0.1:
                graph.add_edge(item, rng.choice(countries), "LOCATED_IN")
            if tiers:
                _require(rng, graph, item, tiers)
        tiers.append(tier)
    for i in range(industries):
        industry = f"industry-{i}"
        graph.add_node(industry, kind="industry", name=industry)
        graph.add_edge(industry, rng.choice(countries), "HEADQUARTERED_IN")
        _require(rng, graph, industry, tiers)
    for high in rng.sample(tiers[1], per_tier // 100):  # a few cycles, e.g. recycled inputs
        for _, low, kind in list(graph.out_edges(high, keys=True)):
            if kind == "REQUIRES" and low in tiers[0]:
                graph.add_edge(low, high, "REQUIRES", group="recycled", min_required=1)
                break
    return graph


def _split(rng: random.Random, names: list[str]) -> list[tuple[str, float]]:
    weights = [rng.random() + 0.1 for _ in names]
    return [(n, w / sum(weights)) for n, w in zip(names, weights, strict=True)]


def _require(rng: random.Random, graph: nx.MultiDiGraph, item: str,
             tiers: list[list[str]]) -> None:
    for _ in range(rng.randint(1, 4)):
        tier = tiers[max(0, len(tiers) - 1 - int(rng.expovariate(1.0)))]
        if rng.random() < 0.3:
            group = f"g{rng.random():.6f}"
            for member in rng.sample(tier, 3):
                graph.add_edge(item, member, "REQUIRES", group=group, min_required=2)
        else:
            graph.add_edge(item, rng.choice(tier), "REQUIRES")


def _graph(nodes: int, seed: int) -> nx.MultiDiGraph:
    try:
        from benchmarks.supplygen import supply_graph  # type: ignore[import-not-found]
    except ImportError:
        return layered_supply_graph(nodes, seed)
    return supply_graph(nodes, seed=seed)


def _timed(label: str, work):  # type: ignore[no-untyped-def]
    start, cpu = time.perf_counter(), time.process_time()
    result = work()
    print(f"{label:<44} {time.perf_counter() - start:8.2f} s wall "
          f"{time.process_time() - cpu:8.2f} s CPU", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--uncertainty", default="", metavar="N[,N...]",
                        help="draw counts to time, e.g. 100,1000")
    parser.add_argument("--ranged", type=float, default=0.1)
    parser.add_argument("--skip-ranking", action="store_true",
                        help="only the uncertainty measurement")
    args = parser.parse_args()
    graph = _timed("generate graph", lambda: _graph(args.nodes, args.seed))
    if args.uncertainty:
        ranged = _add_ranges(graph, args.ranged, args.seed)
        print(f"{ranged:,} supplier shares with a ±20 % range")
    print(f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges")
    model = _timed("compile capacity model", lambda: CapacityModel.from_graph(graph))
    if args.uncertainty:
        _uncertainty(graph, model, [int(n) for n in args.uncertainty.split(",")])
        if args.skip_ranking:
            return
    countries = sorted(n for n, k in graph.nodes(data="kind") if k == "country")
    scenario = Scenario("bench", (Disruption("country", countries[0]),
                                  Disruption("country", countries[1], 0.5)),
                        (Block.of(countries[2:5], countries[5:8]),))
    result = _timed("scenario run (2 disruptions, 1 block)",
                    lambda: run_scenario(graph, scenario, model))
    print(f"  mean capacity loss over {len(result.targets)} targets: "
          f"{result.mean_capacity_loss:.3f}")
    ranked = _timed("chokepoints (suppliers and countries, all targets)",
                    lambda: chokepoints(graph, top=20, model=model))
    for c in ranked[:5]:
        print(f"  {c.id:<12} loss {c.capacity_loss:.3f}  SPOFs {c.spof_count}  "
              f"path {' > '.join(c.path)}")


def _add_ranges(graph: nx.MultiDiGraph, fraction: float, seed: int) -> int:
    rng = random.Random(seed)
    count = 0
    for _, _, kind, data in graph.edges(keys=True, data=True):
        if kind == "SUPPLIED_BY" and data.get("share") and rng.random() < fraction:
            share = data["share"]
            data["share_low"], data["share_high"] = 0.8 * share, min(1.0, 1.2 * share)
            count += 1
    return count


def _uncertainty(graph: nx.MultiDiGraph, model: CapacityModel, counts: list[int]) -> None:
    targets = default_targets(graph)
    pool = 40
    ranked = _timed("chokepoints, nominal (top 40 = the pool)",
                    lambda: chokepoints(graph, top=pool, model=model))
    found = {}
    for draws in counts:
        found = _timed(f"--uncertainty {draws} (k = 5, pool 40)",
                       lambda draws=draws: chokepoint_uncertainty(
                           graph, ranked, targets, draws, k=5, pool=pool, model=model))
    for c in ranked[:5]:
        conf = found[c.id]
        print(f"  {c.id:<12} loss {c.capacity_loss:.4f}  5-95% {conf.loss_interval[0]:.4f}-"
              f"{conf.loss_interval[1]:.4f}  P(top 5) {conf.p_top_k:.2f}")


if __name__ == "__main__":
    main()
