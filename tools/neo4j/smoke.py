"""Smoke test for a local Neo4j started by tools/neo4j/neo4j.sh.

    URI=$(tools/neo4j/neo4j.sh start --port 17687)
    NEO4J_URI=$URI .venv/bin/python tools/neo4j/smoke.py [ROWS ...]
    tools/neo4j/neo4j.sh stop --port 17687

Runs a Cypher query, creates a uniqueness constraint and UNWIND-inserts ROWS small nodes
(default 100000) in ONE transaction per ROWS value, printing the timings.
Reads NEO4J_URI (default bolt://127.0.0.1:7687), NEO4J_USER (neo4j), NEO4J_PASSWORD
(unset = no auth).
"""

import os
import sys
import time

from neo4j import GraphDatabase


def main() -> int:
    uri = os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687")
    pw = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USER", "neo4j"), pw) if pw else None
    sizes = [int(a) for a in sys.argv[1:]] or [100_000]

    with GraphDatabase.driver(uri, auth=auth) as driver:
        driver.verify_connectivity()
        rec, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name, versions[0] AS version, edition"
        )
        print(f"server: {rec[0]['name']} {rec[0]['version']} {rec[0]['edition']}")
        rec, _, _ = driver.execute_query("RETURN 1 + 1 AS two")
        assert rec[0]["two"] == 2

        with driver.session() as session:  # CALL ... IN TRANSACTIONS needs an auto-commit tx
            session.run("MATCH (n:Smoke) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()
        driver.execute_query(
            "CREATE CONSTRAINT smoke_id IF NOT EXISTS FOR (n:Smoke) REQUIRE n.id IS UNIQUE"
        )
        rec, _, _ = driver.execute_query(
            "SHOW CONSTRAINTS YIELD name, type WHERE name = 'smoke_id' RETURN type"
        )
        print(f"constraint smoke_id: {rec[0]['type']}")

        offset = 0
        for n in sizes:
            rows = [{"id": offset + i, "name": f"node-{offset + i}", "w": i % 97} for i in range(n)]
            offset += n
            t0 = time.perf_counter()
            with driver.session() as session:
                with session.begin_transaction() as tx:
                    res = tx.run(
                        "UNWIND $rows AS r CREATE (n:Smoke {id: r.id, name: r.name, w: r.w})",
                        rows=rows,
                    )
                    created = res.consume().counters.nodes_created
                    tx.commit()
            dt = time.perf_counter() - t0
            print(f"UNWIND-insert {n} nodes in one transaction: {dt:.2f} s "
                  f"({created / dt:,.0f} nodes/s)")
            assert created == n, (created, n)

        rec, _, _ = driver.execute_query("MATCH (n:Smoke) RETURN count(n) AS c")
        print(f"Smoke nodes now: {rec[0]['c']}")
        try:
            driver.execute_query("CREATE (:Smoke {id: 0})")
        except Exception as e:  # noqa: BLE001 - expected constraint violation
            print(f"uniqueness enforced: {type(e).__name__}")
        else:
            raise AssertionError("duplicate id accepted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
