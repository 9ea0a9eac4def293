"""The jobs file (TOML): its sources, their settings, and the checks that name the file,
the source and the key of anything wrong.

Each setting a source (or ``[defaults]``) may set is one row of :data:`SETTINGS`: a check and
the words that say what is wanted; a new setting is one row there and one field on
:class:`SourceJob`.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from croniter import croniter

from graph.errors import ConfigError
from graph.urls import redact_url
from ingest.registry import get_reader

__all__ = ["DEFAULT_HHI_THRESHOLD", "SETTINGS", "SourceJob", "JobsConfig", "load_jobs_config"]

DEFAULT_HHI_THRESHOLD = 2500.0


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    """A finite int or float (TOML also has ``inf`` and ``nan``)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def number_in(low: float, high: float, *, whole: bool = False,
              above_low: bool = False) -> Callable[[Any], bool]:
    """A check that a setting is a finite number (an integer when ``whole``) from ``low``
    (excluded when ``above_low``) to ``high``."""
    def check(v: Any) -> bool:
        if not (_is_int(v) if whole else _is_number(v)):
            return False
        return (low < v if above_low else low <= v) and v <= high

    return check


MAX_SECONDS = 3600
MAX_DOWNLOAD_BYTES = 1 << 40


def _is_http_url(v: Any) -> bool:
    return isinstance(v, str) and urlsplit(v).scheme in ("http", "https") and "//" in v


# Settings a source may set, and [defaults] may set for every source: check, and what to say.
SETTINGS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "retries": (number_in(0, 20, whole=True), "an integer from 0 to 20"),
    "timeout": (number_in(0, MAX_SECONDS, above_low=True),
                f"a number of seconds above 0 and at most {MAX_SECONDS} (the whole download's "
                "deadline)"),
    "backoff": (number_in(0, MAX_SECONDS), f"a number of seconds from 0 to {MAX_SECONDS}"),
    "max_bytes": (number_in(1, MAX_DOWNLOAD_BYTES, whole=True),
                  f"a whole number of bytes from 1 to {MAX_DOWNLOAD_BYTES}"),
    "webhook": (_is_http_url, "an http(s) URL"),
    "webhook_env": (lambda v: isinstance(v, str) and bool(v),
                    "the name of an environment variable holding the webhook URL"),
    "alert_on_failure": (lambda v: isinstance(v, bool), "true or false"),
    "priority": (_is_int, "an integer (higher wins when sources disagree)"),
}
_SOURCE_KEYS = ("name", "reader", "location", "schedule", *SETTINGS)
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
    priority: int | None = None
    """Rank against other sources when they disagree; ``None``: the reader's default."""

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
    _check_keys(defaults, tuple(SETTINGS), f"{path}: [defaults]")
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
    for key, (valid, wanted) in SETTINGS.items():
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
    settings = {**defaults, **{k: v for k, v in table.items() if k in SETTINGS}}
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

