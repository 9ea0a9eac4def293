"""Cached access to the store, the graph and the analysis results the pages show.

The store is opened once per process (``st.cache_resource``), keyed by its URL.  Everything
read from it is keyed by the URL *and* the newest successful ingest run, so new data shows
up on the next rerun without a restart.  Big shared objects (the graph, the compiled models)
live in ``st.cache_resource``; tables that pages show live in ``st.cache_data``.  Pages call
:func:`current` and ask the returned :class:`View` for what they need; nothing here reads a
widget inside a cached function.  Selections live in the URL (:func:`from_url`,
:func:`to_url`).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd
import streamlit as st

from analysis.capacity import CapacityModel
from analysis.chokepoints import DEFAULT_KINDS
from analysis.horizon import DEFAULT_HORIZONS, capacity_at, structure_at
from analysis.neighbourhood import Neighbourhood, neighbourhood
from analysis.semantics import SupplyModel, default_targets
from analysis.structure import SupplyStructure
from graph.errors import ChokepointError, InputError
from graph.memory import collector_paused, keep_long_lived, release_long_lived
from graph.open import STORE_ENV, configured_store_url
from graph.store import RunRecord, Store
from ui import app_results as results
from ui import compiled_cache
from ui.cli_app import INGEST_ENV, ingest_allowed
from ui.context import open_configured_store
from ui.text import pct, shown

if TYPE_CHECKING:  # loaded when a page first needs them: the server answers sooner
    from analysis.chokepoints import Chokepoint
    from analysis.report import Report
    from analysis.scenario import ScenarioResult

__all__ = ["View", "current", "from_url", "to_url", "show_error", "plain", "ingest_allowed",
           "seed_scenarios", "INGEST_ENV", "EMPTY_STORE", "shown", "pct", "points",
           "pct_column", "when", "dark_theme", "grouped_inputs", "INPUT_KINDS",
           "loss_text", "ALL_TARGETS", "target_choices", "show_why", "WHY_COLUMNS"]

MAX_PROBLEMS_SHOWN = 50
ALL_TARGETS = "all"
EMPTY_STORE = (
    "The store is empty: there is nothing to analyse yet. Fill it on the command line with "
    "`chokepoint seed` (the bundled AI supply-chain data) or `chokepoint ingest tabular "
    "FOLDER` (a folder holding `nodes.csv` and `edges.csv`); or, when the app was started "
    "with `CHOKEPOINT_APP_ALLOW_INGEST=1`, upload files on the **Data** page.")
PERCENT = "%.1f%%"


def dark_theme() -> bool:
    """Whether the browser shows the app in a dark theme."""
    try:
        return st.context.theme.type == "dark"
    except Exception:  # no browser session (tests, bare mode)
        return False


def points(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` with the share columns (0–1) as percentage points, for :func:`pct_column`."""
    return frame.assign(**{c: pd.to_numeric(frame[c], errors="coerce") * 100
                           for c in columns if c in frame})


def pct_column(label: str | None = None, *, bar: bool = False, **kwargs: Any) -> Any:
    """A table column of percentage points written like :func:`pct` (as a bar if ``bar``)."""
    if bar:
        return st.column_config.ProgressColumn(label, format=PERCENT, min_value=0.0,
                                               max_value=100.0, **kwargs)
    return st.column_config.NumberColumn(label, format=PERCENT, **kwargs)


INPUT_KINDS = results.INPUT_KINDS
grouped_inputs = results.grouped_inputs


def target_choices(view: View, query: str, current: str | None) -> list[str]:
    """Target choices: all industries, industries per country, then nodes of any kind
    matching ``query`` (and the current choice, so it stays selectable)."""
    options = [ALL_TARGETS, *view.target_groups()]
    if query.strip():
        options += view.search(query)["id"].tolist()
    else:
        options += view.targets()
    if current and current not in options and (current in view.graph
                                               or current in view.target_groups()):
        options.insert(1, current)
    return list(dict.fromkeys(options))


SUPPLIER_CHOICES = 500
"""At most this many suppliers are offered by the Scenarios builder (the most important)."""


