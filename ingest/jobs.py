"""Scheduled ingest jobs: a TOML jobs file, one locked run of its sources, the
schedule served in-process, change reports recorded with each run and alerts to a webhook.

A run of one source downloads (or opens) its file, reads it with the source's reader and
applies it with sync semantics in one transaction; whatever happens, the run is recorded.
Analysis (new SPOFs, concentration) is injected as a :class:`ChangeReporter`, because this
layer may import ``graph`` only.

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
import json
import logging
import os
import re
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import networkx as nx
from croniter import croniter

from graph.errors import ChokepointError, ConcurrentRunError, ConfigError
from graph.store import RunRecord, Store, new_run_id, utc_now
from ingest.documents import max_input_bytes
from ingest.registry import get_reader, read

__all__ = [
    "SourceJob",
    "JobsConfig",
    "load_jobs_config",
    "ChangeReporter",
    "DownloadError",
    "JobLock",
    "default_state_dir",
    "run_jobs",
    "serve",
    "next_fire",
    "redact_url",
    "ALERT_KEYS",
]

log = logging.getLogger("chokepoint.jobs")

DEFAULT_HHI_THRESHOLD = 2500.0
ALERT_KEYS = ("new_spofs", "threshold_crossings")
"""Run details that, when not empty, make a run post an alert."""

_RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
_MAX_DELAY = 60.0
_CHUNK = 1 << 16
_INTERRUPTED = "interrupted: the run ended before it finished (killed or crashed); the graph " \
               "was left as before it"
_CONTENT_SUFFIXES = {"application/json": ".json", "text/json": ".json",
                     "application/yaml": ".yaml", "application/x-yaml": ".yaml",
                     "text/yaml": ".yaml", "text/x-yaml": ".yaml",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}


class DownloadError(ChokepointError):
    """A source's file could not be fetched."""


# -- the jobs file ----------------------------------------------------------------------------
def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_http_url(v: Any) -> bool:
    return isinstance(v, str) and urlsplit(v).scheme in ("http", "https") and "//" in v


# Settings a source may set, and [defaults] may set for every source: check, and what to say.
_SETTINGS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "retries": (lambda v: _is_int(v) and 0 <= v <= 20, "an integer from 0 to 20"),
    "timeout": (lambda v: _is_number(v) and v > 0, "a positive number of seconds"),
    "backoff": (lambda v: _is_number(v) and v >= 0, "a number of seconds, 0 or more"),
    "max_bytes": (lambda v: _is_int(v) and v > 0, "a positive integer"),
    "webhook": (_is_http_url, "an http(s) URL"),
    "webhook_env": (lambda v: isinstance(v, str) and bool(v),
                    "the name of an environment variable holding the webhook URL"),
    "alert_on_failure": (lambda v: isinstance(v, bool), "true or false"),
}
_SOURCE_KEYS = ("name", "reader", "location", "schedule", *_SETTINGS)
_TOP_KEYS = ("source", "defaults", "hhi_threshold")


@dataclass(frozen=True)
class SourceJob:
    """One source of a jobs file: what to read, from where, how often, how patiently."""

    name: str
    reader: str
    location: str
    schedule: str | None = None
    retries: int = 3
    timeout: float = 30.0
    backoff: float = 1.0
    max_bytes: int | None = None
    webhook: str | None = field(default=None, repr=False)  # may hold a token
    alert_on_failure: bool = False

    @property
    def is_remote(self) -> bool:
        return urlsplit(self.location).scheme in ("http", "https")

    @property
    def shown_location(self) -> str:
        """The location without credentials or query string, for logs and provenance."""
        return redact_url(self.location) if self.is_remote else self.location


