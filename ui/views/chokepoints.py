"""Chokepoints: nodes ranked by the capacity their removal costs a target — all industries,
the industries of one country, or any node (a chip, a model…) — each with the dependency path
that explains it, the shares along that path and their citations; downloadable."""

import streamlit as st

from analysis.chokepoints import DEFAULT_KINDS
from graph.model import NodeKind
from ui import app_state

SHOWN = 1_000

st.title("Chokepoints")
view = app_state.current()
view = view.at(app_state.horizon_control())
st.caption("A chokepoint's removal (full disruption) costs its targets capacity. Capacity loss "
           "is averaged over the chosen targets; ties go to nodes that are single points of "
           "failure (SPOFs) of more targets. Select a row to see why: the path from the "
           "target hurt most down to the node through the inputs that bind, the shares along it "
           "and their sources. A chokepoint rests on assumptions when, without the "
           "relationships marked as modelling assumptions, its loss falls below half; the loss "
           "per region averages the targets headquartered there.")

search_col, target_col = st.columns([1, 2])
app_state.from_url("tq", "")
query = search_col.text_input("Find a target", key="tq", placeholder="e.g. H100, Llama, CN")
app_state.from_url("target", app_state.ALL_TARGETS)
options = app_state.target_choices(view, query, st.session_state["target"])
if st.session_state["target"] not in options:
    st.session_state["target"] = options[0]
target = target_col.selectbox("Target", options, key="target", format_func=view.target_label,
                              help="Any node can be a target: its supply is what is measured")
kinds_known = [k.value for k in NodeKind]
app_state.from_url("rank", list(DEFAULT_KINDS), options=kinds_known, many=True)
kinds = st.multiselect(
    "Rank these kinds", kinds_known, key="rank",
    help="Suppliers and countries are what fails, or is cut by a decision, in the real "
         "world. An item (say, ALD tools) stands for a whole product class: its outright "
         "removal says as much about the model as about the world.")
app_state.to_url("tq", "target", "rank")
chosen = view.resolve(target)
if not view.targets() and chosen is None:
    st.info("The graph has no industry nodes: pick a node as the target.")
    st.stop()

frame = view.chokepoints(chosen, kinds or None)
if frame.empty:
    st.info("Removing any one node of these kinds costs this target nothing, and none is a "
            "single point of failure of it.")
    st.stop()
if len(frame) > SHOWN:
    st.caption(f"The {SHOWN:,} worst of {len(frame):,} chokepoints; the downloads hold all.")
# worst loss and targets hit are in the explanation below: the table fits 1,440 px
COLUMNS = ["rank", "name", "kind", "capacity_loss", "by_region", "rests_on_assumptions",
           "facts_only_loss", "spof_count", "worst_target"]
# Only the columns shown go to the browser (the paths and ids stay here: at 50,000 nodes they
# were most of every rerun's table).
table = app_state.points(frame.head(SHOWN)[[c for c in COLUMNS if c in frame]],
                         "capacity_loss", "facts_only_loss")
picked = st.dataframe(
    # 35 px a row and the header: a short list gets no empty rows below it
    table, hide_index=True, height=min(420, 35 * (len(table) + 1) + 3), on_select="rerun",
    selection_mode="single-row",
    key="chokepoint_table", column_order=COLUMNS,
    column_config={
        "rank": st.column_config.NumberColumn("#", width=45),
        "name": st.column_config.TextColumn(width=180),
        "kind": st.column_config.TextColumn(width=80),
        "capacity_loss": app_state.pct_column("capacity loss", bar=True, width=130),
        "max_loss": app_state.pct_column("worst loss", width=80),
        "spof_count": st.column_config.NumberColumn("SPOF of", width=70,
                                                    help="how many targets it is a SPOF of"),
        "targets_affected": st.column_config.NumberColumn("targets hit", width=80),
        "worst_target": st.column_config.TextColumn("hurts most", width=110),
        "by_region": st.column_config.TextColumn("loss by region", width=120),
        "rests_on_assumptions": st.column_config.CheckboxColumn(
            "rests on assumptions", width=90,
            help="its loss falls below half without the relationships marked as modelling "
                 "assumptions"),
        "facts_only_loss": app_state.pct_column("without assumptions", width=90)})
name = "chokepoints" if chosen is None else f"chokepoints-{target.replace(':', '-')}"
csv_col, json_col, _ = st.columns([1, 1, 4])
csv_col.download_button("Download CSV", lambda: app_state.safe_csv(frame), f"{name}.csv",
                        "text/csv", on_click="ignore")
json_col.download_button("Download JSON", lambda: frame.to_json(orient="records", indent=1),
                         f"{name}.json", "application/json", on_click="ignore")

rows = picked.selection.rows if picked is not None else []
row = frame.iloc[rows[0]] if rows else frame.iloc[0]
st.subheader(f"Why {app_state.plain(row['name'])}" + ("" if rows else " (the top one; select "
                                                       "a row for another)"))
app_state.show_why(view, row.to_dict(), chosen)

st.subheader("Single points of failure")
st.caption("A single point of failure of a target: if it fails alone, the target has no "
           "supply at all (every alternative runs through it). Pick one to see its path.")
spofs = view.spofs(chosen)
pairs = [(t, n) for t, nodes in spofs.items() for n in nodes]
for each, nodes in list(spofs.items())[:50]:
    title = f"{app_state.plain(view.name(each))}: {len(nodes)} SPOF{'s' * (len(nodes) != 1)}"
    with st.expander(title, expanded=chosen is not None and len(spofs) == 1):
        st.text(", ".join(view.name(n) for n in nodes) or
                "none: no single failure takes it down.")
if len(spofs) > 50:
    st.caption(f"… and {len(spofs) - 50:,} more targets.")
if pairs:
    pair = st.selectbox("Explain a SPOF", pairs, index=None, placeholder="pick a target · SPOF",
                        format_func=lambda p: f"{view.name(p[0])} · {view.name(p[1])}")
    if pair:
        path = view.path_to(*pair)
        st.markdown(f"**{app_state.plain(view.name(pair[1]))}** is a single point of failure "
                    f"of **{app_state.plain(view.name(pair[0]))}**: every way to supply it "
                    "runs through this node. "
                    f"{app_state.plain(view.spof_note(*pair))} One dependency path:")
        st.dataframe(view.explain(path), hide_index=True,
                     column_config=app_state.WHY_COLUMNS)
