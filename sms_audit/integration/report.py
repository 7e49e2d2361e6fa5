"""The report's ``integration`` object: reference interfaces with what the records show, and the CMDB graph."""

from __future__ import annotations

from typing import Any

from sms_audit.integration.observed import EdgeObservation, node_rows
from sms_audit.integration.reference import ReferenceGraph

EDGE_STATUSES = ("ok", "weak", "missing", "no_candidates", "evidence_insufficient", "not_observable")


def integration_section(
    reference: ReferenceGraph | None,
    observations: list[EdgeObservation],
    cmdb: dict[str, Any],
    min_rate: float | None,
) -> dict[str, Any]:
    section: dict[str, Any] = {"reference": None, "nodes": [], "edges": [], "summary": {}, "cmdb": cmdb}
    if reference is None:
        return section
    nodes = node_rows(reference, observations)
    isolated = [
        n["id"] for n in nodes if n["node_kind"] == "process" and n["candidates"] > 0 and n["observed_edges"] == 0
    ]
    broken = sorted({record for o in observations for record in o.broken})
    section.update(
        {
            "reference": {
                "id": reference.id,
                "title": reference.title,
                "edition": reference.edition,
                "file": reference.display_path,
                # Evidence rules the loaded pack does not have (a trimmed copy): those interfaces became manual.
                "notes": list(reference.dropped),
            },
            "min_rate": min_rate,
            "nodes": [
                {
                    "id": n["id"],
                    "title": n["title"],
                    "kind": n["node_kind"],
                    "clauses": [c for c in n["clauses"].split(",") if c],
                    "observable_edges": n["observable_edges"],
                    "observed_edges": n["observed_edges"],
                    "candidates": n["candidates"],
                    "isolated": n["id"] in isolated,
                }
                for n in nodes
            ],
            "edges": [o.to_dict() for o in observations],
            "summary": {
                "nodes": len(nodes),
                "edges": len(observations),
                "mandatory": sum(o.edge.mandatory for o in observations),
                "observable": sum(o.edge.observable for o in observations),
                "by_status": {s: sum(o.status == s for o in observations) for s in EDGE_STATUSES},
                "missing_mandatory": sorted(
                    o.edge.id for o in observations if o.status == "missing" and o.edge.mandatory
                ),
                "isolated_processes": isolated,
                # A record that breaks several chains is counted once.
                "records_breaking_interfaces": len(broken),
            },
        }
    )
    return section
