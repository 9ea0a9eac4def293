"""The analysis results the app's first pages show, computed once per data version and kept in
the store, so that no server start and no session computes them again.

The app (``ui.app_state``) reads them back, computing and keeping what is missing; the commands
that write data (``seed``, ``ingest …``, ``jobs run|serve``) compute them right after writing
(:func:`precompute`), so the first load after an ingest reads them too.  Results are keyed by
the newest successful ingest run; every ingest drops the older ones.  No Streamlit here: the
command line uses this module without starting the app.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from graph.errors import ChokepointError
from graph.model import NodeKind

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np
    import pandas as pd

    from analysis.capacity import CapacityModel
    from analysis.perspective import SeenFrom
    from analysis.semantics import SupplyModel
    from analysis.structure import SupplyStructure
    from graph.store import Store

__all__ = ["RESULTS_FORMAT", "RANK_ALL_KINDS_NODES", "Kinds", "Targets", "key", "version_of",
           "read", "keep", "kept", "ranked_kinds", "chokepoints_name", "rank_chokepoints", "gaps",
           "losses_name", "removal_losses", "assumptions",
           "concentration_frame", "importance", "spofs", "perspective_frame", "summary",
           "PERSPECTIVE_ITEMS", "perspective_name", "keep_perspectives", "kept_perspective",
           "country_perspective",
           "default_country", "precompute", "grouped_inputs", "name_of",
           "INPUT_KINDS", "OVERVIEW_TOP", "conflicts_frame"]

INPUT_KINDS = ("chip", "component", "software", "model", "dataset")
OVERVIEW_TOP = 10
"""Rows in each of the Overview's tables."""
RESULTS_FORMAT = 1  # bump when a kept result's shape changes: older ones are then ignored
RANK_ALL_KINDS_NODES = 5_000
"""Up to this many nodes every kind is ranked at once (a removal per upstream node is cheap
there); above it only the kinds asked for, by default who and where (suppliers, countries)."""

Kinds = tuple[str, ...] | None
Targets = tuple[str, ...] | None
log = logging.getLogger("chokepoint.app")


# -- keeping ------------------------------------------------------------------------------------
def key(name: str) -> str:
    """The store key of the result ``name``."""
    return f"app:{name}:v{RESULTS_FORMAT}"


def version_of(store: Store) -> str:
    """The newest successful ingest run: new data means a new version."""
    return next((r.run_id for r in store.runs() if r.status == "ok"), "empty")


def read(store: Store, version: str, name: str, *, frame: bool = False) -> Any:
    """The result ``name`` kept for ``version`` (a DataFrame when ``frame``), else ``None``."""
    try:
        raw = store.kept_result(key(name), version)
    except ChokepointError:
        return None
    if raw is None:
        return None
    try:
        value = json.loads(zlib.decompress(raw))
        if frame:
            import pandas as pd

            return pd.DataFrame(value["data"], columns=value["columns"])
        return value
    except (ValueError, KeyError, TypeError, zlib.error):
        log.warning("ignoring an unreadable kept result %s", key(name))
        return None


def keep(store: Store, version: str, name: str, value: Any, *, frame: bool = False) -> None:
    """Keep ``value`` as the result ``name`` of ``version`` (a read-only store: not kept)."""
    document = ({"columns": list(value.columns), "data": value.to_numpy().tolist()}
                if frame else value)
    try:
        store.keep_result(key(name), version, zlib.compress(
            json.dumps(document, default=str).encode("utf-8")))
    except ChokepointError as exc:  # a read-only store: compute again next time
        log.warning("cannot keep %s in the store: %s", key(name), exc)


def kept(store: Store, version: str, name: str, compute: Callable[[], Any], *,
         frame: bool = False) -> Any:
    """The result ``name`` of ``version``: read back when kept, else ``compute()``d and kept."""
    value = read(store, version, name, frame=frame)
    if value is None:
        value = compute()
        keep(store, version, name, value, frame=frame)
    return value


# -- the results --------------------------------------------------------------------------------
def ranked_kinds(node_count: int, kinds: Kinds) -> Kinds:
    """The kinds to rank for a request of ``kinds``: every kind on a small graph (the one
    ranking then serves every request), else just those asked for."""
    if node_count <= RANK_ALL_KINDS_NODES:
        return None
    return kinds if kinds is None else tuple(sorted(kinds))