@dataclass(frozen=True)
class JobsConfig:
    """A parsed jobs file."""

    path: Path
    sources: tuple[SourceJob, ...]
    hhi_threshold: float = DEFAULT_HHI_THRESHOLD

    def select(self, only: Iterable[str] | None = None) -> tuple[SourceJob, ...]:
        """The sources named in ``only`` (all when empty), in file order."""
        wanted = list(only or ())
        unknown = sorted(set(wanted) - {s.name for s in self.sources})
        if unknown:
            names = ", ".join(s.name for s in self.sources)
            raise ConfigError(f"{self.path}: no source named {', '.join(unknown)}; the file "
                              f"has: {names}")
        return tuple(s for s in self.sources if not wanted or s.name in wanted)


def load_jobs_config(path: str | Path) -> JobsConfig:
    """Parse and check a jobs file; errors name the file, the source and the key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read jobs file {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    _check_keys(data, _TOP_KEYS, f"{path}")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"{path}: 'defaults' must be a table ([defaults])")
    _check_keys(defaults, tuple(_SETTINGS), f"{path}: [defaults]")
    _check_settings(defaults, f"{path}: [defaults]")
    tables = data.get("source")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}: no sources; add at least one [[source]] table with name, "
                          "reader and location")
    sources = tuple(_source(t, i, path, defaults) for i, t in enumerate(tables, start=1))
    _check_unique(sources, path)
    threshold = data.get("hhi_threshold", DEFAULT_HHI_THRESHOLD)
    if not _is_number(threshold) or not 0 <= threshold <= 10_000:
        raise ConfigError(f"{path}: key 'hhi_threshold' must be a number from 0 to 10000 "
                          f"(HHI points), got {threshold!r}")
    return JobsConfig(path, sources, float(threshold))


def _check_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: "
                          f"{', '.join(allowed)}")


def _check_settings(table: dict[str, Any], where: str) -> None:
    for key, (valid, wanted) in _SETTINGS.items():
        if key in table and not valid(table[key]):
            shown = "(hidden)" if key == "webhook" else repr(table[key])
            raise ConfigError(f"{where}: key {key!r} must be {wanted}, got {shown}")


def _source(table: Any, number: int, path: Path, defaults: dict[str, Any]) -> SourceJob:
    where = f"{path}: [[source]] #{number}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    if isinstance(table.get("name"), str):
        where += f" ({table['name']})"
    _check_keys(table, _SOURCE_KEYS, where)
    for key in ("name", "reader", "location"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise ConfigError(f"{where}: key {key!r} is required and must be a non-empty string")
    _check_settings(table, where)
    try:
        get_reader(table["reader"])
    except ConfigError as exc:
        raise ConfigError(f"{where}: key 'reader': {exc}") from exc
    schedule = table.get("schedule")
    if schedule is not None and not (isinstance(schedule, str) and croniter.is_valid(schedule)):
        raise ConfigError(f"{where}: key 'schedule' must be a cron expression such as "
                          f"'0 3 * * *' (minute hour day month weekday), got {schedule!r}")
    settings = {**defaults, **{k: v for k, v in table.items() if k in _SETTINGS}}
    webhook = _webhook(settings, where)
    settings = {k: v for k, v in settings.items() if k not in ("webhook", "webhook_env")}
    return SourceJob(name=table["name"], reader=table["reader"],
                     location=_location(table["location"], path, where), schedule=schedule,
                     webhook=webhook, **settings)


def _location(text: str, path: Path, where: str) -> str:
    scheme = urlsplit(text).scheme
    if scheme in ("http", "https"):
        return text
    if "://" in text:
        raise ConfigError(f"{where}: key 'location' must be an http(s) URL or a local path, "
                          f"got scheme {scheme!r}")
    local = Path(text).expanduser()
    return str(local if local.is_absolute() else (path.parent / local).resolve())


def _webhook(settings: dict[str, Any], where: str) -> str | None:
    variable = settings.get("webhook_env")
    if variable is None:
        return settings.get("webhook")
    url = os.environ.get(variable, "")
    if not _is_http_url(url):
        raise ConfigError(f"{where}: key 'webhook_env' names {variable}, which is not set to "
                          "an http(s) URL in the environment")
    return url


def _check_unique(sources: tuple[SourceJob, ...], path: Path) -> None:
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ConfigError(f"{path}: two sources are named {source.name!r}; each source "
                              "name must be unique (it decides what a run replaces)")
        seen.add(source.name)


# -- state: the lock and the conditional-request cache ----------------------------------------
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


class _ValidatorCache:
    """ETag / Last-Modified per source, saved only after the content they name was applied."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._data = {}

    def headers(self, job: SourceJob, store: Store) -> dict[str, str]:
        entry = self._data.get(job.name)
        if not entry or entry.get("location") != job.location:
            return {}
        if _last_content_run(store, job.name) != entry.get("run_id"):
            return {}  # the store changed since (cleared, or another writer for this source)
        headers = {"If-None-Match": entry.get("etag"),
                   "If-Modified-Since": entry.get("last_modified")}
        return {k: v for k, v in headers.items() if v}

    def save(self, job: SourceJob, run_id: str, etag: str | None,
             last_modified: str | None) -> None:
        if etag or last_modified:
            self._data[job.name] = {"location": job.location, "run_id": run_id,
                                    "etag": etag or "", "last_modified": last_modified or ""}
        else:
            self._data.pop(job.name, None)
        temporary = self.path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps(self._data, indent=1), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as exc:  # costs a full download next time, nothing worse
            log.warning("cannot save download validators to %s: %s", self.path, exc)


