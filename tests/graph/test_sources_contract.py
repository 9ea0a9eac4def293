"""Several sources, one truth: the merge contract, run on SQLite and on Neo4j.

Properties merge one by one by priority, unset never erases, withdrawing a source restores the
next value, one source of record gives each item its shares, disagreements are listed, and the
order of the runs does not matter.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.export import graph_document
from graph.merge import SHARE_KINDS
from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.store import Store
from graph.validate import SHARE_TOLERANCE


def _node(node_id: str, **fields: Any) -> Node:
    kind = NodeKind.COUNTRY if node_id.isupper() else NodeKind.COMPONENT
    if node_id.startswith("s-"):
        kind = NodeKind.SUPPLIER
    return Node(node_id, kind, fields.pop("name", node_id.upper()), **fields)


def _by_id(store: Store) -> dict[str, Node]:
    return {n.id: n for n in store.nodes()}


def _by_key(store: Store) -> dict[tuple[str, str, str], Relationship]:
    return {r.key: r for r in store.relationships()}


def test_each_property_comes_from_the_best_source_that_sets_it(store: Store) -> None:
    store.apply(Batch("survey", [_node("euv", description="from the survey", citation="survey",
                                       attributes={"a": 1, "b": 2})], [], priority=10))
    store.apply(Batch("curated", [_node("euv", name="EUV tools", citation="curated",
                                        min_supply_share=0.6, attributes={"a": 9})], [],
                      priority=20))
    euv = _by_id(store)["euv"]
    assert (euv.name, euv.description, euv.citation, euv.min_supply_share) == (
        "EUV tools", "from the survey", "curated", 0.6)
    assert dict(euv.attributes) == {"a": 9, "b": 2}
    assert euv.sources == ("curated", "survey")


def test_a_lower_priority_run_after_a_higher_one_erases_nothing(store: Store) -> None:
    store.apply(Batch("curated", [_node("euv", min_supply_share=0.6, citation="curated")], [],
                      priority=20))
    store.apply(Batch("survey", [_node("euv", citation="survey")], [], priority=10))
    euv = _by_id(store)["euv"]
    assert (euv.min_supply_share, euv.citation) == (0.6, "curated")


def test_withdrawing_a_source_restores_the_next_value(store: Store) -> None:
    store.apply(Batch("survey", [_node("euv", citation="survey", description="d")], [],
                      priority=10))
    store.apply(Batch("curated", [_node("euv", citation="curated")], [], priority=20))
    store.apply(Batch("curated", [], [], priority=20))
    euv = _by_id(store)["euv"]
    assert (euv.citation, euv.description, euv.sources) == ("survey", "d", ("survey",))


def test_with_equal_priorities_the_newer_run_wins(store: Store) -> None:
    store.apply(Batch("a", [_node("euv", citation="a")], []))
    store.apply(Batch("b", [_node("euv", citation="b")], []))
    assert _by_id(store)["euv"].citation == "b"
    store.apply(Batch("a", [_node("euv", citation="a")], []))
    assert _by_id(store)["euv"].citation == "a"


def _wafers(source: str, priority: int, shares: dict[str, float | None]) -> Batch:
    nodes = [_node("wafers"), *(_node(s) for s in shares)]
    rels = [Relationship("wafers", s, RelKind.SUPPLIED_BY, share=v, citation=source)
            for s, v in shares.items()]
    return Batch(source, nodes, rels, priority=priority)


def test_one_source_of_record_gives_an_items_shares(store: Store) -> None:
    store.apply(_wafers("curated", 20, {"s-shinetsu": 0.3, "s-sumco": 0.25,
                                        "s-other": 0.45}))
    store.apply(_wafers("survey", 10, {"s-shinetsu": 0.4, "s-sumco": 0.25, "s-siltronic": 0.35}))
    rels = _by_key(store)
    counted = {k[1]: r.share for k, r in rels.items() if r.counted}
    assert counted == {"s-shinetsu": 0.3, "s-sumco": 0.25, "s-other": 0.45}
    extra = rels[("wafers", "s-siltronic", "SUPPLIED_BY")]
    assert (extra.counted, extra.share, extra.sources) == (False, 0.35, ("survey",))
    graph = store.read_graph()
    assert sorted(graph.successors("wafers")) == ["s-other", "s-shinetsu", "s-sumco"]
    # The record source withdraws: the survey's list becomes the one counted, whole.
    store.apply(Batch("curated", [], [], priority=20))
    counted = {k[1]: r.share for k, r in _by_key(store).items() if r.counted}
    assert counted == {"s-shinetsu": 0.4, "s-sumco": 0.25, "s-siltronic": 0.35}


def test_a_source_without_shares_does_not_take_the_record(store: Store) -> None:
    store.apply(_wafers("survey", 10, {"s-shinetsu": 0.6, "s-sumco": 0.4}))
    store.apply(_wafers("curated", 20, {"s-shinetsu": None, "s-siltronic": None}))
    rels = _by_key(store)
    assert {k[1]: (r.counted, r.share) for k, r in rels.items()} == {
        "s-shinetsu": (True, 0.6), "s-sumco": (True, 0.4), "s-siltronic": (False, None)}


def test_conflicts_name_the_values_the_sources_and_the_winner(store: Store) -> None:
    store.apply(_wafers("curated", 20, {"s-shinetsu": 0.3, "s-sumco": 0.25}))
    store.apply(_wafers("survey", 10, {"s-shinetsu": 0.5, "s-sumco": 0.25}))
    found = [c.as_dict() for c in store.conflicts()]
    assert {"element": "wafers", "property": "SUPPLIED_BY shares",
            "values": [{"source": "curated", "value": {"s-shinetsu": 0.3, "s-sumco": 0.25}},
                       {"source": "survey", "value": {"s-shinetsu": 0.5, "s-sumco": 0.25}}],
            "winner": "curated"} in found
    assert {"element": "wafers -[SUPPLIED_BY]-> s-shinetsu", "property": "citation",
            "values": [{"source": "curated", "value": "curated"},
                       {"source": "survey", "value": "survey"}],
            "winner": "curated"} in found
    assert [c.element for c in store.conflicts(source="nobody")] == []
    store.apply(Batch("survey", [], [], priority=10))
    assert store.conflicts() == []


# -- properties: random sources, every order ---------------------------------------------------
IDS = ("item-a", "item-b", "item-c", "s-one", "s-two", "s-three", "TW", "JP")
TEXTS = (None, None, "x", "y")
SHARES = (None, 0.1, 0.2, 0.3, 0.5)


@st.composite
def sources(draw: st.DrawFn) -> list[Batch]:
    """2–4 sources with distinct priorities, overlapping nodes, unset properties and competing
    share lists (each list sums to at most 1, as one batch's validation demands)."""
    count = draw(st.integers(2, 4))
    priorities = draw(st.lists(st.integers(0, 50), min_size=count, max_size=count, unique=True))
    batches = []
    for number, priority in enumerate(priorities):
        ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=len(IDS), unique=True))
        nodes = [_node(i, description=draw(st.sampled_from(TEXTS)),
                       citation=draw(st.sampled_from(TEXTS)),
                       min_supply_share=draw(st.sampled_from((None, 0.5, 0.8))),
                       attributes={k: v for k in ("p", "q")
                                   if (v := draw(st.sampled_from(TEXTS))) is not None})
                 for i in ids]
        rels = []
        for item in (i for i in ids if i.startswith("item")):
            for kind, pool in ((RelKind.SUPPLIED_BY, [i for i in ids if i.startswith("s-")]),
                               (RelKind.LOCATED_IN, [i for i in ids if i.isupper()]),
                               (RelKind.REQUIRES, [i for i in ids if i.startswith("item")
                                                   and i != item])):
                targets = draw(st.lists(st.sampled_from(pool), unique=True)) if pool else []
                total = 0.0
                for target in targets:
                    share = draw(st.sampled_from(SHARES)) if kind in SHARE_KINDS else None
                    if share is not None and total + share > 1.0:
                        share = None
                    total += share or 0.0
                    rels.append(Relationship(item, target, kind, share=share,
                                             role=draw(st.sampled_from(TEXTS)),
                                             citation=draw(st.sampled_from(TEXTS))))
        batches.append(Batch(f"src{number}", nodes, rels, priority=priority))
    return batches


