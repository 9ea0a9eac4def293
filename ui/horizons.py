"""`--horizon` and `--until`: the months after a disruption starts at which a command answers.

With neither option a command answers at horizon 0, as it always has.  With one horizon its
output has exactly its usual shape, read at that horizon.  With several, the JSON keeps the
usual top-level fields for the first horizon and adds ``"horizons": [{"months": m, ...the
same fields at m...}, ...]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["horizon_options", "chosen_horizons", "with_horizons", "months_label"]

HORIZON_HELP = ("Months after the disruption starts at which to answer, comma-separated, "
                "e.g. 0,3,6,12,24.  Buffers (stock, "
                "installed tools, released models) still count, alternatives with a lead "
                "time do not yet.  Default: 0.")
UNTIL_HELP = ("Answer at the default horizons up to this date and at the date itself, in "
              "whole months from the graph's newest as-of date (e.g. 2027-12-31).")


def horizon_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--horizon`` and ``--until`` to a command (parameters ``horizon``, ``until``)."""
    command = click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]),
                           metavar="YYYY-MM-DD", help=UNTIL_HELP)(command)
    return click.option("--horizon", metavar="M1,M2,…", help=HORIZON_HELP)(command)


def chosen_horizons(graph: nx.MultiDiGraph, horizon: str | None,
                    until: datetime | None) -> tuple[float, ...]:
    """The horizons the options ask for (``(0,)`` when neither is given)."""
    from analysis.horizon import graph_as_of, horizons_until, parse_horizons

    if horizon and until:
        raise click.UsageError("give --horizon or --until, not both")
    if until is not None:
        return horizons_until(until.date(), graph_as_of(graph))
    if horizon:
        return parse_horizons(horizon)
    return (0,)


def horizon_zero_note(graph: nx.MultiDiGraph, horizon: str | None, until: Any) -> str | None:
    """What to say under a table read at horizon 0 by default while stocks hide losses: the
    figures are those of the first day, and how to see how long each lasts."""
    if horizon is not None or until is not None or not any(
            d.get("buffer_months") for _, _, d in graph.edges(data=True)):
        return None
    return ("These are the losses at once (horizon 0), while stocks and installed tools still "
            "cover some inputs; add --horizon 0,6,12,24 to see how long each lasts.")


def with_horizons(horizons: Sequence[float], documents: Sequence[dict[str, Any]],
                  **extra: Any) -> dict[str, Any]:
    """The first horizon's document, with every horizon's under ``"horizons"`` when there
    are several (and ``extra`` top-level fields then)."""
    if len(documents) == 1:
        return dict(documents[0])
    return {**documents[0], **extra,
            "horizons": [{"months": m, **d} for m, d in zip(horizons, documents, strict=True)]}


def months_label(months: float) -> str:
    """``"12 mo"`` (a short column heading)."""
    return f"{months:g} mo"