def chokepoints_name(kinds: Kinds) -> str:
    """The name the ranking of ``kinds`` over every industry is kept under."""
    return "chokepoints" if kinds is None else f"chokepoints:{','.join(kinds)}"


def name_of(graph: nx.MultiDiGraph, node: str) -> str:
    """The node's name as the app shows it (its id when it has none, or is not in the
    graph)."""
    from ui.text import shown

    return shown(graph.nodes[node].get("name", node)) if node in graph else shown(node)


def losses_name(kinds: Kinds) -> str:
    """The name the losses of removing each node of ``kinds``, for every industry, are kept
    under."""
    return "losses" if kinds is None else f"losses:{','.join(kinds)}"


def removal_losses(graph: nx.MultiDiGraph, model: CapacityModel,
                   kinds: Kinds) -> dict[str, dict[str, float]]:
    """For every node of ``kinds`` upstream of an industry: industry → the capacity its
    removal costs it (losses above the tolerance).  Kept: a chosen industry, or the
    industries of a country, are ranked from these without removing anything again."""
    from analysis.chokepoints import removal_losses
    from analysis.semantics import default_targets

    return removal_losses(model, default_targets(graph), kinds)


def rank_chokepoints(graph: nx.MultiDiGraph, model: CapacityModel, targets: Targets,
                     kinds: Kinds, structure: SupplyStructure | None = None,
                     assumptions: Collection[tuple[str, str, str]] | None = None,
                     spofs: Mapping[str, Sequence[str]] | None = None,
                     losses: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """Nodes of ``kinds`` ranked by the capacity their removal costs ``targets``, one row each
    with its name, explanation path and loss per region (``structure``: ``model``'s compiled
    structure, ``assumptions``: the graph's assumption relationships, ``spofs``: the
    targets' single points of failure, ``losses``: :func:`removal_losses` when the targets
    are industries — when the caller keeps them)."""
    import pandas as pd

    from analysis.chokepoints import chokepoints
    from ui.text import pct

    ranked = chokepoints(graph, targets, model=model, kinds=kinds, structure=structure,
                         assumptions=assumptions, spofs=spofs, losses=losses)
    rows = [{**c.as_dict(), "name": name_of(graph, c.id),
             "why": " → ".join(name_of(graph, n) for n in c.path),
             "worst_target": name_of(graph, c.worst_target) if c.worst_target else None,
             "worst_target_id": c.worst_target,
             "by_region": " · ".join(f"{r} {pct(v)}" for r, v in c.by_region)}
            for c in ranked]
    columns = ["id", "name", "kind", "capacity_loss", "spof_count", "targets_affected",
               "max_loss", "total_loss", "worst_target", "why", "path", "worst_target_id"]
    columns += [k for k in (rows[0] if rows else {}) if k not in columns]
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def importance(graph: nx.MultiDiGraph, model: CapacityModel, ranking: pd.DataFrame,
               kinds: Kinds) -> dict[str, float]:
    """Every node of ``kinds`` upstream of an industry → its capacity loss from ``ranking``
    (0 when it costs nothing)."""
    from analysis.chokepoints import upstream
    from analysis.semantics import default_targets

    targets = default_targets(graph)
    reach = upstream(model, [model.index[t] for t in targets if t in model.index])
    loss = {model.ids[i]: 0.0 for i in reach
            if kinds is None or model.supply.nodes[model.ids[i]].kind in kinds}
    loss.update(zip(ranking["id"], map(float, ranking["capacity_loss"]), strict=True))
    return loss


def concentration_frame(graph: nx.MultiDiGraph, loss: dict[str, float]) -> pd.DataFrame:
    """Every item's concentration, those whose loss costs the industries most first."""
    import pandas as pd

    from analysis.concentration import concentration, rank_by_impact

    items = rank_by_impact(concentration(graph), loss)
    return pd.DataFrame([{**c.as_dict(), "name": name_of(graph, c.id),
                          "capacity_loss": loss.get(c.id, 0.0)} for c in items])


def gaps(graph: nx.MultiDiGraph, supply: SupplyModel) -> dict[str, list[str]]:
    """The unmodelled items each default target depends on (what a scenario flags as
    incomplete data), read on ``supply`` (at its horizon)."""
    from analysis.coverage import incomplete
    from analysis.semantics import default_targets

    return incomplete(graph, default_targets(graph), supply)


def grouped_inputs(frame: pd.DataFrame, top: int) -> pd.DataFrame:
    """The ``top`` most concentrated items (never suppliers or countries) of a
    :meth:`View.concentration` frame, inputs that tie (same country, HHI and share) in one
    row that names them, in the frame's order."""
    import pandas as pd

    columns = ["name", "top_country", "hhi_countries", "top_country_share", "capacity_loss"]
    if frame.empty:  # nothing is supplied (a fault tree, say): no concentration to show
        return pd.DataFrame(columns=columns)
    items = frame[frame["kind"].isin(INPUT_KINDS) & frame["hhi_countries"].notna()]
    rows: dict[tuple, dict[str, Any]] = {}
    for item in items.itertuples(index=False):
        key = (item.top_country, round(float(item.hhi_countries)),
               round(float(item.top_country_share or 0.0), 4))
        if key not in rows:
            if len(rows) == top:
                continue
            rows[key] = {"names": [], "top_country": item.top_country,
                         "hhi_countries": item.hhi_countries,
                         "top_country_share": item.top_country_share, "capacity_loss": 0.0}
        row = rows[key]
        row["names"].append(str(item.name))
        row["capacity_loss"] = max(row["capacity_loss"], float(item.capacity_loss or 0.0))
    out = []
    for row in rows.values():
        names = row.pop("names")
        shown_names = ", ".join(names[:4])
        if len(names) > 4:
            shown_names += f" and {len(names) - 4:,} more"
        out.append({"name": shown_names, **row})
    return pd.DataFrame(out, columns=columns)


def conflicts_frame(store: Store) -> pd.DataFrame:
    """One row per conflict between sources: the element, the property, the winner, its
    value and each other source's value."""
    import pandas as pd

    rows = []
    for conflict in store.conflicts():
        winning = dict(conflict.values)[conflict.winner]
        others = "; ".join(f"{s}: {_conflict_value(v)}" for s, v in conflict.values[1:])
        rows.append({"element": conflict.element, "property": conflict.property,
                     "winner": conflict.winner, "winning value": _conflict_value(winning),
                     "other sources": others})
    return pd.DataFrame(rows, columns=["element", "property", "winner", "winning value",
                                       "other sources"])


def _conflict_value(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:.1%}" if isinstance(v, float) else f"{k} {v}"
                         for k, v in value.items())
    return str(value)


