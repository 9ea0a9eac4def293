"""What the store's run records say about past job runs: the last run that applied
content, and runs left shown as running by a process that died."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from graph.store import Store, utc_now

__all__ = ["INTERRUPTED", "last_content_run", "close_interrupted_runs"]

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

