"""One locked run of a jobs file's sources: fetch, read, apply with sync semantics in one
transaction, record the run with its change report, alert.

Locking: one run at a time per store and state directory, by ``fcntl.flock`` on a lock file.
The kernel drops that lock when its process ends, however it ends, so a killed run never
leaves a stale lock.  Runs on *different machines* against one Neo4j are not excluded by it;
the store still writes each run atomically and serialises the writes, so overlapping runs
cost duplicate work, never a half-written graph.  Exclude them outside (a Kubernetes
CronJob with ``concurrencyPolicy: Forbid``, or one scheduler host).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import networkx as nx

from graph.errors import ChokepointError, ConcurrentRunError, ConfigError
from graph.store import RunRecord, Store, new_run_id, utc_now
from graph.urls import redact_text
from ingest.jobs.alerts import ALERT_KEYS, alert_payload, post
from ingest.jobs.config import JobsConfig, SourceJob
from ingest.jobs.fetching import ValidatorCache, fetch
from ingest.jobs.history import PendingReports, close_interrupted_runs
from ingest.registry import read

__all__ = ["ChangeReporter", "JobLock", "default_state_dir", "run_jobs"]

log = logging.getLogger("chokepoint.jobs")


def default_state_dir() -> Path:
    """``$CHOKEPOINT_STATE_DIR``, else ``$XDG_STATE_HOME/chokepoint`` (``~/.local/state``)."""
    explicit = os.environ.get("CHOKEPOINT_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "chokepoint"


def _store_state_dir(state_dir: Path, store: Store) -> Path:
    """One folder per store, so jobs against different stores do not block each other."""
    key = hashlib.sha256(store.url.encode()).hexdigest()[:16]
    folder = state_dir / "jobs" / key
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the jobs state folder {folder}: "
                          f"{exc.strerror or exc}; choose another with --state-dir or "
                          "CHOKEPOINT_STATE_DIR") from exc
    return folder


class JobLock:
    """An exclusive lock on a file, taken without waiting; the kernel releases it when the
    holding process ends, even by SIGKILL."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Any = None

    def __enter__(self) -> JobLock:
        handle = open(self.path, "a+", encoding="utf-8")  # held until __exit__
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise ConcurrentRunError(f"another jobs run holds the lock {self.path} ({holder}); "
                                     "this run did nothing") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {utc_now()}")
        handle.flush()
        self._file = handle
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()



class ChangeReporter(Protocol):
    """What changed in the analysis, injected by the caller (``ingest`` cannot import it)."""

    def snapshot(self, graph: nx.MultiDiGraph) -> Any:
        """The analysis results of one state of the graph."""

    def changes(self, before: Any, after: Any) -> dict[str, Any]:
        """JSON-ready differences, under keys such as those in :data:`ALERT_KEYS`."""

    def dump(self, snapshot: Any) -> Any:
        """``snapshot`` as JSON-ready data (kept on disk while a run is under way)."""

    def load(self, data: Any) -> Any:
        """The snapshot :meth:`dump` gave ``data`` for."""


