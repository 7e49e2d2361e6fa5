"""The process-interface graphs of a report, as GraphML, Graphviz DOT and SVG.

All three are rendered from the report's ``integration`` object (the one report model), so they
always agree with report.json. The reference view shows every interface (mandatory ones solid,
recommended ones dashed); the observed view colours each interface by what the records show.
Layout is computed here, deterministically: processes on a circle in clause order, SMS elements
on an inner ring, outside parties on an outer ring. No Graphviz installation is needed.
"""

from __future__ import annotations

import io
import math
from html import escape
from typing import Any

import networkx as nx

STATUS_COLOURS = {
    "ok": "#2e7d32",
    "weak": "#f9a825",
    "missing": "#c62828",
    "no_candidates": "#90a4ae",
    "evidence_insufficient": "#6d4c41",
    "not_observable": "#cfd8dc",
}
STATUS_LABELS = {
    "ok": "carried by the records",
    "weak": "weak (below the minimum rate)",
    "missing": "missing (no record carries it)",
    "no_candidates": "no records could carry it",
    "evidence_insufficient": "evidence insufficient",
    "not_observable": "not observable (manual item)",
}
KIND_FILL = {"process": "#e3f2fd", "sms": "#ede7f6", "external": "#f5f5f5"}
SIZE = 860
CENTRE = SIZE / 2
RADIUS = {"process": 300.0, "sms": 130.0, "external": 395.0}
NODE_R = 19


def has_graph(report: dict[str, Any]) -> bool:
    return bool((report.get("integration") or {}).get("reference"))


def _graph(integration: dict[str, Any], view: str) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(name=f"{integration['reference']['id']} {view}")
    for node in integration["nodes"]:
        graph.add_node(node["id"], title=node["title"], kind=node["kind"], clauses=",".join(node["clauses"]))
    for edge in integration["edges"]:
        if view == "observed" and not edge["observable"]:
            continue
        attrs = {
            "flows": edge["flows"],
            "mandatory": edge["mandatory"],
            "observable": edge["observable"],
            "clauses": ",".join(edge["clauses"]),
        }
        if view == "observed":
            attrs |= {
                "status": edge["status"],
                "candidates": edge["candidates"] or 0,
                "linked": edge["linked"] or 0,
                "rate": -1.0 if edge["rate"] is None else float(edge["rate"]),
                "rules": ",".join(edge["rules"]),
            }
        graph.add_edge(edge["from"], edge["to"], key=edge["id"], **attrs)
    return graph


