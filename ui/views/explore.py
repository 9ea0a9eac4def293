"""Explore: pick a node by search and see what it depends on (upstream) and what depends on
it (downstream), drawn as a graph with a table under it."""

import pandas as pd
import streamlit as st

from analysis.neighbourhood import DIRECTIONS
from graph.model import NodeKind
from ui import app_state
from ui.graph_view import BUDGET, HEIGHT_PX, legend_html

LAYOUTS = ["tiered", "force"]

st.title("Explore")
view = app_state.current()
graph = view.graph

search_col, node_col = st.columns([1, 2])
app_state.from_url("q", "")
query = search_col.text_input("Search by name or id", key="q", placeholder="e.g. H100, EUV")
matches = view.search(query)
app_state.from_url("node", None)
chosen = st.session_state["node"]
if chosen not in graph and not query and view.targets():
    chosen = view.targets()[0]  # start where policy questions start: an industry
options = matches["id"].tolist()
if query and options and chosen not in options:
    # a new search (Enter in the box) re-centres on its best match
    chosen = options[0]
    st.session_state["node"] = chosen
if chosen in graph and chosen not in options:
    options.insert(0, chosen)
if not options:
    st.info(f"No node's name or id contains “{app_state.plain(query)}”.")
    st.stop()
app_state.from_url("node", chosen if chosen in options else options[0], options=options)
centre = node_col.selectbox(
    "Node", options, key="node",
    format_func=lambda n: f"{view.name(n)} · {graph.nodes[n].get('kind')} · {n}")

depth_col, way_col, cap_col = st.columns([1, 2, 1])  # the three directions fit at 1,024 px
app_state.from_url("depth", 2, cast=int, options=range(1, 7))
depth = depth_col.slider("Depth (hops)", 1, 6, key="depth")
app_state.from_url("dir", "both", options=DIRECTIONS)
direction = way_col.segmented_control(
    "Direction", DIRECTIONS, key="dir", required=True,
    help="upstream: what the node depends on; downstream: what depends on it")
app_state.from_url("cap", 250, cast=int, options=range(10, 2001))
cap = cap_col.number_input("Show at most", 10, 2000, step=50, key="cap",
                           help="nodes drawn, closest first")
kind_col, country_col = st.columns(2)
kinds_known = [k.value for k in NodeKind]
app_state.from_url("kinds", [], options=kinds_known, many=True)
kinds = kind_col.multiselect("Only these kinds", kinds_known, key="kinds",
                             placeholder="all kinds")
country_ids = view.ids_of(NodeKind.COUNTRY.value)
app_state.from_url("countries", [], options=country_ids, many=True)
countries = country_col.multiselect("Only nodes in these countries", country_ids,
                                    key="countries", placeholder="all countries",
                                    format_func=lambda c: f"{view.name(c)} ({c})")
layout_col, months_col = st.columns([1, 3])
app_state.from_url("layout", "tiered", options=LAYOUTS)
layout = layout_col.segmented_control(
    "Layout", LAYOUTS, key="layout", required=True,
    help="tiered: countries → suppliers → inputs → chips → software → models → industries, "
         "left to right; force: a physics layout that groups what is linked")
with months_col:
    view = view.at(app_state.horizon_control())  # the SPOF rings at that horizon
app_state.from_url("expand", [], many=True)
app_state.to_url("q", "node", "depth", "dir", "cap", "kinds", "countries", "layout", "expand")

shape = dict(depth=int(depth), direction=direction or "both", kinds=kinds,
             countries=countries, cap=int(cap))
nbhd = view.neighbourhood(centre, **shape)
if nbhd.truncated:
    st.warning(f"This neighbourhood has more than {nbhd.cap:,} nodes, so only the "
               f"{nbhd.cap:,} closest are shown. Lower the depth, pick one direction, filter "
               "by kind or country, or raise “Show at most”.")
elif len(nbhd.nodes) == 1:
    st.info("Nothing else is within reach with these settings.")

spofs = set(view.spofs([centre])[centre])
importance = view.importance()
spof_counts = view.spof_counts()
dark = app_state.dark_theme()
st.iframe(view.neighbourhood_html(centre, **shape, layout=layout or "tiered", dark=dark,
                                  expand=st.session_state["expand"]), height=HEIGHT_PX + 20)
if len(nbhd.nodes) > BUDGET:
    st.caption(f"More than {BUDGET:,} nodes: the far part is drawn as groups (boxes); click "
               "a group to draw its members, click any node to make it the centre.")
st.markdown(legend_html(), unsafe_allow_html=True)
st.caption(f"{len(nbhd.nodes):,} nodes, {len(nbhd.edges):,} relationships; "
           f"{len(spofs):,} single points of failure of the centre in the whole graph.")
TABLE_ROWS = 500
if len(nbhd.nodes) > TABLE_ROWS:
    st.caption(f"The table lists the {TABLE_ROWS:,} closest of the {len(nbhd.nodes):,} nodes.")
listed = nbhd.nodes[:TABLE_ROWS]
table = pd.DataFrame({
    "name": [app_state.shown(graph.nodes[n].get("name", n)) for n in listed],
    "kind": [graph.nodes[n].get("kind") for n in listed],
    "capacity loss": [app_state.loss_text(importance, n) for n in listed],
    "SPOF of centre": [n in spofs for n in listed],
    "SPOF of industries": [spof_counts.get(n, 0) for n in listed],
    "hops": [nbhd.distance[n] for n in listed],
    "side": [nbhd.side[n] for n in listed],
    "id": list(listed)})
st.dataframe(table, hide_index=True, height=min(HEIGHT_PX, 35 * (len(table) + 1) + 3),
             column_config={
    "name": st.column_config.TextColumn(width="medium"),
    "kind": st.column_config.TextColumn(),
    "capacity loss": st.column_config.TextColumn(
        width="small", help="mean capacity loss over industries if removed; not ranked: no "
                            "industry depends on it"),
    "SPOF of centre": st.column_config.CheckboxColumn(
        "SPOF", width="small", help="single point of failure of the centre"),
    "SPOF of industries": st.column_config.NumberColumn(
        "SPOF count", width="small",
        help="single point of failure of this many industries"),
    "hops": st.column_config.NumberColumn(width="small"),
    "side": st.column_config.TextColumn(width="small"),
    "id": st.column_config.TextColumn(width="medium")})

with st.expander(f"About {app_state.plain(view.name(centre))}"):
    attrs = graph.nodes[centre]
    st.json({k: v for k, v in attrs.items() if v not in (None, "", [], {})}, expanded=True)
