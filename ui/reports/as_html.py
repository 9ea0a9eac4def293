"""The report as one self-contained HTML file: inline CSS, pictures as base64 PNG, no script.

Every string from the data passes through :func:`html.escape`; the page carries a Content
Security Policy that forbids scripts and any outside request, so even a mistake could not
make it run code or call home.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from analysis.report import Report, Table
from graph.export import atomic_write
from ui.reports.cells import display
from ui.reports.figures import chart_png, subgraph_png

__all__ = ["render_html", "html_document"]

POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { margin-bottom: .2rem; } .meta { color: #666; margin-top: 0; }
section.summary { background: #f5f7fa; border-left: 4px solid #b10026; padding: .6rem 1.2rem; }
table { border-collapse: collapse; margin: .5rem 0 .3rem; font-size: .85rem; width: 100%; }
th, td { border: 1px solid #ddd; padding: .25rem .45rem; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #eef1f5; text-align: left; } td.num { text-align: right; white-space: nowrap; }
tr:nth-child(even) td { background: #fafbfc; }
p.note { color: #555; font-size: .8rem; margin-top: 0; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: .85rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } .charts figure { flex: 1 1 30rem; }
"""
NUMERIC = ("int", "percent", "number")


def _image(png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        cells = []
        for i, value in enumerate(row):
            fmt = table.format_of(i)
            css = ' class="num"' if fmt in NUMERIC else ""
            cells.append(f"<td{css}>{escape(display(value, fmt))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    empty = "" if table.rows else f'<tr><td colspan="{len(table.columns)}">(none)</td></tr>'
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (f'<section id="{escape(table.name)}"><h2>{escape(table.title)}</h2>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}{empty}</tbody>"
            f"</table>{note}</section>")


def html_document(report: Report) -> str:
    """The whole page as text."""
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="meta">Generated {escape(report.generated)}'
        + (f" from {escape(report.store)}" if report.store else "") + "</p>",
        '<section class="summary"><h2>Executive summary</h2>',
        *(f"<p>{escape(s)}</p>" for s in report.summary), "</section>",
    ]
    if report.subgraph.nodes:
        parts.append("<h2>Critical subgraph</h2>")
        parts.append(_image(subgraph_png(report.subgraph), "critical subgraph",
                            "In supply-chain tiers: industries at the top, countries at the "
                            "bottom; targets are squares; arrows point from a dependent to "
                            "what it depends on; top chokepoints have a red ring."))
    if report.charts:
        parts.append('<h2>Charts</h2><div class="charts">')
        parts.extend(_image(chart_png(c), c.title, c.title) for c in report.charts)
        parts.append("</div>")
    parts.extend(_table(t) for t in report.tables)
    parts.append("<section><h2>Methodology</h2>")
    for section in report.methodology:
        parts.append(f"<h3>{escape(section.heading)}</h3>")
        parts.extend(f"<p>{escape(p)}</p>" for p in section.paragraphs)
    parts.append("</section></body></html>")
    return "\n".join(parts) + "\n"


def render_html(report: Report, out: Path) -> None:
    with atomic_write(out) as handle:
        handle.write(html_document(report))