def graphml(integration: dict[str, Any], view: str) -> str:
    buffer = io.BytesIO()
    nx.write_graphml(_graph(integration, view), buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().decode("utf-8")


def _dot_id(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(integration: dict[str, Any], view: str) -> str:
    lines = [
        f"digraph {_dot_id(integration['reference']['id'] + ' ' + view)} {{",
        "  rankdir=LR;",
        "  node [shape=box];",
    ]
    for node in integration["nodes"]:
        style = "dashed" if node["kind"] == "external" else "solid"
        lines.append(f"  {_dot_id(node['id'])} [label={_dot_id(node['id'] + chr(10) + node['title'])}, style={style}];")
    for edge in integration["edges"]:
        if view == "observed" and not edge["observable"]:
            continue
        if view == "observed":
            colour = STATUS_COLOURS[edge["status"]]
            rate = "" if edge["rate"] is None else f" {edge['linked']}/{edge['candidates']}"
            label = f"{edge['status']}{rate}"
        else:
            colour = "#37474f" if edge["mandatory"] else "#90a4ae"
            label = edge["flows"]
        style = "solid" if edge["mandatory"] else "dashed"
        lines.append(
            f"  {_dot_id(edge['from'])} -> {_dot_id(edge['to'])} [id={_dot_id(edge['id'])}, "
            f"label={_dot_id(label)}, color={_dot_id(colour)}, style={style}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _positions(nodes: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    positions: dict[str, tuple[float, float]] = {}
    for kind, radius in RADIUS.items():
        ring = [n["id"] for n in nodes if n["kind"] == kind]
        for index, node_id in enumerate(ring):
            angle = -math.pi / 2 + 2 * math.pi * index / max(len(ring), 1) + (0.2 if kind == "external" else 0.0)
            positions[node_id] = (CENTRE + radius * math.cos(angle), CENTRE + radius * math.sin(angle))
    return positions


def _f(value: float) -> str:
    return f"{value:.1f}"


def svg(integration: dict[str, Any], view: str) -> str:
    """An SVG drawing of the reference or observed graph; edges of one pair are bent apart."""
    nodes = integration["nodes"]
    positions = _positions(nodes)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" '
        f'role="img" aria-label="{escape(view)} process-interface graph" class="integration-graph">',
        "<defs>",
    ]
    colours = sorted(set(STATUS_COLOURS.values()) | {"#37474f", "#90a4ae"})
    for colour in colours:
        parts.append(
            f'<marker id="arrow-{view}-{colour[1:]}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>'
        )
    parts.append("</defs>")
    pair_count: dict[tuple[str, str], int] = {}
    drawn = [e for e in integration["edges"] if view == "reference" or e["observable"] or e["mandatory"]]
    # Faint edges first so the coloured ones lie on top.
    order = ("not_observable", "no_candidates", "evidence_insufficient", "ok", "weak", "missing")
    if view == "observed":
        drawn = sorted(drawn, key=lambda e: order.index(e["status"]))
    for edge in drawn:
        pair = tuple(sorted((edge["from"], edge["to"])))
        index = pair_count.get(pair, 0)
        pair_count[pair] = index + 1
        parts.append(_edge_svg(edge, positions, view, index))
    for node in nodes:
        x, y = positions[node["id"]]
        stroke = "#c62828" if node.get("isolated") and view == "observed" else "#455a64"
        dash = ' stroke-dasharray="3 2"' if node["kind"] == "external" else ""
        tip = escape(f"{node['id']}: {node['title']}" + (f" ({', '.join(node['clauses'])})" if node["clauses"] else ""))
        parts.append(
            f'<g class="node node-{node["kind"]}"><title>{tip}</title>'
            f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{NODE_R}" fill="{KIND_FILL[node["kind"]]}" stroke="{stroke}" '
            f'stroke-width="{2.5 if stroke == "#c62828" else 1.2}"{dash}/>'
            f'<text x="{_f(x)}" y="{_f(y + 3.5)}" text-anchor="middle" font-size="10" '
            f'font-family="sans-serif">{escape(node["id"])}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _edge_svg(edge: dict[str, Any], positions: dict[str, tuple[float, float]], view: str, index: int) -> str:
    (x1, y1), (x2, y2) = positions[edge["from"]], positions[edge["to"]]
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    sx, sy = x1 + ux * NODE_R, y1 + uy * NODE_R
    ex, ey = x2 - ux * (NODE_R + 2), y2 - uy * (NODE_R + 2)
    bend = 18.0 * (index + 1) * (1 if index % 2 == 0 else -1)
    cx, cy = (sx + ex) / 2 - uy * bend, (sy + ey) / 2 + ux * bend
    if view == "observed":
        colour = STATUS_COLOURS[edge["status"]]
        width = {"missing": 2.6, "weak": 2.2, "ok": 2.0}.get(edge["status"], 1.0)
        counts = "" if edge["candidates"] is None else f", {edge['linked']} of {edge['candidates']} records"
        tip = f"{edge['id']}: {edge['flows']} - {STATUS_LABELS[edge['status']]}{counts}"
    else:
        colour = "#37474f" if edge["mandatory"] else "#90a4ae"
        width = 1.3 if edge["mandatory"] else 0.8
        tip = f"{edge['id']}: {edge['flows']} ({'mandatory' if edge['mandatory'] else 'recommended'})"
    dash = "" if edge["mandatory"] else ' stroke-dasharray="5 3"'
    return (
        f'<path class="edge edge-{edge.get("status", "reference")}" d="M {_f(sx)} {_f(sy)} Q {_f(cx)} {_f(cy)} '
        f'{_f(ex)} {_f(ey)}" fill="none" stroke="{colour}" stroke-width="{width}"{dash} '
        f'marker-end="url(#arrow-{view}-{colour[1:]})"><title>{escape(tip)}</title></path>'
    )


def artefacts(report: dict[str, Any]) -> dict[str, str]:
    """Files written beside the report when the scan has a reference interface graph."""
    if not has_graph(report):
        return {}
    integration = report["integration"]
    return {
        "integration-reference.graphml": graphml(integration, "reference"),
        "integration-observed.graphml": graphml(integration, "observed"),
        "integration-reference.dot": dot(integration, "reference"),
        "integration-observed.dot": dot(integration, "observed"),
    }
