"""The result of a capacity computation: availability by node, sparse."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

__all__ = ["Availability", "kth_largest"]


class Availability(Mapping[str, float]):
    """Availability of every node of a graph; nodes a scenario does not reach have 1."""

    def __init__(self, ids: tuple[str, ...], index: Mapping[str, int],
                 changed: Mapping[int, float]) -> None:
        self._ids = ids
        self._index = index
        self._changed = changed

    def __getitem__(self, node: str) -> float:
        return self._changed.get(self._index[node], 1.0)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def by_index(self) -> Mapping[int, float]:
        """The availabilities below 1, by :class:`CapacityModel` node index."""
        return self._changed

    def reduced(self) -> dict[str, float]:
        """Only the nodes whose availability is below 1."""
        return {self._ids[i]: v for i, v in sorted(self._changed.items())}


def kth_largest(values: list[float], k: int) -> float:
    """The ``k``-th largest of ``values`` (``1 ≤ k ≤ len(values)``): what a group needing
    ``k`` of its members can supply.  Most groups need one member or all of them."""
    if len(values) == 1 or k == 1:
        return max(values)
    if k == len(values):
        return min(values)
    return sorted(values, reverse=True)[k - 1]
