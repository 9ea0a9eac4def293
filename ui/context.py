"""Opening the configured store for the CLI and the app, seeding the embedded default; the
settings every command shares."""

from __future__ import annotations

import click

from graph.open import configured_store_url, default_store_path, open_store
from graph.store import IngestResult, Store
from seeds import SEEDS_DIR, SEEDS_SOURCE

__all__ = ["open_configured_store", "load_seeds", "Settings", "pass_settings"]


def load_seeds(store: Store, *, dry_run: bool = False) -> IngestResult:
    """Load the bundled seeds as source ``seeds`` (replacing what that source said before),
    at the priority of curated tabular sources."""
    from ingest.registry import read

    return store.apply(read("tabular", SEEDS_DIR, source=SEEDS_SOURCE), dry_run=dry_run)


def open_configured_store(url: str | None = None) -> Store:
    """The store named by ``url`` or ``$CHOKEPOINT_STORE``; else the embedded default, which
    is created and filled with the bundled seeds the first time it is used."""
    if configured_store_url(url) is not None:
        return open_store(url)
    fresh = not default_store_path().exists()
    store = open_store(None)
    if fresh and store.is_empty():
        load_seeds(store)
    return store


class Settings:
    """What every command needs: the store, opened on first use."""

    def __init__(self, store_url: str | None) -> None:
        self.store_url = store_url
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_configured_store(self.store_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


pass_settings = click.make_pass_decorator(Settings)
