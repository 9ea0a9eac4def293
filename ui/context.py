"""Opening the configured store for the CLI and the app, seeding the embedded default; the
settings every command shares."""

from __future__ import annotations

from collections.abc import Callable

import click
import click.shell_completion

from graph.errors import NotFoundError
from graph.open import (
    StoreMissingError,
    configured_store_url,
    default_store_path,
    open_store,
    store_file,
)
from graph.store import IngestResult, Store
from graph.urls import redact_url
from seeds import SEEDS_DIR, SEEDS_SOURCE
from ui.output import echo

__all__ = ["open_configured_store", "load_seeds", "Settings", "pass_settings",
           "EmptyStoreError", "complete_node_ids"]


def load_seeds(store: Store, *, dry_run: bool = False) -> IngestResult:
    """Load the bundled seeds as source ``seeds`` (replacing what that source said before),
    at the priority of curated tabular sources."""
    from ingest.registry import read

    return store.apply(read("tabular", SEEDS_DIR, source=SEEDS_SOURCE), dry_run=dry_run)


def open_configured_store(url: str | None = None, *, create: bool = True,
                          on_seeded: Callable[[IngestResult], None] | None = None) -> Store:
    """The store named by ``url`` or ``$CHOKEPOINT_STORE``; else the embedded default, which
    is created and filled with the bundled seeds the first time it is used (``on_seeded`` is
    told).  With ``create`` false, a named SQLite file that does not exist is refused."""
    if configured_store_url(url) is not None:
        return open_store(url, create=create)
    fresh = not default_store_path().exists()
    store = open_store(None)
    if fresh and store.is_empty():
        seeded = load_seeds(store)
        if on_seeded is not None:
            on_seeded(seeded)
    return store


class Settings:
    """What every command needs: the store, opened on first use.

    ``store`` refuses a store file that does not exist (a mistyped ``--store`` would otherwise
    become a new, empty store); commands that write data use ``store_to_write``, which creates
    it.  ``filled_store`` also refuses an empty store, saying how to fill it.
    """

    def __init__(self, store_url: str | None) -> None:
        self.store_url = store_url
        self.seeded_on_open: IngestResult | None = None
        self.announce_seeding = True
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        return self._open(create=False)

    @property
    def store_to_write(self) -> Store:
        return self._open(create=True)

    @property
    def filled_store(self) -> Store:
        store = self.store
        if store.is_empty():
            raise EmptyStoreError(f"the store {redact_url(store.url)} is empty; "
                                  f"{self.how_to_fill()}")
        return store

    def how_to_fill(self) -> str:
        """How to fill this store, as commands to type."""
        option = f" --store {redact_url(self.store_url)}" if self.store_url else ""
        return (f"fill it with `chokepoint{option} seed` (the bundled AI supply-chain data) or "
                f"`chokepoint{option} ingest READER PATH` (readers: {', '.join(READERS)})")

    def _open(self, *, create: bool) -> Store:
        if self._store is None:
            try:
                self._store = open_configured_store(self.store_url, create=create,
                                                    on_seeded=self._seeded)
            except StoreMissingError as exc:
                raise NotFoundError(
                    f"{exc}; check the path, or create a store there with "
                    f"`chokepoint --store {exc.path} seed` or `chokepoint --store {exc.path} "
                    "ingest READER PATH`") from None
        return self._store

    def _seeded(self, result: IngestResult) -> None:
        self.seeded_on_open = result
        if self.announce_seeding:
            echo(f"note: the new store {default_store_path()} was filled with the "
                       f"bundled seeds ({result.nodes} nodes, {result.relationships} "
                       "relationships).", err=True)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class EmptyStoreError(NotFoundError):
    """The store holds no nodes, so there is nothing to analyse or show."""


def complete_node_ids(ctx: click.Context, _: click.Parameter,
                      incomplete: str) -> list[click.shell_completion.CompletionItem]:
    """Shell completion of node ids from the store the command line names (never creating
    or seeding one); nothing when it cannot be read."""
    from click.shell_completion import CompletionItem

    url = ctx.find_root().params.get("store_url")
    try:
        path = store_file(url)
        if path is not None and not path.exists():
            return []
        with open_store(url, create=False) as store:
            nodes = store.nodes()
    except Exception:  # completion must never break the shell
        return []
    return [CompletionItem(n.id, help=n.name) for n in sorted(nodes, key=lambda n: n.id)
            if n.id.startswith(incomplete)][:200]


READERS = ("tabular", "cyclonedx", "spdx", "eto", "epoch", "openpsa")
"""The registered readers' names, written out so that a hint costs no import of them (a test
keeps the two equal)."""


pass_settings = click.make_pass_decorator(Settings)