def safe_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text in which no cell can run as a spreadsheet formula (text that
    starts with ``=``, ``+``, ``-``, ``@`` … gets a leading quote, as in the reports)."""
    from ui.reports.cells import neutralise

    cleaned = frame.copy()
    for column in cleaned.columns:
        if not pd.api.types.is_numeric_dtype(cleaned[column]):
            cleaned[column] = cleaned[column].map(neutralise).astype(object)
    return cleaned.to_csv(index=False)


WHY_COLUMNS: dict[str, Any] = {
    # pixel widths that add up to the page's width in a 1,440 px window
    "dependent": st.column_config.TextColumn(width=170),
    "depends on": st.column_config.TextColumn(width=170),
    "relationship": st.column_config.TextColumn(width=115),
    "share": st.column_config.TextColumn(width=65,
                                         help="the supplier's or place's share of the item"),
    "citation": st.column_config.TextColumn(width=360),
    "as of": st.column_config.TextColumn(width=75)}
# Fields a chokepoint may carry beyond its loss, shown when present: persistence over
# horizons, the assumptions it rests on, its margin and interval.
EXTRA_WHY = {"horizons": "over time", "persistence": "persistence", "assumptions":
             "rests on assumptions", "assumption_flags": "rests on assumptions",
             "margin": "margin", "interval": "interval", "low": "low", "high": "high"}


def show_why(view: View, chokepoint: Mapping[str, Any], targets: Sequence[str] | None) -> None:
    """A chokepoint's explanation: its numbers in words, the path carrying the loss with the
    shares along it and their citations, and any extra fields the analysis gave it."""
    loss = chokepoint.get("capacity_loss")
    words = [f"Removing **{plain(chokepoint['name'])}** ({plain(chokepoint.get('kind', ''))}) "
             f"costs {pct(loss)} of capacity on average over "
             + ("every industry" if not targets else
                plain(view.name(targets[0])) if len(targets) == 1 else
                f"{len(targets)} targets") + "."]
    if chokepoint.get("targets_affected"):
        words.append(f"It hurts {int(chokepoint['targets_affected']):,} target(s); the worst "
                     f"loses {pct(chokepoint.get('max_loss'))}.")
    if chokepoint.get("spof_count"):
        words.append(f"It is a single point of failure of {int(chokepoint['spof_count']):,} "
                     "target(s).")
    if chokepoint.get("rests_on_assumptions"):
        words.append("It **rests on assumptions**: without the relationships marked as "
                     "modelling assumptions its loss is "
                     f"{pct(chokepoint.get('facts_only_loss'))}.")
    elif chokepoint.get("facts_only_loss") is not None:
        words.append("It holds on facts alone: without the relationships marked as "
                     f"modelling assumptions its loss is {pct(chokepoint['facts_only_loss'])}.")
    if chokepoint.get("by_region"):
        words.append(f"Loss by region: {plain(chokepoint['by_region'])}.")
    st.markdown(" ".join(words))
    extra = {label: chokepoint[key] for key, label in EXTRA_WHY.items()
             if chokepoint.get(key) not in (None, "", [], {})}
    if extra:
        st.json(extra, expanded=False)
    path = chokepoint.get("path")
    ids = list(path) if isinstance(path, list | tuple) else []
    if not ids and chokepoint.get("worst_target_id"):
        ids = view.path_to(str(chokepoint["worst_target_id"]), str(chokepoint["id"]))
    if len(ids) < 2:
        st.caption("No dependency path to show (the node is the target itself).")
        return
    st.caption("The path that carries the loss, from the target hurt most down to the node: "
               + " → ".join(plain(view.name(n)) for n in ids))
    st.dataframe(view.explain(ids), hide_index=True, column_config=WHY_COLUMNS)


def loss_text(importance: Mapping[str, float], node: str) -> str:
    """A node's capacity loss as shown in tables: a percentage, or ``not ranked`` for a node
    no industry depends on."""
    return pct(importance[node]) if node in importance else "not ranked"


def when(stamp: str | None, *, date_only: bool = False) -> str:
    """An ISO timestamp as people read it, in the browser's time zone when known:
    ``1 Dec 2026, 21:40`` (or ``1 Dec 2026``)."""
    if not stamp:
        return ""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    zone_name = None
    try:
        zone_name = st.context.timezone
    except Exception:  # no browser session (tests, bare mode)
        zone_name = None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    label = "UTC"
    if zone_name:
        try:
            moment, label = moment.astimezone(ZoneInfo(zone_name)), ""
        except (KeyError, ValueError, OSError):
            moment = moment.astimezone(UTC)
    else:
        moment = moment.astimezone(UTC)
    day = f"{moment.day} {moment:%b %Y}"
    if date_only:
        return day
    return f"{day}, {moment:%H:%M}" + (f" {label}" if label else "")
Targets = tuple[str, ...] | None


# -- cached loads (module-level so every session shares them) ---------------------------------
@st.cache_resource(show_spinner=False)
def _store(url: str | None) -> Store:
    return open_configured_store(url)


_dropped = threading.Event()
"""Set when a data version's graph or models left the cache (see :func:`current`)."""


def _released(_: object) -> None:
    _dropped.set()


# Both loads first look in the local cache file the ingest (or an earlier server) wrote for
# this data version (:mod:`ui.compiled_cache`): at 50,000 nodes loading the graph takes about
# half the time reading it does, and loading the models a third of compiling them.  What is
# loaded or built is then set aside from the garbage collector's later passes
# (:func:`graph.memory.keep_long_lived`), which would otherwise scan it again and again.
@st.cache_resource(show_spinner="Reading the graph…", max_entries=2, on_release=_released)
def _graph(url: str | None, version: str) -> nx.MultiDiGraph:
    _asked.add((url, version, compiled_cache.GRAPH))
    store = _store(url)
    with collector_paused():  # paused throughout: no pass between the steps either
        graph = compiled_cache.load_graph(store, version)
        if graph is None:
            graph = store.read_graph()
        keep_long_lived()
    return graph


@st.cache_resource(show_spinner="Compiling the supply model…", max_entries=2,
                   on_release=_released)
def _compiled(url: str | None, version: str
              ) -> tuple[SupplyModel, SupplyStructure, CapacityModel]:
    _asked.add((url, version, compiled_cache.MODELS))
    store = _store(url)
    with collector_paused():
        models = compiled_cache.load_models(store, version)
        if models is None:
            compiled = compiled_cache.compile_graph(_graph(url, version))
            compiled_cache.save(store, version, compiled)
            models = compiled.supply, compiled.structure, compiled.capacity
        keep_long_lived()
    return models