def assumptions(graph: nx.MultiDiGraph) -> list[list[str]]:
    """The relationships marked as modelling assumptions, ``[from, to, kind]`` each."""
    from analysis.trust import assumption_edges

    return [list(edge) for edge in assumption_edges(graph)]


def spofs(structure: SupplyStructure, targets: Sequence[str]) -> dict[str, list[str]]:
    """The single points of failure of each of ``targets``."""
    from analysis.spof import single_points_of_failure

    return single_points_of_failure(structure, list(targets))


PERSPECTIVE_COLUMNS = ["id", "name", "kind", "domestic_share", "self_sufficiency"]
PERSPECTIVE_ITEMS = "perspective-items"
"""The kept items every country's kept perspective gives values for (ids, names, kinds)."""
PERSPECTIVE_VALUES = ("domestic_share", "self_sufficiency")


def perspective_name(country: str) -> str:
    """The name one country's perspective (alone, no allies) is kept under: its items'
    domestic shares and self-sufficiency, in the order of :data:`PERSPECTIVE_ITEMS`."""
    return f"perspective-of:{country}"


def perspective_frame(graph: nx.MultiDiGraph, model: CapacityModel,
                      countries: Iterable[str]) -> pd.DataFrame:
    """Each item's domestic share and self-sufficiency seen from ``countries``."""
    return _perspective_table(_seen_from(graph, model, [list(countries)]))


def _seen_from(graph: nx.MultiDiGraph, model: CapacityModel,
               perspectives: Sequence[Sequence[str]]) -> SeenFrom:
    """Every item seen from each of ``perspectives``, named as the app shows names."""
    from dataclasses import replace

    from analysis.concentration import perspectives as seen_from
    from graph.memory import collector_paused

    with collector_paused():  # the first call compiles the model's rules into arrays
        seen = seen_from(graph, perspectives, model=model)
    from ui.text import shown

    return replace(seen, names=tuple(map(shown, seen.names)))  # as name_of() shows them


