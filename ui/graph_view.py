"""Draw a neighbourhood as a pyvis (vis-network) page, safely, in supply-chain tiers.

The default picture is tiered, left to right: countries → suppliers → inputs → chips →
software → models → industries (vis-network's hierarchical layout, one level per tier, no
physics, so it appears at once and stays still).  A force layout is optional; its physics
stops once the layout is stable.  Above a node budget the far part of a neighbourhood is
drawn as groups (by side and kind, then by country), each expandable with a click; a click on
any other node makes it the centre.  Labels are cut to a few words (the full name is in the
tooltip) and are never drawn below a readable size.

Node text comes from data, so it is treated as hostile: labels are drawn on the canvas (text
only), titles are plain text, and when any title contains ``href`` — which makes pyvis switch
every tooltip to ``innerHTML`` — all titles are HTML-escaped first.  No ``heading``, no
``select_menu``: both put data into the page unescaped.  The drawing library (vis-network's
script and stylesheet, as pyvis ships them) is inlined, so a page works anywhere on its own;
the app instead asks for a page that loads the library from its own server (``library=``),
so that the picture it sends is tens of kilobytes instead of 700 and the browser parses the
library once, from its cache, rather than again for every picture.  The script added to the
page is fixed text; the data it uses (node ids) travels inside pyvis's JSON.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from analysis.neighbourhood import Neighbourhood
from graph.model import NodeKind
from ui.text import shown as _shown
from ui.tiers import tier

__all__ = ["KIND_COLOURS", "SPOF_COLOUR", "EDGE_COLOURS", "BUDGET", "FONT_PX", "MIN_LABEL_PX",
           "Picture", "picture", "tier_levels", "neighbourhood_html", "legend_html", "short_label",
           "LIBRARY_FILES", "library_dir"]

KIND_COLOURS: dict[str, str] = {
    NodeKind.CHIP.value: "#4e79a7",
    NodeKind.COMPONENT.value: "#59a14f",
    NodeKind.SOFTWARE.value: "#b07aa1",
    NodeKind.MODEL.value: "#f28e2b",
    NodeKind.DATASET.value: "#edc948",
    NodeKind.SUPPLIER.value: "#76b7b2",
    NodeKind.COUNTRY.value: "#9c755f",
    NodeKind.INDUSTRY.value: "#ff9da7",
}
SPOF_COLOUR = "#d62728"
EDGE_COLOURS = {"REQUIRES": "#8a8a8a", "SUPPLIED_BY": "#4e79a7", "LOCATED_IN": "#9c755f",
                "HEADQUARTERED_IN": "#c9b3a6"}
EDGE_MEANING = {"REQUIRES": "requires", "SUPPLIED_BY": "supplied by",
                "LOCATED_IN": "located in", "HEADQUARTERED_IN": "headquartered in"}
HEIGHT_PX = 600
BUDGET = 120  # nodes drawn one by one; beyond this the far part is grouped
FONT_PX = 14
MIN_LABEL_PX = 11  # labels are hidden rather than drawn smaller than this on screen
LABEL_CHARS = 24
LEVEL_PX = 210  # canvas units between columns (a label is at most ~180 wide)
ROW_PX = 56  # canvas units between nodes in a column (a dot, its label and a gap)
THEMES = {
    False: {"background": "#ffffff", "text": "#1f2328", "halo": "#ffffff", "button": "#f0f2f6"},
    True: {"background": "#0e1117", "text": "#e6e6e6", "halo": "#0e1117", "button": "#262730"},
}


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:·-") + "…"


@dataclass
class Picture:
    """What is drawn: single nodes, groups (key → members) and edges between the two."""

    singles: list[str]
    groups: dict[str, list[str]] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def representative(self) -> dict[str, str]:
        where = {n: n for n in self.singles}
        for key, members in self.groups.items():
            for member in members:
                where[member] = f"group:{key}"
        return where


def _group_key(graph: nx.MultiDiGraph, nbhd: Neighbourhood, node: str, fine: bool) -> str:
    attrs = graph.nodes[node]
    key = f"{nbhd.side[node]}:{attrs.get('kind', '')}"
    return f"{key}:{attrs.get('country') or 'unknown'}" if fine else key


def picture(graph: nx.MultiDiGraph, nbhd: Neighbourhood, *, budget: int = BUDGET,
            expand: Sequence[str] = ()) -> Picture:
    """Which nodes are drawn one by one and which are grouped.

    Within ``budget`` every node is drawn.  Beyond it the centre and its direct neighbours
    (when they fit in half the budget) are drawn, and the rest grouped by side and kind;
    an expanded group (its key in ``expand``) is drawn one by one when it fits the budget,
    else split by country, whose groups can be expanded in turn.
    """
    nodes = list(nbhd.nodes)
    if len(nodes) <= budget:
        found = Picture(singles=nodes)
    else:
        near = [n for n in nodes if nbhd.distance[n] <= 1]
        singles = near if len(near) <= budget // 2 else [nbhd.centre]
        chosen = set(singles)
        coarse: dict[str, list[str]] = defaultdict(list)
        for node in nodes:
            if node not in chosen:
                coarse[_group_key(graph, nbhd, node, fine=False)].append(node)
        groups: dict[str, list[str]] = {}
        for key, members in coarse.items():
            if key not in expand:
                groups[key] = members
                continue
            if len(members) + len(singles) <= budget:
                singles += members
                continue
            fine: dict[str, list[str]] = defaultdict(list)
            for node in members:
                fine[_group_key(graph, nbhd, node, fine=True)].append(node)
            for sub, inside in fine.items():
                if sub in expand and len(inside) + len(singles) <= budget:
                    singles += inside
                else:
                    groups[sub] = inside
        found = Picture(singles=singles, groups=groups)
    where = found.representative()
    for source, target, kind in nbhd.edges:
        a, b = where.get(source), where.get(target)
        if a and b and a != b:
            found.edges[(a, b, kind)] = found.edges.get((a, b, kind), 0) + 1
    return found


def tier_levels(kinds: Mapping[str, str], order: Sequence[str], *,
                width: float = 980, height: float = HEIGHT_PX) -> dict[str, int]:
    """A hierarchical level per node id: its tier, split into columns of at most R nodes
    each, R chosen so the whole picture comes closest to the frame's shape (and so to the
    largest scale at which it fits).  ``order`` ranks the nodes within a tier (first, first
    column)."""
    tiers: dict[int, list[str]] = defaultdict(list)
    for node in order:
        tiers[tier(kinds[node])].append(node)
    if not tiers:
        return {}
    biggest = max(len(t) for t in tiers.values())

    def scale(rows: int) -> float:
        columns = sum(-(-len(t) // rows) for t in tiers.values())
        return min(width / (columns * LEVEL_PX), height / (min(rows, biggest) * ROW_PX))

    rows = max(range(4, max(biggest, 4) + 1), key=lambda r: (scale(r), r))
    levels: dict[str, int] = {}
    base = 0
    for _, members in sorted(tiers.items()):
        for i, node in enumerate(members):
            levels[node] = base + i // rows
        base += -(-len(members) // rows)
    return levels


def _title(graph: nx.MultiDiGraph, node: str, nbhd: Neighbourhood, spof: bool,
           importance: Mapping[str, float]) -> str:
    attrs = graph.nodes[node]
    lines = [_shown(attrs.get("name", node)), f"{attrs.get('kind', '')} · id {_shown(node)}"]
    if node != nbhd.centre:
        lines.append(f"{nbhd.side[node]}, {nbhd.distance[node]} hop(s) from the centre")
    if node in importance:
        lines.append(f"capacity loss if removed: {100 * importance[node]:.1f}% "
                     "(mean over industries)")
    else:
        lines.append("capacity loss: not ranked (no industry depends on it)")
    if spof:
        lines.append("single point of failure of the centre")
    if node != nbhd.centre:
        lines.append("click: make it the centre")
    return "\n".join(lines)


def _make_titles_plain_text(net: Any) -> None:
    """pyvis shows titles as text unless ANY title contains 'href'; then it uses innerHTML."""
    if any("href" in str(n.get("title", "")) for n in net.nodes):
        for n in net.nodes:
            if "title" in n:
                n["title"] = html.escape(str(n["title"]))


def _options(layout: str, dark: bool) -> dict:
    theme = THEMES[dark]
    font = {"size": FONT_PX, "face": "sans-serif", "color": theme["text"], "strokeWidth": 3,
            "strokeColor": theme["halo"]}
    options: dict = {
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False,
                        "keyboard": {"enabled": True, "bindToWindow": False}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}},
        # labels smaller than MIN_LABEL_PX on screen are not drawn (the tooltip has them)
        "nodes": {"font": font, "scaling": {"label": {"enabled": False,
                                                      "drawThreshold": MIN_LABEL_PX}}},
    }
    if layout == "force":
        options["physics"] = {
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -10000, "centralGravity": 0.3,
                          "springLength": 160, "springConstant": 0.03, "damping": 0.12,
                          "avoidOverlap": 0.5},
            "minVelocity": 1.0, "stabilization": {"iterations": 300, "fit": True}}
        options["layout"] = {"randomSeed": 7}
        options["edges"]["smooth"] = {"type": "continuous"}
    else:
        options["physics"] = {"enabled": False}
        options["layout"] = {"hierarchical": {
            "enabled": True, "direction": "LR", "levelSeparation": LEVEL_PX, "nodeSpacing": ROW_PX,
            "treeSpacing": 80, "blockShifting": True, "edgeMinimization": True,
            "parentCentralization": True, "sortMethod": "directed"}}
        options["edges"]["smooth"] = {"type": "cubicBezier", "forceDirection": "horizontal",
                                      "roundness": 0.4}
    return options


# Fixed text, no data: the toolbar (fit, pause, PNG), label-size floor, click handling.
_SCRIPT = """<style>
#cp-bar{position:absolute;top:6px;right:8px;z-index:10;display:flex;gap:6px;font:13px sans-serif}
#cp-bar button{border:1px solid #8888;border-radius:6px;padding:3px 9px;cursor:pointer;
background:var(--cp-button);color:var(--cp-text)}
body{margin:0;background:var(--cp-bg)} #mynetwork{border:none!important;background:var(--cp-bg)}
.card{border:none!important;background:var(--cp-bg)!important}
</style>
<div id="cp-bar"><button id="cp-fit" title="Fit the whole picture, labels at a readable size">
Fit</button><button id="cp-pause" title="Stop or restart the layout's movement">Pause</button>
<button id="cp-png" title="Save the view as a PNG image">PNG</button></div>
<script>
(function () {
  var MIN = __MIN__, FONT = __FONT__;
  var bar = document.getElementById("cp-bar");
  document.getElementById("mynetwork").parentElement.style.position = "relative";
  document.getElementById("mynetwork").parentElement.appendChild(bar);
  function clamp(value, low, high) {
    return high < low ? (low + high) / 2 : Math.min(Math.max(value, low), high);
  }
  function readable() {
    // fit everything; if that makes labels smaller than MIN px, zoom in to MIN px, keeping
    // the centre node in view and the view filled
    network.fit({animation: false});
    var scale = network.getScale() * 0.95;
    var view = network.getViewPosition();
    if (scale * FONT < MIN) {
      scale = MIN / FONT;
      var all = network.getPositions(), xs = [], ys = [];
      Object.keys(all).forEach(function (id) { xs.push(all[id].x); ys.push(all[id].y); });
      var canvas = document.querySelector("#mynetwork canvas");
      var hw = canvas.clientWidth / 2 / scale - 100, hh = canvas.clientHeight / 2 / scale - 30;
      var centre = network.body.data.nodes.get({filter: function (n) { return n.centre; }})[0];
      var at = centre ? network.getPosition(centre.id) : view;
      view = {x: clamp(at.x, Math.min.apply(null, xs) + hw, Math.max.apply(null, xs) - hw),
              y: clamp(at.y, Math.min.apply(null, ys) + hh, Math.max.apply(null, ys) - hh)};
    }
    network.moveTo({position: view, scale: scale, animation: false});
    network.redraw();
    window.cpReady = true;
  }
  var moving = __PHYSICS__;
  if (moving) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({physics: {enabled: false}}); moving = false; readable();
    });
  } else if (document.readyState === "complete") {
    readable();
  } else {
    window.addEventListener("load", function () { network.redraw(); readable(); });
  }
  document.getElementById("cp-fit").onclick = readable;
  document.getElementById("cp-pause").onclick = function () {
    moving = !moving; network.setOptions({physics: {enabled: moving}});
    this.textContent = moving ? "Pause" : "Move";
  };
  document.getElementById("cp-png").onclick = function () {
    var source = document.querySelector("#mynetwork canvas");
    var copy = document.createElement("canvas");
    copy.width = source.width; copy.height = source.height;
    var g = copy.getContext("2d");
    g.fillStyle = getComputedStyle(document.body).getPropertyValue("--cp-bg") || "#fff";
    g.fillRect(0, 0, copy.width, copy.height); g.drawImage(source, 0, 0);
    var link = document.createElement("a");
    link.download = "chokepoint-graph.png"; link.href = copy.toDataURL("image/png");
    document.body.appendChild(link); link.click(); link.remove();
  };
  function go(change) {
    // the app's own URL, changed; followed by a link in the app's page (same origin)
    var top = window.parent, url = new URL(top.location.href);
    change(url.searchParams);
    var a = top.document.createElement("a");
    a.href = url.toString(); top.document.body.appendChild(a); a.click();
  }
  network.on("click", function (params) {
    if (!params.nodes.length) { return; }
    var node = network.body.data.nodes.get(params.nodes[0]);
    if (!node || node.centre) { return; }
    window.cpClicked = node.id;
    try {
      if (node.group_key) {
        go(function (q) { q.append("expand", node.group_key); });
      } else {
        go(function (q) { q.set("node", node.id); q.delete("q"); q.delete("expand"); });
      }
    } catch (err) { /* not inside the app: nothing to navigate */ }
  });
})();
</script>
"""


def _plural(kind: str, count: int) -> str:
    if count == 1 or kind in ("software",):
        return kind
    return kind[:-1] + "ies" if kind.endswith("y") else kind + "s"


# pyvis's page template names files it does not ship (``../node_modules/vis/...``: fetched
# from the app's server, which answers with its own page) and Bootstrap on a public CDN (only
# its menus use it, and this picture has none).  Both are dropped: the picture is drawn from
# the page alone, and an analyst's browser fetches nothing from elsewhere to show it.
_FETCHED = re.compile(r"<link\b[^>]*\bhref=\"(?:\.\./node_modules/|https?://)[^>]*>\s*"
                      r"|<script\b[^>]*\bsrc=\"(?:\.\./node_modules/|https?://)[^>]*>\s*"
                      r"</script>\s*", re.I)


def _self_contained(page: str) -> str:
    """``page`` without the stylesheets and scripts it would fetch from elsewhere."""
    return _FETCHED.sub("", page)


LIBRARY_FILES = ("vis-9.1.2/vis-network.min.js", "vis-9.1.2/vis-network.css")
"""The drawing library's files, under :func:`library_dir`: pyvis inlines both."""


