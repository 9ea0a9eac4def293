"""Scheduled ingest runs against a local HTTP server, on every store.

The upstream is a real ``http.server`` on 127.0.0.1 whose documents the tests change between
runs; the change report uses the real SPOF and concentration analysis.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from graph.errors import ConcurrentRunError
from graph.store import RunRecord, Store
from ingest.jobs import JobLock, JobsConfig, SourceJob, load_jobs_config, run_jobs, serve
from ui.jobs_runner import AnalysisChanges

GRAPH_TESTS = Path(__file__).resolve().parents[1] / "graph"


# -- the upstream server ----------------------------------------------------------------------
@dataclass
class Upstream:
    """What the local server serves, and what it was asked."""

    files: dict[str, bytes] = field(default_factory=dict)
    fail_first: dict[str, list[int]] = field(default_factory=dict)  # statuses to answer first
    content_types: dict[str, str] = field(default_factory=dict)
    webhook_status: int = 200
    gets: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve_document(self, path: str, document: dict[str, Any]) -> None:
        self.files[path] = json.dumps(document).encode()


def _handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 -- the name http.server calls
            path = self.path.split("?")[0]
            upstream.gets.append((path, dict(self.headers)))
            failures = upstream.fail_first.get(path)
            if failures:
                self.send_error(failures.pop(0))
                return
            body = upstream.files.get(path)
            if body is None:
                self.send_error(404)
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Type",
                             upstream.content_types.get(path, "application/json"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            upstream.posts.append(json.loads(self.rfile.read(length)))
            self.send_response(upstream.webhook_status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    state = Upstream()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


# -- documents and helpers --------------------------------------------------------------------
def supply_document(*fabs: str) -> dict[str, Any]:
    """The car industry requires chip X, which the given fabs supply in equal shares."""
    nodes = [{"id": "cn-auto", "kind": "industry", "name": "CN automotive"},
             {"id": "chip-x", "kind": "chip", "name": "Chip X"}]
    nodes += [{"id": fab, "kind": "supplier", "name": fab.upper()} for fab in fabs]
    edges = [{"from": "cn-auto", "to": "chip-x", "kind": "requires"}]
    edges += [{"from": "chip-x", "to": fab, "kind": "supplied_by", "share": 1 / len(fabs)}
              for fab in fabs]
    return {"nodes": nodes, "edges": edges}


FIVE_FABS = supply_document("fab-a", "fab-b", "fab-c", "fab-d", "fab-e")  # HHI 2,000
ONE_FAB = supply_document("fab-a")  # HHI 10,000; fab-a becomes a SPOF


def job(name: str, location: str, **settings: Any) -> SourceJob:
    return SourceJob(name=name, reader="tabular", location=location,
                     **{"backoff": 0.0, **settings})


def run(store: Store, tmp_path: Path, *jobs: SourceJob, sleep: Any = None) -> list[RunRecord]:
    config = JobsConfig(tmp_path / "jobs.toml", tuple(jobs))
    return run_jobs(config, store, state_dir=tmp_path / "state", reporter=AnalysisChanges(),
                    sleep=sleep or (lambda seconds: None))


def recorded(store: Store, run: RunRecord) -> RunRecord:
    """The store's record of ``run`` (runs started in the same second have no fixed order)."""
    return next(r for r in store.runs(run.source) if r.run_id == run.run_id)


def graph_state(store: Store) -> tuple[list[Any], list[Any]]:
    return store.nodes(), store.relationships()


