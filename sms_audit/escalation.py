"""Systemic escalation: one weakness showing up in many places is a major nonconformity.

When the same requirement fails in ``systemic_min_rules`` rules or more, or one rule
fails in ``systemic_min_services`` services or more (from its breakdown), the
findings involved become ``major``. The reason is recorded with each escalated
finding, and records behind several rules are counted once.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sms_audit.engine import RuleResult


def escalate(results: list[RuleResult], parameters: dict[str, Any]) -> None:
    min_rules = int(parameters.get("systemic_min_rules") or 0)
    min_services = int(parameters.get("systemic_min_services") or 0)
    failing = [r for r in results if r.status == "fail"]
    reasons: dict[str, list[str]] = defaultdict(list)
    if min_rules > 0:
        by_requirement: dict[str, list[RuleResult]] = defaultdict(list)
        for result in failing:
            for key in result.rule.requirements:
                by_requirement[key].append(result)
        for key, group in sorted(by_requirement.items()):
            if len(group) < min_rules:
                continue
            records = {record["id"] for result in group for record in result.records}
            ids = ", ".join(sorted(r.rule.id for r in group))
            text = f"requirement {key} fails in {len(group)} rules ({ids}); {len(records)} distinct records"
            for result in group:
                reasons[result.rule.id].append(text)
    if min_services > 0:
        for result in failing:
            services = sorted(
                {
                    str(e["group"]["service"])
                    for e in result.breakdown
                    if e.get("offending") and "service" in e.get("group", {})
                }
            )
            if len(services) >= min_services:
                reasons[result.rule.id].append(f"fails in {len(services)} services ({', '.join(services)})")
    for result in failing:
        if result.rule.id in reasons and result.grade != "major":
            result.escalation = {"from": result.grade, "to": "major", "reasons": reasons[result.rule.id]}
            result.grade = "major"
            result.explanation += f" Escalated to major as systemic: {'; '.join(reasons[result.rule.id])}."
