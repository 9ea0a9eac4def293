"""Choose and open a store from a URL."""

from __future__ import annotations

import os
from pathlib import Path

from graph.errors import ConfigError
from graph.store import Store
from graph.urls import redact_url

__all__ = ["open_store", "default_store_path", "configured_store_url"]

STORE_ENV = "CHOKEPOINT_STORE"


def default_store_path() -> Path:
    """``$CHOKEPOINT_HOME/graph.db``, else ``$XDG_DATA_HOME/chokepoint/graph.db``."""
    home = os.environ.get("CHOKEPOINT_HOME")
    if home:
        return Path(home) / "graph.db"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "chokepoint" / "graph.db"


def configured_store_url(url: str | None = None) -> str | None:
    """The explicit URL, else ``$CHOKEPOINT_STORE``, else ``None`` (the embedded default)."""
    return url or os.environ.get(STORE_ENV) or None


def open_store(url: str | None = None) -> Store:
    """Open the store named by ``url`` (a path, ``sqlite:///path``, ``neo4j://``, ``bolt://``).

    With no URL, the embedded SQLite store at :func:`default_store_path`.  Neo4j credentials
    come from ``NEO4J_USER`` / ``NEO4J_PASSWORD`` and are never printed.
    """
    url = configured_store_url(url)
    if url is None:
        from graph.sqlite_store import SQLiteStore

        return SQLiteStore(default_store_path())
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"):
        from graph.neo4j_store import Neo4jStore

        return Neo4jStore.from_url(url)
    if scheme == "sqlite":
        # sqlite:///tmp/g.db names /tmp/g.db; sqlite:////tmp/g.db is read the same way.
        path = url.split("://", 1)[1]
        return _sqlite("/" + path.lstrip("/") if path.startswith("/") else path, url)
    if scheme:
        raise ConfigError(f"unknown store URL scheme {scheme!r} in {redact_url(url)!r}; use a file "
                          "path, sqlite:///path, neo4j://host:port or bolt://host:port")
    return _sqlite(url, url)


def _sqlite(path: str, url: str) -> Store:
    from graph.sqlite_store import SQLiteStore

    if not path:
        raise ConfigError(f"store URL {url!r} names no file; use sqlite:///path/to/graph.db")
    return SQLiteStore(Path(path).expanduser())
