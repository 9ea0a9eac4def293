"""The app under AppTest: every page and its main interactions, with no exception."""

from __future__ import annotations

import pytest

PAGES = ["overview", "explore", "chokepoints", "scenarios", "reports", "data"]


def open_page(app, name: str, **params):
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    if name != "overview":
        app.switch_page(f"views/{name}.py").run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_without_an_error(app, name):
    open_page(app, name)
    assert not app.error


def frame_html(app) -> str:
    """The pyvis page inside the Explore iframe (AppTest has no typed accessor for it)."""
    frames = app.get("iframe")
    assert frames, "no iframe drawn"
    return frames[0].proto.srcdoc


def test_overview_takes_the_perspective_from_the_url(app):
    open_page(app, "overview", perspective="CN", allies=["JP"])
    assert app.selectbox(key="perspective").value == "CN"
    assert app.multiselect(key="allies").value == ["JP"]
    assert len(app.dataframe) == 2
    assert app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")


def test_overview_changes_perspective(app):
    open_page(app, "overview")
    app.selectbox(key="perspective").select("TW").run()
    assert not app.exception
    app.multiselect(key="allies").select("US").run()
    assert not app.exception


def test_explore_draws_the_node_from_the_url(app):
    open_page(app, "explore", node="nvidia-h100", depth="1", dir="upstream")
    assert app.selectbox(key="node").value == "nvidia-h100"
    page = frame_html(app)
    assert "nvidia-h100" in page and "vis-network" in page
    table = app.dataframe[0].value
    assert set(table["side"]) == {"centre", "upstream"}
    assert table["hops"].max() == 1


def test_explore_search_recentres_on_its_best_match(app):
    open_page(app, "explore")
    app.text_input(key="q").input("tsmc").run()
    options = app.selectbox(key="node").options
    assert app.selectbox(key="node").value == "tsmc"  # Enter in the box re-centres
    assert len(options) > 3 and all("tsmc" in o.lower() for o in options)
    assert '"centre": true' in frame_html(app) and "tsmc" in frame_html(app)
    app.selectbox(key="node").select("tsmc-arizona").run()
    assert app.selectbox(key="node").value == "tsmc-arizona"


def test_explore_filters_by_kind_and_country(app):
    open_page(app, "explore", node="nvidia-h100", depth="3", dir="upstream")
    app.multiselect(key="kinds").select("supplier").run()
    app.multiselect(key="countries").select("TW").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert set(table["kind"]) <= {"supplier", "chip"}
    assert "tsmc" in set(table["id"])


def test_explore_caps_a_large_neighbourhood_with_a_message(app):
    open_page(app, "explore", node="TW", depth="4", dir="downstream", cap="10")
    assert any("only the" in w.value for w in app.warning)
    assert len(app.dataframe[0].value) == 10


def test_explore_marks_spofs_of_the_centre(app):
    open_page(app, "explore", node="cn-automotive", depth="3", dir="upstream")
    table = app.dataframe[0].value
    assert table["SPOF of centre"].any()


def test_explore_escapes_hostile_names(app, hostile_names):
    open_page(app, "explore", node="xss-href", depth="2", dir="both")
    page = frame_html(app)
    for name in hostile_names.values():
        assert name not in page
    # a title containing "href" switches pyvis to innerHTML tooltips: titles are escaped then
    # (the page embeds them through Jinja's tojson, which writes & as \u0026)
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page
    for element in [*app.markdown, *app.caption, *app.warning, *app.info]:
        assert "<img" not in element.value and "<a href" not in element.value


def test_chokepoints_rank_and_explain(app):
    open_page(app, "chokepoints")
    table = app.dataframe[0].value
    assert list(table["rank"][:3]) == [1, 2, 3]
    # only the columns shown go to the browser; the path is the explanation below
    assert "why" not in table and "path" not in table and "name" in table
    assert table["capacity_loss"].is_monotonic_decreasing
    why = app.dataframe[1].value  # the top chokepoint's path, one step a row
    assert len(why) >= 1 and why["depends on"].iloc[-1] == table["name"].iloc[0]
    assert any("costs" in m.value for m in app.markdown)


@pytest.mark.parametrize("target", ["nvidia-h100", "deepseek-r1", "country:CN"])
def test_chokepoints_take_any_node_or_a_countrys_industries_as_target(app, target):
    open_page(app, "chokepoints", target=target, rank=["supplier", "country", "component"])
    assert app.selectbox(key="target").value == target
    table = app.dataframe[0].value
    assert len(table) > 0 and table["capacity_loss"].max() > 0
    assert set(table["kind"]) <= {"supplier", "country", "component"}


