"""The evidence quality gate, run before any rule judges.

A table that fails the gate makes every rule that needs it ``evidence_insufficient``
with the reason: a broken or stale export must never turn into nonconformities.
Warnings are reported but do not stop rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from sms_audit.config import ScanConfig
    from sms_audit.evidence import Evidence

DEFAULTS: dict[str, float] = {
    "stale_after_days": 45,  # newest ticket activity must be this close to as_of
    "coverage_tolerance_days": 31,  # tickets must start and end within this of the period's edges
    "max_duplicate_share": 0.01,  # above this share of repeated ids a table is unusable
    "max_disorder_share": 0.2,  # above this share of tickets closed before opened, the export is broken
}

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "tickets": ("id", "record_type", "opened_at"),
    "ticket_events": ("ticket_id", "at"),
    "links": ("from_id", "to_id", "link_type"),
    "cis": ("id",),
    "ci_relations": ("parent_id", "child_id"),
    "documents": ("id",),
    "services": ("id",),
    "sla_targets": ("service", "priority"),
}


@dataclass(frozen=True)
class QualityCheck:
    check: str
    status: str  # ok | warning | fail
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status, "detail": self.detail}


def settings_from(config: ScanConfig) -> dict[str, float]:
    return {**DEFAULTS, **config.quality}


def assess(evidence: Evidence, config: ScanConfig) -> dict[str, dict[str, Any]]:
    settings = settings_from(config)
    report: dict[str, dict[str, Any]] = {}
    for table in sorted(evidence.provided):
        frame = evidence.table(table)
        checks = [_required(table, evidence.provided[table]), _not_empty(table, frame)]
        if len(frame):
            # CMDB exports without unique keys stay usable row by row; their ambiguity is reported.
            limit = float("inf") if table == "cis" else settings["max_duplicate_share"]
            checks.append(_duplicates(frame, limit, table))
        if table == "ci_relations" and len(frame) and "cis" in evidence.provided:
            checks.append(_ambiguous_ends(frame, evidence.table("cis")))
        if table == "tickets" and len(frame):
            checks += _ticket_checks(frame, config, settings)
        status = (
            "fail"
            if any(c.status == "fail" for c in checks)
            else ("warning" if any(c.status == "warning" for c in checks) else "ok")
        )
        report[table] = {"status": status, "checks": [c.to_dict() for c in checks]}
    return report


def failure_reason(quality: dict[str, dict[str, Any]], table: str) -> str | None:
    entry = quality.get(table)
    if not entry or entry["status"] != "fail":
        return None
    failed = [c["detail"] for c in entry["checks"] if c["status"] == "fail"]
    return f"the '{table}' evidence failed the quality gate: {'; '.join(failed)}"


def _required(table: str, provided: set[str]) -> QualityCheck:
    missing = [c for c in REQUIRED_COLUMNS.get(table, ()) if c not in provided]
    if missing:
        return QualityCheck("required_columns", "fail", f"no column for {', '.join(missing)}")
    return QualityCheck("required_columns", "ok", "present")


# Tables that may legitimately be empty (an organisation that links nothing is judged by the rules).
MAY_BE_EMPTY = {"links", "ticket_events", "ci_relations", "calendars", "holidays"}


def _not_empty(table: str, frame: pd.DataFrame) -> QualityCheck:
    if frame.empty:
        status = "warning" if table in MAY_BE_EMPTY else "fail"
        return QualityCheck("population", status, f"no {table} rows left after loading and the scope/period filters")
    return QualityCheck("population", "ok", f"{len(frame)} rows")


def _duplicates(frame: pd.DataFrame, max_share: float, table: str = "") -> QualityCheck:
    # A register lists each version of a document: its key is the id with the version.
    keys = frame["id"] + "|v" + frame["version"].fillna("") if table == "documents" else frame["id"]
    repeated = keys[keys.duplicated(keep=False)].dropna()
    if repeated.empty:
        return QualityCheck("duplicate_ids", "ok", "ids are unique")
    ids = sorted(set(repeated.astype(str)))
    share = repeated.duplicated().sum() / len(frame)
    examples = ", ".join(ids[:5]) + (" …" if len(ids) > 5 else "")
    status = "fail" if share > max_share else "warning"
    return QualityCheck(
        "duplicate_ids", status, f"{len(ids)} ids occur more than once ({share:.1%} of rows): {examples}"
    )


def _ambiguous_ends(relations: pd.DataFrame, cis: pd.DataFrame) -> QualityCheck:
    """Relation ends given as a display name that several CIs share cannot be resolved to one CI."""
    shared = cis["name"][cis["name"].duplicated(keep=False)].dropna().unique()
    ends = pd.concat([relations["parent_id"], relations["child_id"]])
    ambiguous = sorted(set(ends[ends.isin(shared)].astype(str)))
    if not ambiguous:
        return QualityCheck("ambiguous_relation_ends", "ok", "every relation end names at most one CI")
    examples = ", ".join(ambiguous[:5]) + (" …" if len(ambiguous) > 5 else "")
    return QualityCheck(
        "ambiguous_relation_ends",
        "warning",
        f"{len(ambiguous)} relation ends name several CIs (no sys_id in the export): {examples}",
    )


def _ticket_checks(frame: pd.DataFrame, config: ScanConfig, settings: dict[str, float]) -> list[QualityCheck]:
    checks = []
    opened = frame["opened_at"].dropna()
    tolerance = pd.Timedelta(days=settings["coverage_tolerance_days"])
    start, end = pd.Timestamp(config.period_from), pd.Timestamp(config.period_to)
    if opened.empty:
        checks.append(QualityCheck("period_coverage", "fail", "no ticket has an opening time"))
    else:
        first, last = opened.min(), opened.max()
        gaps = []
        if first > start + tolerance:
            gaps.append(f"the first ticket was opened {first:%Y-%m-%d}, after the period start {start:%Y-%m-%d}")
        if last < end - tolerance:
            gaps.append(f"the last ticket was opened {last:%Y-%m-%d}, before the period end {end:%Y-%m-%d}")
        status = "fail" if gaps else "ok"
        detail = "; ".join(gaps) if gaps else f"tickets opened from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
        checks.append(QualityCheck("period_coverage", status, detail))
    newest = pd.concat([frame[c].dropna() for c in ("opened_at", "resolved_at", "closed_at")]).max()
    as_of = pd.Timestamp(config.as_of)
    if pd.notna(newest):
        age = (as_of - newest) / pd.Timedelta(days=1)
        stale = age > settings["stale_after_days"]
        checks.append(
            QualityCheck(
                "freshness",
                "fail" if stale else "ok",
                f"newest ticket activity {newest:%Y-%m-%d}, {age:.0f} days before as_of {as_of:%Y-%m-%d}"
                + (f" (limit {settings['stale_after_days']:g})" if stale else ""),
            )
        )
    ended = frame["resolved_at"].fillna(frame["closed_at"])
    disordered = ((ended < frame["opened_at"]) | (frame["closed_at"] < frame["opened_at"])).fillna(False).astype(bool)
    share = disordered.sum() / len(frame)
    status = "fail" if share > settings["max_disorder_share"] else ("warning" if share else "ok")
    checks.append(
        QualityCheck(
            "timestamp_order", status, f"{int(disordered.sum())} tickets end before they were opened ({share:.1%})"
        )
    )
    return checks
