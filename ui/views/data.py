"""Data: where the graph came from (sources, ingest runs, validation errors), where its
sources disagree (conflicts), how much of each market the data names (coverage), and — when
the setting allows it — ingest a file."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from graph.errors import ChokepointError, InputError
from graph.store import RunRecord, new_run_id, utc_now
from ingest.registry import read, reader_names
from ui import app_state

st.title("Data")
view = app_state.current(allow_empty=True)
st.caption(f"Store: {app_state.plain(view.store_label)}")

st.subheader("Sources")
sources = view.sources()
if sources.empty:
    st.info(app_state.EMPTY_STORE)
else:
    counts = {column: st.column_config.NumberColumn(format="localized")
              for column in sources.columns if pd.api.types.is_integer_dtype(sources[column])}
    st.dataframe(sources.astype({c: object for c in sources.columns if c not in counts})
                 .fillna(""), hide_index=True, column_config=counts)

st.subheader("Ingest runs")
runs = view.runs()
if not runs:
    st.info("No ingest run is recorded in this store.")
else:
    frame = pd.DataFrame([r.as_dict() for r in runs])
    frame["started"] = [app_state.when(t) for t in frame["started"]]
    frame["finished"] = [app_state.when(t) for t in frame["finished"]]
    frame["source"] = [app_state.shown(t) for t in frame["source"]]
    frame[["origin", "error"]] = frame[["origin", "error"]].astype(object).fillna("")
    st.dataframe(frame[["started", "source", "status", "added", "changed", "removed",
                        "finished", "origin", "error", "run_id"]], hide_index=True,
                 # fits at 1440 px: long texts ellipsised (errors in full below)
                 column_config={**{c: st.column_config.NumberColumn(format="localized")
                                   for c in ("added", "changed", "removed")},
                                "error": st.column_config.TextColumn(width="small"),
                                "origin": st.column_config.TextColumn(width="medium"),
                                "run_id": st.column_config.TextColumn("run id", width="small")})
failed = [r for r in runs if r.status == "failed"]
st.subheader("Validation errors")
if not failed:
    st.success("No recorded run was refused.")
for run in failed:
    with st.expander(f"{app_state.plain(app_state.shown(run.source))} · "
                     f"{app_state.when(run.started)} · refused"):
        st.text(run.error or "no message recorded")

st.subheader("Conflicts between sources")
conflicts = view.conflicts()
if conflicts.empty:
    st.success("The sources do not disagree: no property and no list of shares is given "
               "two ways.")
else:
    shares = conflicts["property"].str.endswith(" shares")
    a, b = st.columns(2)
    a.metric("conflicts", f"{len(conflicts):,}")
    b.metric("items with two lists of shares", f"{int(shares.sum()):,}")
    st.caption("Where sources disagree, the highest-priority source wins (equal priorities: "
               "the newest run); an item's shares all come from one source, and the other "
               "sources' suppliers of it are kept but not counted. Lists of shares first.")
    st.dataframe(pd.concat([conflicts[shares], conflicts[~shares]]), hide_index=True,
                 column_config={"other sources": st.column_config.TextColumn(width="large")})

st.subheader("Coverage")
COVERAGE_SHOWN = 1_000  # a table a person reads; at 50,000 nodes all 40,000 items were sent
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
if len(coverage) > COVERAGE_SHOWN:
    st.caption(f"The {COVERAGE_SHOWN:,} lowest of {len(coverage):,} items; the download holds "
               "all.")
st.download_button("Download coverage CSV", lambda: app_state.safe_csv(coverage),
                   "coverage.csv", "text/csv", on_click="ignore")
st.dataframe(app_state.points(coverage.head(COVERAGE_SHOWN), "supplier_coverage",
                              "location_coverage"),
             hide_index=True, column_config={
    "name": st.column_config.TextColumn(width="medium"),
    "supplier_coverage": app_state.pct_column("supplier coverage"),
    "location_coverage": app_state.pct_column("location coverage")})

st.subheader("Ingest a file")
if not app_state.ingest_allowed():
    st.info(f"The app is read-only. To ingest from here, start it with "
            f"`{app_state.INGEST_ENV}=1`; or use `chokepoint ingest` on the command line.")
    st.stop()
readers = reader_names()
st.caption("One file per upload for most formats. The tabular format also reads a folder: "
           "upload its two files together, `nodes.csv` (id, kind, name, …) and `edges.csv` "
           "(from, to, kind, share, …), and they are read as one folder. A refused upload "
           "writes nothing and is listed under Validation errors above.")
with st.form("ingest"):
    reader = st.selectbox("Format", list(readers), help="; ".join(
        f"{name}: {text}" for name, text in readers.items()))
    files = st.file_uploader("Files (for the tabular folder format, upload nodes.csv and "
                             "edges.csv together)", accept_multiple_files=True)
    source = st.text_input("Source name", help="A run replaces everything this source said "
                           "before. Default: READER:<file stem>.")
    dry_run = st.checkbox("Dry run (validate only, write nothing)", value=True)
    submitted = st.form_submit_button("Validate and ingest", type="primary")


def refuse(names: list[str], messages: list[str], recorded: bool) -> None:
    """Show the refusal in the user's file names, and list it on this page."""
    st.error("The upload was refused, nothing was written:\n\n"
             + "\n".join(f"- {app_state.plain(m)}" for m in messages[:app_state.MAX_PROBLEMS_SHOWN])
             + (f"\n- … and {len(messages) - app_state.MAX_PROBLEMS_SHOWN} more"
                if len(messages) > app_state.MAX_PROBLEMS_SHOWN else ""))
    if not recorded:
        view.store.record_run(RunRecord(
            run_id=new_run_id(), source=source.strip() or f"{reader}:{', '.join(names)}",
            started=utc_now(), finished=utc_now(), status="failed",
            error="; ".join(messages), origin="app upload: " + ", ".join(names)))