def _ingest(store: Store, batches: list[Batch]) -> dict[str, Any]:
    store.clear()
    for batch in batches:
        store.apply(batch)
    return {"graph": graph_document(store),
            "conflicts": [c.as_dict() for c in store.conflicts()]}


def _counted_share_sums(store: Store) -> dict[tuple[str, str], float]:
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for rel in store.relationships():
        if rel.counted and rel.kind in SHARE_KINDS and rel.share is not None:
            sums[(rel.from_id, rel.kind.value)] += rel.share
    return sums


_SETTINGS = settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


@_SETTINGS
@given(batches=sources(), seed=st.integers(0, 1000))
def test_every_order_of_the_same_sources_gives_the_same_graph(store: Store,
                                                              batches: list[Batch],
                                                              seed: int) -> None:
    first = _ingest(store, batches)
    assert all(total <= 1.0 + SHARE_TOLERANCE for total in _counted_share_sums(store).values())
    shuffled = batches[:]
    random.Random(seed).shuffle(shuffled)
    assert _ingest(store, batches[::-1]) == first
    assert _ingest(store, shuffled) == first
    # Running one source again (newest run now) changes nothing either: priorities differ.
    store.apply(batches[0])
    assert {"graph": graph_document(store),
            "conflicts": [c.as_dict() for c in store.conflicts()]} == first


@_SETTINGS
@given(batches=sources(), data=st.data())
def test_removing_a_source_equals_never_having_ingested_it(store: Store, batches: list[Batch],
                                                          data: st.DataObject) -> None:
    removed = data.draw(st.integers(0, len(batches) - 1))
    rest = [b for i, b in enumerate(batches) if i != removed]
    never = _ingest(store, rest)
    _ingest(store, batches)
    store.apply(Batch(batches[removed].source, [], [], priority=batches[removed].priority))
    after = {"graph": graph_document(store),
             "conflicts": [c.as_dict() for c in store.conflicts()]}
    assert after == never
    assert all(total <= 1.0 + SHARE_TOLERANCE for total in _counted_share_sums(store).values())


@pytest.mark.parametrize("removed", [0, 1])
def test_withdrawing_the_record_source_of_shares_restores_the_other_list(store: Store,
                                                                        removed: int) -> None:
    batches = [_wafers("curated", 20, {"s-one": 0.7, "s-two": 0.3}),
               _wafers("survey", 10, {"s-two": 0.6, "s-three": 0.4})]
    never = _ingest(store, [batches[1 - removed]])
    _ingest(store, batches)
    store.apply(Batch(batches[removed].source, [], [], priority=batches[removed].priority))
    assert graph_document(store) == never["graph"]
