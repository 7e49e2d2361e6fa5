"""What the records show of each reference interface, judged by the pack's own rules.

An interface is observable when automated rules of the pack test it: their populations are the
records that could carry it (the candidates) and the records they pass are the ones that do (the
linked). The scan then turns the interfaces and nodes into two derived tables, ``interfaces`` and
``processes``, plus ``interface`` links between processes that at least one record connects, so
that ordinary rules judge missing mandatory interfaces, weak ones and isolated processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sms_audit.engine import RuleResult
from sms_audit.evidence import Evidence
from sms_audit.integration.reference import InterfaceEdge, ReferenceGraph
from sms_audit.model import table_spec

JUDGED = ("pass", "fail")
INTERFACE_LINK = "interface"
EXAMPLES = 5


@dataclass
class EdgeObservation:
    edge: InterfaceEdge
    candidates: int
    linked: int
    status: str
    broken: list[str]

    @property
    def rate(self) -> float | None:
        return round(self.linked / self.candidates, 6) if self.candidates else None

    def to_dict(self) -> dict[str, Any]:
        edge = self.edge
        return {
            "id": edge.id,
            "from": edge.source,
            "to": edge.target,
            "flows": edge.flows,
            "mandatory": edge.mandatory,
            "observable": edge.observable,
            "candidates": self.candidates if edge.observable else None,
            "linked": self.linked if edge.observable else None,
            "rate": self.rate,
            "status": self.status,
            "clauses": list(edge.clauses),
            "rules": list(edge.rules),
            "shows": edge.shows,
            "manual": edge.manual,
            "examples": self.broken[:EXAMPLES],
            "source": list(edge.origin),
        }


def observe_edge(edge: InterfaceEdge, results: dict[str, RuleResult], min_rate: float) -> EdgeObservation:
    if not edge.observable:
        return EdgeObservation(edge, 0, 0, "not_observable", [])
    judged = [results[r] for r in edge.rules if r in results and results[r].status in JUDGED]
    considered = [results[r] for r in edge.rules if r in results and results[r].status in (*JUDGED, "not_applicable")]
    if not considered:
        return EdgeObservation(edge, 0, 0, "evidence_insufficient", [])
    candidates = sum(r.population if r.candidates is None else r.candidates for r in judged)
    broken = sorted({record["id"] for r in judged for record in r.records})
    linked = max(candidates - sum(len({rec["id"] for rec in r.records}) for r in judged), 0)
    if candidates == 0:
        status = "no_candidates"
    elif linked == 0:
        status = "missing"
    elif linked / candidates < min_rate:
        status = "weak"
    else:
        status = "ok"
    return EdgeObservation(edge, candidates, linked, status, broken)


def observe(reference: ReferenceGraph, results: dict[str, RuleResult], min_rate: float) -> list[EdgeObservation]:
    return [observe_edge(edge, results, min_rate) for edge in reference.edges]


def node_rows(reference: ReferenceGraph, observations: list[EdgeObservation]) -> list[dict[str, Any]]:
    rows = []
    for node in reference.nodes:
        touching = [o for o in observations if node.id in (o.edge.source, o.edge.target) and o.edge.observable]
        observed = [o for o in touching if o.linked > 0]
        rows.append(
            {
                "id": node.id,
                "title": node.title,
                "node_kind": node.kind,
                "clauses": ",".join(node.clauses),
                "observable_edges": len(touching),
                "candidates": sum(o.candidates for o in touching),
                "observed_edges": len(observed),
                "_source_file": reference.display_path,
                "_source_line": node.line,
            }
        )
    return rows


def add_derived_tables(evidence: Evidence, reference: ReferenceGraph, observations: list[EdgeObservation]) -> None:
    """Put ``interfaces``, ``processes`` and the observed ``interface`` links into the evidence."""
    edges = pd.DataFrame(
        [
            {
                "id": o.edge.id,
                "from_node": o.edge.source,
                "to_node": o.edge.target,
                "flows": o.edge.flows,
                "mandatory": o.edge.mandatory,
                "observable": o.edge.observable,
                "candidates": o.candidates,
                "linked": o.linked,
                "rate": o.rate,
                "status": o.status,
                "clauses": ",".join(o.edge.clauses),
                "rules": ",".join(o.edge.rules),
                "examples": ", ".join(o.broken[:EXAMPLES]),
                "_source_file": reference.display_path,
                "_source_line": o.edge.line,
            }
            for o in observations
        ]
    )
    for name, frame in (("interfaces", edges), ("processes", pd.DataFrame(node_rows(reference, observations)))):
        spec = table_spec(name)
        evidence.tables[name] = spec.conform(frame)
        evidence.provided[name] = set(spec.columns)
    observed = [o for o in observations if o.linked > 0]
    links = pd.DataFrame(
        {
            "id": [f"{o.edge.id}>{INTERFACE_LINK}" for o in observed],
            "from_id": [o.edge.source for o in observed],
            "to_id": [o.edge.target for o in observed],
            "link_type": INTERFACE_LINK,
            "_source_file": reference.display_path,
            "_source_line": [o.edge.line for o in observed],
        }
    )
    spec = table_spec("links")
    if not evidence.has_table("links"):
        evidence.derived_only.add("links")
    current = evidence.tables.get("links")
    parts = [spec.conform(frame) for frame in (current, links) if frame is not None and len(frame)]
    evidence.tables["links"] = pd.concat(parts, ignore_index=True) if parts else spec.empty_frame()
    evidence.derived_rows["links"] = evidence.derived_rows.get("links", 0) + len(links)
    evidence.provided["links"] = evidence.provided.get("links", set()) | {"id", "from_id", "to_id", "link_type"}