_asked: set[tuple[str | None, str, str]] = set()
"""(store, version, part) the caches above have asked the compiled-graph file for."""


def preload(view: View) -> None:
    """Load the graph and the models of ``view``'s data version in the background, from the
    file the ingest kept (big graphs only), unless a page has asked for them already: the
    first page that needs them (Explore, a new target, a scenario) then finds them loaded
    instead of waiting one to three seconds at 50,000 nodes.  Call it after a page is
    drawn; once per data version and process it starts a thread, otherwise it costs nothing."""
    if view.is_empty:
        return
    key = (view.url, view.version)
    with _preload_lock:
        if key in _preloaded:
            return
        _preloaded.add(key)
    parts = tuple(p for p in (compiled_cache.GRAPH, compiled_cache.MODELS)
                  if (*key, p) not in _asked)
    compiled_cache.preload(_store(view.url), view.version, parts,
                           busy=lambda: _pages_running > 0)


_preloaded: set[tuple[str | None, str]] = set()
_preload_lock = threading.Lock()
_pages_running = 0


@contextmanager
def page_running() -> Iterator[None]:
    """Around a page's script run: the background load waits between its pieces while any
    page is being drawn, so that it takes nothing from the people waiting for one."""
    global _pages_running
    with _preload_lock:
        _pages_running += 1
    try:
        yield
    finally:
        with _preload_lock:
            _pages_running -= 1


RESULTS_FORMAT = results.RESULTS_FORMAT
log = logging.getLogger("chokepoint.app")


def _kept(url: str | None, version: str, name: str, compute: Callable[[], Any],
          frame: bool = False) -> Any:
    """``compute()``, kept in the store per data version: the ingest that wrote the data (or
    the first session after it) computes it, every later one (and every restart of the app)
    reads it back."""
    return results.kept(_store(url), version, name, compute, frame=frame)


@st.cache_data(show_spinner=False, max_entries=2)
def _summary(url: str | None, version: str) -> dict[str, Any]:
    """Nodes per kind, relationships, countries: kept, so the Overview's first load need not
    read the graph."""
    return _kept(url, version, "summary", lambda: results.summary(_graph(url, version)))


@st.cache_resource(show_spinner="Reading the graph at the horizon…", max_entries=8)
def _models(url: str | None, version: str, months: float = 0
            ) -> tuple[SupplyModel, SupplyStructure, CapacityModel]:
    """The compiled models read ``months`` after a disruption starts (sharing the compiled
    structure of horizon 0)."""
    supply, structure, capacity = _compiled(url, version)
    if not months:
        return supply, structure, capacity
    at = capacity_at(capacity, months)
    return at.supply, structure_at(structure, months, at.supply), at


@st.cache_resource(show_spinner="Finding single points of failure…", max_entries=64)
def _spofs(url: str | None, version: str, targets: Targets,
           months: float = 0) -> dict[str, list[str]]:
    if targets and not months:  # industries: among the SPOFs kept for every industry
        every = _spofs(url, version, None)
        if all(t in every for t in targets):
            return {t: every[t] for t in targets}
    if targets or months:
        chosen = list(targets) if targets else default_targets(_graph(url, version))
        return results.spofs(_models(url, version, months)[1], chosen)
    return _kept(url, version, "spofs", lambda: results.spofs(
        _models(url, version)[1], default_targets(_graph(url, version))))


Kinds = results.Kinds


def _ranked_kinds(url: str | None, version: str, kinds: Kinds) -> Kinds:
    """The kinds to rank for a request of ``kinds``: every kind on a small graph (the one
    ranking then serves every request), else just those asked for."""
    return results.ranked_kinds(_summary(url, version)["node_count"], kinds)


@st.cache_data(show_spinner="Checking the SPOF…", max_entries=64)
def _spof_note(url: str | None, version: str, target: str, node: str) -> str:
    from analysis.trust import spof_details

    graph = _graph(url, version)
    (detail,) = spof_details(graph, {target: [node]})[target]
    parts = ["It rests on modelling assumptions: without the relationships marked as "
             "assumptions it is no SPOF." if detail.rests_on_assumptions else
             "It holds without the modelling assumptions too."]
    margin = detail.margin
    if margin is not None:
        where = _name(graph, margin.node)
        if margin.is_share:
            parts.append(f"It exists because only {pct(margin.surviving)} of {where} survives, "
                         f"under the {pct(margin.threshold)} threshold"
                         + (" — a knife-edge result." if margin.knife_edge else "."))
        else:
            parts.append(f"It exists because only {margin.surviving:.0f} of the "
                         f"{margin.threshold:.0f} needed members of {where} survive.")
    return " ".join(parts)


@st.cache_data(show_spinner="Ranking chokepoints…", max_entries=16)
def _chokepoints(url: str | None, version: str, targets: Targets,
                 kinds: Kinds = None, months: float = 0) -> pd.DataFrame:
    if targets or months:
        return _rank_chokepoints(url, version, targets, kinds, months)
    return _kept(url, version, results.chokepoints_name(kinds),
                 lambda: _rank_chokepoints(url, version, None, kinds), frame=True)


