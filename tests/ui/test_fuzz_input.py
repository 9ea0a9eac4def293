"""Generated malformed input through the real command: tabular folders and documents, scenario
files and jobs files.  Whatever comes in, the command succeeds or refuses it (exit 2) with a
message — never an internal error — and a refused ingest leaves the store as it was."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.sqlite_store import SQLiteStore
from ui.cli import cli

GOOD_NODES = ("id,kind,name,country\nh100,chip,H100,\ntsmc,supplier,TSMC,TW\nTW,country,Taiwan,\n"
              "cn-auto,industry,CN automotive,\n")
GOOD_EDGES = "from,to,kind,share\ncn-auto,h100,REQUIRES,\nh100,tsmc,SUPPLIED_BY,1.0\n"
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# Pieces malformed input is made of: the format's own words, numbers at and past their limits,
# quoting, markup, control characters and the YAML and JSON constructs hostile files use.
TOKENS = st.sampled_from([
    "id", "kind", "name", "from", "to", "share", "group", "min_required", "country", "as_of",
    "failure_probability", "chip", "supplier", "country", "industry", "REQUIRES", "SUPPLIED_BY",
    "LOCATED_IN", "h100", "tsmc", "TW", "AB", "cn-auto", "", " ", ",", '"', '""', "\n", "\r\n",
    "0", "1", "-1", "0.5", "1e30", "1e309", str(2**63), "NaN", "inf", "-inf", "60%", "2024-13-01",
    "[/]", "[link=x]y[/link]", "\x1b[2J", "\x00", "\ufeff", "&a", "*a", "[", "]", "{", "}", ":",
    "- ", "#", "true", "null", "~",
])
TEXT = st.lists(st.one_of(TOKENS, st.text(max_size=6)), max_size=40).map("".join)
NUMBERS = st.one_of(st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=8), st.booleans(), st.none())


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="chokepoint-fuzz-"))
    good = folder / "good"
    good.mkdir()
    (good / "nodes.csv").write_text(GOOD_NODES, encoding="utf-8")
    (good / "edges.csv").write_text(GOOD_EDGES, encoding="utf-8")
    assert run(folder / "graph.db", "ingest", "tabular", str(good), "--source",
               "fuzz").exit_code == 0
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(db), *args])


def state(db: Path) -> tuple:
    with SQLiteStore(db) as store:
        return store.snapshot()


def assert_success_or_refused(result: Result) -> None:
    assert result.exit_code in (0, 2), (result.exit_code, result.output[-2000:])
    assert "internal error" not in result.output, result.output[-2000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)


def ingest_and_check(workspace: Path, path: Path) -> None:
    db = workspace / "graph.db"
    before = state(db)
    result = run(db, "ingest", "tabular", str(path), "--source", "fuzz")
    assert_success_or_refused(result)
    if result.exit_code == 2:
        assert state(db) == before
    else:  # put the good graph back for the next example
        assert run(db, "ingest", "tabular", str(workspace / "good"), "--source",
                   "fuzz").exit_code == 0


@SETTINGS
@given(nodes=TEXT, edges=TEXT, keep_header=st.booleans())
def test_generated_csv_folders(workspace: Path, nodes: str, edges: str,
                               keep_header: bool) -> None:
    folder = workspace / "csv"
    folder.mkdir(exist_ok=True)
    (folder / "nodes.csv").write_text((GOOD_NODES if keep_header else "") + nodes,
                                      encoding="utf-8", errors="surrogatepass")
    (folder / "edges.csv").write_text((GOOD_EDGES if keep_header else "") + edges,
                                      encoding="utf-8", errors="surrogatepass")
    ingest_and_check(workspace, folder)


GOOD_DOC = {
    "nodes": [{"id": "h100", "kind": "chip", "name": "H100"},
              {"id": "tsmc", "kind": "supplier", "name": "TSMC", "country": "TW"},
              {"id": "TW", "kind": "country", "name": "Taiwan"},
              {"id": "cn-auto", "kind": "industry", "name": "CN automotive"}],
    "edges": [{"from": "cn-auto", "to": "h100", "kind": "REQUIRES"},
              {"from": "h100", "to": "tsmc", "kind": "SUPPLIED_BY", "share": 1.0}],
}
FIELDS = st.sampled_from(["id", "kind", "name", "from", "to", "share", "group", "min_required",
                          "country", "failure_probability", "min_supply_share", "blockable",
                          "as_of", "extra"])
# Changes to the good document: (list, row, field, value); a row past the end is a new row.
CHANGES = st.lists(st.tuples(st.sampled_from(["nodes", "edges"]), st.integers(0, 5), FIELDS,
                             st.one_of(NUMBERS, TOKENS)), max_size=5)


@SETTINGS
@given(changes=CHANGES, suffix=st.sampled_from([".json", ".yaml"]), wrap=st.integers(0, 1))
def test_generated_documents(workspace: Path, changes: list, suffix: str, wrap: int) -> None:
    doc = json.loads(json.dumps(GOOD_DOC))
    for table, row, field, value in changes:
        rows = doc[table]
        if row >= len(rows):
            rows.append({})
            row = len(rows) - 1
        rows[row][field] = value
    text = json.dumps([doc] if wrap else doc)  # JSON is YAML too; NaN comes out bare
    path = workspace / f"doc{suffix}"
    path.write_text(text, encoding="utf-8")
    ingest_and_check(workspace, path)


@SETTINGS
@given(text=TEXT)
def test_generated_documents_from_raw_text(workspace: Path, text: str) -> None:
    for suffix in (".json", ".yaml"):
        path = workspace / f"raw{suffix}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        ingest_and_check(workspace, path)


SCENARIO_KEYS = st.sampled_from(["name", "description", "disrupt", "block", "targets",
                                 "country", "node", "supplier", "severity", "from", "to"])
SCENARIO = st.recursive(st.one_of(NUMBERS, TOKENS),
                        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                st.dictionaries(SCENARIO_KEYS, inner,
                                                                max_size=4)),
                        max_leaves=12)


@SETTINGS
@given(doc=SCENARIO, raw=TEXT, use_raw=st.booleans())
def test_generated_scenarios(workspace: Path, doc: object, raw: str, use_raw: bool) -> None:
    path = workspace / "scenario.yaml"
    text = raw if use_raw else json.dumps(doc)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = run(workspace / "graph.db", "scenario", "run", str(path))
    assert_success_or_refused(result)


JOB_KEYS = st.sampled_from(["name", "reader", "schedule", "retries", "timeout",
                            "backoff", "max_bytes", "webhook", "webhook_env",
                            "alert_on_failure", "priority", "bogus"])
TOML_VALUES = st.one_of(st.integers(-2**63, 2**63 - 1).map(str),
                        st.sampled_from(["inf", "-inf", "nan", "1e300", "0", "-1", "0.0", "true",
                                         "[]", "{}", '"0 3 * * *"', '"* * *"', '"tabular"',
                                         '"nope"', '"good"', '"http://u:p@127.0.0.1:9/x"',
                                         '"ftp://x"', '""']),
                        st.text(max_size=10).map(json.dumps))


@SETTINGS
@given(entries=st.lists(st.tuples(JOB_KEYS, TOML_VALUES), max_size=8), extra=TEXT,
       use_extra=st.booleans())
def test_generated_jobs_files(workspace: Path, entries: list, extra: str,
                              use_extra: bool) -> None:
    """The source's file is good (its location is never changed), so a jobs file that is
    accepted runs to success."""
    lines = ["[[source]]", 'name = "s"', 'reader = "tabular"',
             f'location = "{workspace / "good"}"', "retries = 0", "timeout = 2"]
    given_keys = {"name", "reader", "location", "retries", "timeout"}
    for key, value in entries:
        if key in given_keys:
            lines = [line for line in lines if not line.startswith(f"{key} =")]
        given_keys.add(key)
        lines.append(f"{key} = {value}")
    if use_extra:
        lines.append(extra)
    path = workspace / "jobs.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    db = workspace / "jobs.db"
    result = run(db, "jobs", "run", "--config", str(path), "--state-dir",
                 str(workspace / "state"))
    assert_success_or_refused(result)
