"""The chokepoint Streamlit app: the entry script, navigation over the pages in ``views/``
(not ``pages/``: Streamlit would serve that folder as pages of its own, bypassing this script).

Start it with ``chokepoint ui`` (or ``streamlit run ui/app.py``); the store comes from
``$CHOKEPOINT_STORE``, else the embedded default filled with the bundled seeds.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import streamlit as st

from ui import app_state

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="chokepoint", page_icon=":material/link_off:", layout="wide")

# Streamlit runs a full garbage collection after every script run.  With a large graph and
# its compiled models held in the shared caches (millions of objects, none of them garbage),
# that pass took over a second after every click at 50,000 nodes; Python's own collector
# still runs as usual.
with contextlib.suppress(Exception):  # an option Streamlit may rename or drop: its default
    from streamlit import config as _config  # then stays

    _config.set_option("runner.postScriptGC", False)

PAGES = [
    st.Page(HERE / "views" / "overview.py", title="Overview", icon=":material/dashboard:",
            default=True),
    st.Page(HERE / "views" / "explore.py", title="Explore", icon=":material/hub:"),
    st.Page(HERE / "views" / "chokepoints.py", title="Chokepoints", icon=":material/link_off:"),
    st.Page(HERE / "views" / "scenarios.py", title="Scenarios", icon=":material/thunderstorm:"),
    st.Page(HERE / "views" / "reports.py", title="Reports", icon=":material/description:"),
    st.Page(HERE / "views" / "data.py", title="Data", icon=":material/database:"),
]

page = st.navigation(PAGES)
with app_state.page_running(), app_state.failures_shown(f"{page.title} page"):
    view = app_state.current(allow_empty=True)
    st.sidebar.caption(app_state.plain(f"{view.store_label} · data as of {view.as_of}"))
    page.run()
    app_state.preload(view)  # the page is drawn: load what the next ones need meanwhile
