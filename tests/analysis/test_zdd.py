"""The ZDD's streamed enumeration and counts agree with plain sets of sets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.zdd import BASE, EMPTY, ZDD

FAMILIES = st.lists(st.frozensets(st.integers(0, 7), max_size=6), max_size=25)


def build(zdd: ZDD, family: list[frozenset[int]]) -> int:
    result = EMPTY
    for members in family:
        node = BASE
        for level in sorted(members, reverse=True):
            node = zdd.node(level, EMPTY, node)
        result = zdd.union(result, node)
    return result


def recursive_sets(zdd: ZDD, f: int) -> list[tuple[int, ...]]:
    """The plain recursive enumeration the streamed one replaced."""
    if f <= BASE:
        return [()] if f == BASE else []
    return recursive_sets(zdd, zdd.lo[f]) + [
        (zdd.level[f],) + rest for rest in recursive_sets(zdd, zdd.hi[f])]


@settings(max_examples=300, deadline=None)
@given(FAMILIES, st.one_of(st.none(), st.integers(0, 7)))
def test_streamed_sets_are_the_family(family: list[frozenset[int]], most: int | None) -> None:
    zdd = ZDD()
    f = build(zdd, family)
    expected = {tuple(sorted(s)) for s in family}
    streamed = list(zdd.sets(f, most))
    assert len(streamed) == len(set(streamed))
    assert sorted(streamed) == sorted(s for s in expected if most is None or len(s) <= most)
    assert sorted(recursive_sets(zdd, f)) == sorted(expected)
    assert zdd.count(f) == len(expected)


@settings(max_examples=300, deadline=None)
@given(FAMILIES, st.integers(0, 7))
def test_size_counts_and_smallest_size(family: list[frozenset[int]], most: int) -> None:
    zdd = ZDD()
    f = build(zdd, family)
    expected = {tuple(sorted(s)) for s in family}
    assert zdd.size_counts(f, most) == [sum(len(s) == n for s in expected)
                                        for n in range(most + 1)]
    smallest = min((len(s) for s in expected), default=1 << 30)
    assert zdd.min_sizes(f)[f] == smallest


@settings(max_examples=300, deadline=None)
@given(FAMILIES, FAMILIES)
def test_without_keeps_the_sets_containing_none_of_the_other(
        family: list[frozenset[int]], other: list[frozenset[int]]) -> None:
    zdd = ZDD()
    f, g = build(zdd, family), build(zdd, other)
    expected = {tuple(sorted(s)) for s in family if not any(o <= s for o in other)}
    assert set(zdd.sets(zdd.without(f, g))) == expected
