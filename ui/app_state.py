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

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import streamlit as st

from analysis.capacity import CapacityModel
from analysis.chokepoints import chokepoints
from analysis.concentration import concentration, perspective, rank_by_impact
from analysis.neighbourhood import Neighbourhood, neighbourhood
from analysis.report import Report, build_report
from analysis.scenario import ScenarioResult, compare, parse_scenario, run_scenario
from analysis.semantics import SupplyModel, build_supply_model, default_targets
from analysis.spof import single_points_of_failure
from analysis.structure import SupplyStructure, compile_structure
from graph.errors import ChokepointError, InputError
from graph.open import STORE_ENV, configured_store_url
from graph.store import RunRecord, Store
from ui.cli_app import INGEST_ENV, ingest_allowed
from ui.context import open_configured_store
from ui.graph_view import neighbourhood_html

__all__ = ["View", "current", "from_url", "to_url", "show_error", "plain", "ingest_allowed",
           "seed_scenarios", "INGEST_ENV", "EMPTY_STORE", "shown", "pct", "points",
           "pct_column", "when"]

MAX_PROBLEMS_SHOWN = 50
EMPTY_STORE = (
    "The store is empty: there is nothing to analyse yet. Fill it on the command line with "
    "`chokepoint ingest seeds` (the bundled sample graph) or `chokepoint ingest tabular "
    "FOLDER` (a folder holding `nodes.csv` and `edges.csv`); or, when the app was started "
    "with `CHOKEPOINT_APP_ALLOW_INGEST=1`, upload files on the **Data** page.")
PERCENT = "%.1f%%"
# Bidirectional-text controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM ALM): a name
# holding one can show its text reversed or reordered; they are removed where names are shown.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def shown(text: object) -> str:
    """``text`` as it may be displayed: bidirectional-text controls removed."""
    return _BIDI.sub("", str(text))


def pct(value: float | None) -> str:
    """The one way the app writes a share: ``42.5%``."""
    return "" if value is None else f"{100 * value:.1f}%"