def _rank_chokepoints(url: str | None, version: str, targets: Targets,
                      kinds: Kinds, months: float = 0) -> pd.DataFrame:
    _, structure, model = _models(url, version, months)
    graph = _graph(url, version)
    # Industries at month 0: their removal losses were found for every industry at once
    # (kept by the ingest), so no node is removed again.
    losses = None
    if targets and not months and set(targets) <= set(_targets(url, version)):
        losses = _removal_losses(url, version, kinds)
    # The page shows the same targets' SPOFs: found once, for both.
    return results.rank_chokepoints(graph, model, targets, kinds, structure,
                                    _assumptions(url, version),
                                    _spofs(url, version, targets, months), losses=losses)


@st.cache_resource(show_spinner=False, max_entries=4)
def _removal_losses(url: str | None, version: str,
                    kinds: Kinds) -> dict[str, dict[str, float]] | None:
    """Node → industry → the capacity its removal costs, for every industry, if the ingest
    kept them for ``kinds`` (finding them for every industry takes far longer than for one,
    so they are not found here)."""
    return results.read(_store(url), version, results.losses_name(kinds))


@st.cache_resource(show_spinner=False, max_entries=2)
def _assumptions(url: str | None, version: str) -> tuple[tuple[str, str, str], ...]:
    """The relationships marked as modelling assumptions: found once per data version (kept
    by the ingest) rather than on every new target (a quarter-million relationships at
    50,000 nodes)."""
    found = _kept(url, version, "assumptions",
                  lambda: results.assumptions(_graph(url, version)))
    return tuple((u, v, k) for u, v, k in found)


@st.cache_resource(show_spinner=False, max_entries=8)
def _gaps(url: str | None, version: str, months: float = 0) -> dict[str, list[str]]:
    """The unmodelled items each default target depends on, at the horizon: the same for
    every scenario, kept rather than found again on every run (in the store at month 0,
    where the ingest keeps them)."""
    def compute() -> dict[str, list[str]]:
        return results.gaps(_graph(url, version), _models(url, version, months)[0])

    return compute() if months else _kept(url, version, "gaps", compute)


@st.cache_data(show_spinner="Measuring concentration…", max_entries=2)
def _concentration(url: str | None, version: str) -> pd.DataFrame:
    return _kept(url, version, "concentration", lambda: results.concentration_frame(
        _graph(url, version), _importance(url, version)), frame=True)


@st.cache_data(show_spinner=False, max_entries=4)
def _grouped_inputs(url: str | None, version: str, top: int) -> pd.DataFrame:
    return _kept(url, version, f"inputs:{top}",
                 lambda: grouped_inputs(_concentration(url, version), top), frame=True)


@st.cache_data(show_spinner="Computing self-sufficiency…", max_entries=16)
def _perspective(url: str | None, version: str, countries: tuple[str, ...]) -> pd.DataFrame:
    def compiled() -> tuple[nx.MultiDiGraph, CapacityModel]:
        return _graph(url, version), _models(url, version)[2]

    if len(countries) == 1:  # one country alone: kept (the ingest keeps every country's)
        every = [c for c, _ in _summary(url, version)["countries"]]
        return results.country_perspective(_store(url), version, countries[0], compiled, every)
    return results.perspective_frame(*compiled(), countries)


@st.cache_data(show_spinner=False, max_entries=2)
def _nodes(url: str | None, version: str) -> pd.DataFrame:
    graph = _graph(url, version)
    frame = pd.DataFrame(
        [(n, shown(a.get("name", n)), str(a.get("kind", ""))) for n, a in graph.nodes(data=True)],
        columns=["id", "name", "kind"])
    frame["haystack"] = (frame["id"] + " " + frame["name"]).str.lower()
    return frame.sort_values(["kind", "name", "id"], ignore_index=True)


@st.cache_data(show_spinner=False, max_entries=64)
def _neighbourhood(url: str | None, version: str, centre: str, depth: int, direction: str,
                   kinds: tuple[str, ...], countries: tuple[str, ...], cap: int
                   ) -> Neighbourhood:
    return neighbourhood(_graph(url, version), centre, depth=depth, direction=direction,
                         kinds=kinds or None, countries=countries or None, cap=cap)


@st.cache_data(show_spinner="Drawing…", max_entries=32)
def _graph_html(url: str | None, version: str, centre: str, depth: int, direction: str,
                kinds: tuple[str, ...], countries: tuple[str, ...], cap: int, layout: str,
                dark: bool, expand: tuple[str, ...], months: float = 0,
                library: str | None = None) -> str:
    from ui.graph_view import neighbourhood_html  # pyvis: load on the first picture

    nbhd = _neighbourhood(url, version, centre, depth, direction, kinds, countries, cap)
    spofs = set(_spofs(url, version, (centre,), months)[centre])
    return neighbourhood_html(_graph(url, version), nbhd, spofs=spofs,
                              importance=_importance(url, version), layout=layout, dark=dark,
                              expand=expand, library=library)


