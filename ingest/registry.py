"""Readers registered by format name: adding a format is one module and one decorator line."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from graph.errors import ConfigError
from graph.model import Batch

__all__ = ["Reader", "register", "get_reader", "reader_names", "read"]


class Reader(Protocol):
    def __call__(self, path: Path, *, source: str) -> Batch: ...


_READERS: dict[str, Reader] = {}
_DESCRIPTIONS: dict[str, str] = {}
# Modules that register readers when imported; listed here so a lookup finds them all.
_MODULES = ("ingest.tabular", "ingest.cyclonedx", "ingest.spdx", "ingest.eto", "ingest.epoch",
            "ingest.openpsa")


def register(name: str, description: str) -> Callable[[Reader], Reader]:
    """Register ``func`` as the reader for format ``name``."""

    def decorate(func: Reader) -> Reader:
        _READERS[name] = func
        _DESCRIPTIONS[name] = description
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


def read(name: str, path: str | Path, *, source: str | None = None) -> Batch:
    """Read ``path`` with reader ``name``; the source defaults to ``name:<file stem>``."""
    path = Path(path)
    return get_reader(name)(path, source=source or f"{name}:{path.stem}")
