"""Risk score per process area, with every part shown, and the frequency and depth that follow.

score = verdict + findings + trend + criticality + since_audited + audit_results (capped at 100)

* verdict: points for the worst clause verdict of the area in the latest scan;
* findings: weighted findings of the latest scan on the area's clauses (major 5, minor 3,
  observation 1, ofi 0.5), at most 20;
* trend: change of that weighted figure since the most recent earlier scan, between -10 and +10;
* criticality: high 20, medium 10, low 0 (settings; default medium);
* since_audited: months since the area was last audited (audit log) scaled to 20 at 24 months;
  never audited counts 20;
* audit_results: nonconformities still open in the audit log (major 8, minor 5), at most 15.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sms_audit.grading import VERDICT_SEVERITY
from sms_audit.programme.areas import Area
from sms_audit.programme.inputs import PastAudit

VERDICT_POINTS = {
    "nonconforming_major": 30,
    "nonconforming_minor": 20,
    "evidence_insufficient": 12,
    "not_evaluated": 10,
    "observation": 8,
    "waived": 6,
    "ofi": 4,
    "conforming": 0,
    "not_applicable": 0,
}
FINDING_WEIGHT = {"major": 5.0, "minor": 3.0, "observation": 1.0, "ofi": 0.5}
FINDINGS_CAP = 20.0
TREND_CAP = 10.0
CRITICALITY_POINTS = {"high": 20, "medium": 10, "low": 0}
SINCE_AUDITED_CAP = 20.0
SINCE_AUDITED_FULL_MONTHS = 24
OPEN_RESULT_POINTS = {"major": 8, "minor": 5}
OPEN_RESULTS_CAP = 15
HIGH, MEDIUM = 60.0, 35.0
RISK_PARTS = {
    "verdict": "worst clause verdict of the area in the latest scan (major 30, minor 20, evidence insufficient 12, "
    "not evaluated 10, observation 8, waived 6, ofi 4, conforming 0)",
    "findings": "findings of the latest scan on the area's clauses: major 5, minor 3, observation 1, ofi 0.5; "
    "at most 20",
    "trend": "change of the weighted findings since the most recent earlier scan; -10 to +10",
    "criticality": "business criticality of the area: high 20, medium 10, low 0",
    "since_audited": "months since the area was last audited, 20 at 24 months or never",
    "audit_results": "nonconformities still open from earlier internal audits: major 8, minor 5; at most 15",
}

# Frequency and depth per band: audits in a 12-month window, days of the first audit, methods,
# and the attribute-sampling parameters (confidence, tolerable deviation rate).
DEPTH: dict[str, dict[str, Any]] = {
    "high": {
        "audits": 2,
        "days": 2,
        "methods": ["document review", "record sampling", "interview", "observation"],
        "confidence": 0.95,
        "tolerable": 0.05,
    },
    "medium": {
        "audits": 1,
        "days": 1,
        "methods": ["document review", "record sampling", "interview"],
        "confidence": 0.90,
        "tolerable": 0.10,
    },
    "low": {
        "audits": 1,
        "days": 1,
        "methods": ["document review", "record sampling", "interview"],
        "confidence": 0.80,
        "tolerable": 0.15,
    },
}
FOLLOW_UP_DEPTH = {"days": 1, "methods": ["document review", "record sampling", "interview"],
                   "confidence": 0.90, "tolerable": 0.10}


@dataclass
class AreaRisk:
    area: Area
    verdict: str
    parts: dict[str, float]
    notes: dict[str, str]
    findings: list[dict[str, Any]] = field(default_factory=list)
    last_audited: dt.date | None = None

    @property
    def score(self) -> float:
        return round(min(100.0, max(0.0, sum(self.parts.values()))), 1)

    @property
    def band(self) -> str:
        return "high" if self.score >= HIGH else "medium" if self.score >= MEDIUM else "low"

    @property
    def nonconforming(self) -> bool:
        return self.verdict.startswith("nonconforming")

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "band": self.band,
            "verdict": self.verdict,
            "parts": {k: round(v, 1) for k, v in self.parts.items()},
            "notes": self.notes,
            "last_audited": self.last_audited.isoformat() if self.last_audited else None,
        }


def _area_findings(report: dict[str, Any], area: Area) -> list[dict[str, Any]]:
    clauses = set(area.clauses)
    return [f for f in report.get("findings", []) if clauses & set(f.get("clauses", []))]


def _weight(findings: list[dict[str, Any]]) -> float:
    return sum(FINDING_WEIGHT.get(f.get("grade"), 0.0) for f in findings)


def _months_between(earlier: dt.date, later: dt.date) -> float:
    return max(0.0, (later - earlier).days / 30.44)


def score_area(
    area: Area,
    latest: dict[str, Any],
    earlier: list[dict[str, Any]],
    past: list[PastAudit],
    criticality: str,
    start: dt.date,
) -> AreaRisk:
    verdicts = {c["id"]: c["verdict"] for c in latest.get("clauses", [])}
    own = [verdicts.get(c, "not_evaluated") for c in area.clauses]
    worst = max(own, key=lambda v: VERDICT_SEVERITY.get(v, 0)) if own else "not_evaluated"
    findings = _area_findings(latest, area)
    weight = _weight(findings)
    parts: dict[str, float] = {"verdict": float(VERDICT_POINTS.get(worst, 10))}
    notes: dict[str, str] = {"verdict": f"worst clause verdict in the latest scan: {worst}"}
    parts["findings"] = min(FINDINGS_CAP, weight)
    grades = {g: sum(f.get("grade") == g for f in findings) for g in FINDING_WEIGHT}
    notes["findings"] = (
        ", ".join(f"{n} {g}" for g, n in grades.items() if n) or "no findings"
    ) + f" (weighted {weight:g}, at most {FINDINGS_CAP:g})"
    if earlier:
        previous = max(earlier, key=lambda r: str(r["audit"].get("as_of", "")))
        before = _weight(_area_findings(previous, area))
        delta = weight - before
        parts["trend"] = max(-TREND_CAP, min(TREND_CAP, delta))
        direction = "worse" if delta > 0 else "better" if delta < 0 else "unchanged"
        notes["trend"] = f"{direction}: weighted findings {before:g} at {previous['audit'].get('as_of')} -> {weight:g}"
    else:
        parts["trend"] = 0.0
        notes["trend"] = "no earlier scan to compare with"
    parts["criticality"] = float(CRITICALITY_POINTS[criticality])
    notes["criticality"] = f"{criticality} business criticality"
    clauses = set(area.clauses)
    covering = [p for p in past if clauses & set(p.clauses) and p.date <= start]
    last = max((p.date for p in covering), default=None)
    if last is None:
        parts["since_audited"] = SINCE_AUDITED_CAP
        notes["since_audited"] = "no internal audit of this area in the audit log"
    else:
        months = _months_between(last, start)
        parts["since_audited"] = min(SINCE_AUDITED_CAP, months * SINCE_AUDITED_CAP / SINCE_AUDITED_FULL_MONTHS)
        notes["since_audited"] = f"last audited {last.isoformat()} ({months:.1f} months before the programme starts)"
    open_items = [p for p in covering if p.status == "open" and p.result in OPEN_RESULT_POINTS]
    parts["audit_results"] = float(min(OPEN_RESULTS_CAP, sum(OPEN_RESULT_POINTS[p.result] for p in open_items)))
    notes["audit_results"] = (
        f"{len(open_items)} open nonconformit{'y' if len(open_items) == 1 else 'ies'} from earlier internal audits"
    )
    return AreaRisk(area, worst, parts, notes, findings, last)


def score_areas(
    areas: list[Area],
    latest: dict[str, Any],
    earlier: list[dict[str, Any]],
    past: list[PastAudit],
    criticality: dict[str, str],
    start: dt.date,
) -> list[AreaRisk]:
    return [score_area(a, latest, earlier, past, criticality.get(a.id, "medium"), start) for a in areas]


def priority_order(risks: list[AreaRisk]) -> list[AreaRisk]:
    """Nonconforming areas first, then by score (highest first), then by area id for a stable order."""
    return sorted(risks, key=lambda r: (not r.nonconforming, -r.score, r.area.id))
