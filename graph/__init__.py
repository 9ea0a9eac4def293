"""The chokepoint graph: kinds, records, validation and the stores (SQLite and Neo4j)."""