def points(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` with the share columns (0–1) as percentage points, for :func:`pct_column`."""
    return frame.assign(**{c: frame[c] * 100 for c in columns if c in frame})


def pct_column(label: str | None = None, *, bar: bool = False, **kwargs: Any) -> Any:
    """A table column of percentage points written like :func:`pct` (as a bar if ``bar``)."""
    if bar:
        return st.column_config.ProgressColumn(label, format=PERCENT, min_value=0.0,
                                               max_value=100.0, **kwargs)
    return st.column_config.NumberColumn(label, format=PERCENT, **kwargs)


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


@st.cache_resource(show_spinner="Reading the graph…", max_entries=2)
def _graph(url: str | None, version: str) -> nx.MultiDiGraph:
    return _store(url).read_graph()


@st.cache_resource(show_spinner="Compiling the supply model…", max_entries=2)
def _models(url: str | None, version: str
            ) -> tuple[SupplyModel, SupplyStructure, CapacityModel]:
    supply = build_supply_model(_graph(url, version))
    return supply, compile_structure(supply), CapacityModel(supply)


@st.cache_resource(show_spinner="Finding single points of failure…", max_entries=64)
def _spofs(url: str | None, version: str, targets: Targets) -> dict[str, list[str]]:
    graph = _graph(url, version)
    chosen = list(targets) if targets else default_targets(graph)
    return single_points_of_failure(_models(url, version)[1], chosen)


@st.cache_data(show_spinner="Ranking chokepoints…", max_entries=16)
def _chokepoints(url: str | None, version: str, targets: Targets) -> pd.DataFrame:
    graph = _graph(url, version)
    ranked = chokepoints(graph, targets, model=_models(url, version)[2])
    rows = [{**c.as_dict(), "name": _name(graph, c.id),
             "path": " → ".join(_name(graph, n) for n in c.path),
             "worst_target": _name(graph, c.worst_target) if c.worst_target else None}
            for c in ranked]
    columns = ["id", "name", "kind", "capacity_loss", "spof_count", "targets_affected",
               "max_loss", "total_loss", "worst_target", "path"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


@st.cache_data(show_spinner="Measuring concentration…", max_entries=2)
def _concentration(url: str | None, version: str) -> pd.DataFrame:
    loss, graph = _importance(url, version), _graph(url, version)
    items = rank_by_impact(concentration(graph), loss)
    return pd.DataFrame([{**c.as_dict(), "name": _name(graph, c.id),
                          "capacity_loss": loss.get(c.id, 0.0)} for c in items])


@st.cache_data(show_spinner="Computing self-sufficiency…", max_entries=16)
def _perspective(url: str | None, version: str, countries: tuple[str, ...]) -> pd.DataFrame:
    graph = _graph(url, version)
    items = perspective(graph, countries, model=_models(url, version)[2])
    return pd.DataFrame([{**p.as_dict(), "name": _name(graph, p.id)} for p in items],
                        columns=["id", "name", "kind", "domestic_share", "self_sufficiency"])


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
                kinds: tuple[str, ...], countries: tuple[str, ...], cap: int) -> str:
    nbhd = _neighbourhood(url, version, centre, depth, direction, kinds, countries, cap)
    spofs = set(_spofs(url, version, (centre,))[centre])
    return neighbourhood_html(_graph(url, version), nbhd, spofs=spofs,
                              importance=_importance(url, version))


@st.cache_data(show_spinner=False, max_entries=2)
def _importance(url: str | None, version: str) -> dict[str, float]:
    frame = _chokepoints(url, version, None)
    return dict(zip(frame["id"], frame["capacity_loss"], strict=True))


@st.cache_data(show_spinner="Running the scenario…", max_entries=32)
def _scenario(url: str | None, version: str, text: str, source: str) -> ScenarioResult:
    graph = _graph(url, version)
    scenario = parse_scenario(text, source=source, graph=graph)
    return run_scenario(graph, scenario, _models(url, version)[2])


@st.cache_resource(show_spinner="Building the report…", max_entries=8)
def _report(url: str | None, version: str, targets: Targets, scenario: str | None,
            perspective_of: str | None, allies: tuple[str, ...], top: int) -> Report:
    graph, store = _graph(url, version), _store(url)
    from ui.cli_report import describe_store

    parsed = parse_scenario(scenario, graph=graph) if scenario else None
    return build_report(graph, targets=targets, scenario=parsed, perspective=perspective_of,
                        allies=allies, top=top, provenance=store.runs(),
                        store=describe_store(store.url))


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
    elements = [("nodes", a) for _, a in graph.nodes(data=True)]
    elements += [("relationships", a) for _, _, a in graph.edges(data=True)]
    for what, attrs in elements:
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


def _name(graph: nx.MultiDiGraph, node: str) -> str:
    return shown(graph.nodes[node].get("name", node)) if node in graph else shown(node)


def _version(store: Store) -> str:
    """The newest successful ingest run: new data means new cache keys."""
    return next((r.run_id for r in store.runs() if r.status == "ok"), "empty")


# -- what pages use ---------------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    """The graph as of one ingest run, with its cached analyses."""

    url: str | None
    version: str

    @property
    def store(self) -> Store:
        return _store(self.url)

    @property
    def graph(self) -> nx.MultiDiGraph:
        return _graph(self.url, self.version)

    @property
    def is_empty(self) -> bool:
        return self.graph.number_of_nodes() == 0

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
        frame = self.nodes()
        return frame.loc[frame["kind"] == kind, "id"].tolist()

    def targets(self) -> list[str]:
        return default_targets(self.graph)

    def runs(self) -> list[RunRecord]:
        return self.store.runs()

    def spofs(self, targets: Iterable[str] | None = None) -> dict[str, list[str]]:
        return _spofs(self.url, self.version, _key(targets))

    def spof_counts(self) -> Counter[str]:
        """How many default targets each node is a single point of failure of."""
        return Counter(n for nodes in self.spofs().values() for n in nodes)

    def chokepoints(self, targets: Iterable[str] | None = None) -> pd.DataFrame:
        return _chokepoints(self.url, self.version, _key(targets))

    def importance(self) -> dict[str, float]:
        """Node id → mean capacity loss across all default targets when it is removed."""
        return _importance(self.url, self.version)

    def concentration(self) -> pd.DataFrame:
        return _concentration(self.url, self.version)

    def perspective(self, countries: Sequence[str]) -> pd.DataFrame:
        return _perspective(self.url, self.version, tuple(countries))

    def neighbourhood(self, centre: str, *, depth: int, direction: str,
                      kinds: Sequence[str] = (), countries: Sequence[str] = (),
                      cap: int = 250) -> Neighbourhood:
        return _neighbourhood(self.url, self.version, centre, depth, direction,
                              tuple(sorted(kinds)), tuple(sorted(countries)), cap)

    def neighbourhood_html(self, centre: str, *, depth: int, direction: str,
                           kinds: Sequence[str] = (), countries: Sequence[str] = (),
                           cap: int = 250) -> str:
        """The pyvis page of :meth:`neighbourhood`, SPOFs of the centre ringed."""
        return _graph_html(self.url, self.version, centre, depth, direction,
                           tuple(sorted(kinds)), tuple(sorted(countries)), cap)

    def run_scenario(self, text: str, source: str = "<scenario>") -> ScenarioResult:
        return _scenario(self.url, self.version, text, source)

    def compare(self, first: str, second: str) -> pd.DataFrame:
        """Two scenario texts run and set side by side, per target."""
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

    def sources(self) -> pd.DataFrame:
        return _sources(self.url, self.version)

    def coverage(self) -> pd.DataFrame:
        return _coverage(self.url, self.version)


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


def _key(targets: Iterable[str] | None) -> Targets:
    chosen = tuple(targets or ())
    return chosen or None


def current(*, allow_empty: bool = False) -> View:
    """The view of the configured store (``$CHOKEPOINT_STORE``, else the embedded default).
    On an empty store, unless ``allow_empty``, the page says so and how to fill it, and
    stops there."""
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


def seed_scenarios() -> dict[str, str]:
    """Bundled example scenarios (file name → YAML text), if the seeds ship any."""
    from seeds import SCENARIOS_DIR

    folder = Path(SCENARIOS_DIR)
    if not folder.is_dir():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}