def picture_library() -> str | None:
    """The URL path this server serves the pictures' drawing library from, or ``None`` if
    it cannot (each picture then carries the library itself).

    The library's folder, as pyvis ships it, is registered as a component's files: Streamlit
    then serves them (read-only, inside that folder only, cached by the browser), and a
    picture is its data and a few kilobytes of script instead of 700 KB."""
    from streamlit.components.v1 import declare_component

    from ui.graph_view import library_dir

    folder = library_dir()
    if folder is None:
        return None
    component = declare_component("drawing-library", path=str(folder))
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}/" if base else "/"
    return f"{prefix}component/{component.name}/"


@st.cache_data(show_spinner=False, max_entries=2)
def _importance(url: str | None, version: str) -> dict[str, float]:
    """Every node upstream of an industry → its capacity loss (0 when it costs nothing)."""
    def compute() -> dict[str, float]:
        kinds = _ranked_kinds(url, version, DEFAULT_KINDS)
        return results.importance(_graph(url, version), _models(url, version)[2],
                                  _chokepoints(url, version, None, kinds), kinds)

    return _kept(url, version, "importance", compute)


@st.cache_data(show_spinner="Running the scenario…", max_entries=32)
def _scenario(url: str | None, version: str, text: str, source: str,
              months: float = 0) -> ScenarioResult:
    from analysis.scenario import parse_scenario, run_scenario

    graph = _graph(url, version)
    scenario = parse_scenario(text, source=source, graph=graph)
    gaps = None if scenario.targets else _gaps(url, version, months)
    return run_scenario(graph, scenario, _models(url, version, months)[2], gaps=gaps,
                        default=_targets(url, version))


@st.cache_resource(show_spinner="Building the report…", max_entries=8)
def _report(url: str | None, version: str, targets: Targets, scenario: str | None,
            perspective_of: str | None, allies: tuple[str, ...], top: int) -> Report:
    graph, store = _graph(url, version), _store(url)
    from analysis.report import build_report
    from analysis.scenario import parse_scenario
    from ui.cli_report import describe_store

    parsed = parse_scenario(scenario, graph=graph) if scenario else None
    return build_report(graph, targets=targets, scenario=parsed, perspective=perspective_of,
                        allies=allies, top=top, provenance=store.runs(),
                        store=describe_store(store.url),
                        conflicts=len(_conflicts(url, version)),
                        model=_models(url, version)[2],
                        ranking=_report_ranking(url, version, targets))


@st.cache_resource(show_spinner="Ranking chokepoints…", max_entries=8)
def _report_ranking(url: str | None, version: str, targets: Targets) -> list[Chokepoint]:
    """The report's ranking of ``targets``: shared by the reports of every length."""
    from analysis.chokepoints import chokepoints

    _, structure, model = _models(url, version)
    return chokepoints(_graph(url, version), targets, model=model, structure=structure)


@st.cache_data(show_spinner="Rendering…", max_entries=32)
def _rendered(url: str | None, version: str, targets: Targets, scenario: str | None,
              perspective_of: str | None, allies: tuple[str, ...], top: int,
              fmt: str, filename: str) -> bytes:
    from ui.reports import render_bytes  # matplotlib, reportlab: load on first download

    report = _report(url, version, targets, scenario, perspective_of, allies, top)
    return render_bytes(report, fmt, filename)


@st.cache_data(show_spinner=False, max_entries=2)
def _sources(url: str | None, version: str) -> pd.DataFrame:
    graph = _graph(url, version)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    newest: dict[str, str] = {}
    nodes = (("nodes", a) for a in graph.nodes.values())
    edges = (("relationships", a) for _, _, a in graph.edges(data=True))
    for what, attrs in itertools.chain(nodes, edges):
        for source in attrs.get("sources") or ["(no source)"]:
            counts[source][what] += 1
            counts[source]["with citation"] += bool(attrs.get("citation"))
            if attrs.get("as_of"):
                newest[source] = max(newest.get(source, ""), str(attrs["as_of"]))
    return pd.DataFrame(
        [{"source": s, "nodes": c["nodes"], "relationships": c["relationships"],
          "with citation": c["with citation"], "newest as_of": newest.get(s)}
         for s, c in sorted(counts.items())])


@st.cache_data(show_spinner=False, max_entries=2)
def _conflicts(url: str | None, version: str) -> pd.DataFrame:
    """One row per conflict: the element, the property, the winner and each source's value
    (kept: listing them reads the whole store)."""
    return _kept(url, version, "conflicts", lambda: results.conflicts_frame(_store(url)),
                 frame=True)


@st.cache_data(show_spinner=False, max_entries=2)
def _coverage(url: str | None, version: str) -> pd.DataFrame:
    graph = _graph(url, version)
    supply = _models(url, version)[0]
    rows = [{"id": n.id, "name": _name(graph, n.id), "kind": n.kind,
             "suppliers": len(n.suppliers), "supplier_coverage": n.supplier_coverage,
             "locations": len(n.locations), "location_coverage": n.location_coverage}
            for n in supply.nodes.values() if n.suppliers or n.locations]
    frame = pd.DataFrame(rows, columns=["id", "name", "kind", "suppliers", "supplier_coverage",
                                        "locations", "location_coverage"])
    return frame.sort_values(["supplier_coverage", "id"], na_position="last", ignore_index=True)


