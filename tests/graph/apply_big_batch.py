"""Apply a big batch to a store, for the kill-atomicity test (not collected by pytest).

    python tests/graph/apply_big_batch.py STORE_URL NODES

Writes NODES component nodes, every fourth one LOCATED_IN ``TW`` (which the store must already
hold), as source ``bulk``, then prints ``done``.  With ``CHOKEPOINT_TEST_PAUSE_AFTER_ROWS=N``
set, the store's writer is wrapped: once N rows have been written inside the run's transaction
it prints ``paused``, flushes and blocks on stdin, so that the parent can SIGKILL it at a
moment that is certainly mid-transaction (a kill racing the commit would make the test flaky).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.open import open_store

PAUSE_ENV = "CHOKEPOINT_TEST_PAUSE_AFTER_ROWS"


def big_batch(count: int) -> Batch:
    nodes = [Node(f"bulk-{i:07d}", NodeKind.COMPONENT, f"Bulk component {i}",
                  attributes={"i": i}) for i in range(count)]
    rels = [Relationship(n.id, "TW", RelKind.LOCATED_IN, share=1.0) for n in nodes[::4]]
    return Batch("bulk", nodes, rels)


class PauseAfter:
    """Counts written rows; at the threshold, announces it and waits to be killed."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.written = 0

    def count(self, rows: int) -> None:
        before, self.written = self.written, self.written + rows
        if before < self.threshold <= self.written:
            print(f"paused {self.written}", flush=True)
            sys.stdin.readline()

    def rows(self, rows: Iterable[Any]) -> Iterator[Any]:
        for row in rows:
            yield row
            self.count(1)


def install_pause(store: Any, pause: PauseAfter) -> None:
    """Wrap the store's lowest write step: Neo4j's batch sender, SQLite's executemany."""
    from graph import neo4j_store

    if isinstance(store, neo4j_store.Neo4jStore):
        original = neo4j_store._send

        def send(tx: Any, query: str, batches: Any, to_row: Any) -> Any:
            results = []
            for batch in batches:
                results += original(tx, query, [batch], to_row)
                results[-1].consume()  # the rows are in the open transaction, not just sent
                pause.count(len(batch))
            return results

        neo4j_store._send = send  # type: ignore[assignment]
        return
    original_plan = store._write_plan

    class Cursor:
        def __init__(self, cur: Any) -> None:
            self.cur = cur

        def executemany(self, sql: str, rows: Iterable[Any]) -> Any:
            return self.cur.executemany(sql, pause.rows(rows))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.cur, name)

    store._write_plan = lambda cur, plan: original_plan(Cursor(cur), plan)


def main(url: str, count: int) -> None:
    store = open_store(url)
    threshold = os.environ.get(PAUSE_ENV)
    if threshold:
        install_pause(store, PauseAfter(int(threshold)))
    result = store.apply(big_batch(count))
    store.close()
    print(f"done {result.counts.added}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
