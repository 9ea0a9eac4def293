"""Fetching a source's file: local paths as they are, http(s) downloads with retries,
size limits and conditional requests (ETag / Last-Modified, remembered per source)."""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass, replace
from http.client import HTTPException
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from graph.errors import ChokepointError
from graph.store import Store
from graph.urls import redact_text
from ingest.documents import max_input_bytes
from ingest.jobs.config import SourceJob
from ingest.jobs.history import last_content_run
from ingest.jobs.web import DeadlinePassed, open_url

__all__ = ["DownloadError", "Fetched", "ValidatorCache", "fetch"]

log = logging.getLogger("chokepoint.jobs")

_RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
_MAX_DELAY = 60.0
_CHUNK = 1 << 16
_CONTENT_SUFFIXES = {"application/json": ".json", "text/json": ".json",
                     "application/yaml": ".yaml", "application/x-yaml": ".yaml",
                     "text/yaml": ".yaml", "text/x-yaml": ".yaml",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}


class DownloadError(ChokepointError):
    """A source's file could not be fetched."""


class ValidatorCache:
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
        if last_content_run(store, job.name) != entry.get("run_id"):
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



@dataclass(frozen=True)
class Fetched:
    path: Path | None  # None: unchanged upstream (HTTP 304)
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def fetch(job: SourceJob, folder: Path, headers: dict[str, str],
           sleep: Callable[[float], None]) -> Fetched:
    if not job.is_remote:
        return Fetched(Path(job.location))
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


def _download(job: SourceJob, folder: Path, headers: dict[str, str]) -> Fetched:
    try:
        with open_url(job.location, job.timeout, headers=headers) as response:
            target = folder / f"{_safe_name(job.name)}{_suffix(job.location, response)}"
            _copy_limited(response, target, job)
            return Fetched(target, response.headers.get("ETag"),
                            response.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(None)
        if exc.code in _RETRYABLE_STATUS:
            raise _Transient(f"HTTP {exc.code} {exc.reason}",
                             _retry_after(exc.headers.get("Retry-After"))) from exc
        raise DownloadError(f"{job.shown_location}: HTTP {exc.code} "
                            f"{redact_text(str(exc.reason), job.location)}") from exc
    except DeadlinePassed as exc:
        raise _Transient(str(exc)) from exc
    except urllib.error.URLError as exc:
        raise _Transient(redact_text(f"cannot connect: {exc.reason}", job.location)) from exc
    except (OSError, HTTPException) as exc:
        raise _Transient(redact_text(f"{type(exc).__name__}: {exc}", job.location)) from exc


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

