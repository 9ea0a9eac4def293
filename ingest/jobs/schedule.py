"""The jobs schedule served in-process: each source run at its cron times."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from croniter import croniter

from graph.errors import ChokepointError, ConcurrentRunError, ConfigError
from graph.store import RunRecord, Store
from ingest.jobs.config import JobsConfig
from ingest.jobs.running import ChangeReporter, run_jobs

__all__ = ["next_fire", "serve"]

log = logging.getLogger("chokepoint.jobs")


def next_fire(schedule: str, after: float) -> float:
    """The first time (epoch seconds) after ``after`` matching cron ``schedule``, in the
    machine's local time zone."""
    start = datetime.fromtimestamp(after).astimezone()
    return float(croniter(schedule, start).get_next(float))


def serve(config: JobsConfig, store: Store, *, state_dir: Path | None = None,
          reporter: ChangeReporter | None = None, stop: threading.Event | None = None,
          clock: Callable[[], float] = time.time,
          wait: Callable[[float], bool] | None = None,
          after_run: Callable[[list[RunRecord]], None] | None = None) -> None:
    """Run each scheduled source at its times until ``stop`` is set; ``after_run`` is given
    the records of each run (to compute what depends on the new data, say).

    Fires missed while a run was going are skipped, not queued.  A run that finds the lock
    held (a cron-started run, say), or cannot reach the store, is skipped and logged.  A run
    in progress when ``stop`` is set is finished first.
    """
    scheduled = [s for s in config.sources if s.schedule]
    if not scheduled:
        raise ConfigError(f"{config.path}: no source has a 'schedule'; add one such as "
                          "schedule = \"0 3 * * *\"")
    stop = stop or threading.Event()
    wait = wait or stop.wait
    due_at = {s.name: next_fire(s.schedule or "", clock()) for s in scheduled}
    for name, when in due_at.items():
        log.info("%s: next run at %s", name, datetime.fromtimestamp(when).astimezone())
    while not stop.is_set():
        now = clock()
        due = [name for name, when in due_at.items() if when <= now]
        if not due:
            if wait(min(due_at.values()) - now):
                return
            continue
        try:
            records = run_jobs(config, store, only=due, state_dir=state_dir, reporter=reporter)
            if after_run is not None:
                after_run(records)
        except ConcurrentRunError as exc:
            log.warning("skipping %s: %s", ", ".join(due), exc)
        except ChokepointError as exc:  # the store may be back by the next fire
            log.error("run of %s could not start: %s", ", ".join(due), exc)
        for source in scheduled:
            if source.name in due:
                due_at[source.name] = next_fire(source.schedule or "", clock())
