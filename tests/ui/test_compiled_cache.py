"""The graph and its compiled models, kept in a local file by the commands that write data and
loaded by the app: the same state as a fresh build, used by a new process, and ignored —
never an error — when stale, corrupt or not private."""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from analysis.capacity import _NODE_FIELDS
from graph.sqlite_store import SQLiteStore
from graph.store import Store
from ui import app_results, compiled_cache
from ui.cli import cli

REPO = Path(__file__).resolve().parents[2]


def chokepoint(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", url, *args], catch_exceptions=False)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test; every graph kept, however small (the seeds)."""
    folder = tmp_path / "cache" / "chokepoint"
    monkeypatch.setenv(compiled_cache.CACHE_ENV, str(folder))
    monkeypatch.setattr(compiled_cache, "MIN_NODES", 0)
    return folder


@pytest.fixture
def seeded(tmp_path: Path, cache: Path) -> Path:
    path = tmp_path / "graph.db"
    result = chokepoint(str(path), "seed")
    assert result.exit_code == 0, result.output
    assert "the compiled graph in" in result.stderr
    return path


def kept_file(path: Path) -> Path:
    with SQLiteStore(path) as store:
        found = compiled_cache.path_for(store)
    assert found is not None
    return found


def loaded(path: Path) -> compiled_cache.Compiled | None:
    with SQLiteStore(path) as store:
        return compiled_cache.load(store, app_results.version_of(store))


def assert_same_state(mine: compiled_cache.Compiled, theirs: compiled_cache.Compiled) -> None:
    assert list(mine.graph.nodes(data=True)) == list(theirs.graph.nodes(data=True))
    assert (list(mine.graph.edges(keys=True, data=True))
            == list(theirs.graph.edges(keys=True, data=True)))
    assert (list(mine.graph.in_edges(keys=True, data=True))
            == list(theirs.graph.in_edges(keys=True, data=True)))
    assert mine.supply == theirs.supply
    assert mine.structure.rules == theirs.structure.rules
    for name in (*_NODE_FIELDS, "ids", "index", "dependents", "component", "cyclic"):
        assert getattr(mine.capacity, name) == getattr(theirs.capacity, name), name


def test_the_kept_state_equals_a_fresh_build_and_is_private(seeded: Path, cache: Path) -> None:
    file = kept_file(seeded)
    assert file.parent == cache
    assert oct(file.stat().st_mode & 0o777) == oct(0o600)
    assert oct(cache.stat().st_mode & 0o777) == oct(0o700)
    state = loaded(seeded)
    assert state is not None
    with SQLiteStore(seeded) as store:
        fresh = compiled_cache.compile_graph(store.read_graph())
    assert_same_state(state, fresh)


def test_a_new_process_loads_what_the_ingest_kept_without_reading_the_store(
        seeded: Path, cache: Path) -> None:
    script = """
import sys
from graph.sqlite_store import SQLiteStore
from graph.store import Store
from ui import app_results, compiled_cache

def forbidden(*args, **kwargs):
    raise AssertionError("read the graph")

Store.read_graph = SQLiteStore.read_graph = forbidden
with SQLiteStore(sys.argv[1]) as store:
    state = compiled_cache.load(store, app_results.version_of(store))
    print(state.graph.number_of_nodes(), len(state.supply.nodes), len(state.capacity.ids))
"""
    env = {**os.environ, compiled_cache.CACHE_ENV: str(cache), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script, str(seeded)], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    with SQLiteStore(seeded) as store:
        count = store.read_graph().number_of_nodes()
    assert done.stdout.split() == [str(count)] * 3


def forbidden(*args: object, **kwargs: object) -> None:
    raise AssertionError("the app read or compiled the graph")


def open_page(path: Path, monkeypatch: pytest.MonkeyPatch, page: str = "explore") -> Any:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP

    monkeypatch.setenv("CHOKEPOINT_STORE", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(str(APP), default_timeout=180)
    app.switch_page(f"views/{page}.py")
    app.run()
    assert not app.exception, app.exception
    assert not app.error, app.error
    return app


def test_the_app_loads_the_kept_state_instead_of_reading_and_compiling(
        seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    try:
        with monkeypatch.context() as patch:
            patch.setattr(Store, "read_graph", forbidden)
            patch.setattr(SQLiteStore, "read_graph", forbidden)
            patch.setattr(compiled_cache, "compile_graph", forbidden)
            app = open_page(seeded, monkeypatch)  # the graph alone (an industry's SPOFs are kept)
            assert app.dataframe and len(app.dataframe[0].value) > 1
            open_page(seeded, monkeypatch, "data")  # the supply model too (coverage)
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_new_data_makes_the_file_stale_and_the_app_replaces_it(
        seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    import streamlit as st

    file = kept_file(seeded)
    document = {"nodes": [{"id": "x-chip", "kind": "chip", "name": "X chip"}], "edges": []}
    (tmp_path / "x.json").write_text(json.dumps(document), encoding="utf-8")
    result = chokepoint(str(seeded), "ingest", "tabular", str(tmp_path / "x.json"),
                        "--no-precompute")
    assert result.exit_code == 0, result.output
    with caplog.at_level(logging.WARNING, logger="chokepoint.cache"):
        assert loaded(seeded) is None
    assert "stale (version differ)" in caplog.text
    try:
        open_page(seeded, monkeypatch, "data")  # compiles the new version and keeps it
        app_results_version = app_results.version_of(SQLiteStore(seeded))
        state = loaded(seeded)
        assert state is not None and "x-chip" in state.graph
        assert json.loads(file.read_bytes().split(b"\n")[1])["version"] == app_results_version
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


@pytest.mark.parametrize("damage", ["truncated", "garbage", "not pickle", "no sizes"])
def test_a_damaged_file_is_ignored_and_the_app_rebuilds_it(
        seeded: Path, damage: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    import streamlit as st

    file = kept_file(seeded)
    content = file.read_bytes()
    magic, header, sizes, payload = content.split(b"\n", 3)
    file.write_bytes({"truncated": content[: len(content) - 1000],
                      "garbage": os.urandom(5000),
                      "not pickle": b"\n".join([magic, header, sizes, b"x" * len(payload)]),
                      "no sizes": b"\n".join([magic, header, payload])}[damage])
    with caplog.at_level(logging.WARNING, logger="chokepoint.cache"):
        assert loaded(seeded) is None
    assert "ignoring the compiled-graph cache" in caplog.text
    try:
        open_page(seeded, monkeypatch)  # no error on the page
        open_page(seeded, monkeypatch, "data")
        assert loaded(seeded) is not None  # written again
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_a_file_or_folder_others_can_write_is_never_unpickled(
        seeded: Path, cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    file = kept_file(seeded)
    with caplog.at_level(logging.WARNING, logger="chokepoint.cache"):
        file.chmod(0o644)
        assert loaded(seeded) is None
        file.chmod(0o600)
        assert loaded(seeded) is not None
        cache.chmod(0o777)
        assert loaded(seeded) is None
        cache.chmod(0o700)
        link = file.with_name("link")
        file.rename(link)
        file.symlink_to(link)
        assert loaded(seeded) is None
    assert "others may read or write it" in caplog.text
    assert "its directory is not this user's alone" in caplog.text


def test_other_code_makes_the_file_stale(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert loaded(seeded) is not None
    monkeypatch.setattr(compiled_cache, "_code_digest", lambda: "other code")
    assert loaded(seeded) is None


def test_off_keeps_nothing_and_small_graphs_are_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "graph.db"
    monkeypatch.setenv(compiled_cache.CACHE_ENV, "off")
    monkeypatch.setattr(compiled_cache, "MIN_NODES", 0)
    assert chokepoint(str(path), "seed").exit_code == 0
    with SQLiteStore(path) as store:
        assert compiled_cache.path_for(store) is None
    monkeypatch.setenv(compiled_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(compiled_cache, "MIN_NODES", 10**9)
    with SQLiteStore(path) as store:
        state = compiled_cache.compile_graph(store.read_graph())
        assert compiled_cache.save(store, app_results.version_of(store), state) is None
    assert not (tmp_path / "cache").exists()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_kept_objects_leave_the_collector_and_come_back_when_released() -> None:
    from graph.memory import keep_long_lived, release_long_lived

    was = gc.get_freeze_count()
    try:
        cycle = _Cycle()
        gone = weakref.ref(cycle)
        keep_long_lived()
        assert gc.get_freeze_count() > was
        del cycle
        gc.collect()
        assert gone() is not None  # set aside: a full pass does not look at it
        release_long_lived()
        assert gone() is None
    finally:
        gc.unfreeze()


def test_the_default_folder_is_a_private_one_under_the_users_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(compiled_cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert compiled_cache.cache_dir() == tmp_path / "xdg" / "chokepoint" / "compiled"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert compiled_cache.cache_dir() == tmp_path / "home" / ".cache" / "chokepoint" / "compiled"


def test_a_graph_that_leaves_the_apps_cache_is_collected(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set aside from the collector while kept, an older version's graph (held in a reference
    cycle with NetworkX's cached views) is still freed once newer data pushes it out."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP
    from ui import app_state

    path = tmp_path / "graph.db"
    monkeypatch.setenv(compiled_cache.CACHE_ENV, "off")
    assert chokepoint(str(path), "seed").exit_code == 0
    try:
        open_page(path, monkeypatch, "data")
        with SQLiteStore(path) as store:
            first = app_results.version_of(store)
        old = app_state._graph(str(path), first)
        assert old.edges is not None  # NetworkX caches the view, which holds the graph
        gone = weakref.ref(old)
        del old
        for n in range(2):  # two newer versions: the cache keeps two
            document = {"nodes": [{"id": f"x-{n}", "kind": "chip", "name": f"X {n}"}],
                        "edges": []}
            (tmp_path / "x.json").write_text(json.dumps(document), encoding="utf-8")
            assert chokepoint(str(path), "ingest", "tabular", str(tmp_path / "x.json"),
                              "--source", f"x{n}").exit_code == 0
            page = AppTest.from_file(str(APP), default_timeout=180)
            page.switch_page("views/data.py")
            page.run()
            assert not page.exception, page.exception
        assert app_state._dropped.is_set() or gone() is None
        page.run()  # the next run gives what was set aside back to the collector
        assert gone() is None
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_the_file_is_read_in_small_pieces_with_shared_objects_kept_shared(
        seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written a few entries at a time (so that loading never holds the interpreter for
    long), the state read back is the same, and objects referred to from several places are
    still one object."""
    import io
    import pickle

    monkeypatch.setattr(compiled_cache, "PIECE", 7)
    with SQLiteStore(seeded) as store:
        fresh = compiled_cache.compile_graph(store.read_graph())
    sizes = []

    class Counting(pickle.Unpickler):
        def load(self) -> Any:
            value = super().load()
            if isinstance(value, list):
                sizes.append(len(value))
            return value

    monkeypatch.setattr(compiled_cache.pickle, "Unpickler", Counting)
    graph = compiled_cache._Reader(io.BytesIO(compiled_cache._pieces(fresh.graph))).value()
    models = compiled_cache._Reader(io.BytesIO(compiled_cache._pieces(tuple(fresh)[1:]))).value()
    state = compiled_cache.Compiled(graph, *models)
    assert_same_state(state, fresh)
    assert graph._succ is graph._adj
    u, v, key = next(iter(graph.edges(keys=True)))
    assert graph._adj[u][v] is graph._pred[v][u]  # one record per relationship, as built
    assert state.structure.model is state.supply and state.capacity.supply is state.supply
    assert len(sizes) > 100 and max(sizes) <= 7  # many pieces, none bigger than asked
    with pytest.raises(ValueError, match="unknown piece"):
        compiled_cache._Reader(io.BytesIO(pickle.dumps((99, None)))).value()


def test_a_preload_is_handed_over_once_and_an_older_versions_is_dropped(
        seeded: Path) -> None:
    with SQLiteStore(seeded) as store:
        version = app_results.version_of(store)
        assert compiled_cache.preload(store, version)
        assert not compiled_cache.preload(store, version)  # under way already
        graph = compiled_cache.load_graph(store, version)  # waits for it
        assert graph is not None and graph.number_of_nodes() > 100
        again = compiled_cache.load_graph(store, version)  # taken: read from the file again
        assert again is not graph and list(again.edges) == list(graph.edges)
        models = compiled_cache.load_models(store, version)
        assert models is not None and models[0] is models[1].model
        assert not compiled_cache._preloads  # all handed over: nothing held
        assert compiled_cache.preload(store, version, ("models",))
        assert compiled_cache.preload(store, "another version")
        assert list(compiled_cache._preloads) == [(str(compiled_cache.path_for(store)),
                                                   "another version")]
        assert not compiled_cache.preload(store, "empty")
    compiled_cache._preloads.clear()


def test_the_app_loads_the_next_pages_graph_and_models_in_the_background(
        seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the Overview (which needs neither), the graph and models are loaded in the
    background; the next page takes them instead of reading the file itself."""
    import streamlit as st

    from ui import app_state

    started: list[tuple[str, tuple[str, ...]]] = []
    real_preload, real_load = compiled_cache.preload, compiled_cache._load
    loads: list[str] = []

    def preload(store: Store, version: str, parts: tuple[str, ...] = (),
                busy: Any = None) -> bool:
        started.append((version, parts))
        assert busy is not None and busy()  # called while the page is still being drawn
        return real_preload(store, version, parts, busy)

    def load(store: Store, version: str, part: str, between: Any = None) -> Any:
        loads.append(part)
        return real_load(store, version, part, between)

    monkeypatch.setattr(compiled_cache, "preload", preload)
    monkeypatch.setattr(compiled_cache, "_load", load)
    try:
        open_page(seeded, monkeypatch, "overview")
        assert [parts for _, parts in started] == [("graph", "models")]
        for part in ("graph", "models"):
            job = next(iter(compiled_cache._preloads.values()))
            assert job.done[part].wait(120)
        assert loads == ["graph", "models"]
        with monkeypatch.context() as patch:
            patch.setattr(Store, "read_graph", forbidden)
            patch.setattr(SQLiteStore, "read_graph", forbidden)
            patch.setattr(compiled_cache, "compile_graph", forbidden)
            app = open_page(seeded, monkeypatch, "data")  # graph and models: handed over
        assert app.title[0].value == "Data"
        assert loads == ["graph", "models"]  # not read again
        assert len(started) == 1  # once per data version
    finally:
        compiled_cache._preloads.clear()
        app_state._preloaded.clear()
        st.cache_data.clear()
        st.cache_resource.clear()


def test_a_preload_gives_way_to_pages_but_not_to_one_waiting_for_it(seeded: Path) -> None:
    import threading

    busy = threading.Event()
    busy.set()
    with SQLiteStore(seeded) as store:
        version = app_results.version_of(store)
        try:
            assert compiled_cache.preload(store, version, ("graph", "models"), busy.is_set)
            job = next(iter(compiled_cache._preloads.values()))
            assert not job.done["graph"].wait(0.5)  # a page is being drawn: it waits
            busy.clear()
            assert job.done["graph"].wait(120)  # the page is done: it goes on
            busy.set()
            models = compiled_cache.load_models(store, version)  # waited for: no waiting
            assert models is not None
        finally:
            compiled_cache._preloads.clear()


def test_a_very_big_file_is_not_loaded_ahead_of_need(seeded: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled_cache, "PRELOAD_MAX_BYTES", 1000)
    with SQLiteStore(seeded) as store:
        assert not compiled_cache.preload(store, app_results.version_of(store))
    assert not compiled_cache._preloads