@st.cache_data(show_spinner=False, max_entries=2)
def _target_groups(url: str | None, version: str) -> dict[str, list[str]]:
    graph = _graph(url, version)
    groups: dict[str, list[str]] = defaultdict(list)
    for node in _targets(url, version):
        places = {str(graph.nodes[node].get("country") or "")}
        places |= {v for _, v, k in graph.out_edges(node, keys=True)
                   if k in ("LOCATED_IN", "HEADQUARTERED_IN")}
        for place in sorted(p for p in places if p and p in graph):
            groups[f"country:{place}"].append(node)
    return dict(sorted(groups.items()))


@st.cache_resource(show_spinner=False, max_entries=16)
def _ids_of(url: str | None, version: str, kind: str) -> tuple[str, ...]:
    """Found once per data version: the Scenarios builder lists every country and supplier
    on each click (a copy of the 50,000-row node table filtered twice, before)."""
    frame = _nodes(url, version)
    return tuple(frame.loc[frame["kind"] == kind, "id"])


@st.cache_resource(show_spinner=False, max_entries=16)
def _ids_by_importance(url: str | None, version: str, kind: str) -> tuple[str, ...]:
    """The ids of ``kind``, most important first (then by id): once per data version, not
    a sort of thousands of suppliers on every click of the Scenarios builder."""
    weight = _importance(url, version)
    return tuple(sorted(_ids_of(url, version, kind), key=lambda n: (-weight.get(n, 0.0), n)))


@st.cache_resource(show_spinner=False, max_entries=2)
def _targets(url: str | None, version: str) -> tuple[str, ...]:
    return tuple(default_targets(_graph(url, version)))


_name = results.name_of


def _version(store: Store) -> str:
    """The newest successful ingest run: new data means new cache keys."""
    return results.version_of(store)


