"""Scenarios: build a what-if from countries, suppliers and blocks (or load its YAML), run
it, save it, and compare it with another."""

import pandas as pd
import streamlit as st
import yaml

from graph.errors import ChokepointError
from graph.model import NodeKind
from ui import app_state

TEXT, RAN, KEPT, UPLOADED = "scenario_text", "scenario_ran", "scenario_kept", "scenario_upload_id"


def scenario_yaml(name: str, countries: list[str], severity: float, suppliers: list[str],
                  supplier_severity: float, block_from: list[str], block_to: list[str],
                  targets: list[str]) -> str:
    """The scenario file for the builder's choices."""
    document: dict = {"name": name.strip() or "Untitled scenario"}
    disrupt = [{"country": c, "severity": severity} for c in countries]
    disrupt += [{"supplier": s, "severity": supplier_severity} for s in suppliers]
    if disrupt:
        document["disrupt"] = disrupt
    if block_from and block_to:
        document["block"] = [{"from": block_from, "to": block_to}]
    if targets:
        document["targets"] = targets
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def severity_from_text(text: str) -> float:
    return min(1.0, max(0.0, float(text)))


def use(text: str) -> None:
    """Make ``text`` the current scenario and run it."""
    st.session_state[TEXT] = text
    st.session_state[RAN] = text


st.title("Scenarios")
view = app_state.current()
view = view.at(app_state.horizon_control())
st.session_state.setdefault(KEPT, {})
countries = view.ids_of(NodeKind.COUNTRY.value)
every_supplier = view.ids_of(NodeKind.SUPPLIER.value)
# Suppliers offered in the builder: thousands of options were re-sent and redrawn on every
# click at 50,000 nodes. Those whose removal costs the industries most come first; any other
# goes in the YAML below (and one chosen through a link stays offered).
SUPPLIER_CHOICES = app_state.SUPPLIER_CHOICES
suppliers = every_supplier
if len(every_supplier) > SUPPLIER_CHOICES:
    suppliers = view.ids_by_importance(NodeKind.SUPPLIER.value)[:SUPPLIER_CHOICES]
    asked = set(st.session_state.get("suppliers") or st.query_params.get_all("suppliers"))
    suppliers += sorted(asked.difference(suppliers).intersection(every_supplier))
targets = view.targets()
label = lambda n: f"{view.name(n)} ({n})"  # noqa: E731

for key, default, options in [
        ("sc_name", "What-if", None), ("disrupt", [], countries), ("severity", 1.0, None),
        ("suppliers", [], suppliers), ("supplier_severity", 1.0, None),
        ("block_from", [], countries), ("block_to", [], countries),
        ("sc_targets", [], targets)]:
    app_state.from_url(key, default, options=options, many=isinstance(default, list),
                       cast=severity_from_text if isinstance(default, float) else str)
with st.form("build"):
    st.subheader("Build")
    name = st.text_input("Name", key="sc_name")
    left, right = st.columns(2)
    hit_countries = left.multiselect("Disrupt countries", countries, key="disrupt",
                                     format_func=label)
    severity = left.slider("Country severity", 0.0, 1.0, step=0.05, key="severity")
    hit_suppliers = right.multiselect(
        "Disrupt suppliers", suppliers, key="suppliers", format_func=label,
        help=None if suppliers is every_supplier else
        f"the {SUPPLIER_CHOICES:,} of {len(every_supplier):,} suppliers whose loss costs the "
        "industries most; name any other in the scenario YAML below")
    supplier_severity = right.slider("Supplier severity", 0.0, 1.0, step=0.05,
                                     key="supplier_severity")
    left, right = st.columns(2)
    block_from = left.multiselect("Block exports from", countries, key="block_from",
                                  format_func=label)
    block_to = right.multiselect("… to dependents in", countries, key="block_to",
                                 format_func=label)
    chosen_targets = st.multiselect("Targets", targets, key="sc_targets", format_func=label,
                                    placeholder="all industries")
    built = st.form_submit_button("Build and run", type="primary")
BUILDER_KEYS = ("sc_name", "disrupt", "severity", "suppliers", "supplier_severity",
                "block_from", "block_to", "sc_targets")
choices = (name or "", hit_countries, severity, hit_suppliers, supplier_severity, block_from,
           block_to, chosen_targets)
shared_yaml = st.query_params.get("yaml")
if TEXT not in st.session_state and shared_yaml:
    use(shared_yaml)  # a shared link to a loaded, edited or uploaded scenario
