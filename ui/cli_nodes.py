"""`chokepoint show|search|targets`: find a node, see what it is, where its data came from, what
it depends on and what depends on it."""

from __future__ import annotations

from typing import Any

import click

from graph.errors import NotFoundError
from graph.lookup import did_you_mean, nearest_ids, search_nodes
from graph.model import Node, NodeKind, Relationship
from ui.context import Settings, complete_node_ids, pass_settings
from ui.output import echo, emit_csv, emit_json, emit_table, format_option

__all__ = ["show", "search", "targets"]

INPUT_FIELDS = ("share", "group", "min_required", "role", "basis", "share_low", "share_high",
                "buffer_months", "lead_time_months", "surge_share")


def _names(nodes: list[Node]) -> dict[str, str]:
    return {n.id: n.name for n in nodes}


def _label(names: dict[str, str], node_id: str) -> str:
    name = names.get(node_id)
    return f"{name} ({node_id})" if name and name != node_id else node_id


def _node_document(node: Node, rels: list[Relationship], names: dict[str, str],
                   used_shares: dict[tuple[str, str], float], spof_of: list[str],
                   claims: dict[str, dict[str, Any]], origin: dict[str, str]) -> dict[str, Any]:
    values = {k: v for k, v in node.properties().items()
              if k not in ("kind", "attributes") and v is not None}
    values.update(node.attributes)
    alone = node.sources[0] if len(node.sources) == 1 else None

    def provenance(key: str) -> dict[str, Any]:
        source = origin.get(key, alone)
        citation = claims.get(source, {}).get("citation") if claims and source else None
        return {"source": source, "citation": citation or node.citation}

    properties = {k: {"value": v, **provenance(k)} for k, v in values.items()}
    inputs = [{"relationship": r.kind.value, "to": r.to_id, "name": names.get(r.to_id),
               **{k: getattr(r, k) for k in INPUT_FIELDS if getattr(r, k) is not None},
               **({"share_used": round(used_shares[(r.kind.value, r.to_id)], 6)}
                  if (r.kind.value, r.to_id) in used_shares else {}),
               "citation": r.citation, "as_of": r.as_of, "sources": list(r.sources)}
              for r in rels if r.from_id == node.id]
    dependents = [{"relationship": r.kind.value, "from": r.from_id, "name": names.get(r.from_id),
                   "sources": list(r.sources)} for r in rels if r.to_id == node.id]
    return {"id": node.id, "kind": node.kind.value, "name": node.name,
            "properties": properties, "sources": list(node.sources),
            "citation": node.citation, "as_of": node.as_of, "last_run": node.last_run,
            "inputs": inputs, "dependents": dependents, "spof_of": spof_of}


def _used_shares(graph: Any, node_id: str) -> dict[tuple[str, str], float]:
    from analysis.semantics import build_supply_model

    supply = build_supply_model(graph).nodes[node_id]
    found = {("SUPPLIED_BY", s): share for s, share in supply.suppliers}
    found.update({("LOCATED_IN", c): share for c, share in supply.locations
                  if not supply.located_by_headquarters})
    return found


@click.command()
@click.argument("node_id", metavar="ID", shell_complete=complete_node_ids)
@format_option("table", "json")
@pass_settings
def show(settings: Settings, node_id: str, fmt: str) -> None:
    """Show one node: kind, name, every property with its sources and citation, its inputs
    (with listed and used shares, groups and basis), its dependents, and the default targets
    (industry nodes) it is a single point of failure of."""
    from analysis.spof import single_points_of_failure
    from graph.merge import property_sources
    from graph.networkx_view import to_networkx

    state = settings.filled_store.stored_state()
    nodes, rels = list(state.nodes.values()), list(state.relationships.values())
    names = _names(nodes)
    node = state.nodes.get(node_id)
    if node is None:
        raise NotFoundError(f"unknown node {node_id!r}{did_you_mean(names, [node_id])}; find "
                            "ids with `chokepoint search TEXT`")
    graph = to_networkx(nodes, rels)
    spof_of = sorted(t for t, found in single_points_of_failure(graph).items()
                     if node_id in found)
    claims = state.node_claims.get(node_id) or {}
    document = _node_document(node, rels, names, _used_shares(graph, node_id), spof_of,
                              claims, property_sources(claims, state.ranks))
    if fmt == "json":
        emit_json(document)
        return
    _print_node(document, names)


