"""Putting the programme together: score, plan, staff, schedule, sample, follow up.

The result is one plain dict (the content of programme.json); every output is rendered from it.
Nothing here reads the clock: dates come from the programme window, which defaults to the day
after the scanned audit period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sms_audit.catalogue import Catalogue
from sms_audit.programme import risk as risk_model
from sms_audit.programme.areas import Area, areas_for, requirement_bearing
from sms_audit.programme.assign import LEAD_LEVEL, Need, alternatives, assign
from sms_audit.programme.followup import follow_ups
from sms_audit.programme.inputs import Auditor, PastAudit, Settings
from sms_audit.programme.populations import area_populations
from sms_audit.programme.sampling import FORMULA, METHOD, MIN_OVERSAMPLE, OVERSAMPLE_SHARE, Population, draw
from sms_audit.programme.schedule import Slot, audit_days, place, window_end

SCHEMA_VERSION = "1.0"
PROGRAMME_CLAUSE = "9.2"


@dataclass
class ProgrammeInputs:
    latest: dict[str, Any]
    catalogue: Catalogue
    auditors: list[Auditor]
    settings: Settings
    start: dt.date
    earlier: list[dict[str, Any]] = field(default_factory=list)
    past: list[PastAudit] = field(default_factory=list)
    packs: list[Any] | None = None
    evidence: Any = None
    contexts: dict[str, Any] | None = None
    sources: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Plan:
    key: str
    area: Area
    risk: risk_model.AreaRisk
    first: bool
    depth: dict[str, Any]
    team: list[str] = field(default_factory=list)
    slot: Slot | None = None


def _plans(order: list[risk_model.AreaRisk]) -> list[_Plan]:
    firsts = [_Plan(f"{r.area.id}-1", r.area, r, True, risk_model.DEPTH[r.band]) for r in order]
    seconds = [
        _Plan(f"{r.area.id}-2", r.area, r, False, risk_model.FOLLOW_UP_DEPTH)
        for r in order
        if risk_model.DEPTH[r.band]["audits"] > 1
    ]
    return firsts + seconds


def _manual_items(report: dict[str, Any], area: Area) -> list[dict[str, Any]]:
    """Manual audit items whose first clause lies in the area (so each item sits in exactly one area)."""
    clauses = set(area.clauses)
    items = []
    for result in report.get("results", []):
        if result.get("kind") != "manual" or not result.get("clauses") or result["clauses"][0] not in clauses:
            continue
        manual = result.get("manual") or {}
        items.append(
            {
                "rule": result["rule"],
                "title": result["title"],
                "clauses": list(result["clauses"]),
                "status": result["status"],
                "questions": list(manual.get("questions", [])),
                "documents": list(manual.get("documents", [])),
                "records": list(manual.get("records", [])),
                "interviews": list(manual.get("interviews", [])),
                "sampling": manual.get("sampling"),
            }
        )
    return sorted(items, key=lambda i: i["rule"])


def _focus(risk: risk_model.AreaRisk) -> list[dict[str, Any]]:
    return [
        {
            "rule": f["rule"],
            "finding": f["id"],
            "grade": f["grade"],
            "title": f["title"],
            "clauses": list(f["clauses"]),
            "records": f.get("records_total", 0),
        }
        for f in risk.findings
    ]


def _flagged(report: dict[str, Any]) -> dict[str, set[str]]:
    return {
        f["rule"]: {str(r["id"]) for r in f.get("records", []) if r.get("id") is not None}
        for f in report.get("findings", [])
    }


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def build_programme(inputs: ProgrammeInputs) -> dict[str, Any]:
    settings, latest = inputs.settings, inputs.latest
    areas = areas_for(inputs.catalogue)
    start = inputs.start
    end = window_end(start, settings.months)
    risks = risk_model.score_areas(areas, latest, inputs.earlier, inputs.past, settings.criticality, start)
    order = risk_model.priority_order(risks)
    plans = _plans(order)
    needs = {
        p.key: Need(p.key, (p.area.id,), p.depth["days"], 2 if p.first and p.depth["days"] > 1 else 1) for p in plans
    }
    teams = assign(list(needs.values()), inputs.auditors, settings.months)
    level = {a.name: a.competences for a in inputs.auditors}
    for plan in plans:
        plan.team = teams[plan.key]
        ranked = sorted(
            alternatives(needs[plan.key], inputs.auditors, LEAD_LEVEL),
            key=lambda n, a=plan.area.id: (-level[n].get(a, 0), n),
        )
        plan.slot = Slot(
            plan.key,
            plan.depth["days"],
            list(plan.team),
            plan.first,
            ranked,
            after=None if plan.first else f"{plan.area.id}-1",
        )
    days = audit_days(start, end, settings)
    problems = place([p.slot for p in plans], inputs.auditors, days, settings.budget_days)
    findings: list[dict[str, Any]] = []
    unstaffed = {p.area.id for p in plans if p.first and not p.team}
    for plan in plans:
        if not plan.team and (plan.first or plan.area.id not in unstaffed):
            blocked = sorted(a.name for a in inputs.auditors if a.involved_in(plan.area.id))
            competent = sorted(a.name for a in inputs.auditors if a.competences.get(plan.area.id, 0) >= LEAD_LEVEL)
            findings.append(
                {
                    "clause": PROGRAMME_CLAUSE,
                    "grade": "minor" if plan.first else "observation",
                    "area": plan.area.id,
                    "title": f"No independent, competent auditor for the {'first' if plan.first else 'follow-up'} "
                    f"audit of {plan.area.title} ({plan.area.id})",
                    "detail": (
                        f"Competent to lead: {', '.join(competent) or 'nobody'}; working in or managing the area: "
                        f"{', '.join(blocked) or 'nobody'}. The audit is left unstaffed rather than audited by "
                        "someone who is not independent; train or engage an independent auditor."
                    ),
                }
            )
    for problem in problems:
        key = problem.split(":", 1)[0]
        plan = next(p for p in plans if p.key == key)
        findings.append(
            {
                "clause": PROGRAMME_CLAUSE,
                "grade": "minor" if plan.first else "observation",
                "area": plan.area.id,
                "title": f"Audit of {plan.area.title} ({plan.area.id}) could not be scheduled",
                "detail": problem.split(":", 1)[1].strip(),
            }
        )
    scheduled = sorted((p for p in plans if p.slot and p.slot.dates), key=lambda p: (p.slot.dates[0], p.key))
    ids = {p.key: f"IA-{i:02d}" for i, p in enumerate(scheduled, start=1)}
    flagged = _flagged(latest)
    populations: dict[str, list[Population]] = {}  # per area, shared by its audits
    audits = [_audit(plan, ids, inputs, flagged, populations) for plan in scheduled]
    coverage = _coverage(inputs.catalogue, audits)
    for clause in coverage["missing"]:
        findings.append(
            {
                "clause": PROGRAMME_CLAUSE,
                "grade": "minor",
                "area": next((a.id for a in areas if clause in a.clauses), None),
                "title": f"Clause {clause} is not audited in the programme window",
                "detail": "Every requirement-bearing clause needs at least one audit in the window.",
            }
        )
    area_audits: dict[str, list[str]] = {}
    for audit in audits:
        area_audits.setdefault(audit["processes"][0], []).append(audit["id"])
    load: dict[str, int] = {a.name: 0 for a in inputs.auditors}
    for audit in audits:
        for name in audit["auditors"]:
            load[name] += audit["days"]
    return {
        "schema_version": SCHEMA_VERSION,
        "programme": {
            "organisation": latest["audit"].get("organisation"),
            "standard": latest["audit"].get("standard"),
            "window": {"start": start.isoformat(), "end": end.isoformat(), "months": settings.months},
            "audit_days_available": len(days),
            "audit_weekdays": [("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d] for d in settings.weekdays],
            "blackout": [
                {"from": p.start.isoformat(), "to": p.end.isoformat(), "reason": p.reason} for p in settings.blackout
            ],
            "budget_days": settings.budget_days,
            "days_planned": sum(a["days"] for a in audits),
            "seed": settings.seed,
            "sources": inputs.sources,
            "risk_model": {
                "parts": risk_model.RISK_PARTS,
                "bands": {"high": f">= {risk_model.HIGH:g}", "medium": f">= {risk_model.MEDIUM:g}", "low": "below"},
                "depth": risk_model.DEPTH,
                "follow_up_audit": risk_model.FOLLOW_UP_DEPTH,
            },
            "sampling": {
                "formula": FORMULA,
                "method": METHOD,
                "oversampling": f"records named by findings: max({MIN_OVERSAMPLE}, ceil({OVERSAMPLE_SHARE:g} * n)), "
                "flagged, on top of n",
                "table": [
                    {"band": band, "confidence": d["confidence"], "tolerable_deviation": d["tolerable"]}
                    for band, d in risk_model.DEPTH.items()
                ],
            },
            "independence": "nobody audits a process area they work in or manage; leads need competence level 2",
        },
        "areas": [
            {
                "id": r.area.id,
                "title": r.area.title,
                "clauses": list(r.area.clauses),
                "criticality": settings.criticality.get(r.area.id, "medium"),
                "risk": r.to_dict(),
                "audits": area_audits.get(r.area.id, []),
            }
            for r in order
        ],
        "audits": audits,
        "coverage": coverage,
        "findings": findings,
        "load": [{"auditor": name, "days": days_} for name, days_ in sorted(load.items())],
    }


def _audit(
    plan: _Plan,
    ids: dict[str, str],
    inputs: ProgrammeInputs,
    flagged: dict[str, set[str]],
    populations: dict[str, list[Population]],
) -> dict[str, Any]:
    latest, area, risk = inputs.latest, plan.area, plan.risk
    audit_id = ids[plan.key]
    methods = list(plan.depth["methods"])
    manual = _manual_items(latest, area) if plan.first else []
    follow = follow_ups(area, inputs.past, inputs.earlier, latest) if plan.first else []
    focus = _focus(risk)
    questions = _unique([q for item in manual for q in item["questions"]])
    if not plan.first:
        first_id = ids.get(f"{area.id}-1")
        questions = [
            f"Which corrections and corrective actions were taken on the nonconformities raised at {first_id}, "
            "and what shows that they work?",
            *[f"Is the failure behind {f['rule']} ({f['title']}) still occurring?" for f in focus],
        ]
    samples = []
    if inputs.evidence is not None and inputs.packs and inputs.contexts is not None:
        if area.id not in populations:
            populations[area.id] = area_populations(area, inputs.packs, inputs.evidence, inputs.contexts, flagged)
        for population in populations[area.id]:
            samples.append(
                draw(population, audit_id, inputs.settings.seed, plan.depth["confidence"], plan.depth["tolerable"])
            )
    if not samples:
        methods = [m for m in methods if m != "record sampling"]
    slot = plan.slot
    services = latest["audit"].get("scope", {}).get("services") or ["all services in scope"]
    return {
        "id": audit_id,
        "title": f"{area.title}{'' if plan.first else ' (follow-up audit)'}",
        "kind": "full" if plan.first else "follow-up",
        "clauses": list(area.clauses),
        "processes": [area.id],
        "services": services,
        "criteria": [
            f"{latest['audit'].get('standard') or 'ISO/IEC 20000-1:2018'} clauses {', '.join(area.clauses)}",
            "the organisation's own SMS policy, plans, procedures and agreements for this area",
            "the automated rules and manual audit items of the rule pack for these clauses",
        ],
        "start": slot.dates[0].isoformat(),
        "end": slot.dates[-1].isoformat(),
        "dates": [d.isoformat() for d in slot.dates],
        "days": len(slot.dates),
        "auditors": list(slot.team),
        "lead": slot.team[0],
        "methods": methods,
        "risk": {"score": risk.score, "band": risk.band, "verdict": risk.verdict,
                 "parts": {k: round(v, 1) for k, v in risk.parts.items()}},
        "questions": questions,
        "documents": _unique([d for item in manual for d in item["documents"]]),
        "records": _unique([r for item in manual for r in item["records"]]),
        "interviews": _unique([i for item in manual for i in item["interviews"]]),
        "manual_items": manual,
        "focus": focus,
        "follow_up": follow,
        "samples": samples,
        "note": slot.note,
    }


def _coverage(catalogue: Catalogue, audits: list[dict[str, Any]]) -> dict[str, Any]:
    required = requirement_bearing(catalogue)
    by_clause: dict[str, list[str]] = {c: [] for c in required}
    for audit in audits:
        for clause in audit["clauses"]:
            if clause in by_clause:
                by_clause[clause].append(audit["id"])
    missing = [c for c, ids in by_clause.items() if not ids]
    return {
        "requirement_bearing": len(required),
        "covered": len(required) - len(missing),
        "clauses": by_clause,
        "missing": missing,
    }