# -- runs ---------------------------------------------------------------------------------------
def test_a_changed_upstream_file_is_recorded_as_a_diff_naming_the_new_spof(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    suppliers = job("suppliers", upstream.url("/suppliers.json"))
    first, = run(store, tmp_path, suppliers)
    assert (first.status, first.added) == ("ok", 13)
    assert first.details["new_spofs"] == [{"target": "cn-auto", "node": "chip-x"}]

    upstream.serve_document("/suppliers.json", ONE_FAB)
    second, = run(store, tmp_path, suppliers)
    assert (second.status, second.added, second.removed) == ("ok", 0, 8)
    assert second.details["new_spofs"] == [{"target": "cn-auto", "node": "fab-a"}]
    assert second.details["resolved_spofs"] == []
    crossing, = second.details["threshold_crossings"]
    assert crossing["item"] == "chip-x" and crossing["direction"] == "up"
    assert round(crossing["before"]) == 2000 and round(crossing["after"]) == 10000
    assert recorded(store, second) == second


def test_an_unchanged_upstream_is_an_ok_run_with_nothing_counted(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    suppliers = job("suppliers", upstream.url("/suppliers.json"))
    run(store, tmp_path, suppliers)
    again, = run(store, tmp_path, suppliers)
    assert upstream.gets[-1][1].get("If-None-Match")
    assert (again.status, again.added, again.removed, again.changed) == ("ok", 0, 0, 0)
    assert again.details["unchanged"] is True


def test_a_cleared_store_does_not_trust_the_cached_etag(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    suppliers = job("suppliers", upstream.url("/suppliers.json"))
    run(store, tmp_path, suppliers)
    store.clear()
    again, = run(store, tmp_path, suppliers)
    assert "If-None-Match" not in upstream.gets[-1][1]
    assert again.added == 13


@pytest.mark.parametrize(("path", "body", "error"), [
    pytest.param("/absent.json", None, "HTTP 404", id="missing upstream file"),
    pytest.param("/broken.json", b'{"nodes": [', "malformed JSON", id="malformed JSON"),
    pytest.param("/bad.json", json.dumps({"nodes": [{"id": "x", "kind": "spaceship",
                                                      "name": "X"}], "edges": []}).encode(),
                 "unknown node kind", id="invalid records"),
    pytest.param("/empty.json", b"", "file is empty", id="empty file"),
])
def test_a_bad_upstream_file_is_a_failed_run_and_leaves_the_graph_untouched(
        store: Store, upstream: Upstream, tmp_path: Path, path: str, body: bytes | None,
        error: str) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    run(store, tmp_path, job("suppliers", upstream.url("/suppliers.json")))
    before = graph_state(store)
    if body is not None:
        upstream.files[path] = body
    failed, = run(store, tmp_path, job("suppliers", upstream.url(path)))
    assert failed.status == "failed" and error in (failed.error or "")
    assert graph_state(store) == before
    assert recorded(store, failed).status == "failed"


def test_one_failing_source_does_not_stop_the_others(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/good.json", FIVE_FABS)
    records = run(store, tmp_path, job("broken", upstream.url("/absent.json")),
                  job("good", upstream.url("/good.json")))
    assert [(r.source, r.status) for r in records] == [("broken", "failed"), ("good", "ok")]
    assert len(store.nodes()) == 7


def test_transient_errors_are_retried_with_exponential_backoff(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    upstream.fail_first["/suppliers.json"] = [503, 502]
    waits: list[float] = []
    done, = run(store, tmp_path, job("s", upstream.url("/suppliers.json"), backoff=0.5),
                sleep=waits.append)
    assert done.status == "ok" and done.details["attempts"] == 3
    assert waits == [0.5, 1.0]


def test_a_source_that_keeps_failing_gives_up_after_its_retries(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    upstream.fail_first["/suppliers.json"] = [503] * 5
    failed, = run(store, tmp_path, job("s", upstream.url("/suppliers.json"), retries=2))
    assert failed.status == "failed"
    assert "gave up after 3 attempts" in (failed.error or "")
    assert len(upstream.gets) == 3


def test_a_client_error_is_not_retried(store: Store, upstream: Upstream,
                                       tmp_path: Path) -> None:
    run(store, tmp_path, job("s", upstream.url("/absent.json"), retries=4))
    assert len(upstream.gets) == 1


def test_a_download_above_the_size_limit_is_refused(store: Store, upstream: Upstream,
                                                   tmp_path: Path) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    failed, = run(store, tmp_path, job("s", upstream.url("/suppliers.json"), max_bytes=100))
    assert failed.status == "failed" and "above the limit of 100" in (failed.error or "")
    assert store.is_empty()


def test_the_format_comes_from_the_content_type_when_the_url_has_no_suffix(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/export", FIVE_FABS)
    upstream.content_types["/export"] = "application/json; charset=utf-8"
    done, = run(store, tmp_path, job("s", upstream.url("/export?format=json")))
    assert done.status == "ok", done.error
    assert done.origin == upstream.url("/export?…")


def test_a_local_path_is_a_location_too(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "suppliers.json"
    path.write_text(json.dumps(FIVE_FABS), encoding="utf-8")
    done, = run(store, tmp_path, job("s", str(path)))
    assert (done.status, done.added, done.origin) == ("ok", 13, str(path))


def test_a_source_ranks_by_its_priority_and_its_new_conflicts_are_counted(
        store: Store, tmp_path: Path) -> None:
    curated, survey = tmp_path / "curated.json", tmp_path / "survey.json"
    curated.write_text(json.dumps(FIVE_FABS), encoding="utf-8")
    renamed = supply_document("fab-a", "fab-b", "fab-c", "fab-d", "fab-e")
    renamed["nodes"][1]["name"] = "Chip X (survey spelling)"
    survey.write_text(json.dumps(renamed), encoding="utf-8")
    first, second = run(store, tmp_path, job("curated", str(curated), priority=50),
                        job("survey", str(survey), priority=5))
    assert (first.details["new_conflicts"], second.details["new_conflicts"]) == (0, 1)
    assert {n.id: n.name for n in store.nodes()}["chip-x"] == "Chip X"
    again, = run(store, tmp_path, job("survey", str(survey), priority=5))
    assert again.details["new_conflicts"] == 0
    assert recorded(store, second).details["new_conflicts"] == 1


# -- alerts -------------------------------------------------------------------------------------
def test_the_alert_text_counts_new_conflicts() -> None:
    from ingest.jobs.alerts import alert_text

    run_record = RunRecord("r", "survey", "2026-01-01", status="ok",
                           details={"new_conflicts": 3})
    assert "3 new conflict(s) between sources" in alert_text(run_record)


def test_a_new_spof_is_posted_to_the_webhook_as_a_slack_compatible_summary(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    suppliers = job("suppliers", upstream.url("/suppliers.json"),
                    webhook=upstream.url("/hooks/T0/secret"))
    run(store, tmp_path, suppliers)
    upstream.serve_document("/suppliers.json", ONE_FAB)
    done, = run(store, tmp_path, suppliers)
    payload = upstream.posts[-1]
    assert "fab-a for cn-auto" in payload["text"]
    assert payload["source"] == "suppliers"
    assert payload["new_spofs"] == [{"target": "cn-auto", "node": "fab-a"}]
    assert done.details["alerted"] is True


def test_a_failing_webhook_is_recorded_and_not_fatal(
        store: Store, upstream: Upstream, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    upstream.serve_document("/suppliers.json", ONE_FAB)
    upstream.webhook_status = 500
    done, = run(store, tmp_path, job("s", upstream.url("/suppliers.json"),
                                     webhook=upstream.url("/hooks/T0/secret")))
    assert done.status == "ok"
    assert len(upstream.posts) == 2  # one retry
    assert "HTTP 500" in done.details["webhook_error"]
    assert recorded(store, done).details["webhook_error"] == done.details["webhook_error"]
    assert "secret" not in caplog.text and "secret" not in done.details["webhook_error"]


def test_no_alert_is_posted_when_nothing_new_was_found(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    suppliers = job("s", upstream.url("/suppliers.json"), webhook=upstream.url("/hook"))
    run(store, tmp_path, suppliers)
    upstream.posts.clear()
    upstream.serve_document("/suppliers.json", supply_document("fab-a", "fab-b", "fab-c",
                                                               "fab-d", "fab-f"))
    done, = run(store, tmp_path, suppliers)
    assert done.added == 2 and upstream.posts == []


def test_a_failure_is_posted_when_the_source_asks_for_it(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    run(store, tmp_path, job("s", upstream.url("/absent.json"), alert_on_failure=True,
                             webhook=upstream.url("/hook")))
    assert "ingest of source 's' failed: " in upstream.posts[-1]["text"]


# -- locking and interrupted runs ---------------------------------------------------------------
def test_a_held_lock_stops_a_second_run_before_it_writes(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    config = JobsConfig(tmp_path / "jobs.toml", (job("s", upstream.url("/suppliers.json")),))
    run(store, tmp_path, *config.sources)  # creates the state folder
    lock_file, = (tmp_path / "state" / "jobs").glob("*/lock")
    runs_before = store.runs()
    with JobLock(lock_file), pytest.raises(ConcurrentRunError, match="holds the lock"):
        run_jobs(config, store, state_dir=tmp_path / "state")
    assert store.runs() == runs_before and upstream.gets[1:] == []


def test_a_run_left_running_by_a_dead_process_is_marked_failed(
        store: Store, tmp_path: Path) -> None:
    store.record_run(RunRecord("dead-1", "s", "2026-01-01T03:00:00+00:00",
                               details={"trigger": "jobs"}))
    path = tmp_path / "s.json"
    path.write_text(json.dumps(FIVE_FABS), encoding="utf-8")
    run(store, tmp_path, job("s", str(path)))
    dead = next(r for r in store.runs("s") if r.run_id == "dead-1")
    assert dead.status == "failed" and (dead.error or "").startswith("interrupted")


# -- the schedule -------------------------------------------------------------------------------
def test_serve_runs_a_source_when_its_schedule_comes_due(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(FIVE_FABS), encoding="utf-8")
    config = JobsConfig(tmp_path / "jobs.toml",
                        (job("s", str(path), schedule="*/5 * * * *"), job("manual", str(path))))
    now = [1_700_000_100.0 - 1.0]  # one second before a five-minute mark
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        now[0] += seconds
        return len(waits) > 1  # stop at the second wait

    after: list[list[RunRecord]] = []
    serve(config, store, state_dir=tmp_path / "state", clock=lambda: now[0], wait=wait,
          after_run=after.append)
    assert waits == [1.0, 300.0]
    assert [(r.source, r.status) for r in store.runs()] == [("s", "ok")]
    assert [[r.run_id for r in records] for records in after] == [[store.runs()[0].run_id]]


# -- killed and concurrent `chokepoint jobs run` processes --------------------------------------
# The child wraps the store's writer with the kill-atomicity test's helper: after the first row
# goes into the open transaction it prints "paused" and blocks, so the kill is surely mid-write.
PAUSED_CHILD = f"""
import sys
sys.path.insert(0, {str(GRAPH_TESTS)!r})
from apply_big_batch import PauseAfter, install_pause
import ui.cli
import ui.context

opened = ui.context.open_configured_store

def open_paused(url, **options):
    store = opened(url, **options)
    install_pause(store, PauseAfter(1))
    return store

ui.context.open_configured_store = open_paused
sys.argv[0] = "chokepoint"
ui.cli.main()
"""


def jobs_run_args(store: Store, config: Path, state: Path) -> list[str]:
    return ["--store", store.url, "jobs", "run", "--config", str(config),
            "--state-dir", str(state), "--format", "json"]


def chokepoint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def wait_for_pause(child: subprocess.Popen[str]) -> None:
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], 180)
    line = child.stdout.readline() if ready else ""
    if not line.startswith("paused"):
        child.kill()
        raise AssertionError(f"child did not pause: {line!r} {child.communicate()[1][-3000:]}")


@pytest.mark.slow
def test_a_killed_run_leaves_the_graph_as_before_and_a_concurrent_run_does_not_write(
        store: Store, upstream: Upstream, tmp_path: Path) -> None:
    upstream.serve_document("/suppliers.json", FIVE_FABS)
    config_path = tmp_path / "jobs.toml"
    config_path.write_text(f'[[source]]\nname = "suppliers"\nreader = "tabular"\n'
                           f'location = "{upstream.url("/suppliers.json")}"\n', encoding="utf-8")
    args = jobs_run_args(store, config_path, tmp_path / "state")
    assert chokepoint(*args).returncode == 0
    before = graph_state(store)

    upstream.serve_document("/suppliers.json", ONE_FAB)
    child = subprocess.Popen([sys.executable, "-c", PAUSED_CHILD, *args], text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        wait_for_pause(child)
        concurrent = chokepoint(*args)
        assert concurrent.returncode == 3, concurrent.stderr
        assert "holds the lock" in concurrent.stderr
        assert graph_state(store) == before
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    assert graph_state(store) == before

    rerun = chokepoint(*args)
    assert rerun.returncode == 0, rerun.stderr
    finished = json.loads(rerun.stdout)[0]
    assert finished["new_spofs"] == [{"target": "cn-auto", "node": "fab-a"}]
    assert [n.id for n in store.nodes()] == ["chip-x", "cn-auto", "fab-a"]
    statuses = sorted((r.status, (r.error or "")[:11]) for r in store.runs("suppliers"))
    assert statuses == [("failed", "interrupted"), ("ok", ""), ("ok", "")]


def test_serve_needs_a_scheduled_source(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "jobs.toml"
    path.write_text('[[source]]\nname = "s"\nreader = "tabular"\nlocation = "x.json"\n',
                    encoding="utf-8")
    with pytest.raises(Exception, match="no source has a 'schedule'"):
        serve(load_jobs_config(path), store)
