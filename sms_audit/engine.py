"""Evaluating rules over evidence: one result per rule, graded and explained."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sms_audit.catalogue import Catalogue
from sms_audit.errors import ExpressionError
from sms_audit.evidence import Evidence, record_refs
from sms_audit.expressions import EvalContext
from sms_audit.grading import comparison, grade_for, verdict_for_result, worst_verdict
from sms_audit.model import SOURCE_FILE, SOURCE_LINE
from sms_audit.quality import failure_reason
from sms_audit.rules import Rule


@dataclass
class RuleResult:
    rule: Rule
    status: str
    requirement: str
    grade: str | None = None
    measured: float | None = None
    threshold: float | None = None
    population: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)
    explanation: str = ""
    reason: str | None = None
    scope_key: str = "all"
    breakdown: list[dict[str, Any]] = field(default_factory=list)
    manual: dict[str, Any] | None = None
    escalation: dict[str, Any] | None = None
    # Clauses named by the offending records themselves (rules with ``record_clauses``).
    record_clauses: tuple[str, ...] = ()
    # Records of the population that could carry a process interface (see Outcome.candidates).
    candidates: int | None = None

    @property
    def clauses(self) -> tuple[str, ...]:
        return (*self.rule.clauses, *(c for c in self.record_clauses if c not in self.rule.clauses))

    @property
    def records_total(self) -> int:
        return len(self.records)

    @property
    def fingerprint(self) -> str:
        """Stable id: rule, clauses and scope; independent of row order and run time."""
        basis = "|".join([self.rule.id, ",".join(self.rule.clauses), self.scope_key])
        return "F-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "title": self.rule.title,
            "kind": self.rule.kind,
            "clauses": list(self.clauses),
            "requirement_keys": list(self.rule.requirements),
            "requirement": self.requirement,
            "status": self.status,
            "grade": self.grade,
            "measure": self.rule.grading.measure,
            "measured": _round(self.measured),
            "threshold": _round(self.threshold),
            "comparison": comparison(self.rule.grading),
            "population": self.population,
            "records_total": self.records_total,
            "records": self.records,
            "breakdown": self.breakdown,
            "manual": self.manual,
            "escalation": self.escalation,
            "explanation": self.explanation,
            "reason": self.reason,
            "rationale": self.rule.rationale,
            "remediation": self.rule.remediation,
        }

    def finding_dict(self) -> dict[str, Any]:
        full = self.to_dict()
        keys = (
            "rule",
            "title",
            "clauses",
            "requirement_keys",
            "requirement",
            "grade",
            "measure",
            "measured",
            "threshold",
            "comparison",
            "population",
            "records_total",
            "records",
            "escalation",
            "explanation",
            "remediation",
        )
        return {"id": self.fingerprint, **{k: full[k] for k in keys}}


def _round(value: float | None) -> float | int | None:
    if value is None:
        return None
    if float(value).is_integer():
        return int(value)
    return round(float(value), 6)


def requirement_text(rule: Rule, catalogue: Catalogue) -> str:
    parts = []
    for key in rule.requirements:
        req = catalogue.requirement(key)
        parts.append(req.summary if req else key)
    return " ".join(parts)


def evaluate_rule(rule: Rule, evidence: Evidence, ctx: EvalContext, catalogue: Catalogue, scope_key: str) -> RuleResult:
    result = RuleResult(
        rule=rule, status="evidence_insufficient", requirement=requirement_text(rule, catalogue), scope_key=scope_key
    )
    gap = _evidence_gap(rule, evidence)
    if gap:
        result.reason = gap
        result.explanation = f"Not judged: {gap}."
        return result
    if not rule.check.needs_evidence:
        outcome = rule.check.evaluate(pd.DataFrame(), evidence, ctx)
        result.status = outcome.status or "not_evaluated"
        result.manual = outcome.extra.get("manual")
        result.explanation = outcome.summary
        return result
    table = evidence.table(rule.evidence)
    if rule.select is not None:
        table = table[rule.select.evaluate_mask(table, ctx).to_numpy()]
    result.population = len(table)
    if table.empty and not rule.check.judges_empty_population:
        result.status = rule.on_empty
        selector = f" matching '{rule.raw.get('select')}'" if rule.select is not None else ""
        result.reason = f"no {rule.population_noun}{selector} in the audit period"
        result.explanation = f"Population is empty: {result.reason}."
        return result
    outcome = rule.check.evaluate(table, evidence, ctx)
    result.population = len(outcome.population)
    result.breakdown = outcome.breakdown
    if outcome.status is not None:
        result.status = outcome.status
        result.explanation = outcome.summary
        result.reason = outcome.summary
        return result
    if outcome.candidates is not None:
        result.candidates = int(outcome.candidates.sum())
    offending = outcome.population[outcome.offending.to_numpy()]
    reasons = outcome.reasons[outcome.offending.to_numpy()]
    result.records = _records(offending, reasons)
    if rule.record_clauses:
        result.record_clauses = _clauses_named(offending[rule.record_clauses], catalogue)
    grading = rule.grading
    if outcome.measured is not None:
        measured = float(outcome.measured)
    elif grading.measure == "rate":
        measured = len(offending) / result.population if result.population else 0.0
    else:
        measured = float(len(offending))
    result.measured = measured
    grade, threshold = grade_for(measured, grading)
    result.grade, result.threshold = grade, threshold
    result.status = "fail" if grade else "pass"
    result.explanation = _explain(rule, outcome.summary, len(offending), result.population, measured, grade, threshold)
    return result


def _records(offending: pd.DataFrame, reasons: pd.Series) -> list[dict[str, Any]]:
    frame = pd.DataFrame(
        {"id": offending["id"], SOURCE_FILE: offending[SOURCE_FILE], SOURCE_LINE: offending[SOURCE_LINE]}
    )
    refs = record_refs(frame)
    reason_by_key = {
        (str(i), str(f), None if pd.isna(n) else int(n)): (None if pd.isna(r) else str(r))
        for i, f, n, r in zip(offending["id"], offending[SOURCE_FILE], offending[SOURCE_LINE], reasons, strict=True)
    }
    for ref in refs:
        ref["reason"] = reason_by_key.get((ref["id"], ref["file"], ref["line"]))
    return refs


def _clauses_named(values: pd.Series, catalogue: Catalogue) -> tuple[str, ...]:
    """Catalogue clauses listed (comma-separated) in a column, in catalogue order; unknown ids are dropped."""
    named = {part.strip() for value in values.dropna() for part in str(value).split(",")}
    return tuple(c.id for c in catalogue.clauses if c.id in named)


def _evidence_gap(rule: Rule, evidence: Evidence) -> str | None:
    for table, columns in sorted(rule.needs().items()):
        if not evidence.has_table(table):
            return f"no evidence source provides the '{table}' table"
        missing = sorted(set(columns) - evidence.provided[table])
        if missing:
            return f"the evidence for '{table}' has no column for {', '.join(missing)}"
        failed = failure_reason(evidence.quality, table)
        if failed:
            return failed
    return None


def _fmt(value: float, measure: str) -> str:
    return f"{value:.1%}" if measure == "rate" else f"{value:g}"


def _explain(
    rule: Rule,
    summary: str,
    offending: int,
    population: int,
    measured: float,
    grade: str | None,
    threshold: float | None,
) -> str:
    grading = rule.grading
    figure = _fmt(measured, grading.measure)
    head = f"{summary}: {offending} of {population} {rule.population_noun}"
    if grading.measure == "count" and grading.direction == "lower_is_worse":
        head = f"{summary}: {figure} found ({offending} of {population} in the register fail a control)"
    sign = comparison(grading)
    if grade:
        return f"{head}; measured {figure} {sign} {_fmt(threshold, grading.measure)}, graded {grade}."
    limit = f"; limit {_fmt(threshold, grading.measure)}" if threshold is not None else ""
    return f"{head}; measured {figure}, within tolerance{limit}."


def clause_verdicts(
    catalogue: Catalogue,
    results: list[RuleResult],
    extra: dict[str, tuple[list[str], str]] | None = None,
) -> list[dict[str, Any]]:
    """Each clause takes the worst verdict of its rules, a heading the worst of its children.

    ``extra`` adds verdicts that come from outside the rules (an expired waiver's finding),
    as {finding id: (clauses, verdict)}.
    """
    by_clause: dict[str, list[RuleResult]] = {}
    for result in results:
        for clause in result.clauses:
            by_clause.setdefault(clause, []).append(result)
    added: dict[str, list[str]] = {}
    for clause_ids, verdict in (extra or {}).values():
        for clause_id in clause_ids:
            added.setdefault(clause_id, []).append(verdict)
    verdicts: dict[str, str] = {}
    # Catalogue order is numeric; walk it backwards so children are judged before their heading.
    for clause in reversed(catalogue.clauses):
        own = [verdict_for_result(r.status, r.grade) for r in by_clause.get(clause.id, [])] + added.get(clause.id, [])
        children = [verdicts[c.id] for c in catalogue.children(clause.id)]
        verdicts[clause.id] = worst_verdict(own + children)
    return [
        {
            "id": c.id,
            "title": c.title,
            "parent": c.parent,
            "heading": c.heading,
            "verdict": verdicts[c.id],
            "rules": sorted(r.rule.id for r in by_clause.get(c.id, [])),
        }
        for c in catalogue.clauses
    ]


def safe_evaluate(rule: Rule, evidence: Evidence, ctx: EvalContext, catalogue: Catalogue, scope_key: str) -> RuleResult:
    """Evaluate; an expression that cannot run on this evidence is insufficient evidence, not a crash."""
    try:
        return evaluate_rule(rule, evidence, ctx, catalogue, scope_key)
    except ExpressionError as exc:
        result = RuleResult(
            rule=rule,
            status="evidence_insufficient",
            requirement=requirement_text(rule, catalogue),
            scope_key=scope_key,
            reason=str(exc),
        )
        result.explanation = f"Not judged: {exc}."
        return result
