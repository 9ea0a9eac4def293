"""Data: where the graph came from (sources, ingest runs, validation errors), how much of
each market the data names (coverage), and — when the setting allows it — ingest a file."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from graph.errors import ChokepointError
from ingest.registry import read, reader_names
from ui import app_state

view = app_state.current()
st.title("Data")
st.caption(f"Store: {app_state.plain(view.store_label)}")

st.subheader("Sources")
st.dataframe(view.sources(), hide_index=True)

st.subheader("Ingest runs")
runs = view.runs()
if not runs:
    st.info("No ingest run is recorded in this store.")
else:
    frame = pd.DataFrame([r.as_dict() for r in runs])
    st.dataframe(frame[["started", "source", "status", "added", "changed", "removed",
                        "finished", "run_id", "origin", "error"]], hide_index=True)
failed = [r for r in runs if r.status == "failed"]
st.subheader("Validation errors")
if not failed:
    st.success("No recorded run was refused.")
for run in failed:
    with st.expander(f"{app_state.plain(run.source)} · {run.started} · refused"):
        st.text(run.error or "no message recorded")

st.subheader("Coverage")
coverage = view.coverage()
listed = coverage["supplier_coverage"].notna()
a, b, c = st.columns(3)
a.metric("items with suppliers or locations", f"{len(coverage):,}")
b.metric("with listed supplier shares", f"{int(listed.sum()):,}")
c.metric("naming only part of their market",
         f"{int((coverage['supplier_coverage'] < 0.999).sum()):,}")
st.caption("Coverage is the listed share of an item's market. Below 100 % without a residual "
           "supplier, the named suppliers count as the whole market and concentration is "
           "overstated. Lowest coverage first.")
st.dataframe(coverage, hide_index=True, column_config={
    "supplier_coverage": st.column_config.NumberColumn("supplier coverage", format="percent"),
    "location_coverage": st.column_config.NumberColumn("location coverage", format="percent")})

st.subheader("Ingest a file")
if not app_state.ingest_allowed():
    st.info(f"The app is read-only. To ingest from here, start it with "
            f"`{app_state.INGEST_ENV}=1`; or use `chokepoint ingest` on the command line.")
    st.stop()
readers = reader_names()
with st.form("ingest"):
    reader = st.selectbox("Format", list(readers), help="; ".join(
        f"{name}: {text}" for name, text in readers.items()))
    files = st.file_uploader("Files (for the tabular folder format, upload nodes.csv and "
                             "edges.csv together)", accept_multiple_files=True)
    source = st.text_input("Source name", help="A run replaces everything this source said "
                           "before. Default: READER:<file stem>.")
    dry_run = st.checkbox("Dry run (validate only, write nothing)", value=True)
    submitted = st.form_submit_button("Validate and ingest", type="primary")
if submitted and files:
    with tempfile.TemporaryDirectory(prefix="chokepoint-upload-") as folder:
        for upload in files:
            (Path(folder) / Path(upload.name).name).write_bytes(upload.getvalue())
        names = {Path(u.name).name for u in files}
        path = Path(folder) if {"nodes.csv", "edges.csv"} <= names else \
            Path(folder) / Path(files[0].name).name
        try:
            batch = read(reader, path, source=source.strip() or None)
            result = view.store.apply(batch, dry_run=dry_run)
        except ChokepointError as exc:
            app_state.show_error(exc)
        else:
            st.success(f"{result.nodes:,} nodes and {result.relationships:,} relationships read "
                       f"from source {app_state.plain(result.run.source)}: "
                       f"{result.counts.added} added, {result.counts.changed} changed, "
                       f"{result.counts.removed} removed"
                       + (" (dry run: nothing was written)." if dry_run else "."))
elif submitted:
    st.warning("Choose a file first.")
