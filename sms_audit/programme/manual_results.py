"""Applying auditors' results from completed worksheets to the manual items of a scan.

A manual item the auditor judged takes the auditor's verdict instead of ``not_evaluated``:
``conforming`` passes; ``major``, ``minor``, ``observation`` and ``ofi`` fail with that grade. When
several rows judge the same item, the worst result wins and every auditor is named. Sampled-record
and follow-up rows are validated and counted but change no rule result. Everything the auditor wrote
is kept under the result's ``manual.auditor_result``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sms_audit.errors import ConfigError
from sms_audit.programme.worksheets import ManualResult

SEVERITY = {"conforming": 0, "ofi": 1, "observation": 2, "minor": 3, "major": 4}


@dataclass
class Applied:
    rules: list[str] = field(default_factory=list)
    other_rows: int = 0


def apply_manual_results(results: list[Any], entries: list[ManualResult]) -> Applied:
    """Change the matching RuleResults in place; raise ConfigError for rows naming no manual item."""
    by_rule = {r.rule.id: r for r in results}
    grouped: dict[str, list[ManualResult]] = {}
    problems = []
    applied = Applied()
    for entry in entries:
        if entry.kind != "manual":
            applied.other_rows += 1
            continue
        result = by_rule.get(entry.item)
        if result is None:
            problems.append(f"{entry.source}: item {entry.item!r} is not a rule of the loaded rule packs; "
                            "keep the item column as the programme wrote it")
            continue
        if result.rule.kind != "manual":
            problems.append(f"{entry.source}: {entry.item} is an automated rule; only manual items take an "
                            "auditor's result (use kind sample or follow_up for other rows)")
            continue
        grouped.setdefault(entry.item, []).append(entry)
    if problems:
        raise ConfigError("invalid manual results:\n  " + "\n  ".join(problems))
    for rule_id, rows in sorted(grouped.items()):
        result = by_rule[rule_id]
        worst = max(rows, key=lambda r: (SEVERITY[r.result], r.date, r.source))
        auditors = sorted({r.auditor for r in rows})
        verdict = worst.result
        result.status = "pass" if verdict == "conforming" else "fail"
        result.grade = None if verdict == "conforming" else verdict
        result.reason = None
        notes = f" Notes: {worst.notes.rstrip('.')}." if worst.notes else ""
        evidence = f" Evidence: {worst.evidence_ref}." if worst.evidence_ref else ""
        when = f" on {worst.date}" if worst.date else ""
        result.explanation = (
            f"Judged by {', '.join(auditors)}{when} (audit {worst.audit}, {worst.source}): {verdict}.{notes}{evidence}"
        )
        result.manual = {
            **(result.manual or {}),
            "auditor_result": {
                "verdict": verdict,
                "auditors": auditors,
                "date": worst.date or None,
                "audit": worst.audit,
                "notes": worst.notes,
                "evidence_ref": worst.evidence_ref,
                "rows": [
                    {"source": r.source, "result": r.result, "auditor": r.auditor, "date": r.date or None}
                    for r in rows
                ],
            },
        }
        applied.rules.append(rule_id)
    return applied
