"""App benchmark: how fast each page answers on a 50,000-node graph, after its first load.

    .venv/bin/python benchmarks/bench_app.py [--nodes 50000] [--seed 7] [--store PATH]

Builds a synthetic supply graph (the layered generator of ``bench_capacity.py``), writes it
into a SQLite store as one ingest run, then drives every page with Streamlit's ``AppTest``:
the first load (which fills the caches), a plain rerun, and the page's main interaction.
Caches are shared by every session of a server process, as they are here.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from graph.model import Batch, Node, NodeKind, Relationship, RelKind  # noqa: E402
from graph.sqlite_store import SQLiteStore  # noqa: E402

APP = ROOT / "ui" / "app.py"
BUDGET_S = 3.0


def synthetic_graph(nodes: int, seed: int) -> nx.MultiDiGraph:
    # The layered generator's ids are valid store ids (supplygen's countries are not ISO-like).
    from bench_capacity import layered_supply_graph

    return layered_supply_graph(nodes, seed)


def as_batch(graph: nx.MultiDiGraph) -> Batch:
    keep = ("share", "group", "min_required")
    nodes = [Node(n, NodeKind(a["kind"]), str(a.get("name", n)))
             for n, a in graph.nodes(data=True)]
    rels = [Relationship(u, v, RelKind(k), **{f: d[f] for f in keep if d.get(f) is not None})
            for u, v, k, d in graph.edges(keys=True, data=True)]
    return Batch("synthetic", nodes, rels, origin="benchmarks/bench_app.py")


def fill_store(path: Path, nodes: int, seed: int) -> None:
    with SQLiteStore(path) as store:
        if not store.is_empty():
            print(f"reusing {path}")
            return
        start = time.perf_counter()
        graph = synthetic_graph(nodes, seed)
        store.apply(as_batch(graph))
        print(f"wrote {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges "
              f"to {path} in {time.perf_counter() - start:.1f} s")


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def interactions(store: SQLiteStore) -> dict[str, Callable]:  # type: ignore[type-arg]
    """Each page's main interaction, on an AppTest that has loaded the page.  Three of them
    ask for a new analysis, not a cached one: another perspective (overview), another
    target (chokepoints), another scenario (scenarios)."""
    nodes = store.nodes()
    chip = next(n.id for n in nodes if n.kind == NodeKind.CHIP)
    country = next(n.id for n in nodes if n.kind == NodeKind.COUNTRY)
    other = [n.id for n in nodes if n.kind == NodeKind.COUNTRY][1]
    industry = next(n.id for n in nodes if n.kind == NodeKind.INDUSTRY)
    return {
        "overview": lambda at: at.selectbox(key="perspective").select(other).run(),
        "explore": lambda at: at.selectbox(key="node").set_value(chip).run(),
        "chokepoints": lambda at: at.selectbox(key="target").select(industry).run(),
        "scenarios": lambda at: (at.multiselect(key="disrupt").select(country),
                                 at.button[0].click().run()),
        "reports": lambda at: at.number_input(key="r_top").set_value(10).run(),
        "data": lambda at: at.run(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", type=Path, help="SQLite file to use (kept; reused if full)")
    args = parser.parse_args()
    path = args.store or Path(tempfile.mkdtemp(prefix="bench-app-")) / "graph.db"
    fill_store(path, args.nodes, args.seed)
    os.environ["CHOKEPOINT_STORE"] = str(path)
    from streamlit.testing.v1 import AppTest

    with SQLiteStore(path) as store:
        actions = interactions(store)
    print(f"{'page':<12} {'first load':>11} {'rerun':>8} {'interaction':>12}")
    worst = 0.0
    for page, action in actions.items():
        at = AppTest.from_file(str(APP), default_timeout=1800)

        def first(at=at, page=page) -> None:
            at.switch_page(f"views/{page}.py").run()

        load = timed(first)
        rerun = timed(at.run)
        acted = timed(lambda at=at, action=action: action(at))
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        worst = max(worst, rerun, acted)
        print(f"{page:<12} {load:10.2f}s {rerun:7.2f}s {acted:11.2f}s", flush=True)
    verdict = "within" if worst < BUDGET_S else "OVER"
    print(f"slowest answer after first load: {worst:.2f} s ({verdict} the {BUDGET_S:.0f} s budget)")


if __name__ == "__main__":
    main()
