"""Auditor assignment as a min-cost flow (networkx): independence is a hard rule, never a cost.

Graph: source -> audit (capacity 1) -> auditor (only when the auditor neither works in nor manages
any process area of the audit, and is competent at the required level) -> auditor's load slots ->
sink. Load slot k of an auditor costs k * LOAD_COST, so work spreads over the roster; a more
competent auditor is cheaper on the audit edge. Leads (level 2 or more) are assigned first; a
second pass adds a co-auditor (level 1 or more) to audits that want one. An audit left without a
lead has no independent, competent auditor: it is reported as a finding on clause 9.2.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from sms_audit.programme.inputs import Auditor

LEAD_LEVEL = 2
MEMBER_LEVEL = 1
LOAD_COST = 10
LEVEL_COST = {3: 0, 2: 5, 1: 8}


@dataclass(frozen=True)
class Need:
    audit_id: str
    areas: tuple[str, ...]
    days: int
    team_size: int


def eligible(auditor: Auditor, need: Need, level: int) -> bool:
    """Independent of every area of the audit and competent in each at ``level`` or more."""
    if any(auditor.involved_in(a) for a in need.areas):
        return False
    return all(auditor.competences.get(a, 0) >= level for a in need.areas)


def capacity(auditor: Auditor, months: int) -> int:
    """Audit days the auditor can give in the window."""
    return max(0, auditor.days_per_month * months)


def _solve(needs: list[Need], auditors: list[Auditor], level: int, days_left: dict[str, int],
           exclude: dict[str, set[str]]) -> dict[str, str]:
    graph = nx.DiGraph()
    graph.add_node("source", demand=0)
    for need in needs:
        graph.add_edge("source", ("audit", need.audit_id), capacity=1, weight=0)
        for auditor in auditors:
            if auditor.name in exclude.get(need.audit_id, set()) or not eligible(auditor, need, level):
                continue
            if days_left[auditor.name] < need.days:
                continue
            cost = LEVEL_COST[min(3, min(auditor.competences.get(a, 0) for a in need.areas))]
            graph.add_edge(("audit", need.audit_id), ("auditor", auditor.name), capacity=1, weight=cost)
    for auditor in auditors:
        slots = max(0, days_left[auditor.name])
        # one unit per audit; slot k (1-based) is dearer the more audits the auditor already has
        for k in range(1, min(slots, len(needs)) + 1):
            graph.add_edge(("auditor", auditor.name), ("slot", auditor.name, k), capacity=1, weight=k * LOAD_COST)
            graph.add_edge(("slot", auditor.name, k), "sink", capacity=1, weight=0)
    if "sink" not in graph:
        return {}
    flow = nx.max_flow_min_cost(graph, "source", "sink")
    chosen: dict[str, str] = {}
    for need in needs:
        for target, units in sorted(flow.get(("audit", need.audit_id), {}).items()):
            if units:
                chosen[need.audit_id] = target[1]
    return chosen


def assign(needs: list[Need], auditors: list[Auditor], months: int) -> dict[str, list[str]]:
    """Team per audit id (lead first); an audit with no eligible lead gets an empty team."""
    days_left = {a.name: capacity(a, months) for a in auditors}
    leads = _solve(needs, auditors, LEAD_LEVEL, days_left, {})
    teams: dict[str, list[str]] = {n.audit_id: [] for n in needs}
    by_id = {n.audit_id: n for n in needs}
    for audit_id, name in leads.items():
        teams[audit_id].append(name)
        days_left[name] -= by_id[audit_id].days
    wanting = [n for n in needs if n.team_size > 1 and teams[n.audit_id]]
    if wanting:
        exclude = {n.audit_id: set(teams[n.audit_id]) for n in wanting}
        for audit_id, name in _solve(wanting, auditors, MEMBER_LEVEL, days_left, exclude).items():
            teams[audit_id].append(name)
            days_left[name] -= by_id[audit_id].days
    return teams


def alternatives(need: Need, auditors: list[Auditor], level: int = LEAD_LEVEL) -> list[str]:
    """Every auditor who could lead ``need`` (for rescheduling when the assigned lead has no free days)."""
    return [a.name for a in auditors if eligible(a, need, level)]