def _perspective_table(seen: SeenFrom, column: int = 0) -> pd.DataFrame:
    """One perspective of ``seen`` as a table, least self-sufficient first."""
    import numpy as np
    import pandas as pd

    order = seen.order(column)
    return pd.DataFrame({"id": np.array(seen.items, dtype=object)[order],
                         "name": np.array(seen.names, dtype=object)[order],
                         "kind": np.array(seen.kinds, dtype=object)[order],
                         "domestic_share": seen.domestic_share[order, column],
                         "self_sufficiency": seen.self_sufficiency[order, column]},
                        columns=PERSPECTIVE_COLUMNS)


def keep_perspectives(store: Store, version: str, graph: nx.MultiDiGraph,
                      model: CapacityModel, countries: Sequence[str]) -> SeenFrom:
    """Keep the perspective of each of ``countries`` alone, computed at once: the items
    (:data:`PERSPECTIVE_ITEMS`) once, then the two columns of values per country, in the
    items' order (about 1.5 MB in all for 40 countries and 42,000 items); what was kept,
    one column per country."""
    seen = _seen_from(graph, model, [[c] for c in countries])
    keep(store, version, PERSPECTIVE_ITEMS,
         {"id": list(seen.items), "name": list(seen.names), "kind": list(seen.kinds)})
    for column, country in enumerate(countries):
        keep(store, version, perspective_name(country),
             {name: _packed(getattr(seen, name)[:, column]) for name in PERSPECTIVE_VALUES})
    return seen


def _packed(values: np.ndarray) -> str:
    """Floats as text in a JSON document, exactly and fast: little-endian doubles in
    base 64 (tens of thousands of numbers per country)."""
    import base64

    return base64.b64encode(values.astype("<f8").tobytes()).decode("ascii")


def _unpacked(text: str) -> np.ndarray:
    import base64

    import numpy as np

    return np.frombuffer(base64.b64decode(text, validate=True), dtype="<f8")


def kept_perspective(store: Store, version: str, country: str) -> pd.DataFrame | None:
    """The kept perspective of ``country`` alone as :func:`perspective_frame` gives it, or
    ``None`` when it is not kept."""
    import binascii

    from analysis.perspective import SeenFrom

    items, values = read(store, version, PERSPECTIVE_ITEMS), \
        read(store, version, perspective_name(country))
    if items is None or values is None:
        return None
    try:
        seen = SeenFrom(tuple(items["id"]), tuple(items["name"]), tuple(items["kind"]),
                        *(_unpacked(values[name])[:, None] for name in PERSPECTIVE_VALUES))
        if not len(seen.items) == len(seen.names) == len(seen.kinds) == \
                len(seen.domestic_share) == len(seen.self_sufficiency):
            raise ValueError("the kept items and values differ in length")
    except (TypeError, KeyError, ValueError, binascii.Error) as exc:
        log.warning("ignoring the unreadable kept perspective of %s: %s", country, exc)
        return None
    return _perspective_table(seen)


def country_perspective(store: Store, version: str, country: str,
                        compiled: Callable[[], tuple[nx.MultiDiGraph, CapacityModel]],
                        countries: Sequence[str]) -> pd.DataFrame:
    """The perspective of ``country`` alone: read back when kept, else that of every one of
    ``countries`` computed at once (on the ``compiled()`` graph and model) and kept."""
    frame = kept_perspective(store, version, country)
    if frame is not None:
        return frame
    graph, model = compiled()
    if country not in countries:
        return perspective_frame(graph, model, [country])
    return _perspective_table(keep_perspectives(store, version, graph, model, countries),
                              list(countries).index(country))