def library_dir() -> Path | None:
    """The folder of the drawing library pyvis ships (``None`` if it is not where expected)."""
    import pyvis

    folder = Path(pyvis.__file__).parent / "templates" / "lib"
    return folder if all((folder / name).is_file() for name in LIBRARY_FILES) else None


@functools.cache
def _inlined_library(folder: Path) -> tuple[str, str]:
    """The library's script and stylesheet in ``folder`` as pyvis inlines them (read once
    per process: 690 KB)."""
    script, style = ((folder / name).read_text(encoding="utf-8") for name in LIBRARY_FILES)
    return f"<script>{script}</script>", f"<style>{style}</style>"


def _served(page: str, library: str) -> str:
    """``page`` with the inlined library replaced by the same files fetched from ``library``
    (a URL path ending in ``/``); unchanged if the inlined text is not found as expected."""
    folder = library_dir()
    if folder is None:
        return page
    inline_script, inline_style = _inlined_library(folder)
    quoted = html.escape(library, quote=True)
    if page.count(inline_script) != 1 or page.count(inline_style) != 1:
        return page
    link = f'<link rel="stylesheet" href="{quoted}{LIBRARY_FILES[1]}">'
    fetched = f'<script src="{quoted}{LIBRARY_FILES[0]}"></script>'
    return page.replace(inline_style, link).replace(inline_script, fetched)


