"""Overview: what is in the graph, the top chokepoints, the most concentrated inputs, and how
self-sufficient a country (with its allies) is."""

import altair as alt
import streamlit as st

from graph.model import NodeKind
from ui import app_state

TOP = 10
CHART_ITEMS = 20

st.title("Overview")
view = app_state.current()
graph = view.graph
st.caption("Where would a single failure, or a single decision, cut the supply of a core AI "
           "technology, and how much supply would be lost?")

kinds = view.nodes()["kind"].value_counts()
columns = st.columns(len(NodeKind) + 1)
for column, kind in zip(columns, NodeKind, strict=False):
    column.metric(kind.value, f"{int(kinds.get(kind.value, 0)):,}")
columns[-1].metric("relationships", f"{graph.number_of_edges():,}")

left, right = st.columns(2)
with left:
    st.subheader("Top chokepoints")
    st.caption("Removing the node costs this share of capacity, averaged over every industry.")
    top = view.chokepoints().head(TOP)
    st.dataframe(
        top[["rank", "name", "kind", "capacity_loss", "spof_count"]], hide_index=True,
        column_config={
            "rank": st.column_config.NumberColumn("#", width="small"),
            "kind": st.column_config.TextColumn(width="small"),
            "capacity_loss": st.column_config.ProgressColumn(
                "capacity loss", format="percent", min_value=0.0, max_value=1.0,
                width="small"),
            "spof_count": st.column_config.NumberColumn(
                "SPOFs", width="small",
                help="How many industries it is a single point of failure of")})
    st.page_link("pages/chokepoints.py", label="All chokepoints, per target →")
with right:
    st.subheader("Most concentrated inputs")
    st.caption("HHI over the countries an input's capacity sits in (10,000 = one country); "
               "among equals, the inputs whose loss costs the industries most come first.")
    concentrated = view.concentration().head(TOP)
    st.dataframe(
        concentrated[["name", "top_country", "hhi_countries", "capacity_loss",
                      "top_country_share", "kind", "suppliers", "cr1"]], hide_index=True,
        column_config={
            "name": st.column_config.TextColumn(width="medium"),
            "top_country": st.column_config.TextColumn("country", width="small"),
            "hhi_countries": st.column_config.NumberColumn("HHI", format="%d", width="small",
                                                           help="HHI over countries"),
            "capacity_loss": st.column_config.ProgressColumn(
                "capacity loss", format="percent", min_value=0.0, max_value=1.0,
                help="mean capacity loss over industries if the input is removed"),
            "top_country_share": st.column_config.NumberColumn("its share", format="percent"),
            "cr1": st.column_config.NumberColumn("largest supplier", format="percent")})

st.subheader("Self-sufficiency")
countries = view.ids_of(NodeKind.COUNTRY.value)
if not countries:
    st.info("The graph has no country nodes, so there is no perspective to take.")
    st.stop()
label = lambda c: f"{view.name(c)} ({c})"  # noqa: E731
pick, allies_pick = st.columns([1, 2])
app_state.from_url("perspective", "US" if "US" in countries else countries[0],
                   options=countries)
country = pick.selectbox("Seen from", countries, key="perspective", format_func=label)
others = [c for c in countries if c != country]
app_state.from_url("allies", [], options=others, many=True)
allies = allies_pick.multiselect("Counting these allies as inside", others, key="allies",
                                 format_func=label)
app_state.to_url("perspective", "allies")
seen = view.perspective([country, *allies])
if seen.empty:
    st.info("No item in the graph has suppliers or locations.")
    st.stop()
a, b, c = st.columns(3)
a.metric("items", f"{len(seen):,}")
b.metric("fully self-sufficient", f"{(seen['self_sufficiency'] >= 0.999).mean():.0%}")
c.metric("mean self-sufficiency", f"{seen['self_sufficiency'].mean():.0%}")
st.caption(f"The {CHART_ITEMS} least self-sufficient items: availability when everything "
           "located outside the perspective is cut off, beside the domestic share of capacity.")
chart_data = seen.head(CHART_ITEMS).melt(
    id_vars=["name"], value_vars=["self_sufficiency", "domestic_share"],
    var_name="measure", value_name="share")
chart = alt.Chart(chart_data).mark_bar().encode(
    x=alt.X("share:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
    y=alt.Y("name:N", sort=None, title=None),
    yOffset="measure:N", color=alt.Color("measure:N", title=None),
    tooltip=["name", "measure", alt.Tooltip("share:Q", format=".0%")])
st.altair_chart(chart, width="stretch")
