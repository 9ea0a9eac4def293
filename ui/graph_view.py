"""Draw a neighbourhood as a pyvis (vis-network) page, safely, with a legend per kind.

Node text comes from data, so it is treated as hostile: labels are drawn on the canvas (text
only), titles are plain text, and when any title contains ``href`` — which makes pyvis switch
every tooltip to ``innerHTML`` — all titles are HTML-escaped first.  No ``heading``, no
``select_menu``: both put data into the page unescaped.  Resources are inlined so the page
works inside Streamlit's ``srcdoc`` iframe.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Set

import networkx as nx
from pyvis.network import Network

from analysis.neighbourhood import Neighbourhood
from graph.model import NodeKind

__all__ = ["KIND_COLOURS", "SPOF_COLOUR", "neighbourhood_html", "legend_html"]

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
EDGE_COLOURS = {"REQUIRES": "#777777", "SUPPLIED_BY": "#4e79a7", "LOCATED_IN": "#9c755f",
                "HEADQUARTERED_IN": "#c9b3a6"}
HEIGHT_PX = 600

_OPTIONS = {
    # long springs and strong repulsion spread dense clusters so their labels do not pile up
    "physics": {"solver": "barnesHut",
                "barnesHut": {"gravitationalConstant": -10000, "centralGravity": 0.3,
                              "springLength": 160, "springConstant": 0.03, "damping": 0.12,
                              "avoidOverlap": 0.5},
                "minVelocity": 1.0,
                "stabilization": {"iterations": 400, "fit": True}},
    "layout": {"randomSeed": 7},  # the same picture on every render
    "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False},
    "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
              "smooth": {"type": "continuous"}},
    # a white halo keeps a label readable where it crosses edges or other labels
    "nodes": {"font": {"size": 18, "face": "sans-serif", "strokeWidth": 4,
                       "strokeColor": "#ffffff"}},
}
# Once the layout has settled, fit the whole drawing — labels included — into the frame, with
# a margin so labels at the edge are not clipped.  Fixed text: no data goes into it.
_FIT_SCRIPT = """<script>
network.once("stabilized", function () {
  network.fit({animation: false});
  network.moveTo({scale: network.getScale() * 0.92, animation: false});
});
</script>
"""


def _title(graph: nx.MultiDiGraph, node: str, nbhd: Neighbourhood, spof: bool,
           importance: float) -> str:
    attrs = graph.nodes[node]
    lines = [str(attrs.get("name", node)), f"{attrs.get('kind', '')} · id {node}"]
    if node != nbhd.centre:
        lines.append(f"{nbhd.side[node]}, {nbhd.distance[node]} hop(s) from the centre")
    if importance:
        lines.append(f"capacity loss if removed: {importance:.0%} (mean over industries)")
    if spof:
        lines.append("single point of failure of the centre")
    return "\n".join(lines)


def _make_titles_plain_text(net: Network) -> None:
    """pyvis shows titles as text unless ANY title contains 'href'; then it uses innerHTML."""
    if any("href" in str(n.get("title", "")) for n in net.nodes):
        for n in net.nodes:
            if "title" in n:
                n["title"] = html.escape(str(n["title"]))


def neighbourhood_html(graph: nx.MultiDiGraph, nbhd: Neighbourhood, *,
                       spofs: Set[str] = frozenset(),
                       importance: Mapping[str, float] | None = None) -> str:
    """The self-contained HTML page of ``nbhd``: colour by kind, size by importance (mean
    capacity loss across targets when removed), SPOFs of the centre ringed in red."""
    importance = importance or {}
    net = Network(height=f"{HEIGHT_PX}px", width="100%", directed=True,
                  cdn_resources="in_line")
    for node in nbhd.nodes:
        attrs = graph.nodes[node]
        kind = str(attrs.get("kind", ""))
        weight = float(importance.get(node, 0.0))
        is_spof = node in spofs
        colour = KIND_COLOURS.get(kind, "#bab0ac")
        net.add_node(
            node, label=str(attrs.get("name", node)),
            title=_title(graph, node, nbhd, is_spof, weight),
            color={"background": colour, "border": SPOF_COLOUR if is_spof else colour,
                   "highlight": {"background": colour, "border": "#000000"},
                   "hover": {"background": colour, "border": "#000000"}},
            borderWidth=4 if is_spof else 1, size=(24 if node == nbhd.centre else 10)
            + 26 * weight, shape="star" if node == nbhd.centre else "dot",
            font={"size": 24 if node == nbhd.centre else 18, "strokeWidth": 4,
                  "strokeColor": "#ffffff"})
    for source, target, kind in nbhd.edges:
        data = graph.get_edge_data(source, target, kind) or {}
        share = data.get("share")
        net.add_edge(source, target, color=EDGE_COLOURS.get(kind, "#999999"),
                     title=kind + (f" (share {float(share):.0%})" if share is not None else ""),
                     dashes=kind in ("LOCATED_IN", "HEADQUARTERED_IN"))
    net.set_options(json.dumps(_OPTIONS))
    _make_titles_plain_text(net)
    page = net.generate_html(notebook=False)
    head, body_end, tail = page.rpartition("</body>")
    return head + _FIT_SCRIPT + body_end + tail if body_end else page + _FIT_SCRIPT


def legend_html() -> str:
    """A legend of the fixed kinds (no data in it), for ``st.markdown(unsafe_allow_html)``."""
    swatch = ('<span style="display:inline-block;width:0.8em;height:0.8em;border-radius:50%;'
              'background:{};margin:0 0.3em 0 0.8em;{}"></span>{}')
    items = [swatch.format(colour, "", kind) for kind, colour in KIND_COLOURS.items()]
    items.append(swatch.format("#ffffff", f"border:3px solid {SPOF_COLOUR};",
                               "single point of failure of the centre"))
    items.append("<span style='margin-left:0.8em'>★ centre · size: capacity loss if removed · "
                 "dashed edges: located / headquartered in</span>")
    return "<div style='font-size:0.85em;line-height:1.8'>" + "".join(items) + "</div>"
