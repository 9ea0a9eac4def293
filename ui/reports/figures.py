"""The report's pictures as PNG bytes, drawn with matplotlib's Agg backend (no display).

Figures are built with :class:`matplotlib.figure.Figure` directly, not ``pyplot``, so no
global state is touched and rendering is safe from threads (the app).  Text from the data is
never parsed as mathtext (``$`` is escaped), and a name with characters the bundled DejaVu
Sans font cannot draw (CJK, for instance) is shown by its id instead of as empty boxes.
"""

from __future__ import annotations

import io
import textwrap
from collections import defaultdict
from functools import lru_cache

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from analysis.report import Chart, Subgraph, SubgraphNode
from ui.tiers import KIND_TIERS, tier

__all__ = ["chart_png", "subgraph_png", "KIND_COLOURS", "drawable"]

KIND_COLOURS = {
    "chip": "#4c78a8", "component": "#72b7b2", "software": "#54a24b", "model": "#b279a2",
    "dataset": "#9d755d", "supplier": "#f58518", "country": "#bab0ac", "industry": "#e45756",
}
CHOKEPOINT_EDGE = "#b10026"
DPI = 150
LABEL_WIDTH = 16


@lru_cache(maxsize=1)
def _font() -> FT2Font:
    return FT2Font(font_manager.findfont("DejaVu Sans"))


def drawable(text: str) -> bool:
    """Whether the figure font has a glyph for every character of ``text``."""
    font = _font()
    return all(ch.isspace() or font.get_char_index(ord(ch)) for ch in text)


def _label(name: str, fallback: str, width: int | None = None) -> str:
    text = name if drawable(name) else fallback
    if width:
        text = "\n".join(textwrap.wrap(text, width, max_lines=2, placeholder="…") or [""])
    return text.replace("$", r"\$")


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


@lru_cache(maxsize=32)
def chart_png(chart: Chart) -> bytes:
    """A horizontal bar chart, largest bar on top, or a line chart when the chart has
    months (cached: every format draws the same)."""
    if chart.months:
        return _line_chart_png(chart)
    count = max(len(chart.values), 1)
    figure = Figure(figsize=(7.0, 0.8 + 0.32 * count))
    axes = figure.add_subplot()
    positions = list(range(count))[::-1]
    ids = chart.ids or tuple(f"#{i + 1}" for i in range(len(chart.labels)))
    labels = [_label(text, node) for text, node in zip(chart.labels, ids, strict=False)]
    axes.barh(positions[:len(chart.values)], chart.values, color="#4c78a8")
    axes.set_yticks(positions[:len(labels)], labels=[textwrap.shorten(t, 38, placeholder="…")
                                                     for t in labels], fontsize=8)
    maximum = chart.maximum or max(chart.values, default=1.0) or 1.0
    axes.set_xlim(0, maximum * 1.12)
    for y, value in zip(positions, chart.values, strict=False):
        shown = f"{100 * value:.0f}%" if chart.percent else f"{value:,.0f}"
        axes.text(value + maximum * 0.01, y, shown, va="center", fontsize=7)
    _frame(axes, chart, "x")
    return _png(figure)


def _frame(axes: Axes, chart: Chart, value_axis: str) -> None:
    """What both kinds of chart share: percent ticks on the value axis, the axis label, the
    title, small value ticks, no top or right spine."""
    if chart.percent:
        getattr(axes, f"{value_axis}axis").set_major_formatter(
            lambda v, _: f"{100 * v:.0f}%")
    axes.set_xlabel(_label(chart.axis, ""), fontsize=8)
    axes.set_title(_label(chart.title, chart.name), fontsize=10, loc="left")
    axes.tick_params(axis=value_axis, labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)


