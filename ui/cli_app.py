"""`chokepoint ui`: start the Streamlit app on the configured store."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from graph.open import STORE_ENV
from graph.urls import redact_url
from ui.output import echo

__all__ = ["ui_command", "has_desktop", "ingest_allowed", "INGEST_ENV"]

APP = Path(__file__).resolve().parent / "app.py"
INGEST_ENV = "CHOKEPOINT_APP_ALLOW_INGEST"
"""Set to 1 to let the app's Data page ingest uploaded files (it is read-only otherwise)."""


def ingest_allowed() -> bool:
    return os.environ.get(INGEST_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def has_desktop() -> bool:
    """Whether a browser can be opened here: macOS, Windows, or a Linux display."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def streamlit_command(port: int, address: str, headless: bool) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.port", str(port), "--server.address", address,
            "--server.headless", "true" if headless else "false",
            "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]


@click.command("ui")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535),
              help="Port to serve the app on.")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 to serve other machines).")
@click.option("--store", "store_url", metavar="URL",
              help="The store to open (as the global --store; default: $CHOKEPOINT_STORE, "
                   "else the embedded store, seeded on first use).")
@click.option("--headless/--browser", default=None,
              help="Do not open / do open a browser (default: open one on a desktop).")
@click.pass_obj
def ui_command(settings: Any, port: int, address: str, store_url: str | None,
               headless: bool | None) -> None:
    """Start the web app: explore the graph, find chokepoints, run what-ifs, download
    reports.  Read-only unless CHOKEPOINT_APP_ALLOW_INGEST=1 is set."""
    if store_url:
        settings.store_url = store_url
    # Opens (and on first use seeds) the store before serving it; a store file that does not
    # exist is created only when the app may fill it.
    store = settings.store_to_write if ingest_allowed() else settings.store
    if store.is_empty():
        echo(f"note: the store is empty; {settings.how_to_fill()}.", err=True)
    env = dict(os.environ)
    if settings.store_url:
        env[STORE_ENV] = settings.store_url
    headless = not has_desktop() if headless is None else headless
    mode = "uploads allowed" if ingest_allowed() else "read-only"
    echo(f"chokepoint app on http://{address}:{port} · store {redact_url(store.url)} · "
               f"{mode}", err=True)
    settings.close()
    import subprocess

    code = subprocess.call(streamlit_command(port, address, headless), env=env)
    if code:
        raise click.exceptions.Exit(code)
