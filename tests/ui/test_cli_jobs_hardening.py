"""`chokepoint jobs run` on hostile upstreams and jobs files, through the real command: a
download has a total deadline, numbers in the jobs file are checked, and credentials in a
source or webhook URL never reach the log, standard output, the history or the report."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graph.store import Store
from ui.cli import cli

SECRET = "PASSWORD"  # noqa: S105 - the credential the tests look for in every output


def chokepoint(store: Store, *args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, ["--store", store.url, *args], env=env)


def jobs_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "jobs.toml"
    path.write_text(body, encoding="utf-8")
    return path


def jobs_run(store: Store, path: Path, *args: str, **env: str) -> Result:
    return chokepoint(store, "jobs", "run", "--config", str(path), "--state-dir",
                      str(path.parent / "state"), *args, **env)


# -- numbers in the jobs file -------------------------------------------------------------------
@pytest.mark.parametrize("setting", ["timeout = inf", "timeout = 1e300", "timeout = nan",
                                     "backoff = inf", "retries = 9223372036854775807",
                                     "max_bytes = 0"])
def test_a_number_out_of_range_in_the_jobs_file_is_refused(store: Store, tmp_path: Path,
                                                           setting: str) -> None:
    key = setting.split()[0]
    path = jobs_file(tmp_path, '[[source]]\nname = "s"\nreader = "tabular"\n'
                     f'location = "x.json"\n{setting}\n')
    result = jobs_run(store, path)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    assert f"key {key!r}" in result.stderr and str(path) in result.stderr
    assert store.runs() == []


# -- a slow upstream ------------------------------------------------------------------------------
def _serve_slowly(server: socket.socket, head_fast: bool, stop: threading.Event) -> None:
    """Answer each connection one byte a second: the whole answer, or only the body."""
    body = b'{"nodes": [], "edges": []}' + b" " * 200
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n")
    while not stop.is_set():
        try:
            client, _ = server.accept()
        except OSError:
            return
        with client:
            client.recv(65536)
            if head_fast:
                client.sendall(head)
            for byte in (body if head_fast else head + body):
                if stop.wait(1.0):
                    return
                try:
                    client.sendall(bytes([byte]))
                except OSError:
                    break


@pytest.fixture(params=["status line", "body"])
def slow_url(request: pytest.FixtureRequest) -> Iterator[str]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.5)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                _serve_slowly(server, request.param == "body", stop)
            except TimeoutError:
                continue

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/slow.json"
    stop.set()
    server.close()
    thread.join(5)


@pytest.mark.slow
def test_a_download_trickling_in_a_byte_a_second_stops_at_its_timeout(
        store: Store, tmp_path: Path, slow_url: str) -> None:
    path = jobs_file(tmp_path, f'[[source]]\nname = "slow"\nreader = "tabular"\n'
                     f'location = "{slow_url}"\ntimeout = 3\nretries = 0\n')
    started = time.monotonic()
    result = jobs_run(store, path, "--format", "json")
    took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    run, = json.loads(result.stdout)
    assert run["status"] == "failed" and "3 s" in run["error"], run
    assert took < 8, f"the run took {took:.1f} s with timeout = 3"


# -- secrets --------------------------------------------------------------------------------------
def everything_shown(store: Store, result: Result, tmp_path: Path) -> str:
    if store.is_empty():  # a report needs a graph
        (tmp_path / "one.json").write_text(json.dumps(ONE_FAB), encoding="utf-8")
        filled = chokepoint(store, "ingest", "tabular", str(tmp_path / "one.json"))
        assert filled.exit_code == 0, filled.output
    history_json = chokepoint(store, "jobs", "history", "--format", "json")
    history_table = chokepoint(store, "jobs", "history")
    report = tmp_path / "report.md"
    written = chokepoint(store, "report", "--out", str(report))
    assert written.exit_code == 0, written.output
    return "\n".join([result.stdout, result.stderr, history_json.output,
                      history_table.output, report.read_text(encoding="utf-8")])


@pytest.mark.parametrize("location", [f"http://u:{SECRET}@127.0.0.1/ok.json",
                                      f"http://u:{SECRET}@127.0.0.1:9/ok.json?token={SECRET}x"])
def test_credentials_in_a_source_url_are_never_shown(store: Store, tmp_path: Path,
                                                     location: str) -> None:
    path = jobs_file(tmp_path, f'[[source]]\nname = "s"\nreader = "tabular"\n'
                     f'location = "{location}"\ntimeout = 2\nretries = 0\n')
    result = jobs_run(store, path)
    assert result.exit_code == 1, result.output
    shown = everything_shown(store, result, tmp_path)
    assert "127.0.0.1" in shown
    assert SECRET not in shown


@pytest.mark.parametrize("where", ["file", "environment"])
def test_credentials_in_a_webhook_url_are_never_shown(store: Store, tmp_path: Path,
                                                      where: str) -> None:
    hook = f"http://hook:{SECRET}@127.0.0.1/services/{SECRET}"
    setting = f'webhook = "{hook}"' if where == "file" else 'webhook_env = "HOOK"'
    path = jobs_file(tmp_path, '[[source]]\nname = "s"\nreader = "tabular"\n'
                     f'location = "absent.json"\nalert_on_failure = true\ntimeout = 2\n'
                     f'{setting}\n')
    result = jobs_run(store, path, HOOK=hook)
    assert result.exit_code == 1, result.output
    shown = everything_shown(store, result, tmp_path)
    assert "webhook" in shown
    assert SECRET not in shown


# -- a run killed after its commit ----------------------------------------------------------------
KILLED_AFTER_COMMIT = """
import os, sys, time
import ui.cli
import ui.context