def _last_content_run(store: Store, source: str) -> str | None:
    """The id of the newest successful run of ``source`` that applied content."""
    for run in store.runs(source):
        if run.status == "ok" and not run.details.get("unchanged"):
            return run.run_id
    return None


# -- fetching ---------------------------------------------------------------------------------
def redact_url(url: str, *, keep_path: bool = True) -> str:
    """``url`` without user, password and query; without the path too unless ``keep_path``
    (a webhook's path is its secret)."""
    parts = urlsplit(url)
    netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    path = parts.path if keep_path else ("/…" if parts.path.strip("/") else "")
    return urlunsplit((parts.scheme, netloc, path, "…" if parts.query else "", ""))


@dataclass(frozen=True)
class _Fetched:
    path: Path | None  # None: unchanged upstream (HTTP 304)
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def _fetch(job: SourceJob, folder: Path, headers: dict[str, str],
           sleep: Callable[[float], None]) -> _Fetched:
    if not job.is_remote:
        return _Fetched(Path(job.location))
    for attempt in range(job.retries + 1):
        try:
            return replace(_download(job, folder, headers), attempts=attempt + 1)
        except _Transient as exc:
            if attempt == job.retries:
                raise DownloadError(f"{job.shown_location}: {exc} (gave up after "
                                    f"{attempt + 1} attempt{'s' * (attempt > 0)})") from exc
            delay = min(_MAX_DELAY, exc.retry_after if exc.retry_after is not None
                        else job.backoff * 2 ** attempt)
            log.warning("%s: %s; retrying in %.1f s", job.name, exc, delay)
            sleep(delay)
    raise AssertionError("unreachable")


