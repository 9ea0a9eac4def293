"""Chokepoints: nodes ranked by the capacity their removal costs, per target, each with the
dependency path that explains it; downloadable."""

import streamlit as st

from ui import app_state

ALL = "all industries"
SHOWN = 1_000

st.title("Chokepoints")
view = app_state.current()
st.caption("A chokepoint's removal (full disruption) costs its targets capacity. Capacity loss "
           "is averaged over the chosen targets; ties go to nodes that are single points of "
           "failure (SPOFs) of more targets. The path runs from the target hurt most down to "
           "the node.")

targets = view.targets()
app_state.from_url("target", ALL, options=[ALL, *targets])
target = st.selectbox("Target", [ALL, *targets], key="target",
                      format_func=lambda t: t if t == ALL else f"{view.name(t)} ({t})")
app_state.to_url("target")
chosen = None if target == ALL else [target]
if not targets:
    st.info("The graph has no industry nodes, so there is nothing to rank against.")
    st.stop()

frame = view.chokepoints(chosen)
if len(frame) > SHOWN:
    st.caption(f"The {SHOWN:,} worst of {len(frame):,} chokepoints; the downloads hold all.")
st.dataframe(
    frame.head(SHOWN), hide_index=True, height=520,
    column_order=["rank", "name", "kind", "capacity_loss", "spof_count", "targets_affected",
                  "max_loss", "worst_target", "path", "id"],
    column_config={
        "capacity_loss": st.column_config.ProgressColumn(
            "capacity loss", format="percent", min_value=0.0, max_value=1.0),
        "max_loss": st.column_config.NumberColumn("worst loss", format="percent"),
        "spof_count": st.column_config.NumberColumn("SPOF of … targets"),
        "targets_affected": st.column_config.NumberColumn("targets hit"),
        "path": st.column_config.TextColumn("why (dependency path)", width="large")})
name = "chokepoints" if chosen is None else f"chokepoints-{target}"
csv_col, json_col, _ = st.columns([1, 1, 4])
csv_col.download_button("Download CSV", lambda: frame.to_csv(index=False), f"{name}.csv",
                        "text/csv", on_click="ignore")
json_col.download_button("Download JSON", lambda: frame.to_json(orient="records", indent=1),
                         f"{name}.json", "application/json", on_click="ignore")

st.subheader("Single points of failure")
spofs = view.spofs(chosen)
for each, nodes in spofs.items():
    title = f"{app_state.plain(view.name(each))}: {len(nodes)} SPOF{'s' * (len(nodes) != 1)}"
    with st.expander(title, expanded=chosen is not None):
        st.text(", ".join(view.name(n) for n in nodes) or "none: no single failure takes it down.")