def _print_node(doc: dict[str, Any], names: dict[str, str]) -> None:
    echo(f"{doc['name']} ({doc['id']}), a {doc['kind']} node; sources: "
               f"{', '.join(doc['sources']) or '—'} (last run {doc['last_run'] or '—'})")
    shown = {k: p for k, p in doc["properties"].items() if k != "citation"}
    origins = {(p["source"], p["citation"]) for p in shown.values()}
    if len(origins) == 1:  # one source said it all: name it once
        (source, citation), = origins
        emit_table(f"Properties, all from {source or '—'} (citation: {citation or '—'})",
                   ("property", "value"), [(k, p["value"]) for k, p in shown.items()])
    else:
        emit_table("Properties", ("property", "value", "source", "citation"),
                   [(k, p["value"], p["source"] or "", p["citation"] or "")
                    for k, p in shown.items()])
    emit_table("Inputs: what it depends on",
               ("relationship", "node", "share listed", "share used", "group", "basis",
                "sources"),
               [(i["relationship"], _label(names, i["to"]), i.get("share", ""),
                 i.get("share_used", ""),
                 f"{i['group']} (≥{i.get('min_required') or 1})" if i.get("group") else "",
                 i.get("basis") or ("cited" if i["citation"] else ""),
                 ", ".join(i["sources"])) for i in doc["inputs"]])
    emit_table("Dependents: what depends on it", ("relationship", "node", "sources"),
               [(d["relationship"], _label(names, d["from"]), ", ".join(d["sources"]))
                for d in doc["dependents"]])
    spof = doc["spof_of"]
    echo(f"Single point of failure of {len(spof)} default target(s)"
               + (f": {', '.join(_label(names, t) for t in spof)}" if spof else "."))
    echo("Each input's citation: `chokepoint show ID --format json`.")


@click.command()
@click.argument("text")
@click.option("--kind", "kinds", multiple=True, type=click.Choice([k.value for k in NodeKind]),
              help="Only nodes of this kind (repeatable).")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True,
              help="List at most this many nodes.")
@format_option()
@pass_settings
def search(settings: Settings, text: str, kinds: tuple[str, ...], limit: int, fmt: str) -> None:
    """Find nodes whose id or name contains every word of TEXT, ignoring case and accents
    (`chokepoint search "lithography"`, `chokepoint search asml`)."""
    nodes = settings.filled_store.nodes([NodeKind(k) for k in kinds] if kinds else None)
    names = _names(nodes)
    kind_of = {n.id: n.kind.value for n in nodes}
    found = search_nodes(names, text)
    rows = [(n, kind_of[n], names[n]) for n in found[:limit]]
    if fmt == "json":
        emit_json({"query": text, "total": len(found),
                   "nodes": [{"id": i, "kind": k, "name": m} for i, k, m in rows]})
        return
    if fmt == "csv":
        emit_csv(("id", "kind", "name"), rows)
        return
    if not rows:
        near = nearest_ids(names, text)
        echo(f"no node's id or name contains {text!r}"
                   + (f"; nearest: {', '.join(_label(names, n) for n in near)}" if near else ""))
        return
    more = f", showing {limit}" if len(found) > limit else ""
    emit_table(f"{len(found)} node(s) match {text!r}{more}", ("id", "kind", "name"), rows)


@click.command()
@format_option()
@pass_settings
def targets(settings: Settings, fmt: str) -> None:
    """List the targets analyses use by default (every industry node), and other nodes worth
    studying: fault-tree top events, and end products nothing in the graph depends on."""
    nodes, rels = settings.filled_store.snapshot()
    used = {r.to_id for r in rels}
    rows = []
    for node in nodes:
        reasons = []
        if node.kind is NodeKind.INDUSTRY:
            reasons.append("default target (industry)")
        if node.attributes.get("top_event"):
            reasons.append("fault-tree top event")
        if node.id not in used and node.kind not in (NodeKind.INDUSTRY, NodeKind.COUNTRY,
                                                     NodeKind.SUPPLIER):
            reasons.append("nothing in the graph depends on it")
        if reasons:
            rows.append((node.id, node.kind.value, node.name, "; ".join(reasons)))
    rows.sort(key=lambda r: (not r[3].startswith("default"), r[0]))
    if fmt == "json":
        emit_json({"default": [r[0] for r in rows if r[3].startswith("default")],
                   "nodes": [{"id": i, "kind": k, "name": n, "why": w} for i, k, n, w in rows]})
        return
    if fmt == "csv":
        emit_csv(("id", "kind", "name", "why"), rows)
        return
    emit_table("Targets (use with --target ID)", ("id", "kind", "name", "why"), rows)