def _download(job: SourceJob, folder: Path, headers: dict[str, str]) -> _Fetched:
    request = urllib.request.Request(job.location, headers={"User-Agent": "chokepoint-jobs",
                                                            **headers})
    try:
        with urllib.request.urlopen(request, timeout=job.timeout) as response:
            target = folder / f"{_safe_name(job.name)}{_suffix(job.location, response)}"
            _copy_limited(response, target, job)
            return _Fetched(target, response.headers.get("ETag"),
                            response.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return _Fetched(None)
        if exc.code in _RETRYABLE_STATUS:
            raise _Transient(f"HTTP {exc.code} {exc.reason}",
                             _retry_after(exc.headers.get("Retry-After"))) from exc
        raise DownloadError(f"{job.shown_location}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise _Transient(f"cannot connect: {exc.reason}") from exc
    except (TimeoutError, ConnectionError, HTTPException) as exc:
        raise _Transient(f"{type(exc).__name__}: {exc}") from exc


def _copy_limited(response: Any, target: Path, job: SourceJob) -> None:
    limit = job.max_bytes or max_input_bytes()
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise DownloadError(f"{job.shown_location}: {int(declared):,} bytes, above the limit "
                            f"of {limit:,}; raise max_bytes for this source")
    size = 0
    with open(target, "wb") as out:
        while chunk := response.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise DownloadError(f"{job.shown_location}: more than {limit:,} bytes; raise "
                                    "max_bytes for this source")
            out.write(chunk)


def _suffix(url: str, response: Any) -> str:
    """The file suffix readers recognise: from the URL's path, else from the content type."""
    suffix = Path(urlsplit(url).path).suffix
    if suffix:
        return suffix.lower()
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    return _CONTENT_SUFFIXES.get(content_type, "")


def _retry_after(value: str | None) -> float | None:
    return float(value) if value and value.strip().isdigit() else None


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "source"


# -- alerts -----------------------------------------------------------------------------------
def _alert_text(run: RunRecord) -> str:
    if run.status != "ok":
        return f"chokepoint: ingest of source {run.source!r} failed: {run.error}"
    parts = [f"chokepoint: source {run.source!r} refreshed ({run.added} added, "
             f"{run.removed} removed, {run.changed} changed)"]
    spofs = run.details.get("new_spofs") or []
    if spofs:
        shown = "; ".join(f"{s['node']} for {s['target']}" for s in spofs[:10])
        parts.append(f"{len(spofs)} new single point(s) of failure: {shown}")
    crossings = run.details.get("threshold_crossings") or []
    if crossings:
        shown = "; ".join(f"{c['item']} {c['measure']} {_hhi(c['before'])} → "
                          f"{_hhi(c['after'])}" for c in crossings[:10])
        parts.append(f"{len(crossings)} concentration threshold crossing(s): {shown}")
    return ". ".join(parts) + "."


def _hhi(value: float | None) -> str:
    return "none" if value is None else f"{value:,.0f}"


def _alert_payload(run: RunRecord) -> dict[str, Any]:
    """Slack-compatible (``text``), with the run's facts as fields for other receivers."""
    facts = {k: v for k, v in run.as_dict().items() if k != "webhook_error"}
    return {"text": _alert_text(run), **facts}


def _post(url: str, payload: dict[str, Any], timeout: float,
          sleep: Callable[[float], None]) -> str | None:
    """POST ``payload`` as JSON, one retry; returns the error, or ``None`` on success."""
    body = json.dumps(payload, default=str).encode()
    error = None
    for attempt in range(2):
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "chokepoint-jobs"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            return None
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code} {exc.reason}"
        except (urllib.error.URLError, TimeoutError, ConnectionError, HTTPException) as exc:
            error = str(getattr(exc, "reason", exc))
        if attempt == 0:
            sleep(1.0)
    return f"webhook {redact_url(url, keep_path=False)}: {error}"


# -- running ----------------------------------------------------------------------------------
class ChangeReporter(Protocol):
    """What changed in the analysis, injected by the caller (``ingest`` cannot import it)."""

    def snapshot(self, graph: nx.MultiDiGraph) -> Any:
        """The analysis results of one state of the graph."""

    def changes(self, before: Any, after: Any) -> dict[str, Any]:
        """JSON-ready differences, under keys such as those in :data:`ALERT_KEYS`."""


class _Runner:
    """Runs the sources one by one under the lock, reusing each analysis snapshot."""

    def __init__(self, store: Store, state: Path, reporter: ChangeReporter | None,
                 sleep: Callable[[float], None]) -> None:
        self.store, self.reporter, self.sleep = store, reporter, sleep
        self.cache = _ValidatorCache(state / "http-cache.json")
        self._snapshot: Any = None

    def run(self, job: SourceJob) -> RunRecord:
        run = RunRecord(run_id=new_run_id(), source=job.name, started=utc_now(),
                        origin=job.shown_location, details={"trigger": "jobs"})
        self.store.record_run(run)
        log.info("%s: starting run %s from %s", job.name, run.run_id, job.shown_location)
        try:
            done = self._ingest(job, run)
        except Exception as exc:  # one source failing must not stop the others
            if not isinstance(exc, ChokepointError):
                log.exception("%s: unexpected error", job.name)
            done = replace(run, finished=utc_now(), status="failed",
                           error=str(exc) or type(exc).__name__)
            log.error("%s: run failed: %s", job.name, done.error)
        self.store.record_run(done)
        return self._alert(job, done)

    def _ingest(self, job: SourceJob, run: RunRecord) -> RunRecord:
        with tempfile.TemporaryDirectory(prefix="chokepoint-job-") as folder:
            headers = self.cache.headers(job, self.store) if job.is_remote else {}
            fetched = _fetch(job, Path(folder), headers, self.sleep)
            details = {**run.details, "attempts": fetched.attempts}
            if fetched.path is None:
                log.info("%s: unchanged upstream (HTTP 304)", job.name)
                return replace(run, finished=utc_now(), status="ok",
                               details={**details, "unchanged": True})
            batch = replace(read(job.reader, fetched.path, source=job.name),
                            origin=job.shown_location)
        before = self._current_snapshot(details)
        result = self.store.apply(batch, run_id=run.run_id)
        log.info("%s: %d added, %d removed, %d changed", job.name, result.counts.added,
                 result.counts.removed, result.counts.changed)
        if job.is_remote:
            self.cache.save(job, run.run_id, fetched.etag, fetched.last_modified)
        changed = any(result.counts.as_dict().values())
        details.update(self._changes(before, changed, details))
        return replace(result.run, started=run.started, origin=run.origin, details=details)

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
        payload = _alert_payload(run)
        log.warning("%s: alert: %s", job.name, payload["text"])
        if job.webhook is None:
            return run
        error = _post(job.webhook, payload, job.timeout, self.sleep)
        details = {**run.details, "alerted": error is None}
        if error:
            log.error("%s: alert not delivered: %s", job.name, error)
            details["webhook_error"] = error
        alerted = replace(run, details=details)
        self.store.record_run(alerted)
        return alerted


def _close_interrupted_runs(store: Store, jobs: Iterable[SourceJob]) -> None:
    """Mark earlier job runs still shown as running (their process died) as failed."""
    for job in jobs:
        for run in store.runs(job.name, limit=20):
            if run.status == "running" and run.details.get("trigger") == "jobs":
                store.record_run(replace(run, status="failed", finished=utc_now(),
                                         error=_INTERRUPTED))
                log.warning("%s: run %s had been interrupted", job.name, run.run_id)


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
        _close_interrupted_runs(store, jobs)
        runner = _Runner(store, state, reporter, sleep)
        return [runner.run(job) for job in jobs]


# -- the schedule, in-process -----------------------------------------------------------------
def next_fire(schedule: str, after: float) -> float:
    """The first time (epoch seconds) after ``after`` matching cron ``schedule``, in the
    machine's local time zone."""
    start = datetime.fromtimestamp(after).astimezone()
    return float(croniter(schedule, start).get_next(float))


def serve(config: JobsConfig, store: Store, *, state_dir: Path | None = None,
          reporter: ChangeReporter | None = None, stop: threading.Event | None = None,
          clock: Callable[[], float] = time.time,
          wait: Callable[[float], bool] | None = None) -> None:
    """Run each scheduled source at its times until ``stop`` is set.

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
            run_jobs(config, store, only=due, state_dir=state_dir, reporter=reporter)
        except ConcurrentRunError as exc:
            log.warning("skipping %s: %s", ", ".join(due), exc)
        except ChokepointError as exc:  # the store may be back by the next fire
            log.error("run of %s could not start: %s", ", ".join(due), exc)
        for source in scheduled:
            if source.name in due:
                due_at[source.name] = next_fire(source.schedule or "", clock())
