"""Shared fixtures: stores, the third-party data folder, the CLI runner.

In CI (``CI=true``) what would be a skip for a missing Neo4j server or a missing
``../shared/data`` is a failure: those tests are required there.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CHOKEPOINT_SHARED_DATA", REPO.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail in CI, where every test is required to run."""
    if IN_CI:
        pytest.fail(f"required in CI but cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def compiled_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Compiled graphs the tests keep go to a folder of this session (the environment, so
    the commands and app servers the tests start use it too), never the user's cache."""
    folder = Path(os.environ.get("CHOKEPOINT_CACHE_DIR") or
                  tmp_path_factory.mktemp("cache") / "chokepoint")
    os.environ["CHOKEPOINT_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The third-party datasets (never copied into the repository)."""
    if not SHARED_DATA.is_dir():
        skip_or_fail(f"third-party data folder {SHARED_DATA} is absent (a fresh clone has no "
                     "../shared/data; set CHOKEPOINT_SHARED_DATA to point at it)")
    return SHARED_DATA


@pytest.fixture
def sqlite_store(tmp_path: Path):
    store = SQLiteStore(tmp_path / "graph.db")
    yield store
    store.close()


# -- Neo4j ------------------------------------------------------------------------------------
NEO4J_SH = REPO / "tools" / "neo4j" / "neo4j.sh"


def _start_requested() -> bool:
    return IN_CI or os.environ.get("CHOKEPOINT_START_NEO4J", "") == "1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def neo4j_url(tmp_path_factory: pytest.TempPathFactory):
    """A Bolt URL: ``$NEO4J_URI``, else a server started by ``tools/neo4j/neo4j.sh`` for this
    session (when ``CHOKEPOINT_START_NEO4J=1`` or in CI), else the test is skipped."""
    url = os.environ.get("NEO4J_URI")
    if url:
        yield url
        return
    if not _start_requested():
        skip_or_fail("no Neo4j server: set NEO4J_URI=bolt://host:port, or "
                     "CHOKEPOINT_START_NEO4J=1 to start one with tools/neo4j/neo4j.sh")
    home = tmp_path_factory.mktemp("neo4j")
    started = subprocess.run(
        ["bash", str(NEO4J_SH), "start", "--port", str(_free_port()), "--dir", str(home)],
        capture_output=True, text=True, timeout=600, check=False)
    if started.returncode != 0:
        skip_or_fail(f"tools/neo4j/neo4j.sh start failed (exit {started.returncode}):\n"
                     f"{started.stderr[-3000:]}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(NEO4J_SH), "stop", "--dir", str(home)],
                       capture_output=True, timeout=120, check=False)


@pytest.fixture
def neo4j_store(neo4j_url: str):
    """An empty Neo4j store (cleared before each test)."""
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore.from_url(neo4j_url)
    store.clear()
    yield store
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest):
    """Each store implementation in turn, empty: the contract tests run on both."""
    return request.getfixturevalue(f"{request.param}_store")
