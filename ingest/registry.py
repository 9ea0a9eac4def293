"""Readers registered by format name: adding a format is one module and one decorator line."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from graph.errors import ConfigError
from graph.model import Batch

__all__ = ["Reader", "register", "get_reader", "reader_names", "read", "default_priority",
           "CURATED_PRIORITY", "PUBLIC_DATA_PRIORITY"]

CURATED_PRIORITY = 20
"""Default priority of curated tabular sources, the bundled seeds among them."""
PUBLIC_DATA_PRIORITY = 10
"""The lowest default, of the SBOM readers.  The public-data readers rank below curated
sources and apart from each other, so that their runs give one graph in any order: ETO (15;
cited market shares of the semiconductor supply chain) above Epoch (12; models and hardware)
above SBOMs (10)."""


class Reader(Protocol):
    def __call__(self, path: Path, *, source: str) -> Batch: ...


_READERS: dict[str, Reader] = {}
_DESCRIPTIONS: dict[str, str] = {}
_PRIORITIES: dict[str, int] = {}
# Modules that register readers when imported; listed here so a lookup finds them all.
_MODULES = ("ingest.tabular", "ingest.cyclonedx", "ingest.spdx", "ingest.eto", "ingest.epoch",
            "ingest.openpsa")


def register(name: str, description: str,
             priority: int = PUBLIC_DATA_PRIORITY) -> Callable[[Reader], Reader]:
    """Register ``func`` as the reader for format ``name``, whose sources rank at
    ``priority`` unless a run says otherwise."""

    def decorate(func: Reader) -> Reader:
        _READERS[name] = func
        _DESCRIPTIONS[name] = description
        _PRIORITIES[name] = priority
        return func

    return decorate


def _load_all() -> None:
    for module in _MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def reader_names() -> dict[str, str]:
    """Registered formats and one line on what each reads."""
    _load_all()
    return dict(sorted(_DESCRIPTIONS.items()))


def get_reader(name: str) -> Reader:
    _load_all()
    try:
        return _READERS[name]
    except KeyError:
        known = ", ".join(sorted(_READERS))
        raise ConfigError(f"unknown reader {name!r}; use one of: {known}") from None


def default_priority(name: str) -> int:
    """The priority a source read by reader ``name`` has unless a run gives one."""
    get_reader(name)
    return _PRIORITIES[name]


def read(name: str, path: str | Path, *, source: str | None = None,
         priority: int | None = None) -> Batch:
    """Read ``path`` with reader ``name``; the source defaults to ``name:<file stem>``, the
    priority to the reader's (:data:`CURATED_PRIORITY` for tabular sources,
    :data:`PUBLIC_DATA_PRIORITY` for the others)."""
    path = Path(path)
    batch = get_reader(name)(path, source=source or f"{name}:{path.stem}")
    return replace(batch, priority=default_priority(name) if priority is None else priority)