opened = ui.context.open_configured_store

def open_and_pause_after_commit(url, *args, **kwargs):
    store = opened(url, *args, **kwargs)
    apply = store.apply

    def apply_then_pause(*args, **kwargs):
        result = apply(*args, **kwargs)
        print("committed", flush=True)
        time.sleep(600)
        return result

    store.apply = apply_then_pause
    return store

ui.context.open_configured_store = open_and_pause_after_commit
sys.argv[0] = "chokepoint"
ui.cli.main()
"""

ONE_FAB = {"nodes": [{"id": "cn-auto", "kind": "industry", "name": "CN automotive"},
                     {"id": "chip-x", "kind": "chip", "name": "Chip X"},
                     {"id": "fab-a", "kind": "supplier", "name": "Fab A"}],
           "edges": [{"from": "cn-auto", "to": "chip-x", "kind": "requires"},
                     {"from": "chip-x", "to": "fab-a", "kind": "supplied_by"}]}


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    posts: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 -- the name http.server calls
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", posts
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_a_run_killed_after_its_commit_gets_its_report_and_alert_from_the_next_run(
        store: Store, tmp_path: Path, webhook: tuple[str, list[dict]]) -> None:
    import os
    import signal
    import subprocess
    import sys

    url, posts = webhook
    (tmp_path / "one.json").write_text(json.dumps(ONE_FAB), encoding="utf-8")
    path = jobs_file(tmp_path, '[[source]]\nname = "fabs"\nreader = "tabular"\n'
                     f'location = "one.json"\nwebhook = "{url}"\n')
    args = ["--store", store.url, "jobs", "run", "--config", str(path), "--state-dir",
            str(tmp_path / "state")]
    repo = Path(__file__).resolve().parents[2]
    child = subprocess.Popen([sys.executable, "-c", KILLED_AFTER_COMMIT, *args], text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(repo)})
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("committed"), child.communicate()[1][-3000:]
        os.kill(child.pid, signal.SIGKILL)
        child.wait(60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert posts == []
    killed, = store.runs("fabs")
    assert killed.status == "ok"

    result = jobs_run(store, path, "--format", "json")
    assert result.exit_code == 0, result.output
    runs = {r.run_id: r for r in store.runs("fabs")}
    late = runs[killed.run_id]
    assert {"target": "cn-auto", "node": "fab-a"} in late.details["new_spofs"]
    assert late.details.get("alerted") is True
    assert [p["run_id"] for p in posts] == [killed.run_id]


def test_credentials_in_a_source_url_are_sent_as_basic_authentication(
        store: Store, tmp_path: Path) -> None:
    import base64
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = json.dumps(ONE_FAB).encode()
    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 -- the name http.server calls
            auth = self.headers.get("Authorization")
            seen.append((self.path, auth))
            if auth != "Basic " + base64.b64encode(f"u:{SECRET}".encode()).decode():
                self.send_error(401)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        location = f"http://u:{SECRET}@127.0.0.1:{server.server_address[1]}/fabs.json"
        path = jobs_file(tmp_path, '[[source]]\nname = "s"\nreader = "tabular"\n'
                         f'location = "{location}"\nretries = 0\n')
        result = jobs_run(store, path)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert seen and seen[0][0] == "/fabs.json"
    assert SECRET not in everything_shown(store, result, tmp_path)
