"""Alerts about job runs: the text people read, and the JSON posted to a webhook."""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Callable
from http.client import HTTPException
from typing import Any

from graph.store import RunRecord
from graph.urls import redact_text, redact_url
from ingest.jobs.web import DeadlinePassed, open_url

__all__ = ["ALERT_KEYS", "alert_text", "alert_payload", "post"]

ALERT_KEYS = ("new_spofs", "threshold_crossings")
"""Run details that, when not empty, make a run post an alert."""


def alert_text(run: RunRecord) -> str:
    if run.status != "ok":
        return f"chokepoint: ingest of source {run.source!r} failed: {run.error}"
    parts = [f"chokepoint: source {run.source!r} refreshed ({run.added} added, "
             f"{run.removed} removed, {run.changed} changed)"]
    spofs = run.details.get("new_spofs") or []
    if spofs:
        shown = "; ".join(f"{s['node']} for {s['target']}" for s in spofs[:10])
        parts.append(f"{len(spofs)} new single point(s) of failure: {shown}")
    conflicts = run.details.get("new_conflicts") or 0
    if conflicts:
        parts.append(f"{conflicts} new conflict(s) between sources (see `chokepoint "
                     "conflicts`)")
    crossings = run.details.get("threshold_crossings") or []
    if crossings:
        shown = "; ".join(f"{c['item']} {c['measure']} {_hhi(c['before'])} → "
                          f"{_hhi(c['after'])}" for c in crossings[:10])
        parts.append(f"{len(crossings)} concentration threshold crossing(s): {shown}")
    return ". ".join(parts) + "."


def _hhi(value: float | None) -> str:
    return "none" if value is None else f"{value:,.0f}"


def alert_payload(run: RunRecord) -> dict[str, Any]:
    """Slack-compatible (``text``), with the run's facts as fields for other receivers."""
    facts = {k: v for k, v in run.as_dict().items() if k != "webhook_error"}
    return {"text": alert_text(run), **facts}


def post(url: str, payload: dict[str, Any], timeout: float,
         sleep: Callable[[float], None]) -> str | None:
    """POST ``payload`` as JSON, one retry; returns the error (its URL and any credentials
    redacted), or ``None`` on success."""
    body = json.dumps(payload, default=str).encode()
    error = None
    for attempt in range(2):
        try:
            with open_url(url, timeout, data=body, method="POST",
                          headers={"Content-Type": "application/json"}) as response:
                response.read()
            return None
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code} {exc.reason}"
        except DeadlinePassed as exc:
            error = str(exc)
        except (OSError, HTTPException) as exc:
            error = str(getattr(exc, "reason", exc))
        if attempt == 0:
            sleep(1.0)
    shown = redact_text(str(error), url, keep_path=False)
    return f"webhook {redact_url(url, keep_path=False)}: {shown}"
