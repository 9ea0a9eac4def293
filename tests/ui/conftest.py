"""Fixtures for the app tests: a store with the seeds plus hostile node names, the app under
AppTest, and (for ``browser`` tests) a real server and Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.sqlite_store import SQLiteStore
from ui.context import load_seeds

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
IMG = "<img src=x onerror=alert(1)>"
HREF = '<a href="javascript:alert(2)">href</a>'
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def _root_skip_or_fail(config: pytest.Config, reason: str) -> None:
    """``skip_or_fail`` of tests/conftest.py (skip locally, fail in CI), reached through the
    plugin manager: both conftest modules are named ``conftest``, so neither imports the
    other."""
    root = config.pluginmanager.get_plugin(str(Path(__file__).resolve().parents[1]
                                               / "conftest.py"))
    root.skip_or_fail(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def hostile_names() -> dict[str, str]:
    """Node id → the hostile name it carries in the app's store."""
    return {"xss-industry": IMG, "xss-href": HREF}


def hostile_batch() -> Batch:
    """An industry named like an XSS payload, needing a model whose name contains ``href``
    (which flips pyvis into innerHTML tooltips), which runs on the seeds' H100."""
    nodes = [Node("xss-industry", NodeKind.INDUSTRY, IMG, description=IMG),
             Node("xss-href", NodeKind.MODEL, HREF)]
    rels = [Relationship("xss-industry", "xss-href", RelKind.REQUIRES),
            Relationship("xss-href", "nvidia-h100", RelKind.REQUIRES, role="runs_on")]
    return Batch("hostile", nodes, rels)


@pytest.fixture(scope="session")
def app_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store with the seeds and the hostile names, shared by the session."""
    path = tmp_path_factory.mktemp("app-store") / "graph.db"
    with SQLiteStore(path) as store:
        load_seeds(store)
        store.apply(hostile_batch())
        store.apply(disagreeing_batch())
    return str(path)


def disagreeing_batch() -> Batch:
    """A low-priority source that describes the seeds' H100 otherwise, in hostile words: one
    conflict, which the seeds win."""
    return Batch("survey", [Node("nvidia-h100", NodeKind.CHIP, "NVIDIA H100", description=IMG)],
                 [], priority=1)


@pytest.fixture
def app_env(app_store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CHOKEPOINT_STORE", app_store_url)
    monkeypatch.delenv("CHOKEPOINT_APP_ALLOW_INGEST", raising=False)
    return app_store_url


@pytest.fixture
def app(app_env: str):
    """A fresh AppTest of the entry script on the shared store (not yet run)."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=180)


# -- real browser -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, pytestconfig):
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _root_skip_or_fail(pytestconfig, f"no Chromium at {CHROMIUM}: apt-get install -y chromium "
                     "(or set CHROMIUM_PATH)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1440, "height": 1000}}


_EXTERNAL = re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/])")


@pytest.fixture
def page(page):
    """pytest-playwright's page, with every request off this machine refused (no CDN
    waits) and any dialog recorded (an XSS payload would open one)."""
    page.context.route(_EXTERNAL, lambda route: route.abort())
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    return page


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited ({proc.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"streamlit not healthy after {timeout} s:\n{log.read_text()}")


@contextmanager
def serve(store_url: str, log_dir: Path, **extra_env: str) -> Iterator[str]:
    """The app served by a real Streamlit server on ``store_url``; yields its URL."""
    port = _free_port()
    log = log_dir / "server.log"
    env = {**os.environ, "CHOKEPOINT_STORE": store_url, **extra_env}
    if "CHOKEPOINT_APP_ALLOW_INGEST" not in extra_env:
        env.pop("CHOKEPOINT_APP_ALLOW_INGEST", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
             "--client.toolbarMode", "viewer"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url + "/_stcore/health", proc, log, timeout=90)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def app_url(app_store_url: str, tmp_path_factory: pytest.TempPathFactory):
    """The app served by a real Streamlit server on the shared store."""
    with serve(app_store_url, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture(scope="session")
def empty_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store with nothing in it."""
    path = tmp_path_factory.mktemp("empty-store") / "graph.db"
    SQLiteStore(path).close()
    return str(path)


LONG_NAME = ("Very long supplier name " * 420)[:10_000]


@pytest.fixture(scope="session")
def long_name_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The seeds plus an industry, a chip and its sole supplier, each named with 10,000
    characters."""
    path = tmp_path_factory.mktemp("long-store") / "graph.db"
    nodes = [Node("long-industry", NodeKind.INDUSTRY, LONG_NAME),
             Node("long-chip", NodeKind.CHIP, LONG_NAME),
             Node("long-fab", NodeKind.SUPPLIER, LONG_NAME)]
    rels = [Relationship("long-industry", "long-chip", RelKind.REQUIRES),
            Relationship("long-chip", "long-fab", RelKind.SUPPLIED_BY, share=1.0),
            Relationship("long-fab", "TW", RelKind.LOCATED_IN, share=1.0)]
    with SQLiteStore(path) as store:
        load_seeds(store)
        store.apply(Batch("long", nodes, rels))
    return str(path)


BIG_COMPONENTS, BIG_SUPPLIERS = 1_600, 390


@pytest.fixture(scope="session")
def big_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The seeds plus a chip whose upstream at depth 3 holds about 2,000 nodes: 1,600
    components from 390 suppliers sited in the seeds' countries."""
    path = tmp_path_factory.mktemp("big-store") / "graph.db"
    places = ["TW", "US", "JP", "KR", "NL", "CN", "DE"]
    nodes = [Node("big-chip", NodeKind.CHIP, "Big chip"),
             Node("big-industry", NodeKind.INDUSTRY, "Big industry")]
    rels = [Relationship("big-industry", "big-chip", RelKind.REQUIRES)]
    for s in range(BIG_SUPPLIERS):
        nodes.append(Node(f"big-s{s}", NodeKind.SUPPLIER, f"Supplier number {s}"))
        rels.append(Relationship(f"big-s{s}", places[s % len(places)], RelKind.LOCATED_IN,
                                 share=1.0))
    for c in range(BIG_COMPONENTS):
        nodes.append(Node(f"big-c{c}", NodeKind.COMPONENT, f"Component number {c}"))
        rels += [Relationship("big-chip", f"big-c{c}", RelKind.REQUIRES),
                 Relationship(f"big-c{c}", f"big-s{c % BIG_SUPPLIERS}", RelKind.SUPPLIED_BY,
                              share=1.0)]
    with SQLiteStore(path) as store:
        load_seeds(store)
        store.apply(Batch("big", nodes, rels))
    return str(path)