def test_chokepoints_per_target_from_the_url(app):
    open_page(app, "chokepoints", target="cn-automotive")
    assert app.selectbox(key="target").value == "cn-automotive"
    worst = app.dataframe[0].value["worst_target"].dropna().unique()
    assert len(worst) <= 1
    app.selectbox(key="target").select("all").run()
    assert not app.exception


def test_scenarios_build_run_keep_and_compare(app):
    open_page(app, "scenarios", months="12")  # the seeds' stocks cushion the first months
    app.multiselect(key="disrupt").select("TW")
    app.text_input(key="sc_name").input("Taiwan")
    app.button[0].click().run()          # the form's "Build and run"
    assert not app.exception
    assert "country: TW" in app.text_area(key="scenario_text").value
    impact = app.dataframe[0].value
    assert impact["capacity loss"].max() > 0
    keep = next(b for b in app.button if b.label.startswith("Keep"))
    keep.click().run()
    app.text_area(key="scenario_text").input(
        "name: Dutch tools\ndisrupt:\n  - {country: NL, severity: 0.5}\n").run()
    next(b for b in app.button if b.label == "Run").click().run()
    next(b for b in app.button if b.label.startswith("Keep")).click().run()
    assert not app.exception
    comparison = app.dataframe[-1].value
    assert {"first_capacity_loss", "second_capacity_loss"} <= set(comparison.columns)


def test_scenarios_from_a_shared_link_run_at_once(app):
    open_page(app, "scenarios", disrupt=["TW"], block_from=["US"], block_to=["CN"],
              months="12")
    assert "block:" in app.text_area(key="scenario_text").value
    assert app.dataframe[0].value["capacity loss"].max() > 0


def test_scenarios_ignore_nonsense_in_the_url(app):
    open_page(app, "scenarios", disrupt=["XX", "TW"], severity="7", suppliers="nobody")
    assert app.multiselect(key="disrupt").value == ["TW"]
    assert app.slider(key="severity").value == 1.0
    assert app.multiselect(key="suppliers").value == []


def test_explore_ignores_nonsense_in_the_url(app):
    open_page(app, "explore", node="no-such-node", depth="99", dir="sideways", cap="-3",
              kinds=["planet"])
    assert app.slider(key="depth").value == 2
    assert app.number_input(key="cap").value == 250
    assert app.multiselect(key="kinds").value == []
    assert app.selectbox(key="node").value.startswith("cn-")  # the first industry


def test_scenarios_show_bad_yaml_as_an_error(app):
    open_page(app, "scenarios")
    app.text_area(key="scenario_text").input("disrupt:\n  - {planet: Mars}\n").run()
    next(b for b in app.button if b.label == "Run").click().run()
    assert not app.exception
    assert app.error and "planet" in app.error[0].value


def test_reports_offer_every_format(app):
    open_page(app, "reports", r_perspective="CN")
    labels = [b.proto.label for b in app.get("download_button")]
    assert len(labels) == 6 and "PDF" in labels
    assert app.markdown  # the summary sentences


@pytest.mark.parametrize("fmt, start", [("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", b"PK"),
                                         ("html", b"<!"), ("json", b"{"), ("md", b"#")])
def test_report_downloads_render(app_env, fmt, start):
    from ui import app_state

    view = app_state.current()
    data = view.rendered(fmt, "r.zip" if fmt == "csv" else f"r.{fmt}", None, None, "CN", [],
                         5)()
    assert data.startswith(start)


def test_data_lists_sources_runs_and_coverage(app):
    open_page(app, "data")
    sources = app.dataframe[0].value
    assert {"seeds", "hostile"} <= set(sources["source"])
    runs = app.dataframe[1].value
    assert set(runs["status"]) == {"ok"}
    assert any("read-only" in i.value for i in app.info)


def test_data_lists_the_conflicts_between_sources_with_their_winner(app):
    open_page(app, "data")
    conflicts = next(d.value for d in app.dataframe if "winner" in d.value.columns)
    row = conflicts[conflicts["element"] == "nvidia-h100"].iloc[0]
    assert (row["property"], row["winner"]) == ("description", "seeds")
    assert row["winning value"].startswith("Hopper GH100") and "survey" in row["other sources"]
    assert any(m.label == "conflicts" and m.value == "1" for m in app.metric)