elif built or (TEXT not in st.session_state and any(choices[i] for i in (1, 3, 5, 6))):
    use(scenario_yaml(*choices))

st.subheader("Load, edit, save")
upload_col, example_col = st.columns(2)
with upload_col:
    uploaded = st.file_uploader("Load a scenario YAML", type=["yaml", "yml"])
    if uploaded is not None and st.session_state.get(UPLOADED) != uploaded.file_id:
        st.session_state[UPLOADED] = uploaded.file_id
        use(uploaded.getvalue().decode("utf-8", errors="replace"))
with example_col:
    examples = app_state.seed_scenarios()
    if examples:
        example = st.selectbox("… or a bundled example", list(examples), index=None)
        if example and st.button("Load example"):
            use(examples[example])
text = st.text_area("Scenario YAML", key=TEXT, height=220,
                    placeholder="name: My scenario\ndisrupt:\n  - {country: TW}")
run_col, save_col, keep_col = st.columns([1, 1, 2])
if run_col.button("Run", disabled=not text):
    st.session_state[RAN] = text
save_col.download_button("Save YAML", text or "", "scenario.yaml", "application/x-yaml",
                         disabled=not text)

ran = st.session_state.get(RAN)
# The URL names the scenario on screen: the builder's choices when they made it, else its text.
if ran and ran != scenario_yaml(*choices):
    for key in BUILDER_KEYS:
        st.query_params.pop(key, None)
    st.query_params["yaml"] = ran
else:
    st.query_params.pop("yaml", None)
    app_state.to_url(*BUILDER_KEYS)
try:
    result = view.run_scenario(ran) if ran else None
except ChokepointError as exc:
    app_state.show_error(exc)
    result = None
if result is not None:
    if keep_col.button(f"Keep “{app_state.plain(result.name)}” for comparison"):
        st.session_state[KEPT][result.name] = ran
    st.subheader(f"Impact of “{app_state.plain(result.name)}”")
    st.metric("Mean capacity loss over its targets", app_state.pct(result.mean_capacity_loss))
    st.caption("By region (targets' headquarters): " + "; ".join(
        f"{r} {n} target{'s' * (n != 1)} {app_state.pct(loss)}"
        for r, (n, loss) in result.loss_by_region().items()))
    impact = pd.DataFrame([{
        "target": app_state.shown(t.name), "region": result.regions.get(t.id, "?"),
        "capacity loss": t.capacity_loss,
        "availability": t.availability, "baseline": t.baseline, "change": t.change,
        "data": "incomplete" if t.unmodelled else "",
        "hit by": ", ".join(f"{app_state.shown(d.name)} ({d.cause}, {app_state.pct(d.loss)})"
                            for d in t.drivers[:5]),
        "why": " → ".join(app_state.shown(view.name(n)) for n in t.path),
        "id": t.id} for t in result.targets])
    st.dataframe(app_state.points(impact, "capacity loss", "availability", "baseline", "change"),
                 hide_index=True, column_config={
        "target": st.column_config.TextColumn(width="medium"),
        "capacity loss": app_state.pct_column(bar=True),
        "availability": app_state.pct_column(), "baseline": app_state.pct_column(),
        "change": app_state.pct_column(),
        "data": st.column_config.TextColumn(
            help="incomplete: the target depends on an item the data gives no inputs for"),
        "hit by": st.column_config.TextColumn(width="large"),
        "why": st.column_config.TextColumn("why (path through the binding inputs)",
                                           width="large")})

st.subheader("Compare")
kept = st.session_state[KEPT]
if len(kept) < 2:
    st.info("Keep two scenarios (run one, press “Keep … for comparison”, then another) to set "
            "them side by side.")
else:
    names = list(kept)
    first_col, second_col = st.columns(2)
    first = first_col.selectbox("First", names, index=0)
    second = second_col.selectbox("Second", names, index=1)
    table = view.compare(kept[first], kept[second])
    st.caption("Capacity loss per target; the difference is second minus first.")
    shares = ("first_capacity_loss", "second_capacity_loss", "capacity_loss_difference")
    st.dataframe(app_state.points(table, *shares), hide_index=True, column_config={
        "first_capacity_loss": app_state.pct_column(first),
        "second_capacity_loss": app_state.pct_column(second),
        "capacity_loss_difference": app_state.pct_column("difference")})
