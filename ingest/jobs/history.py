"""What past job runs left behind: the last run that applied content, runs left shown as
running by a process that died, and the analysis before a run whose change report and alert
are still to be made (kept on disk until they are, so a run killed after its commit gets them
from the next run)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from graph.store import Store, utc_now

__all__ = ["INTERRUPTED", "last_content_run", "close_interrupted_runs", "PendingReports"]

log = logging.getLogger("chokepoint.jobs")

INTERRUPTED = "interrupted: the run ended before it finished (killed or crashed); the graph " \
               "was left as before it"


def last_content_run(store: Store, source: str) -> str | None:
    """The id of the newest successful run of ``source`` that applied content."""
    for run in store.runs(source):
        if run.status == "ok" and not run.details.get("unchanged"):
            return run.run_id
    return None



def close_interrupted_runs(store: Store, names: Iterable[str]) -> None:
    """Mark earlier job runs still shown as running (their process died) as failed."""
    for name in names:
        for run in store.runs(name, limit=20):
            if run.status == "running" and run.details.get("trigger") == "jobs":
                store.record_run(replace(run, status="failed", finished=utc_now(),
                                         error=INTERRUPTED))
                log.warning("%s: run %s had been interrupted", name, run.run_id)


class PendingReports:
    """Per source, the run id and the analysis (as JSON) before a run whose change report
    and alert are not done yet."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, source: str) -> Path:
        return self.folder / f"pending-{hashlib.sha256(source.encode()).hexdigest()[:16]}.json"

    def save(self, source: str, run_id: str, before: Any) -> None:
        path = self._path(source)
        temporary = path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps({"run_id": run_id, "before": before}),
                                 encoding="utf-8")
            os.replace(temporary, path)
        except OSError as exc:  # a kill after the commit would then cost the report
            log.warning("cannot save the analysis before the run to %s: %s", path, exc)

    def load(self, source: str) -> dict[str, Any] | None:
        try:
            found = json.loads(self._path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) and "run_id" in found else None

    def clear(self, source: str) -> None:
        self._path(source).unlink(missing_ok=True)
