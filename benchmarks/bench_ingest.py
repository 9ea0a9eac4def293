"""Ingest speed: one 100,000-node / 300,000-relationship run into SQLite and into Neo4j.

    .venv/bin/python benchmarks/bench_ingest.py                      # SQLite only
    .venv/bin/python benchmarks/bench_ingest.py --neo4j bolt://127.0.0.1:7687
    NEO4J_URI=bolt://127.0.0.1:7687 .venv/bin/python benchmarks/bench_ingest.py

Each store is measured in a child process of its own, so that its peak RSS is its own.
Rate = (nodes + relationships) / seconds of ``Store.apply`` (validation, planning and the one
write transaction).  For Neo4j it also compares, on a 2,000-row sample, one row per
transaction with one batched ``UNWIND $rows`` transaction.  Before the timed Neo4j run, one
untimed run of a graph a fifth the size warms the server up (``--warmup 0`` to skip): the first
runs after a server starts are slower while its JIT compiles.  Prints a table, then JSON.
Goals: SQLite >= 100,000 rows/s, Neo4j >= 20,000 rows/s.  WARNING: the Neo4j
run clears the database it is pointed at.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.store import Store

GOALS = {"sqlite": 100_000, "neo4j": 20_000}
SEED = 20240601

# How many nodes of each kind a 100,000-node graph has (roughly a real supply chain's mix).
KIND_SHARES = {
    NodeKind.COUNTRY: 0.002, NodeKind.SUPPLIER: 0.25, NodeKind.COMPONENT: 0.35,
    NodeKind.CHIP: 0.05, NodeKind.SOFTWARE: 0.12, NodeKind.MODEL: 0.12,
    NodeKind.DATASET: 0.06, NodeKind.INDUSTRY: 0.048,
}
# What each kind requires, by kind: chips need components, models need chips/software/data...
REQUIRES = {
    NodeKind.CHIP: (NodeKind.COMPONENT, NodeKind.SOFTWARE),
    NodeKind.COMPONENT: (NodeKind.COMPONENT,),
    NodeKind.SOFTWARE: (NodeKind.SOFTWARE, NodeKind.CHIP),
    NodeKind.MODEL: (NodeKind.CHIP, NodeKind.SOFTWARE, NodeKind.DATASET),
    NodeKind.INDUSTRY: (NodeKind.MODEL, NodeKind.SOFTWARE),
}


def synthetic_graph(nodes: int = 100_000, relationships: int = 300_000,
                    seed: int = SEED) -> Batch:
    """A deterministic random supply graph with exactly ``nodes`` and ``relationships``."""
    rng = random.Random(seed)
    by_kind = _synthetic_nodes(nodes, rng)
    rels: dict[tuple[str, str, str], Relationship] = {}
    countries = [n.id for n in by_kind[NodeKind.COUNTRY]]
    suppliers = [n.id for n in by_kind[NodeKind.SUPPLIER]]
    for supplier in suppliers:  # every supplier has a headquarters and one to three sites
        _add(rels, Relationship(supplier, rng.choice(countries), RelKind.HEADQUARTERED_IN))
        sites = rng.sample(countries, rng.randint(1, 3))
        for site in sites:
            _add(rels, Relationship(supplier, site, RelKind.LOCATED_IN,
                                    share=round(1 / len(sites) - 0.0005, 3)))
    items = [n for kind, ns in by_kind.items() if kind not in (NodeKind.COUNTRY,
                                                               NodeKind.SUPPLIER) for n in ns]
    for item in items:  # every item has one to three suppliers
        chosen = rng.sample(suppliers, rng.randint(1, 3))
        for supplier in chosen:
            _add(rels, Relationship(item.id, supplier, RelKind.SUPPLIED_BY,
                                    share=round(1 / len(chosen) - 0.0005, 3)))
    dependents = [n for n in items if n.kind in REQUIRES]
    while len(rels) < relationships:  # the rest are requirements, some in OR-groups
        item = rng.choice(dependents)
        target = rng.choice(by_kind[rng.choice(REQUIRES[item.kind])])
        if target.id != item.id:
            _add(rels, Relationship(item.id, target.id, RelKind.REQUIRES,
                                    role=rng.choice(("uses", "runs_on", "fabricated_with"))))
    chosen_rels = list(rels.values())[:relationships]
    return Batch("benchmark", [n for ns in by_kind.values() for n in ns], chosen_rels,
                 origin="synthetic")


def _synthetic_nodes(total: int, rng: random.Random) -> dict[NodeKind, list[Node]]:
    counts = {kind: max(2, int(total * share)) for kind, share in KIND_SHARES.items()}
    counts[NodeKind.COMPONENT] += total - sum(counts.values())
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = [a + b for a in letters for b in letters]
    by_kind: dict[NodeKind, list[Node]] = {}
    for kind, count in counts.items():
        if kind is NodeKind.COUNTRY:
            ids = codes[:count]
        else:
            ids = [f"{kind.value}-{i:06d}" for i in range(count)]
        by_kind[kind] = [
            Node(node_id, kind, f"{kind.value.title()} {node_id}",
                 failure_probability=round(rng.random() * 0.05, 4),
                 citation="https://example.org/synthetic", as_of="2024-06-01",
                 attributes={"rank": rng.randint(1, 1000)})
            for node_id in ids]
    return by_kind


def _add(rels: dict[tuple[str, str, str], Relationship], rel: Relationship) -> None:
    rels.setdefault(rel.key, rel)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_apply(store: Store, batch: Batch) -> dict[str, Any]:
    rows = len(batch.nodes) + len(batch.relationships)
    started = time.perf_counter()
    result = store.apply(batch)
    seconds = time.perf_counter() - started
    assert result.counts.added == rows, result.counts
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}


def bench_sqlite(batch: Batch) -> dict[str, Any]:
    from graph.sqlite_store import SQLiteStore

    with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp) / "bench.db") as store:
        return time_apply(store, batch)


def bench_neo4j(batch: Batch, url: str, sample: int, warmup: int) -> dict[str, Any]:
    from graph.neo4j_store import Neo4jStore

    with Neo4jStore.from_url(url) as store:
        store.clear()
        warmups = []
        for run in range(warmup):  # the server's JIT compiles its write paths on the first runs
            small = synthetic_graph(len(batch.nodes) // 5, len(batch.relationships) // 5,
                                    seed=SEED + 1 + run)
            warmups.append(time_apply(store, small)["rows_per_s"])
            store.clear()
        result = time_apply(store, batch)
        result["warmup_rows_per_s"] = warmups
        store.clear()
        suppliers = [n for n in batch.nodes if n.kind is NodeKind.SUPPLIER]
        result.update(compare_batching(store, suppliers[:sample]))
        store.clear()
    return result


def compare_batching(store: Any, nodes: list[Node]) -> dict[str, Any]:
    """Seconds to write ``nodes`` one per transaction, and all in one ``UNWIND`` batch."""
    from graph.neo4j_store import _UPDATE_NODES, _node_row

    rows = [_node_row(n.with_provenance(["benchmark"], "bench")) for n in nodes]
    query = _UPDATE_NODES[nodes[0].kind]
    assert all(n.kind is nodes[0].kind for n in nodes)

    def write(tx: Any, chunk: list[dict[str, Any]]) -> None:
        tx.run(query, rows=chunk).consume()

    with store.driver.session(database=store.database) as session:
        started = time.perf_counter()
        for row in rows:
            session.execute_write(write, [row])
        one_by_one = time.perf_counter() - started
        store.clear()
        started = time.perf_counter()
        session.execute_write(write, rows)
        batched = time.perf_counter() - started
    return {"sample_rows": len(rows),
            "one_per_tx_rows_per_s": round(len(rows) / one_by_one),
            "unwind_rows_per_s": round(len(rows) / batched),
            "unwind_speedup": round(one_by_one / batched, 1)}


def run_one(store: str, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    batch = synthetic_graph(args.nodes, args.relationships)
    generated = time.perf_counter() - started
    if store == "sqlite":
        result = bench_sqlite(batch)
    else:
        result = bench_neo4j(batch, args.neo4j, args.sample, args.warmup)
    return {"store": store, "generate_seconds": round(generated, 2), **result,
            "goal_rows_per_s": GOALS[store], "meets_goal": result["rows_per_s"] >= GOALS[store],
            "peak_rss_mb": round(peak_rss_mb())}


def print_table(results: list[dict[str, Any]]) -> None:
    print(f"{'store':<8}{'rows':>9}{'seconds':>9}{'rows/s':>10}{'goal':>9}{'ok':>5}"
          f"{'peak RSS MB':>13}")
    for r in results:
        print(f"{r['store']:<8}{r['rows']:>9,}{r['seconds']:>9.2f}{r['rows_per_s']:>10,}"
              f"{r['goal_rows_per_s']:>9,}{'yes' if r['meets_goal'] else 'NO':>5}"
              f"{r['peak_rss_mb']:>13,}")
    for r in results:
        if "unwind_speedup" in r:
            print(f"neo4j, {r['sample_rows']:,} rows: one row per transaction "
                  f"{r['one_per_tx_rows_per_s']:,} rows/s, batched UNWIND "
                  f"{r['unwind_rows_per_s']:,} rows/s ({r['unwind_speedup']}x)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neo4j", default=os.environ.get("NEO4J_URI"),
                        help="Bolt URL of a Neo4j to measure (it is cleared!); default $NEO4J_URI")
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--relationships", type=int, default=300_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--warmup", type=int, default=1, metavar="N",
                        help="Neo4j only: N untimed runs of a graph a fifth the size first "
                             "(default 1; 0 measures a server whose JIT is cold)")
    parser.add_argument("--only", choices=("sqlite", "neo4j"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.only:
        print(json.dumps(run_one(args.only, args)))
        return 0
    results = []
    for store in ("sqlite", "neo4j") if args.neo4j else ("sqlite",):
        child = subprocess.run([sys.executable, __file__, "--only", store, *(argv or sys.argv[1:])],
                               stdout=subprocess.PIPE, text=True, check=True)
        results.append(json.loads(child.stdout.splitlines()[-1]))
    print_table(results)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
