"""The CMDB as a graph: relationship counts, dependency cycles and how many services lean on each CI.

The figures become columns of the ``cis`` table (declared ``x-derived`` in its schema), so ordinary
rules judge them: an orphan CI has ``relations == 0``, a CI in a dependency loop is ``in_cycle``, a
service record without components has ``children == 0``. Relations whose ends are not in the CMDB
are left out of the graph (rule CI-002 reports them as dangling). Relations point from parent
(the dependent, e.g. a service) to child (what it uses), as ServiceNow's ``cmdb_rel_ci`` does;
connections ("Connects to", "Communicates with") count as relations but not as dependencies, so two
items connected both ways form no loop and pass no dependency on.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd

from sms_audit.evidence import Evidence

DERIVED_CI_COLUMNS = ("relations", "parents", "children", "in_cycle", "dependent_services")


def is_service_ci(cis: pd.DataFrame, service_names: set[str]) -> pd.Series:
    """Business/application service CIs: by class name, or a CI named like a catalogue service."""
    by_class = cis["ci_class"].fillna("").str.lower().str.contains("service", regex=False)
    by_name = cis["name"].fillna(cis["id"]).str.strip().str.lower().isin(service_names)
    return (by_class | by_name).astype(bool)


# Relation types that describe a connection rather than a dependency (ServiceNow "Connects to::Connected
# by", "Communicates with", "Related to"): they count as relationships, not as a direction of dependency.
SYMMETRIC_WORDS = ("connect", "communicat", "related", "peer")


def cmdb_graph(evidence: Evidence, dependencies_only: bool = False) -> nx.DiGraph:
    """CIs as nodes, relations (both ends in the CMDB) as parent -> child edges."""
    cis = evidence.table("cis")
    relations = evidence.table("ci_relations")
    graph = nx.DiGraph()
    graph.add_nodes_from(cis["id"].dropna().tolist())
    known = cis["id"].dropna()
    inside = relations[relations["parent_id"].isin(known) & relations["child_id"].isin(known)]
    if dependencies_only:
        kind = inside["relation_type"].fillna("").str.lower()
        symmetric = pd.Series(False, index=inside.index)
        for word in SYMMETRIC_WORDS:
            symmetric |= kind.str.contains(word, regex=False)
        inside = inside[~symmetric.astype(bool)]
    graph.add_edges_from(zip(inside["parent_id"].tolist(), inside["child_id"].tolist(), strict=True))
    return graph


def enrich_cis(evidence: Evidence) -> dict[str, Any]:
    """Add the derived columns to ``cis`` (when both CIs and relations were loaded); return a summary."""
    if not (evidence.has_table("cis") and evidence.has_table("ci_relations")):
        return {"available": False, "reason": "needs both the CMDB items and their relations"}
    cis = evidence.tables["cis"]
    graph = cmdb_graph(evidence)
    dependencies = cmdb_graph(evidence, dependencies_only=True)
    ids = cis["id"]
    in_degree = pd.Series(dict(graph.in_degree()), dtype="int64")
    out_degree = pd.Series(dict(graph.out_degree()), dtype="int64")
    cycles = sorted(
        (
            sorted(component)
            for component in nx.strongly_connected_components(dependencies)
            if len(component) > 1 or dependencies.has_edge(next(iter(component)), next(iter(component)))
        ),
        key=lambda members: members[0],
    )
    in_cycle = {member for members in cycles for member in members}
    services = evidence.table("services")["name"].dropna().str.strip().str.lower()
    service_ids = ids[is_service_ci(cis, set(services))].dropna().tolist()
    dependents: dict[str, set[str]] = {}
    for service in service_ids:
        for ci in nx.descendants(dependencies, service):
            dependents.setdefault(ci, set()).add(service)
    count = pd.Series({ci: len(found) for ci, found in dependents.items()}, dtype="int64")
    parents = ids.map(in_degree).fillna(0)
    children = ids.map(out_degree).fillna(0)
    cis["parents"] = parents.astype("Int64")
    cis["children"] = children.astype("Int64")
    cis["relations"] = (parents + children).astype("Int64")
    cis["in_cycle"] = ids.isin(in_cycle).astype("boolean")
    cis["dependent_services"] = ids.map(count).fillna(0).astype("Int64")
    evidence.provided["cis"] = evidence.provided.get("cis", set()) | set(DERIVED_CI_COLUMNS)
    critical = cis[cis["dependent_services"] > 0].sort_values(["dependent_services", "id"], ascending=[False, True])
    return {
        "available": True,
        "cis": int(len(cis)),
        "relations": int(graph.number_of_edges()),
        "service_cis": len(service_ids),
        "cycles": cycles,
        "orphans": int((cis["relations"] == 0).sum()),
        "critical_cis": [
            {"id": row.id, "dependent_services": int(row.dependent_services), "service": row.service}
            for row in critical.head(10).itertuples()
        ],
    }