def summary(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """What the Overview shows before any analysis: nodes per kind, relationships, and the
    countries (id, name) to take a perspective from, sorted by name."""
    from collections import Counter

    kinds = Counter(str(kind) for _, kind in graph.nodes(data="kind"))
    countries = sorted(([n, name_of(graph, n)] for n, k in graph.nodes(data="kind")
                        if k == NodeKind.COUNTRY.value), key=lambda c: (c[1], c[0]))
    return {"nodes": {k.value: kinds.get(k.value, 0) for k in NodeKind},
            "node_count": graph.number_of_nodes(),
            "relationships": graph.number_of_edges(), "countries": countries}


def default_country(country_ids: Sequence[str]) -> str | None:
    """The perspective the Overview opens with: the US when the graph has it."""
    return "US" if "US" in country_ids else (country_ids[0] if country_ids else None)


def _precomputed_names(facts: dict[str, Any]) -> list[str]:
    """The names :func:`precompute` keeps for a graph with the :func:`summary` ``facts``."""
    if not facts["node_count"]:
        return ["summary"]
    from analysis.chokepoints import DEFAULT_KINDS

    kinds = ranked_kinds(facts["node_count"], DEFAULT_KINDS)
    names = ["summary", chokepoints_name(kinds), losses_name(kinds), "assumptions",
             "spofs", "importance", "concentration", f"inputs:{OVERVIEW_TOP}", "conflicts",
             "gaps"]
    countries = [c for c, _ in facts["countries"]]
    return names + ([PERSPECTIVE_ITEMS, *map(perspective_name, countries)] if countries else [])


def precompute(store: Store, *, say: Callable[[str], None] | None = None) -> list[str]:
    """Compute and keep, for the store's newest data, what the app's Overview needs on its
    first load (summary, ranking, SPOFs, losses, concentration, grouped inputs, conflicts
    between sources, the unmodelled inputs a scenario flags, every country's perspective
    alone: see :func:`_precomputed_names`); the names kept.  Results already kept are not redone.
    The graph and its compiled models go to the local cache file the app loads
    (:mod:`ui.compiled_cache`, big graphs only)."""
    from analysis.chokepoints import DEFAULT_KINDS
    from analysis.semantics import default_targets
    from ui import compiled_cache

    started = time.perf_counter()
    version = version_of(store)
    if version == "empty":
        return []
    facts = read(store, version, "summary")
    if facts is not None:
        names = _precomputed_names(facts)
        if all(read(store, version, name) is not None for name in names):
            return names  # all kept already: nothing to read
    graph = store.read_graph()
    facts = summary(graph)
    keep(store, version, "summary", facts)
    if not graph.number_of_nodes():
        return ["summary"]
    compiled = compiled_cache.compile_graph(graph)
    model, structure = compiled.capacity, compiled.structure
    cached = compiled_cache.save(store, version, compiled)  # the app loads it (big graphs)
    kinds = ranked_kinds(graph.number_of_nodes(), DEFAULT_KINDS)
    losses = kept(store, version, losses_name(kinds),
                  lambda: removal_losses(graph, model, kinds))
    found = kept(store, version, "assumptions", lambda: assumptions(graph))
    ranking = kept(store, version, chokepoints_name(kinds),
                   lambda: rank_chokepoints(graph, model, None, kinds, structure,
                                            assumptions=[tuple(a) for a in found],
                                            losses=losses),
                   frame=True)
    kept(store, version, "spofs", lambda: spofs(structure, default_targets(graph)))
    loss = kept(store, version, "importance", lambda: importance(graph, model, ranking, kinds))
    inputs = kept(store, version, "concentration", lambda: concentration_frame(graph, loss),
                  frame=True)
    kept(store, version, f"inputs:{OVERVIEW_TOP}", lambda: grouped_inputs(inputs, OVERVIEW_TOP),
         frame=True)
    kept(store, version, "conflicts", lambda: conflicts_frame(store), frame=True)
    kept(store, version, "gaps", lambda: gaps(graph, compiled.supply))
    names = _precomputed_names(facts)
    countries = [c for c, _ in facts["countries"]]
    if countries and not all(read(store, version, name) is not None
                             for name in (PERSPECTIVE_ITEMS, *map(perspective_name, countries))):
        keep_perspectives(store, version, graph, model, countries)
    if say is not None:
        listed = [n for n in names if not n.startswith("perspective")]
        listed += [f"the perspective of each of {len(countries)} countries"] if countries else []
        say(f"Kept the app's first-page analyses ({', '.join(listed)}) in "
            f"{time.perf_counter() - started:.1f} s"
            + (f"; the compiled graph in {cached}." if cached else "."))
    return names