class _Runner:
    """Runs the sources one by one under the lock, reusing each analysis snapshot."""

    def __init__(self, store: Store, state: Path, reporter: ChangeReporter | None,
                 sleep: Callable[[float], None]) -> None:
        self.store, self.reporter, self.sleep = store, reporter, sleep
        self.cache = ValidatorCache(state / "http-cache.json")
        self.pending = PendingReports(state)
        self._snapshot: Any = None
        self._conflicts: set[tuple[str, str]] | None = None

    def run(self, job: SourceJob) -> RunRecord:
        self._finish_late(job)
        run = RunRecord(run_id=new_run_id(), source=job.name, started=utc_now(),
                        origin=job.shown_location, details={"trigger": "jobs"})
        self.store.record_run(run)
        log.info("%s: starting run %s from %s", job.name, run.run_id, job.shown_location)
        try:
            done = self._ingest(job, run)
        except Exception as exc:  # one source failing must not stop the others
            error = redact_text(str(exc) or type(exc).__name__, job.location,
                                job.webhook or "")
            if not isinstance(exc, ChokepointError):
                log.error("%s: unexpected error: %s: %s", job.name, type(exc).__name__, error)
            done = replace(run, finished=utc_now(), status="failed", error=error)
            log.error("%s: run failed: %s", job.name, done.error)
        self.store.record_run(done)
        alerted = self._alert(job, done)
        self.pending.clear(job.name)
        return alerted

    def _finish_late(self, job: SourceJob) -> None:
        """Make the change report and alert of an earlier run of ``job`` that committed but
        was killed before it made them (its analysis before is on disk)."""
        pending = self.pending.load(job.name)
        if pending is None:
            return
        record = next((r for r in self.store.runs(job.name, limit=50)
                       if r.run_id == pending["run_id"]), None)
        if record is not None and record.status == "ok" and self.reporter is not None:
            log.warning("%s: run %s committed but was interrupted; making its change report "
                        "now", job.name, record.run_id)
            if "trigger" not in record.details:  # the store's record: no report yet
                details = {"trigger": "jobs", "late_report": True}
                details.update(self._changes(self.reporter.load(pending["before"]), True,
                                             details))
                record = replace(record, details=details)
                self.store.record_run(record)
            if "alerted" not in record.details:
                self._alert(job, record)
        self.pending.clear(job.name)

    def _ingest(self, job: SourceJob, run: RunRecord) -> RunRecord:
        with tempfile.TemporaryDirectory(prefix="chokepoint-job-") as folder:
            headers = self.cache.headers(job, self.store) if job.is_remote else {}
            fetched = fetch(job, Path(folder), headers, self.sleep)
            details = {**run.details, "attempts": fetched.attempts}
            if fetched.path is None:
                log.info("%s: unchanged upstream (HTTP 304)", job.name)
                return replace(run, finished=utc_now(), status="ok",
                               details={**details, "unchanged": True})
            batch = replace(read(job.reader, fetched.path, source=job.name,
                                 priority=job.priority), origin=job.shown_location)
        before = self._current_snapshot(details)
        if self.reporter is not None and before is not None:
            self.pending.save(job.name, run.run_id, self.reporter.dump(before))
        conflicts_before = self._current_conflicts()
        result = self.store.apply(batch, run_id=run.run_id)
        log.info("%s: %d added, %d removed, %d changed", job.name, result.counts.added,
                 result.counts.removed, result.counts.changed)
        if job.is_remote:
            self.cache.save(job, run.run_id, fetched.etag, fetched.last_modified)
        changed = any(result.counts.as_dict().values())
        details.update(self._changes(before, changed, details))
        # Counts alone cannot tell: a source can add a conflict and change no merged value.
        conflicts_after = self._conflicts = _conflict_keys(self.store)
        details["new_conflicts"] = len(conflicts_after - conflicts_before)
        return replace(result.run, started=run.started, origin=run.origin, details=details)

    def _current_conflicts(self) -> set[tuple[str, str]]:
        if self._conflicts is None:
            self._conflicts = _conflict_keys(self.store)
        return self._conflicts

    def _current_snapshot(self, details: dict[str, Any]) -> Any:
        if self.reporter is not None and self._snapshot is None:
            try:
                self._snapshot = self.reporter.snapshot(self.store.read_graph())
            except Exception as exc:  # analysis trouble must not cost the refresh
                log.exception("analysis of the graph before the run failed")
                details["analysis_error"] = f"{type(exc).__name__}: {exc}"
        return self._snapshot

    def _changes(self, before: Any, changed: bool, details: dict[str, Any]) -> dict[str, Any]:
        if self.reporter is None or before is None:
            return {}
        try:
            after = self.reporter.snapshot(self.store.read_graph()) if changed else before
            self._snapshot = after
            return self.reporter.changes(before, after)
        except Exception as exc:
            self._snapshot = None
            log.exception("analysis of the graph after the run failed")
            return {"analysis_error": f"{type(exc).__name__}: {exc}"}

    def _alert(self, job: SourceJob, run: RunRecord) -> RunRecord:
        wanted = (any(run.details.get(k) for k in ALERT_KEYS) if run.status == "ok"
                  else job.alert_on_failure)
        if not wanted:
            return run
        payload = alert_payload(run)
        log.warning("%s: alert: %s", job.name, payload["text"])
        if job.webhook is None:
            return run
        error = post(job.webhook, payload, job.timeout, self.sleep)
        details = {**run.details, "alerted": error is None}
        if error:
            log.error("%s: alert not delivered: %s", job.name, error)
            details["webhook_error"] = error
        alerted = replace(run, details=details)
        self.store.record_run(alerted)
        return alerted



def _conflict_keys(store: Store) -> set[tuple[str, str]]:
    """The (element, property) of every conflict between sources in ``store``."""
    return {(c.element, c.property) for c in store.conflicts()}


def run_jobs(config: JobsConfig, store: Store, *, only: Iterable[str] | None = None,
             state_dir: Path | None = None, reporter: ChangeReporter | None = None,
             sleep: Callable[[float], None] = time.sleep) -> list[RunRecord]:
    """Run each selected source once, under the lock; return their run records.

    Raises :class:`ConcurrentRunError` (and does nothing) when another run holds the lock.
    A source that fails is recorded as failed and the others still run.
    """
    jobs = config.select(only)
    state = _store_state_dir(state_dir or default_state_dir(), store)
    with JobLock(state / "lock"):
        close_interrupted_runs(store, (job.name for job in jobs))
        runner = _Runner(store, state, reporter, sleep)
        return [runner.run(job) for job in jobs]
