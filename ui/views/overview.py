"""Overview: what is in the graph, the top chokepoints, the most concentrated inputs, and how
self-sufficient a country (with its allies) is."""

import streamlit as st

from graph.model import NodeKind
from ui import app_state

TOP = app_state.results.OVERVIEW_TOP
CHART_ITEMS = 20

st.title("Overview")
view = app_state.current()
summary = view.summary()  # kept with the data: the first load need not read the graph
st.caption("Where would a single failure, or a single decision, cut the supply of a core AI "
           "technology, and how much supply would be lost?")

counts = [(kind.value, int(summary["nodes"].get(kind.value, 0))) for kind in NodeKind]
counts.append(("relationships", int(summary["relationships"])))
for row in (counts[:5], counts[5:]):  # two rows: 50,000-node counts need the width
    for column, (what, count) in zip(st.columns(5), row, strict=False):
        # six digits and more are cut off at 1,024 px: shown in thousands, exact on hover
        column.metric(what, f"{count:,}" if count < 100_000 else f"{count / 1000:,.0f}k",
                      help=None if count < 100_000 else f"{count:,}")

# One table above the other: side by side, neither fits a 1,024–1,440 px window.
left = right = st.container()
with left:
    st.subheader("Top chokepoints")
    st.caption("Removing the node costs this share of capacity, averaged over every industry, "
               "at once (month 0): stocks and installed tools still cover what they hold. "
               "The Chokepoints page shows the losses months later, once they run out.")
    top = view.chokepoints().head(TOP)
    st.dataframe(  # the loss next to the name: at 1,024 px the last columns scroll
        app_state.points(top[["rank", "name", "capacity_loss", "spof_count", "kind"]],
                         "capacity_loss"), hide_index=True, width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn("#", width="small"),
            "name": st.column_config.TextColumn(width="medium"),
            "kind": st.column_config.TextColumn(width="small"),
            "capacity_loss": app_state.pct_column("capacity loss", bar=True, width="medium"),
            "spof_count": st.column_config.NumberColumn(
                "SPOFs", width="small",
                help="How many industries it is a single point of failure of")})
    st.page_link("views/chokepoints.py", label="All chokepoints, per target →")
with right:
    st.subheader("Most concentrated inputs")
    st.caption("Items (chips, components, software, models, datasets) whose capacity sits in "
               "the fewest countries: HHI over countries, 10,000 = one country. Inputs that "
               "tie are one row; among equals, those whose loss costs the industries most "
               "come first.")
    grouped = view.concentrated_inputs(TOP)
    if grouped.empty:
        st.info("No chip, component, software, model or dataset has located suppliers.")
    else:
        st.dataframe(
            app_state.points(grouped[["name", "capacity_loss", "top_country", "hhi_countries",
                                      "top_country_share"]],
                             "capacity_loss", "top_country_share"), hide_index=True,
            width="stretch", column_config={
                "name": st.column_config.TextColumn("inputs", width="medium"),
                "top_country": st.column_config.TextColumn("country", width="small"),
                "hhi_countries": st.column_config.NumberColumn("HHI", format="%d",
                                                               width="small"),
                "top_country_share": app_state.pct_column("its share", width="small"),
                "capacity_loss": app_state.pct_column(
                    "capacity loss", bar=True, width="medium",
                    help="mean capacity loss over industries if the input is removed "
                         "(the largest in the row)")})

@app_state.fragment
def self_sufficiency() -> None:
    """The perspective section: another country or ally reruns only this part of the page."""
    st.subheader("Self-sufficiency")
    names = view.countries()
    countries = list(names)
    if not countries:
        st.info("The graph has no country nodes, so there is no perspective to take.")
        return
    label = lambda c: f"{names[c]} ({c})"  # noqa: E731
    pick, allies_pick = st.columns([1, 2])
    app_state.from_url("perspective", app_state.results.default_country(countries),
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
        return
    importance = view.importance()
    seen = seen.assign(importance=[importance.get(i, 0.0) for i in seen["id"]])
    seen = seen.sort_values(["importance", "name"], ascending=[False, True], ignore_index=True)
    a, b, c = st.columns(3)
    a.metric("items", f"{len(seen):,}")
    b.metric("fully self-sufficient", app_state.pct((seen["self_sufficiency"] >= 0.999).mean()))
    c.metric("mean self-sufficiency", app_state.pct(seen["self_sufficiency"].mean()))
    nothing = (seen["self_sufficiency"] <= 1e-9) & (seen["domestic_share"] <= 1e-9)
    some = seen[~nothing]
    if some.empty:
        st.warning("Nothing the graph locates is made inside this perspective.")
    else:
        st.caption(f"The {min(CHART_ITEMS, len(some))} items that matter most to the industries "
                   "(capacity lost if the item is removed) among those with some capacity inside: "
                   "what stays available if everything outside is cut off, beside the share of "
                   "capacity located inside.")
        measures = {"self_sufficiency": "available if cut off",
                    "domestic_share": "capacity inside"}
        chart_data = some.head(CHART_ITEMS).rename(columns=measures).melt(
            id_vars=["name"], value_vars=list(measures.values()), var_name="measure",
            value_name="share")
        # A Vega-Lite spec as is: Altair would cost seconds of imports before the first paint.
        spec = {
            "mark": {"type": "bar"},
            "encoding": {
                "x": {"field": "share", "type": "quantitative", "title": None,
                      "axis": {"format": ".0%"}, "scale": {"domain": [0, 1]}},
                "y": {"field": "name", "type": "nominal", "sort": None, "title": None,
                      "axis": {"labelLimit": 320}},
                "yOffset": {"field": "measure", "type": "nominal"},
                "color": {"field": "measure", "type": "nominal", "title": None,
                          "legend": {"orient": "top"}},
                "tooltip": [{"field": "name", "type": "nominal"},
                            {"field": "measure", "type": "nominal"},
                            {"field": "share", "type": "quantitative", "format": ".1%"}]}}
        st.vega_lite_chart(chart_data, spec, width="stretch")
    if nothing.any():
        zero = seen[nothing]
        named = ", ".join(zero["name"].head(8))
        more = len(zero) - min(len(zero), 8)
        st.markdown(f"**{len(zero):,} item{'s' * (len(zero) != 1)} with no capacity inside "
                    f"and nothing available if cut off**, most important first: "
                    f"{app_state.plain(named)}" + (f" and {more:,} more." if more else "."))


self_sufficiency()