# -- what pages use ---------------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    """The graph as of one ingest run, with its cached analyses."""

    url: str | None
    version: str
    months: float = 0
    """The horizon the view reads the graph at: months after a disruption starts."""

    def at(self, months: float) -> View:
        """The same view read ``months`` after a disruption starts."""
        return replace(self, months=months)

    @property
    def store(self) -> Store:
        return _store(self.url)

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The graph, looked up in the shared cache once per view (a page drawing thousands
        of names would otherwise pay the cache's argument hashing for each)."""
        found = self.__dict__.get("_graph")
        if found is None:
            found = _graph(self.url, self.version)
            object.__setattr__(self, "_graph", found)  # a memo, not a field: equality keeps
        return found

    @property
    def is_empty(self) -> bool:
        return self.summary()["node_count"] == 0

    def summary(self) -> dict[str, Any]:
        """``nodes`` (kind → count), ``node_count``, ``relationships`` and ``countries`` (id,
        name pairs sorted by name), kept: read without reading the graph."""
        return _summary(self.url, self.version)

    def countries(self) -> dict[str, str]:
        """Country id → name, sorted by name."""
        return {c: shown(name) for c, name in self.summary()["countries"]}

    @property
    def as_of(self) -> str:
        """The date of the newest successful ingest run ("no data yet" before the first)."""
        newest = next((r for r in self.runs() if r.status == "ok"), None)
        return when(newest.finished or newest.started, date_only=True) if newest else \
            "no data yet"

    @property
    def store_label(self) -> str:
        """Where the graph lives, without credentials or a local path."""
        from ui.cli_report import describe_store

        return describe_store(self.store.url)

    def name(self, node: str) -> str:
        return _name(self.graph, node)

    def nodes(self) -> pd.DataFrame:
        """Every node: id, name, kind (sorted by kind, then name)."""
        return _nodes(self.url, self.version)

    def search(self, text: str, limit: int = 200) -> pd.DataFrame:
        """Nodes whose id or name contains ``text`` (case-insensitive), names first."""
        frame = self.nodes()
        needle = text.strip().lower()
        if needle:
            frame = frame[frame["haystack"].str.contains(needle, regex=False)]
            frame = frame.assign(_starts=~frame["name"].str.lower().str.startswith(needle))
            frame = frame.sort_values(["_starts", "name"]).drop(columns="_starts")
        return frame.head(limit)

    def ids_of(self, kind: str) -> list[str]:
        """The ids of the nodes of ``kind``, sorted by name."""
        return list(_ids_of(self.url, self.version, kind))

    def ids_by_importance(self, kind: str) -> list[str]:
        """The ids of the nodes of ``kind``, the most important (:meth:`importance`) first."""
        return list(_ids_by_importance(self.url, self.version, kind))

    def targets(self) -> list[str]:
        return list(_targets(self.url, self.version))

    def runs(self) -> list[RunRecord]:
        return self.store.runs()

    def spofs(self, targets: Iterable[str] | None = None) -> dict[str, list[str]]:
        return _spofs(self.url, self.version, _key(targets), self.months)

    def spof_counts(self) -> Counter[str]:
        """How many default targets each node is a single point of failure of."""
        return Counter(n for nodes in self.spofs().values() for n in nodes)

    def chokepoints(self, targets: Iterable[str] | None = None,
                    kinds: Iterable[str] | None = DEFAULT_KINDS) -> pd.DataFrame:
        """Nodes of ``kinds`` (every kind when ``None``) ranked by the capacity their removal
        costs ``targets`` (the industries when ``None``)."""
        ranked = _ranked_kinds(self.url, self.version, tuple(kinds) if kinds else None)
        frame = _chokepoints(self.url, self.version, _key(targets), ranked, self.months)
        if kinds is not None:
            frame = frame[frame["kind"].isin(list(kinds))]
            frame = frame.assign(rank=range(1, len(frame) + 1)).reset_index(drop=True)
        return frame

    def importance(self) -> dict[str, float]:
        """Node id → mean capacity loss across all default targets when it is removed, for
        every node upstream of an industry (on graphs above ``RANK_ALL_KINDS_NODES`` nodes,
        suppliers and countries only); other nodes are not ranked."""
        return _importance(self.url, self.version)

    def concentration(self) -> pd.DataFrame:
        return _concentration(self.url, self.version)

    def concentrated_inputs(self, top: int) -> pd.DataFrame:
        """:func:`grouped_inputs` of :meth:`concentration`, cached."""
        return _grouped_inputs(self.url, self.version, top)

    def perspective(self, countries: Sequence[str]) -> pd.DataFrame:
        return _perspective(self.url, self.version, tuple(countries))

    def neighbourhood(self, centre: str, *, depth: int, direction: str,
                      kinds: Sequence[str] = (), countries: Sequence[str] = (),
                      cap: int = 250) -> Neighbourhood:
        return _neighbourhood(self.url, self.version, centre, depth, direction,
                              tuple(sorted(kinds)), tuple(sorted(countries)), cap)

    def neighbourhood_html(self, centre: str, *, depth: int, direction: str,
                           kinds: Sequence[str] = (), countries: Sequence[str] = (),
                           cap: int = 250, layout: str = "tiered", dark: bool = False,
                           expand: Sequence[str] = ()) -> str:
        """The pyvis page of :meth:`neighbourhood`, SPOFs of the centre ringed."""
        return _graph_html(self.url, self.version, centre, depth, direction,
                           tuple(sorted(kinds)), tuple(sorted(countries)), cap, layout, dark,
                           tuple(sorted(expand)), self.months, picture_library())

    def run_scenario(self, text: str, source: str = "<scenario>") -> ScenarioResult:
        return _scenario(self.url, self.version, text, source, self.months)

    def compare(self, first: str, second: str) -> pd.DataFrame:
        """Two scenario texts run and set side by side, per target."""
        from analysis.scenario import compare

        a, b = self.run_scenario(first), self.run_scenario(second)
        diff = compare(a, b).differences()
        return pd.DataFrame([{"target": t, "name": self.name(t), **d} for t, d in diff.items()])

    def report(self, targets: Iterable[str] | None, scenario: str | None,
               perspective_of: str | None, allies: Sequence[str], top: int) -> Report:
        return _report(self.url, self.version, _key(targets), scenario or None,
                       perspective_of or None, tuple(allies), top)

    def rendered(self, fmt: str, filename: str, targets: Iterable[str] | None,
                 scenario: str | None, perspective_of: str | None, allies: Sequence[str],
                 top: int) -> Callable[[], bytes]:
        """A callable giving the report's bytes, so a download renders only when clicked."""
        args = (self.url, self.version, _key(targets), scenario or None, perspective_of or None,
                tuple(allies), top, fmt, filename)
        return lambda: _rendered(*args)

    def target_groups(self) -> dict[str, list[str]]:
        """``country:XX`` → the industries sited in country XX (by their ``country``
        attribute or a LOCATED_IN / HEADQUARTERED_IN relationship), for countries with any."""
        return _target_groups(self.url, self.version)

    def resolve(self, choice: str) -> list[str] | None:
        """A target choice (``all``, ``country:XX`` or a node id) as target ids; ``None`` for
        all industries."""
        if choice == ALL_TARGETS:
            return None
        if choice.startswith("country:"):
            return self.target_groups().get(choice) or None
        return [choice]

    def target_label(self, choice: str) -> str:
        if choice == ALL_TARGETS:
            return "all industries"
        if choice.startswith("country:"):
            code = choice.split(":", 1)[1]
            return f"industries in {self.name(code)} ({len(self.target_groups()[choice])})"
        kind = self.graph.nodes[choice].get("kind", "") if choice in self.graph else ""
        return f"{self.name(choice)} · {kind} · {choice}"

    def explain(self, path: Sequence[str]) -> pd.DataFrame:
        """The dependency path ``target → … → node`` one step a row: what depends on what,
        through which relationship, with which share, and the citations behind it."""
        graph = self.graph
        rows = []
        for a, b in zip(path, path[1:], strict=False):
            for kind, data in sorted((graph.get_edge_data(a, b) or {}).items()):
                rows.append({
                    "dependent": self.name(a), "depends on": self.name(b),
                    "relationship": str(data.get("kind", kind)),
                    "share": pct(data.get("share")) if data.get("share") is not None
                    else "",
                    "citation": shown(data.get("citation") or
                                      graph.nodes[b].get("citation") or ""),
                    "as of": str(data.get("as_of") or graph.nodes[b].get("as_of") or "")})
        return pd.DataFrame(rows, columns=["dependent", "depends on", "relationship", "share",
                                           "citation", "as of"])

    def spof_note(self, target: str, node: str) -> str:
        """One sentence on how sure a SPOF is: whether it rests on modelling assumptions, and
        its margin when it exists only because what survives falls under a threshold."""
        return _spof_note(self.url, self.version, target, node)

    def path_to(self, target: str, node: str) -> list[str]:
        """One shortest dependency path ``target → … → node`` (empty if none)."""
        from analysis.chokepoints import dependency_path

        model = _models(self.url, self.version, self.months)[2]
        if target not in model.index or node not in model.index:
            return []
        return list(dependency_path(model, target, node))

    def sources(self) -> pd.DataFrame:
        return _sources(self.url, self.version)

    def coverage(self) -> pd.DataFrame:
        return _coverage(self.url, self.version)

    def conflicts(self) -> pd.DataFrame:
        return _conflicts(self.url, self.version)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def plain(text: object) -> str:
    """``text`` with Markdown (and so link and HTML) syntax escaped, for labels and captions
    that Streamlit renders as Markdown."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def show_error(exc: ChokepointError) -> None:
    """A domain error as a message for people (every problem, for refused input)."""
    if isinstance(exc, InputError):
        problems = exc.problems[:MAX_PROBLEMS_SHOWN]
        more = len(exc.problems) - len(problems)
        st.error("The input was refused, nothing was written:\n\n"
                 + "\n".join(f"- {plain(p)}" for p in problems)
                 + (f"\n- … and {more} more" if more > 0 else ""))
    else:
        st.error(plain(exc))


@contextmanager
def failures_shown(what: str) -> Iterator[None]:
    """Errors inside as one message on the page, never a traceback: a domain error as it is,
    anything else as a generic message, with the detail in the server's log."""
    try:
        yield
    except ChokepointError as exc:
        show_error(exc)
    except Exception:  # anything else: one message on the page, the detail in the server log
        log.exception("the %s failed", what)
        st.error("Something went wrong while drawing this page; the details are in the "
                 "server's log. Reload the page, or change the selection.")


def fragment(function: Callable[[], None]) -> Callable[[], None]:
    """``st.fragment`` (a widget inside reruns only ``function``) whose failures are shown as
    the page's are (:func:`failures_shown`)."""
    @wraps(function)
    def guarded() -> None:
        with failures_shown(f"{function.__name__} section"):
            function()

    return st.fragment(guarded)


def _key(targets: Iterable[str] | None) -> Targets:
    chosen = tuple(targets or ())
    return chosen or None


def current(*, allow_empty: bool = False) -> View:
    """The view of the configured store (``$CHOKEPOINT_STORE``, else the embedded default).
    On an empty store, unless ``allow_empty``, the page says so and how to fill it, and
    stops there."""
    if _dropped.is_set():  # an older version's graph left the cache: let it be collected
        _dropped.clear()
        release_long_lived()
    url = configured_store_url(os.environ.get(STORE_ENV))
    view = View(url, _version(_store(url)))
    if not allow_empty and view.is_empty:
        st.info(EMPTY_STORE)
        st.stop()
    return view


# -- selections in the URL --------------------------------------------------------------------
def from_url(key: str, default: Any, *, options: Sequence[Any] | None = None,
             many: bool = False, cast: Callable[[str], Any] = str) -> None:
    """Seed the state of the widget ``key`` from the URL query parameter of the same name
    the first time it is drawn; ``default`` when the URL has no usable value.  Give the
    widget ``key=key`` and no default of its own.

    (Streamlit's own ``bind="query-params"`` puts a selectbox's *formatted label* in the URL;
    ids make links that survive renamed nodes.)
    """
    if key in st.session_state:
        value = st.session_state[key]
        if options is not None and not many and value not in options:
            st.session_state[key] = default
        return
    try:
        if many:
            values = [cast(v) for v in st.query_params.get_all(key)]
            value = [v for v in values if options is None or v in options] or default
        else:
            raw = st.query_params.get(key)
            value = default if raw is None else cast(raw)
            if options is not None and value not in options:
                value = default
    except ValueError:
        value = default
    st.session_state[key] = value


def to_url(*keys: str) -> None:
    """Write each widget's current value into the URL so the view can be shared."""
    for key in keys:
        value = st.session_state.get(key)
        if value is None or value == "" or value == []:
            st.query_params.pop(key, None)
        elif isinstance(value, list | tuple):
            st.query_params[key] = [str(v) for v in value]
        else:
            st.query_params[key] = str(value)


def horizon_control() -> float:
    """A horizon picker (months after a disruption starts), kept in the URL as ``months``."""
    from_url("months", 0, options=list(DEFAULT_HORIZONS), cast=_months)
    months = st.select_slider(
        "Months after the disruption starts", list(DEFAULT_HORIZONS), key="months",
        help="0: at once. Later, stocks (inventory, installed tools, released models) run "
             "out and alternatives with a lead time (second sources, new fabs, ports) arrive.")
    to_url("months")
    if not months:
        st.caption("Read at once (month 0): stocks and installed tools still cover what they "
                   "hold, so some losses only show later — move the slider to see them.")
    return float(months)


def _months(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def seed_scenarios() -> dict[str, str]:
    """Bundled example scenarios (file name → YAML text), if the seeds ship any."""
    from seeds import SCENARIOS_DIR

    folder = Path(SCENARIOS_DIR)
    if not folder.is_dir():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}