def test_data_offers_upload_only_when_allowed(app, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_APP_ALLOW_INGEST", "1")
    open_page(app, "data")
    assert app.selectbox[0].label == "Format"
    assert not any("read-only" in i.value for i in app.info)


def submit(app, label: str):
    next(b for b in app.button if b.label == label).click().run()
    assert not app.exception, app.exception


def test_data_upload_is_validated_like_the_cli(app, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_APP_ALLOW_INGEST", "1")
    open_page(app, "data")
    app.selectbox[0].select("tabular")
    app.file_uploader[0].set_value([
        ("nodes.csv", b"id,kind,name\nnew-chip,chip,New chip\n", "text/csv"),
        ("edges.csv", b"from,to,kind\nnew-chip,nowhere,REQUIRES\n", "text/csv")])
    submit(app, "Validate and ingest")
    assert app.error and "nowhere" in app.error[0].value


def test_data_upload_dry_run_reports_what_would_change(app, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_APP_ALLOW_INGEST", "1")
    open_page(app, "data")
    app.selectbox[0].select("tabular")
    document = b'{"nodes": [{"id": "new-chip", "kind": "chip", "name": "New chip"}], "edges": []}'
    app.file_uploader[0].set_value(("extra.json", document, "application/json"))
    submit(app, "Validate and ingest")
    assert any("1 added" in s.value and "dry run" in s.value for s in app.success)


def test_scenarios_load_an_uploaded_yaml(app):
    open_page(app, "scenarios", months="12")  # the seeds' stocks cushion the first months
    text = b"name: Korean memory\ndisrupt:\n  - {country: KR}\n"
    app.file_uploader[0].set_value(("kr.yaml", text, "application/x-yaml")).run()
    assert not app.exception
    assert "Korean memory" in app.text_area(key="scenario_text").value
    assert app.dataframe[0].value["capacity loss"].max() > 0


@pytest.mark.parametrize("name", PAGES)
def test_every_page_on_an_empty_store_says_so_and_how_to_fill_it(name, empty_store_url,
                                                                 monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP

    monkeypatch.setenv("CHOKEPOINT_STORE", empty_store_url)
    app = open_page(AppTest.from_file(str(APP), default_timeout=180), name)
    assert not app.error
    assert any("empty" in i.value and "chokepoint seed" in i.value for i in app.info)


def upload(app, monkeypatch, *files):
    monkeypatch.setenv("CHOKEPOINT_APP_ALLOW_INGEST", "1")
    open_page(app, "data")
    app.selectbox[0].select("tabular")
    app.file_uploader[0].set_value(list(files))
    submit(app, "Validate and ingest")
    assert app.error
    return app.error[0].value.replace("\\", "")  # Markdown escapes


def test_data_upload_of_nodes_csv_alone_explains_the_folder_format(app, monkeypatch):
    message = upload(app, monkeypatch, ("nodes.csv", b"id,kind,name\nx,chip,X\n", "text/csv"))
    assert "nodes.csv" in message and "edges.csv" in message
    assert "unsupported" not in message


def test_data_upload_errors_name_the_users_file_and_are_listed(app, monkeypatch, tmp_path,
                                                              app_store_url):
    import shutil

    shutil.copy(app_store_url, tmp_path / "graph.db")  # the refusal is recorded: not shared
    monkeypatch.setenv("CHOKEPOINT_STORE", str(tmp_path / "graph.db"))
    message = upload(app, monkeypatch,
                     ("my-chips.csv", b"id,kind,name\nnew-chip,rocket,New chip\n", "text/csv"))
    assert "my-chips.csv" in message and "chokepoint-upload-" not in message
    app.run()
    refused = [e.label for e in app.expander if "refused" in e.label]
    assert any("my-chips" in label.replace("\\", "") for label in refused), refused


def test_the_scenarios_url_names_a_loaded_example(app):
    open_page(app, "scenarios", disrupt=["KR"])
    assert app.query_params.get("disrupt") or app.session_state["disrupt"] == ["KR"]
    boxes = [s for s in app.selectbox if s.label.startswith("… or a bundled example")]
    boxes[0].select("taiwan-strait.yaml").run()
    next(b for b in app.button if b.label == "Load example").click().run()
    assert not app.exception
    shown = app.text_area(key="scenario_text").value
    assert "disrupt" not in app.query_params
    assert app.query_params["yaml"] in (shown, [shown])


def test_an_unexpected_failure_is_one_message_and_no_traceback(app, monkeypatch, caplog):
    import ui.app_state

    def broken(*args, **kwargs):
        raise KeyError("/srv/secret/path")

    monkeypatch.setattr(ui.app_state.results, "perspective_frame", broken)
    ui.app_state._perspective.clear()
    try:
        app.query_params["perspective"] = "CN"  # with an ally: computed, never kept
        app.query_params["allies"] = ["JP"]
        app.run()  # the Overview computes self-sufficiency
        assert not app.exception
        assert len(app.error) == 1 and "/srv/secret" not in app.error[0].value
        assert "/srv/secret/path" in caplog.text  # the detail is in the server's log
    finally:
        ui.app_state._perspective.clear()


def test_bidi_controls_are_removed_from_shown_names():
    from ui.app_state import shown

    assert shown("Fab\u202egpj.exe\u2066x\u2069\u200f") == "Fabgpj.exex"


def test_concentrated_inputs_are_items_with_ties_in_one_row():
    import pandas as pd

    from ui.app_state import grouped_inputs

    frame = pd.DataFrame([
        {"name": "Fab", "kind": "supplier", "top_country": "TW", "hhi_countries": 10_000.0,
         "top_country_share": 1.0, "capacity_loss": 0.9},
        {"name": "A", "kind": "chip", "top_country": "TW", "hhi_countries": 10_000.0,
         "top_country_share": 1.0, "capacity_loss": 0.5},
        {"name": "B", "kind": "component", "top_country": "TW", "hhi_countries": 10_000.0,
         "top_country_share": 1.0, "capacity_loss": 0.2},
        {"name": "C", "kind": "model", "top_country": "US", "hhi_countries": 10_000.0,
         "top_country_share": 1.0, "capacity_loss": 0.1},
        {"name": "D", "kind": "chip", "top_country": "KR", "hhi_countries": 5_000.0,
         "top_country_share": 0.5, "capacity_loss": 0.0}])
    out = grouped_inputs(frame, 2)
    assert out["name"].tolist() == ["A, B", "C"]
    assert out["capacity_loss"].tolist() == [0.5, 0.1]


def test_analysis_results_are_kept_in_the_store_per_data_version(app_store_url, tmp_path,
                                                                monkeypatch):
    """A second server process (caches empty) reads the results back instead of computing
    them, and gets the same tables; an ingest run drops them."""
    import shutil

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    import ui.app_state
    from graph.sqlite_store import SQLiteStore
    from tests.ui.conftest import APP

    path = tmp_path / "graph.db"
    shutil.copy(app_store_url, path)
    monkeypatch.setenv("CHOKEPOINT_STORE", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    first = open_page(AppTest.from_file(str(APP), default_timeout=180), "chokepoints")
    computed = first.dataframe[0].value
    with SQLiteStore(path) as store:
        version = next(r.run_id for r in store.runs() if r.status == "ok")
        kept = {k: store.kept_result(f"app:{k}:v{ui.app_state.RESULTS_FORMAT}", version)
                for k in ("chokepoints", "importance", "spofs", "concentration")}
    assert all(kept.values()), [k for k, v in kept.items() if not v]

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setattr("analysis.chokepoints.chokepoints",
                        lambda *a, **k: pytest.fail("recomputed"))
    again = open_page(AppTest.from_file(str(APP), default_timeout=180), "chokepoints")
    read_back = again.dataframe[0].value
    assert read_back.equals(computed)
    # the kept paths (lists, through the store) explain the top row the same way
    assert again.dataframe[1].value.equals(first.dataframe[1].value)

    with SQLiteStore(path) as store:
        from tests.ui.conftest import hostile_batch

        store.apply(hostile_batch())
        assert store.kept_result(f"app:chokepoints:v{ui.app_state.RESULTS_FORMAT}",
                                 version) is None
    st.cache_data.clear()
    st.cache_resource.clear()


def test_on_a_big_graph_items_are_ranked_only_when_asked(app_store_url, tmp_path, monkeypatch):
    import shutil

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    import ui.app_results
    from tests.ui.conftest import APP

    shutil.copy(app_store_url, tmp_path / "graph.db")
    monkeypatch.setenv("CHOKEPOINT_STORE", str(tmp_path / "graph.db"))
    monkeypatch.setattr(ui.app_results, "RANK_ALL_KINDS_NODES", 10)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        app = AppTest.from_file(str(APP), default_timeout=180)
        open_page(app, "explore", node="nvidia-h100", depth="1", dir="upstream")
        table = app.dataframe[0].value.set_index("id")
        assert table.loc["hbm3", "capacity loss"] == "not ranked"  # a component
        assert table.loc["tsmc", "capacity loss"].endswith("%") if "tsmc" in table.index \
            else True
        app = AppTest.from_file(str(APP), default_timeout=180)
        open_page(app, "chokepoints", rank=["component"])
        ranked = app.dataframe[0].value
        assert set(ranked["kind"]) == {"component"} and ranked["capacity_loss"].max() > 0
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_chokepoints_at_a_horizon_from_the_url(app):
    # The seeds hold about a year of installed tools: ASML costs nothing at once and is the
    # top chokepoint after twelve months.
    open_page(app, "chokepoints", months="12")
    assert app.select_slider(key="months").value == 12
    assert app.dataframe[0].value["name"].iloc[0] in {"Netherlands", "ASML"}
    app.select_slider(key="months").set_value(0).run()
    assert not app.exception
    assert "ASML" not in set(app.dataframe[0].value["name"])
    assert app.query_params.get("months") in ("0", ["0"])


def test_scenarios_run_at_the_horizon_of_the_url(app):
    open_page(app, "scenarios", disrupt=["TW"], months="12")
    assert app.select_slider(key="months").value == 12
    later = app.dataframe[0].value["capacity loss"].max()
    app.select_slider(key="months").set_value(0).run()
    assert not app.exception
    assert app.dataframe[0].value["capacity loss"].max() < later


def test_explore_rings_the_spofs_at_the_horizon_of_the_url(app):
    open_page(app, "explore", node="us-automotive", depth="6", dir="upstream", months="12")
    later = app.dataframe[0].value["SPOF of centre"].sum()
    app.select_slider(key="months").set_value(0).run()
    assert not app.exception
    assert app.dataframe[0].value["SPOF of centre"].sum() < later


def test_the_app_turns_off_streamlits_full_collection_after_every_run(app):
    """Streamlit's post-run `gc.collect(2)` walks every cached object: over a second per click
    with a 50,000-node graph held.  The app turns it off (Python's collector still runs)."""
    from streamlit import config

    config.set_option("runner.postScriptGC", True)
    open_page(app, "overview")
    assert config.get_option("runner.postScriptGC") is False


def test_downloads_cannot_run_as_spreadsheet_formulas():
    import pandas as pd

    from ui import app_state

    frame = pd.DataFrame({"name": ['=HYPERLINK("http://x","y")', "@SUM(A1)", "plain", "-2+3"],
                          "loss": [0.5, -0.25, 1.0, 0.0], "path": [["=a"], [], [], []]})
    text = app_state.safe_csv(frame)
    lines = text.splitlines()
    assert lines[1].startswith('"\'=HYPERLINK') and lines[2].startswith("'@SUM")
    assert lines[3].startswith("plain,1.0") and lines[4].startswith("'-2+3")
    assert ",-0.25," in lines[2]  # numbers stay numbers
    assert frame["name"][0].startswith("=")  # the page's own table is untouched


def test_the_data_page_lists_the_lowest_coverage_and_downloads_all(app):
    open_page(app, "data")
    table = app.dataframe[-1].value
    assert 0 < len(table) <= 1_000
    assert any(b.label == "Download coverage CSV" for b in app.get("download_button"))


def test_the_scenario_builder_offers_the_most_important_suppliers_and_any_from_the_link(
        app, monkeypatch):
    from ui import app_state

    monkeypatch.setattr(app_state, "SUPPLIER_CHOICES", 3)
    open_page(app, "scenarios")
    offered = app.multiselect(key="suppliers").options
    view = app_state.current()
    weight = view.importance()
    every = view.ids_of("supplier")
    assert len(every) > 3 and len(offered) == 3
    best = sorted(every, key=lambda s: (-weight.get(s, 0.0), s))[:3]
    assert [o.rsplit("(", 1)[1].rstrip(")") for o in offered] == best
    least = sorted(every, key=lambda s: (weight.get(s, 0.0), s))[0]
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP

    linked = open_page(AppTest.from_file(str(APP), default_timeout=180), "scenarios",
                       suppliers=[least])
    assert linked.multiselect(key="suppliers").value == [least]
    assert len(linked.multiselect(key="suppliers").options) == 4


def test_overview_counts_of_six_digits_fit_and_keep_the_exact_value(app, monkeypatch):
    from ui import app_state

    real = app_state.View.summary

    def bigger(self):
        facts = dict(real(self))
        return {**facts, "relationships": 250_346}

    monkeypatch.setattr(app_state.View, "summary", bigger)
    open_page(app, "overview")
    shown = {m.label: m for m in app.metric}
    assert shown["relationships"].value == "250k"
    assert shown["relationships"].help == "250,346"
    assert shown["chip"].value == f"{int(real(app_state.current()).get('nodes')['chip']):,}"


def test_the_data_page_tables_show_no_none(app):
    open_page(app, "data")
    for table in app.dataframe[:2]:  # sources, ingest runs
        frame = table.value
        assert not frame.isin([None, "None"]).any().any(), frame
