"""Choose and open a store from a URL."""

from __future__ import annotations

import os
from pathlib import Path

from graph.errors import ConfigError, NotFoundError
from graph.store import Store
from graph.urls import redact_url

__all__ = ["open_store", "default_store_path", "configured_store_url", "store_file",
           "StoreMissingError"]

STORE_ENV = "CHOKEPOINT_STORE"
NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


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


def open_store(url: str | None = None, *, create: bool = True) -> Store:
    """Open the store named by ``url`` (a path, ``sqlite:///path``, ``neo4j://``, ``bolt://``).

    With no URL, the embedded SQLite store at :func:`default_store_path`.  Neo4j credentials
    come from ``NEO4J_USER`` / ``NEO4J_PASSWORD`` and are never printed.  With ``create``
    false, an SQLite file that does not exist is a :class:`StoreMissingError` rather than a
    new, empty store.
    """
    url = configured_store_url(url)
    path = store_file(url)
    if path is None:
        from graph.neo4j_store import Neo4jStore

        return Neo4jStore.from_url(str(url))
    if not create and not path.exists():
        raise StoreMissingError(path)
    from graph.sqlite_store import SQLiteStore

    return SQLiteStore(path)


def store_file(url: str | None) -> Path | None:
    """The SQLite file a store URL names (``None``: the embedded default), or ``None`` for a
    Neo4j URL."""
    url = configured_store_url(url)
    if url is None:
        return default_store_path()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in NEO4J_SCHEMES:
        return None
    if scheme == "sqlite":
        # sqlite:///tmp/g.db names /tmp/g.db; sqlite:////tmp/g.db is read the same way.
        path = url.split("://", 1)[1]
        path = "/" + path.lstrip("/") if path.startswith("/") else path
    elif scheme:
        raise ConfigError(f"unknown store URL scheme {scheme!r} in {redact_url(url)!r}; use a "
                          "file path, sqlite:///path, neo4j://host:port or bolt://host:port")
    else:
        path = url
    if not path:
        raise ConfigError(f"store URL {url!r} names no file; use sqlite:///path/to/graph.db")
    return Path(path).expanduser()


class StoreMissingError(NotFoundError):
    """An SQLite store file that was to be read does not exist."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no store at {path}: the file does not exist")
        self.path = path
