"""The report's pieces about time (§4.6): a chokepoint table over horizons, the
loss-over-time chart, and the summary sentences that say what persists and what is relieved.

They are built only when the report covers several horizons; with one, the report reads as it
always has (at that horizon).
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.horizon import PERSISTENT
from analysis.scenario import ScenarioResult
from analysis.timeline import ChokepointTimeline

__all__ = ["TIME_CHART_LINES", "time_table", "time_chart_series", "time_sentences",
           "TIME_METHOD"]

TIME_CHART_LINES = 6
"""How many chokepoints the loss-over-time chart draws (besides the scenario)."""

TIME_METHOD = (
    "Results are given at horizons, in months after a disruption starts. An input that a "
    "dependent holds in stock (inventory, installed tools, released model weights) still "
    "counts as available until its buffer runs out; an alternative with a lead time "
    "(a second source to qualify, a fab under construction, a port to another software "
    "stack) counts only from then on; a supplier that can expand counts with its surge "
    "share after its lead time. A chokepoint is persistent when its loss at the last "
    "horizon is at least 90 % of its loss at the first (or it only appears later), "
    "adaptable when it falls below 10 %, partly adaptable otherwise; it is relieved at "
    "the first horizon where its loss falls below half its first.",)


def _months(months: float) -> str:
    return f"{months:g} months"


def time_table(timeline: ChokepointTimeline, top: int
               ) -> tuple[tuple[str, ...], tuple[tuple[str | float | None, ...], ...],
                          tuple[str, ...]]:
    """Columns, rows and formats of the chokepoints-over-time table (worst first)."""
    columns = ("id", "name", *(f"loss at {_months(m)}" for m in timeline.horizons),
               "persistence", "relieved after (months)")
    rows = tuple((c.id, c.name, *(round(v, 4) for v in timeline.losses(c.id)),
                  timeline.persistence(c.id), timeline.relieved_after(c.id))
                 for c in timeline.worst(top))
    formats = ("text", "text", *("percent" for _ in timeline.horizons), "text", "number")
    return columns, rows, formats


def time_chart_series(timeline: ChokepointTimeline, results: Sequence[ScenarioResult]
                      ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[float, ...], ...]]:
    """Labels, ids and loss curves: the scenario's mean loss first (if any), then the
    chokepoints that are worst at some horizon."""
    labels: list[str] = []
    ids: list[str] = []
    series: list[tuple[float, ...]] = []
    if results:
        labels.append(f"Scenario: {results[0].name} (mean over targets)")
        ids.append("")
        series.append(tuple(round(r.mean_capacity_loss, 4) for r in results))
    for c in timeline.worst(TIME_CHART_LINES):
        labels.append(c.name)
        ids.append(c.id)
        series.append(tuple(round(v, 4) for v in timeline.losses(c.id)))
    return tuple(labels), tuple(ids), tuple(series)


def time_sentences(timeline: ChokepointTimeline, results: Sequence[ScenarioResult]
                   ) -> list[str]:
    """What persists to the last horizon, what is relieved, and the scenario's curve."""
    last = _months(timeline.horizons[-1])
    lasting = timeline.persistent_to_the_end()[:5]
    found = []
    if lasting:
        names = ", ".join(f"{c.name} ({100 * c.capacity_loss:.0f}%)" for c in lasting)
        found.append(f"Chokepoints that persist to {last}: {names}.")
    else:
        found.append(f"No chokepoint persists to {last}.")
    relieved = [c for c in timeline.rankings[0] if timeline.persistence(c.id) != PERSISTENT
                and timeline.relieved_after(c.id) is not None][:3]
    if relieved:
        found.append("Relieved over time: " + ", ".join(
            f"{c.name} (after {_months(timeline.relieved_after(c.id) or 0)})"
            for c in relieved) + ".")
    if results:
        curve = ", ".join(f"{100 * r.mean_capacity_loss:.0f}% at {_months(m)}"
                          for m, r in zip(timeline.horizons, results, strict=True))
        found.append(f"Under “{results[0].name}” the targets lose on average {curve}.")
    return found