def neighbourhood_html(graph: nx.MultiDiGraph, nbhd: Neighbourhood, *,
                       spofs: Set[str] = frozenset(),
                       importance: Mapping[str, float] | None = None,
                       layout: str = "tiered", dark: bool = False, budget: int = BUDGET,
                       expand: Sequence[str] = (), library: str | None = None) -> str:
    """The self-contained HTML page of ``nbhd``: tiered (or ``force``) layout, colour by
    kind, size by importance (mean capacity loss across industries when removed), SPOFs of
    the centre ringed in red, groups above ``budget`` nodes.  With ``library`` (a URL path
    ending in ``/`` that serves :data:`LIBRARY_FILES`), the page loads the drawing library
    from there instead of carrying it."""
    from pyvis.network import Network  # jinja2 and friends: load on the first picture

    importance = importance or {}
    theme = THEMES[dark]
    drawn = picture(graph, nbhd, budget=budget, expand=expand)
    net = Network(height=f"{HEIGHT_PX}px", width="100%", directed=True,
                  cdn_resources="in_line", bgcolor=theme["background"],
                  font_color=theme["text"])
    tiered = layout != "force"
    kinds = {n: str(graph.nodes[n].get("kind", "")) for n in drawn.singles}
    kinds.update({f"group:{k}": k.split(":")[1] for k in drawn.groups})
    order = sorted(kinds, key=lambda n: (-importance.get(n, 0.0), n))
    levels = tier_levels(kinds, order) if tiered else {}
    for node in drawn.singles:
        attrs = graph.nodes[node]
        kind = str(attrs.get("kind", ""))
        weight = float(importance.get(node, 0.0))
        is_spof, is_centre = node in spofs, node == nbhd.centre
        colour = KIND_COLOURS.get(kind, "#bab0ac")
        extra = {"level": levels[node]} if tiered else {}
        net.add_node(
            node, label=short_label(_shown(attrs.get("name", node))),
            title=_title(graph, node, nbhd, is_spof, importance),
            color={"background": colour, "border": SPOF_COLOUR if is_spof else colour,
                   "highlight": {"background": colour, "border": theme["text"]},
                   "hover": {"background": colour, "border": theme["text"]}},
            borderWidth=4 if is_spof else 1, size=(16 if is_centre else 7) + 9 * weight,
            shape="star" if is_centre else "dot", centre=is_centre,
            font={"size": FONT_PX + 2 if is_centre else FONT_PX},
            **extra)
    for key, members in drawn.groups.items():
        side, kind, *place = key.split(":")
        colour = KIND_COLOURS.get(kind, "#bab0ac")
        where = f" in {_shown(graph.nodes[place[0]].get('name', place[0]))}" \
            if place and place[0] in graph else (" (country unknown)" if place else "")
        names = sorted(_shown(graph.nodes[m].get("name", m)) for m in members)
        title = (f"{len(members):,} {kind} nodes{where}, {side}\n"
                 + "\n".join(short_label(n, 60) for n in names[:12])
                 + (f"\n… and {len(names) - 12:,} more" if len(names) > 12 else "")
                 + "\nclick: draw them one by one")
        extra = {"level": levels[f"group:{key}"]} if tiered else {}
        net.add_node(f"group:{key}", label=short_label(f"{len(members):,} "
                                                        f"{_plural(kind, len(members))}{where}"),
                     title=title, shape="box", group_key=key, centre=False,
                     color={"background": colour, "border": theme["text"]},
                     font={"size": FONT_PX, "color": "#111111", "strokeWidth": 0},
                     borderWidth=1, **extra)
    for (source, target, kind), count in drawn.edges.items():
        label = EDGE_MEANING.get(kind, kind)
        if count == 1 and not (source.startswith("group:") or target.startswith("group:")):
            data = graph.get_edge_data(source, target, kind) or {}
            share = data.get("share")
            title = label + (f" (share {100 * float(share):.1f}%)" if share is not None else "")
        else:
            title = f"{count:,} × {label}"
        net.add_edge(source, target, color=EDGE_COLOURS.get(kind, "#999999"), title=title,
                     width=min(1 + count ** 0.5 / 2, 6),
                     dashes=kind in ("LOCATED_IN", "HEADQUARTERED_IN"))
    net.set_options(json.dumps(_options(layout, dark)))
    _make_titles_plain_text(net)
    page = _self_contained(net.generate_html(notebook=False))
    if library is not None:
        page = _served(page, library)
    style = (f"<style>:root{{--cp-bg:{theme['background']};--cp-text:{theme['text']};"
             f"--cp-button:{theme['button']}}}</style>")
    script = style + _SCRIPT.replace("__MIN__", str(MIN_LABEL_PX)).replace(
        "__FONT__", str(FONT_PX)).replace("__PHYSICS__", "false" if tiered else "true")
    head, body_end, tail = page.rpartition("</body>")
    return head + script + body_end + tail if body_end else page + script


