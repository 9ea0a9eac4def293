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
