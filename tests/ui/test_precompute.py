"""The commands that write data keep the analyses the app's first page shows (``--precompute``,
the default), and the app's first load then reads them: it neither reads the graph nor
computes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graph.sqlite_store import SQLiteStore
from graph.store import Store
from ui import app_results
from ui.cli import cli


def chokepoint(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", url, *args], catch_exceptions=False)


SEED_COUNTRIES = {"CN", "JP", "KR", "NL", "TW", "US"}
"""Some of the seeds' countries: every one has its perspective kept."""


def kept_names(store: Store) -> dict[str, bool]:
    version = app_results.version_of(store)
    names = ["summary", "chokepoints", "losses", "assumptions", "spofs", "importance",
             "concentration", "inputs:10", "conflicts", "gaps", "perspective-items",
             *(f"perspective-of:{c}" for c in sorted(SEED_COUNTRIES))]
    return {n: store.kept_result(app_results.key(n), version) is not None for n in names}


def test_seed_keeps_the_first_page_analyses_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    result = chokepoint(str(path), "seed")
    assert result.exit_code == 0, result.output
    assert "Kept the app's first-page analyses" in result.stderr
    with SQLiteStore(path) as store:
        assert all(kept_names(store).values()), kept_names(store)
        facts = app_results.read(store, app_results.version_of(store), "summary")
        stats = store.stats()
    assert facts["nodes"] == stats["nodes"]
    assert facts["relationships"] == sum(stats["relationships"].values())
    countries = [c for c, _ in facts["countries"]]
    assert SEED_COUNTRIES < set(countries)
    names = app_results._precomputed_names(facts)
    assert {f"perspective-of:{c}" for c in countries} < set(names)


def test_every_countrys_kept_perspective_is_the_one_computed(tmp_path: Path) -> None:
    """Each country's perspective, kept at once for all of them, reads back as the table
    computing that perspective alone gives, in the same order."""
    from analysis.capacity import CapacityModel

    path = tmp_path / "graph.db"
    assert chokepoint(str(path), "seed").exit_code == 0
    with SQLiteStore(path) as store:
        version = app_results.version_of(store)
        graph = store.read_graph()
        model = CapacityModel.from_graph(graph)
        countries = [c for c, _ in app_results.summary(graph)["countries"]]
        for country in countries:
            kept = app_results.kept_perspective(store, version, country)
            computed = app_results.perspective_frame(graph, model, [country])
            assert kept is not None and len(kept) > 50
            assert kept["id"].tolist() == computed["id"].tolist()
            assert kept.equals(computed), country
        assert app_results.kept_perspective(store, version, "nowhere") is None
        assert app_results.precompute(store) == app_results._precomputed_names(
            app_results.summary(graph))  # all kept already: nothing redone


