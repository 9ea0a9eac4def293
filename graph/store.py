"""The store interface shared by SQLite and Neo4j, and the run records it keeps."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.errors import ChokepointError
from graph.integrity import check_plan
from graph.memory import collector_paused
from graph.merge import Conflict
from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.sync import Counts, StoredState, SyncPlan, plan_sync, state_conflicts
from graph.urls import redact_text
from graph.validate import validate_batch

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Store", "RunRecord", "IngestResult", "utc_now", "new_run_id"]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def new_run_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    import uuid  # loads platform details: only when a run is recorded

    return f"{stamp}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class RunRecord:
    """One ingest run: what source, when, what came of it."""

    run_id: str
    source: str
    started: str
    finished: str | None = None
    status: str = "running"  # ok | failed | dry-run | running
    added: int = 0
    removed: int = 0
    changed: int = 0
    error: str | None = None
    origin: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def redacted(self) -> RunRecord:
        """This record with credentials dropped from every URL in its texts (records written
        before URLs were redacted on the way in may hold them)."""
        details = {k: redact_text(v) if isinstance(v, str) else v
                   for k, v in self.details.items()}
        return replace(self, error=self.error and redact_text(self.error),
                       origin=self.origin and redact_text(self.origin), details=details)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "source": self.source, "started": self.started,
            "finished": self.finished, "status": self.status, "added": self.added,
            "removed": self.removed, "changed": self.changed, "error": self.error,
            "origin": self.origin, **self.details,
        }


@dataclass(frozen=True)
class IngestResult:
    """What :meth:`Store.apply` did (or, on a dry run, would do)."""

    run: RunRecord
    counts: Counts
    nodes: int
    relationships: int
    dry_run: bool = False
    merged: int = 0


LoadState = Callable[[], StoredState]


class Store(ABC):
    """A graph store.  Subclasses implement storage; semantics live here and in ``graph.sync``.

    Every ingest run is atomic: it validates the batch against the store, plans the sync and
    writes it inside one transaction, so a failure or a kill leaves the store as it was.
    """

    url: str = ""

    # -- what subclasses provide ------------------------------------------------------------
    @abstractmethod
    def nodes(self, kinds: Iterable[NodeKind] | None = None) -> list[Node]:
        """All nodes (of ``kinds`` if given), sorted by id."""

    @abstractmethod
    def relationships(self, kinds: Iterable[RelKind] | None = None) -> list[Relationship]:
        """All relationships (of ``kinds`` if given), sorted by key."""

    @abstractmethod
    def snapshot(self) -> tuple[list[Node], list[Relationship]]:
        """All nodes and all relationships as of one moment, read in one transaction: a run
        that commits meanwhile is seen whole or not at all."""

    @abstractmethod
    def stored_state(self) -> StoredState:
        """Everything stored -- elements, the claims of those several sources assert, each
        source's rank -- as of one moment, read in one transaction."""

    @abstractmethod
    def _run_atomically(self, work: Callable[[LoadState], SyncPlan | None],
                        write: bool) -> SyncPlan | None:
        """Call ``work(load_state)`` in one transaction and write the plan it returns."""

    @abstractmethod
    def record_run(self, run: RunRecord) -> None:
        """Insert or replace the record of run ``run.run_id``."""

    @abstractmethod
    def runs(self, source: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Run records, newest first."""

    # -- analysis results kept per data version ---------------------------------------------
    @abstractmethod
    def keep_result(self, key: str, version: str, payload: bytes) -> None:
        """Keep an analysis result (opaque bytes) computed from the data as of ``version``
        (the newest successful run), replacing what ``key`` held."""

    @abstractmethod
    def kept_result(self, key: str, version: str) -> bytes | None:
        """The result kept under ``key`` if it was computed from ``version``, else ``None``."""

    @abstractmethod
    def drop_results(self) -> None:
        """Forget every kept analysis result (the data changed)."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every node, relationship and run record (for tests and ``--reset``)."""

    @abstractmethod
    def close(self) -> None: ...

    # -- shared behaviour -------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def apply(self, batch: Batch, *, dry_run: bool = False,
              run_id: str | None = None) -> IngestResult:
        """Validate and write ``batch`` as the whole contribution of ``batch.source``."""
        run = RunRecord(run_id=run_id or new_run_id(), source=batch.source, started=utc_now(),
                        origin=batch.origin)

        def work(load_state: LoadState) -> SyncPlan:
            state = load_state()
            validate_batch(batch, known_ids=state.nodes.keys())
            plan = plan_sync(batch, state, run.run_id)
            check_plan(batch, state.nodes, plan)
            return plan

        try:
            with collector_paused():
                plan = self._run_atomically(work, write=not dry_run)
        except ChokepointError as exc:
            if not dry_run:
                self.record_run(replace(run, finished=utc_now(), status="failed",
                                        error=str(exc)))
            raise
        assert plan is not None
        status = "dry-run" if dry_run else "ok"
        counts = plan.counts
        done = replace(run, finished=utc_now(), status=status, added=counts.added,
                       removed=counts.removed, changed=counts.changed)
        if not dry_run:
            self.record_run(done)
            try:  # kept results are keyed by the newest run anyway: this only frees space
                self.drop_results()
            except Exception:  # noqa: BLE001 - the data is written; the run must not fail
                import logging

                logging.getLogger(__name__).warning("could not drop kept analysis results",
                                                    exc_info=True)
        return IngestResult(done, plan.counts, len(batch.nodes), len(batch.relationships),
                            dry_run, plan.merged)

    def read_graph(self, node_kinds: Iterable[NodeKind] | None = None,
                   relationship_kinds: Iterable[RelKind] | None = None) -> nx.MultiDiGraph:
        """The graph (or the part with the given kinds) as a NetworkX ``MultiDiGraph``, from
        one :meth:`snapshot`."""
        from graph.networkx_view import to_networkx  # NetworkX loads only when needed

        with collector_paused():  # a million records built, none of them garbage
            nodes, rels = self.snapshot()
            if node_kinds is not None:
                wanted_nodes = {NodeKind(k) for k in node_kinds}
                nodes = [n for n in nodes if n.kind in wanted_nodes]
            if relationship_kinds is not None:
                wanted_rels = {RelKind(k) for k in relationship_kinds}
                rels = [r for r in rels if r.kind in wanted_rels]
            return to_networkx(nodes, rels)

    def stats(self) -> dict[str, dict[str, int]]:
        """Counts per node kind and per relationship kind (every kind listed, zeros too)."""
        all_nodes, all_rels = self.snapshot()
        nodes = Counter(n.kind.value for n in all_nodes)
        rels = Counter(r.kind.value for r in all_rels)
        return {
            "nodes": {k.value: nodes.get(k.value, 0) for k in NodeKind},
            "relationships": {k.value: rels.get(k.value, 0) for k in RelKind},
        }

    def is_empty(self) -> bool:
        return not self.nodes()

    def conflicts(self, source: str | None = None) -> list[Conflict]:
        """Every disagreement between sources (of which ``source`` is one, if given), sorted
        by element and property."""
        found = state_conflicts(self.stored_state())
        return [c for c in found if source is None or any(s == source for s, _ in c.values)]