def _line_chart_png(chart: Chart) -> bytes:
    """One line per label through its values at each month, a legend below."""
    figure = Figure(figsize=(7.0, 3.6 + 0.18 * len(chart.labels)))
    axes = figure.add_subplot()
    ids = chart.ids or tuple("" for _ in chart.labels)
    for text, node, values in zip(chart.labels, ids, chart.series, strict=False):
        axes.plot(chart.months, values, marker="o", markersize=3, linewidth=1.5,
                  label=textwrap.shorten(_label(text, node or text), 60, placeholder="…"))
    axes.set_xticks(list(chart.months), labels=[f"{m:g}" for m in chart.months], fontsize=7)
    axes.set_ylim(0, (chart.maximum or 1.0) * 1.05)
    _frame(axes, chart, "y")
    axes.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2,
                frameon=False)
    return _png(figure)


def _row(node: SubgraphNode) -> int:
    """The node's row: supply-chain tiers, industries on top and countries at the bottom."""
    return max(KIND_TIERS.values()) - tier(node.kind)


def _positions(subgraph: Subgraph) -> dict[str, tuple[float, float]]:
    """Tiers as rows (industries on top, countries at the bottom, as in the app's picture);
    within a row, nodes ordered by the nodes above them that need them."""
    rows: dict[int, list[SubgraphNode]] = defaultdict(list)
    for node in subgraph.nodes:
        rows[_row(node)].append(node)
    parents: dict[str, list[str]] = defaultdict(list)
    for edge in subgraph.edges:
        parents[edge.target].append(edge.source)
    x: dict[str, float] = {}
    for row in sorted(rows):
        def anchor(node: SubgraphNode) -> float:
            placed = [x[p] for p in parents[node.id] if p in x]
            return sum(placed) / len(placed) if placed else 0.5
        members = sorted(rows[row], key=lambda n: (anchor(n), n.id))
        for i, node in enumerate(members):
            x[node.id] = (i + 1) / (len(members) + 1)
    used = sorted(rows)  # no empty rows between tiers
    return {n.id: (x[n.id], -float(used.index(_row(n)))) for n in subgraph.nodes}


@lru_cache(maxsize=8)
def subgraph_png(subgraph: Subgraph) -> bytes:
    """The critical subgraph in supply-chain tiers (industries on top, then models, software,
    chips, inputs, suppliers, countries), arrows from dependents to what they need."""
    rows: dict[int, int] = defaultdict(int)
    for node in subgraph.nodes:
        rows[_row(node)] += 1
    width = min(16.0, max(7.0, 1.5 * max(rows.values(), default=1)))
    figure = Figure(figsize=(width, 1.0 + 1.25 * max(len(rows), 1)))
    axes = figure.add_subplot()
    axes.set_axis_off()
    where = _positions(subgraph)
    for edge in subgraph.edges:
        axes.annotate("", xy=where[edge.target], xytext=where[edge.source],
                      arrowprops={"arrowstyle": "-|>", "color": "#888888", "lw": 0.8,
                                  "shrinkA": 9, "shrinkB": 9})
    for node in subgraph.nodes:
        x, y = where[node.id]
        axes.scatter([x], [y], s=260 if node.role != "path" else 150,
                     marker="s" if node.role == "target" else "o",
                     color=KIND_COLOURS.get(node.kind, "#cccccc"), zorder=3,
                     edgecolors=CHOKEPOINT_EDGE if node.role == "chokepoint" else "white",
                     linewidths=2.5 if node.role == "chokepoint" else 1.0)
        axes.text(x, y - 0.16, _label(node.name, node.id, LABEL_WIDTH), ha="center",
                  va="top", fontsize=7, zorder=4,
                  fontweight="bold" if node.role != "path" else "normal")
    kinds = sorted({n.kind for n in subgraph.nodes})
    for kind in kinds:
        axes.scatter([], [], color=KIND_COLOURS.get(kind, "#cccccc"), label=kind)
    axes.scatter([], [], color="white", edgecolors=CHOKEPOINT_EDGE, linewidths=2.5,
                 label="top chokepoint")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    lowest = min((y for _, y in where.values()), default=0.0)
    axes.set_ylim(lowest - 0.55, 0.35)
    axes.set_xlim(0, 1)
    return _png(figure)