def test_an_unreadable_kept_perspective_is_computed_again(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    assert chokepoint(str(path), "seed").exit_code == 0
    with SQLiteStore(path) as store:
        version = app_results.version_of(store)
        app_results.keep(store, version, "perspective-of:TW", {"domestic_share": "%%%"})
        assert app_results.kept_perspective(store, version, "TW") is None
        graph = store.read_graph()
        from analysis.capacity import CapacityModel

        frame = app_results.country_perspective(
            store, version, "TW", lambda: (graph, CapacityModel.from_graph(graph)),
            [c for c, _ in app_results.summary(graph)["countries"]])
        assert frame.equals(app_results.kept_perspective(store, version, "TW"))


def test_no_precompute_keeps_nothing(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    result = chokepoint(str(path), "seed", "--no-precompute")
    assert result.exit_code == 0, result.output
    assert "first-page analyses" not in result.stderr
    with SQLiteStore(path) as store:
        assert not any(kept_names(store).values())


def test_an_ingest_keeps_them_for_its_own_run_and_json_output_stays_json(
        tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    assert chokepoint(str(path), "seed", "--no-precompute").exit_code == 0
    document = {"nodes": [{"id": "x-chip", "kind": "chip", "name": "X chip"},
                          {"id": "x-maker", "kind": "supplier", "name": "X maker"}],
                "edges": [{"from": "x-chip", "to": "x-maker", "kind": "supplied_by"}]}
    (tmp_path / "x.json").write_text(json.dumps(document), encoding="utf-8")
    result = chokepoint(str(path), "ingest", "tabular", str(tmp_path / "x.json"),
                        "--format", "json")
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    with SQLiteStore(path) as store:
        assert app_results.version_of(store) == run["run_id"]
        assert all(kept_names(store).values()), kept_names(store)
    dry = chokepoint(str(path), "ingest", "tabular", str(tmp_path / "x.json"), "--dry-run")
    assert "first-page analyses" not in dry.stderr


def test_jobs_run_keeps_them_after_a_run(store: Store, tmp_path: Path) -> None:
    document = {"nodes": [{"id": "cn-auto", "kind": "industry", "name": "CN automotive"},
                          {"id": "chip-x", "kind": "chip", "name": "Chip X"},
                          {"id": "fab-a", "kind": "supplier", "name": "Fab A"}],
                "edges": [{"from": "cn-auto", "to": "chip-x", "kind": "requires"},
                          {"from": "chip-x", "to": "fab-a", "kind": "supplied_by"}]}
    (tmp_path / "good.json").write_text(json.dumps(document), encoding="utf-8")
    jobs = tmp_path / "jobs.toml"
    jobs.write_text('[[source]]\nname = "good"\nreader = "tabular"\nlocation = "good.json"\n',
                    encoding="utf-8")
    args = ["jobs", "run", "--config", str(jobs), "--state-dir", str(tmp_path / "state")]
    result = chokepoint(store.url, *args, "--no-precompute")
    assert result.exit_code == 0, result.output
    version = app_results.version_of(store)
    assert store.kept_result(app_results.key("chokepoints"), version) is None
    result = chokepoint(store.url, *args)
    assert result.exit_code == 0, result.output
    assert "Kept the app's first-page analyses" in result.stderr
    version = app_results.version_of(store)
    ranking = app_results.read(store, version, "chokepoints", frame=True)
    assert ranking is not None and set(ranking["id"]) == {"chip-x", "fab-a"}
    assert app_results.read(store, version, "spofs") == {"cn-auto": ["chip-x", "fab-a"]}


def forbidden(*args: object, **kwargs: object) -> None:
    # an Exception, not pytest.fail: the app shows it as an error, which overview() checks
    raise AssertionError("the app read the graph or recomputed a kept result")


@pytest.fixture
def precomputed(tmp_path: Path) -> Path:
    path = tmp_path / "graph.db"
    assert chokepoint(str(path), "seed").exit_code == 0
    return path


def overview(path: Path, monkeypatch: pytest.MonkeyPatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP

    monkeypatch.setenv("CHOKEPOINT_STORE", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(str(APP), default_timeout=180)
    app.run()
    assert not app.exception, app.exception
    assert not app.error, app.error
    return app


def test_the_app_reads_them_without_reading_the_graph(precomputed: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept by the ingest, the Overview's first load reads the graph not once, and shows
    the same tables as an app that computes them itself."""
    import streamlit as st

    plain = tmp_path / "plain.db"
    assert chokepoint(str(plain), "seed", "--no-precompute").exit_code == 0
    try:
        computed = overview(plain, monkeypatch)
        with SQLiteStore(plain) as store:  # the first perspective shown kept every country's
            assert all(kept_names(store)[f"perspective-of:{c}"] for c in SEED_COUNTRIES)
        with monkeypatch.context() as patch:
            patch.setattr(Store, "read_graph", forbidden)
            patch.setattr("analysis.chokepoints.chokepoints", forbidden)
            read_back = overview(precomputed, monkeypatch)
        assert len(read_back.dataframe) == len(computed.dataframe) == 2
        for mine, theirs in zip(read_back.dataframe, computed.dataframe, strict=True):
            assert mine.value.equals(theirs.value)
        assert [m.value for m in read_back.metric] == [m.value for m in computed.metric]
        assert read_back.selectbox(key="perspective").options == \
            computed.selectbox(key="perspective").options
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_another_country_reads_its_kept_perspective(precomputed: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """After the ingest, choosing any other country on the Overview reads that country's kept
    perspective: the graph is neither read nor loaded from the compiled cache, nothing is
    compiled and no perspective is computed."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP

    monkeypatch.setenv("CHOKEPOINT_STORE", str(precomputed))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        with monkeypatch.context() as patch:
            for name in ("graph.store.Store.read_graph", "ui.compiled_cache.load_graph",
                         "ui.compiled_cache.load_models", "ui.compiled_cache.compile_graph",
                         "analysis.concentration.perspectives", "ui.app_results._seen_from"):
                patch.setattr(name, forbidden)
            app = AppTest.from_file(str(APP), default_timeout=180)
            app.run()
            assert not app.exception and not app.error, (app.exception, app.error)
            shown = {}
            for country in ("TW", "JP", "NL"):
                app.selectbox(key="perspective").select(country).run()
                assert not app.exception and not app.error, (app.exception, app.error)
                shown[country] = {m.label: m.value for m in app.metric}
        with SQLiteStore(precomputed) as store:
            graph = store.read_graph()
        from analysis.concentration import perspective
        from ui.text import pct

        for country, metrics in shown.items():
            seen = perspective(graph, [country])
            assert metrics["items"] == f"{len(seen):,}"
            mean = sum(p.self_sufficiency for p in seen) / len(seen)
            assert metrics["mean self-sufficiency"] == pct(mean), country
        assert shown["TW"] != shown["NL"]
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_a_chosen_industry_is_ranked_from_the_kept_losses(
        precomputed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The losses of every removal for every industry are kept by the ingest: ranking one
    industry, or a country's industries, removes nothing again and does not look for the
    assumption relationships again, and gives the table an app computing it gives."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP

    plain = tmp_path / "plain.db"
    assert chokepoint(str(plain), "seed", "--no-precompute").exit_code == 0

    def ranked(path: Path, target: str) -> object:
        monkeypatch.setenv("CHOKEPOINT_STORE", str(path))
        st.cache_data.clear()
        st.cache_resource.clear()
        app = AppTest.from_file(str(APP), default_timeout=180)
        app.query_params["target"] = target
        app.run()
        app.switch_page("views/chokepoints.py").run()
        assert not app.exception, app.exception
        assert not app.error, app.error
        return app.dataframe[0].value

    try:
        for target in ("cn-automotive", "country:CN"):
            computed = ranked(plain, target)
            with monkeypatch.context() as patch:
                patch.setattr("analysis.chokepoints.removal_losses", forbidden)
                patch.setattr("ui.app_results.assumptions", forbidden)
                read_back = ranked(precomputed, target)
            assert len(read_back) >= 1 and read_back.equals(computed), target
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_a_scenario_reads_the_kept_unmodelled_inputs(precomputed: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Which targets stand on items without modelled inputs is kept by the ingest: a
    scenario at month 0 reads it instead of walking every target's cone, and flags the same
    targets as incomplete as when it walks them."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP

    monkeypatch.setenv("CHOKEPOINT_STORE", str(precomputed))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        with monkeypatch.context() as patch:
            patch.setattr("analysis.coverage.incomplete", forbidden)
            app = AppTest.from_file(str(APP), default_timeout=180)
            app.query_params["disrupt"] = ["TW"]
            app.run()
            app.switch_page("views/scenarios.py").run()
            assert not app.exception, app.exception
            shown = app.dataframe[0].value
        plain = tmp_path / "plain.db"
        assert chokepoint(str(plain), "seed", "--no-precompute").exit_code == 0
        monkeypatch.setenv("CHOKEPOINT_STORE", str(plain))
        st.cache_data.clear()
        st.cache_resource.clear()
        walked = AppTest.from_file(str(APP), default_timeout=180)
        walked.query_params["disrupt"] = ["TW"]
        walked.run()
        walked.switch_page("views/scenarios.py").run()
        assert (shown["data"] == "incomplete").any()
        assert shown["data"].tolist() == walked.dataframe[0].value["data"].tolist()
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