def legend_html() -> str:
    """A legend of the fixed kinds and relationships (no data in it), for
    ``st.markdown(unsafe_allow_html)``."""
    swatch = ('<span style="display:inline-block;width:0.8em;height:0.8em;border-radius:50%;'
              'background:{};margin:0 0.3em 0 0.8em;{}"></span>{}')
    items = [swatch.format(colour, "", kind) for kind, colour in KIND_COLOURS.items()]
    items.append(swatch.format("transparent", f"border:3px solid {SPOF_COLOUR};",
                               "single point of failure of the centre"))
    line = ('<span style="display:inline-block;width:1.8em;margin:0 0.3em 0.2em 0.8em;'
            'border-top:2px {} {};vertical-align:middle"></span>{}')
    edges = [line.format("dashed" if kind in ("LOCATED_IN", "HEADQUARTERED_IN") else "solid",
                         colour, f"{EDGE_MEANING[kind]} →")
             for kind, colour in EDGE_COLOURS.items()]
    return ("<div style='font-size:0.85em;line-height:1.8'>" + "".join(items) + "<br>"
            + "".join(edges) + "<span style='margin-left:0.8em'>★ centre · size: capacity "
            "loss if removed · boxes: groups (click to open) · arrows point to what a node "
            "depends on</span></div>")