if submitted and files:
    names = [Path(u.name).name for u in files]
    pair = {"nodes.csv", "edges.csv"}
    if reader == "tabular" and len(files) > 1 and not pair <= set(names):
        refuse(names, [f"{', '.join(names)}: several files make a tabular folder only when "
                       "they are nodes.csv and edges.csv; upload those two together, or one "
                       "single-file table"], recorded=False)
        st.stop()
    if reader == "tabular" and len(files) == 1 and names[0] in pair:
        other = (pair - {names[0]}).pop()
        refuse(names, [f"{names[0]}: a tabular folder needs both nodes.csv and edges.csv; "
                       f"upload {other} together with it (an empty {other} with just its "
                       "header row is fine)"], recorded=False)
        st.stop()
    with tempfile.TemporaryDirectory(prefix="chokepoint-upload-") as folder:
        for upload, name in zip(files, names, strict=True):
            (Path(folder) / name).write_bytes(upload.getvalue())
        path = Path(folder) if pair <= set(names) else Path(folder) / names[0]

        def in_user_terms(text: str) -> str:
            """A message about the temporary copy, in the names the user uploaded."""
            return text.replace(str(Path(folder).resolve()) + "/", "").replace(
                folder + "/", "").replace(str(Path(folder).resolve()), "the upload").replace(
                folder, "the upload")

        try:
            batch = read(reader, path, source=source.strip() or None)
        except ChokepointError as exc:
            problems = exc.problems if isinstance(exc, InputError) else [exc]
            refuse(names, [in_user_terms(str(p)) for p in problems], recorded=False)
            st.stop()
        try:
            result = view.store.apply(batch, dry_run=dry_run)
        except ChokepointError as exc:
            problems = exc.problems if isinstance(exc, InputError) else [exc]
            refuse(names, [in_user_terms(str(p)) for p in problems], recorded=not dry_run)
        else:
            st.success(f"{', '.join(names)}: {result.nodes:,} nodes and "
                       f"{result.relationships:,} relationships read as source "
                       f"{app_state.plain(result.run.source)}: "
                       f"{result.counts.added} added, {result.counts.changed} changed, "
                       f"{result.counts.removed} removed"
                       + (" (dry run: nothing was written)." if dry_run else "."))
elif submitted:
    st.warning("Choose a file first.")
