"""Reports: the chokepoint report (summary, tables, critical subgraph, methodology,
provenance) for chosen targets, scenario and perspective, downloadable in every format."""

import streamlit as st

from graph.model import NodeKind
from ui import app_state
from ui.reports import MEDIA_TYPES, RENDERERS

NONE = "none"
AUTO_BUILD_NODES = 5_000  # above this, the report is built on request, not on every change
FILE_NAMES = {"csv": "chokepoint-report.zip"}
LABELS = {"html": "HTML page", "pdf": "PDF", "xlsx": "Excel", "csv": "CSV (zip, one per table)",
          "json": "JSON", "md": "Markdown"}

st.title("Reports")
view = app_state.current()
countries = view.ids_of(NodeKind.COUNTRY.value)
label = lambda n: f"{view.name(n)} ({n})"  # noqa: E731
kept = st.session_state.get("scenario_kept", {})
st.caption("One report feeds every format. Spreadsheet cells that could run as formulas are "
           "neutralised and the HTML carries no script.")

left, right = st.columns(2)
app_state.from_url("r_targets", [], options=view.targets(), many=True)
targets = left.multiselect("Targets", view.targets(), key="r_targets", format_func=label,
                           placeholder="all industries")
app_state.from_url("r_top", 15, cast=int, options=range(1, 501))
top = left.number_input("Chokepoints and inputs to list", 1, 500, key="r_top")
scenario = left.selectbox("Include a scenario", [NONE, *kept], key="r_scenario",
                          help="Scenarios kept for comparison on the Scenarios page.")
app_state.from_url("r_perspective", NONE, options=[NONE, *countries])
perspective = right.selectbox("Perspective", [NONE, *countries], key="r_perspective",
                              format_func=lambda c: c if c == NONE else label(c))
others = [c for c in countries if c != perspective]
app_state.from_url("r_allies", [], options=others, many=True)
allies = right.multiselect("Allies", others, key="r_allies", format_func=label,
                           disabled=perspective == NONE)
app_state.to_url("r_targets", "r_top", "r_perspective", "r_allies")
options = dict(targets=targets or None, scenario=kept.get(scenario),
               perspective_of=None if perspective == NONE else perspective,
               allies=allies if perspective != NONE else [], top=int(top))

built = st.session_state.get("r_built")
if view.graph.number_of_nodes() > AUTO_BUILD_NODES and built != options:
    st.info(f"Building the report analyses the whole graph "
            f"({view.graph.number_of_nodes():,} nodes), which takes a while.")
    if not st.button("Build the report", type="primary"):
        st.stop()
    st.session_state["r_built"] = options
report = view.report(**options)
st.subheader(report.title)
for sentence in report.summary:
    st.markdown(f"- {app_state.plain(sentence)}")

st.subheader("Download")
formats = list(RENDERERS)
columns = [c for _ in range(0, len(formats), 3) for c in st.columns(3)]  # rows of three: labels
for column, fmt in zip(columns, formats, strict=False):                  # fit at 1024 px
    filename = FILE_NAMES.get(fmt, f"chokepoint-report.{fmt}")
    column.download_button(
        LABELS.get(fmt, fmt), view.rendered(fmt, filename, **options), filename,
        "application/zip" if filename.endswith(".zip") else MEDIA_TYPES[fmt],
        key=f"download_{fmt}", on_click="ignore", width="stretch")

with st.expander("Tables in the report"):
    for table in report.tables:
        st.markdown(f"**{table.title}**")
        st.dataframe(
            [dict(zip(table.columns, row, strict=True)) for row in table.rows],
            hide_index=True)
