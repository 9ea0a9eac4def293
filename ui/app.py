"""The chokepoint Streamlit app: the entry script, navigation over the pages in ``pages/``.

Start it with ``chokepoint ui`` (or ``streamlit run ui/app.py``); the store comes from
``$CHOKEPOINT_STORE``, else the embedded default filled with the bundled seeds.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from graph.errors import ChokepointError
from ui import app_state

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="chokepoint", page_icon=":material/link_off:", layout="wide")

PAGES = [
    st.Page(HERE / "pages" / "overview.py", title="Overview", icon=":material/dashboard:",
            default=True),
    st.Page(HERE / "pages" / "explore.py", title="Explore", icon=":material/hub:"),
    st.Page(HERE / "pages" / "chokepoints.py", title="Chokepoints", icon=":material/link_off:"),
    st.Page(HERE / "pages" / "scenarios.py", title="Scenarios", icon=":material/thunderstorm:"),
    st.Page(HERE / "pages" / "reports.py", title="Reports", icon=":material/description:"),
    st.Page(HERE / "pages" / "data.py", title="Data", icon=":material/database:"),
]

page = st.navigation(PAGES)
try:
    view = app_state.current()
    st.sidebar.caption(f"{view.store_label} · data as of run {view.version}")
    page.run()
except ChokepointError as exc:
    app_state.show_error(exc)
