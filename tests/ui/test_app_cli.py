"""`chokepoint ui`: starts Streamlit on the chosen store, headless off a desktop."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from graph.sqlite_store import SQLiteStore
from ui import cli_app
from ui.cli import cli


def run_ui(monkeypatch, *args: str, display: str | None = None):
    calls = []
    # the command imports subprocess when it starts the server: its ``call`` is replaced
    monkeypatch.setattr(subprocess, "call",
                        lambda command, env: calls.append((command, env)) or 0)
    monkeypatch.setattr(cli_app.sys, "platform", "linux")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if display:
        monkeypatch.setenv("DISPLAY", display)
    else:
        monkeypatch.delenv("DISPLAY", raising=False)
    result = CliRunner().invoke(cli, ["ui", *args], catch_exceptions=False)
    return result, calls


def existing_store(folder: Path) -> str:
    SQLiteStore(folder / "g.db").close()
    return str(folder / "g.db")


def test_ui_serves_the_given_store_headless_without_a_display(monkeypatch, tmp_path):
    store = existing_store(tmp_path)
    result, calls = run_ui(monkeypatch, "--store", store, "--port", "8600")
    assert result.exit_code == 0, result.output
    (command, env), = calls
    assert command[command.index("--server.port") + 1] == "8600"
    assert command[command.index("--server.headless") + 1] == "true"
    assert command[3:5] == ["run", str(cli_app.APP)]
    assert env["CHOKEPOINT_STORE"] == store
    assert "read-only" in result.output


def test_ui_opens_a_browser_on_a_desktop(monkeypatch, tmp_path):
    _, calls = run_ui(monkeypatch, "--store", existing_store(tmp_path), display=":0")
    command = calls[0][0]
    assert command[command.index("--server.headless") + 1] == "false"


def test_ui_says_when_uploads_are_allowed(monkeypatch, tmp_path):
    monkeypatch.setenv(cli_app.INGEST_ENV, "1")
    result, _ = run_ui(monkeypatch, "--store", str(tmp_path / "g.db"), "--headless")
    assert "uploads allowed" in result.output


def test_ui_refuses_a_store_that_does_not_exist_unless_uploads_may_fill_it(monkeypatch,
                                                                         tmp_path):
    result, calls = run_ui(monkeypatch, "--store", str(tmp_path / "typo.db"))
    assert result.exit_code == 1 and not calls
    assert "no store at" in result.output and not (tmp_path / "typo.db").exists()
