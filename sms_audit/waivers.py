"""Waivers: approved, time-limited exceptions to rules or clauses.

A waivers file (schema ``rules/schemas/waivers.schema.json``) lists waivers, each naming exactly one
``rule`` or one ``clause``, an optional ``scope``, a ``justification``, an ``approver``, an optional
``approved_at`` and an ``expires`` date::

    waivers:
      - id: W-001
        rule: CHG-001
        scope: {services: [ERP Finance]}
        justification: Emergency fixes during the ERP migration were approved retrospectively by the CAB.
        approver: Head of Service Management
        approved_at: 2026-01-15
        expires: 2026-09-30

How a waiver is applied (:func:`apply_waivers`):

* Only ``fail`` results are waived. The result keeps its grade, measured figure and records, its status
  becomes ``waived`` and it carries the waiver (id, approver, dates, justification, file and line).
* A waiver matches a result when its ``rule`` is the result's rule, or when its ``clause`` is one of the
  result's clauses or a heading above one (``"8.5"`` covers ``"8.5.1.3"``; matching is on whole dotted
  components, so ``"8.1"`` does not cover ``"8.10"``).
* Scope: a waiver without ``scope`` applies everywhere. A waiver with ``scope.services`` applies only when
  the scan is scoped to services and every one of them is in the waiver's list; a scan of all services
  (empty scope) is not covered, because the waiver would then excuse services nobody approved.
  Service names are compared exactly, as the scope filter on tickets does.
* A waiver is in force up to and including its ``expires`` day. When ``expires`` is before ``as_of`` it
  is expired: it waives nothing and becomes a ``WAIVER-EXPIRED`` finding (grade minor, measured = days
  past expiry), whatever the scan's scope, since the waiver register is an SMS-wide control.
* When several waivers match one result, a rule waiver wins over a clause waiver, a deeper clause over a
  heading, then the smaller id. Waivers in force that waived nothing are reported as ``unused``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from rules import SCHEMAS_DIR
from sms_audit.checks.base import did_you_mean
from sms_audit.engine import RuleResult
from sms_audit.errors import ConfigError, UnsafeYamlError
from sms_audit.safe_yaml import LineDict, line_of, load_yaml_file

EXPIRED_RULE = "WAIVER-EXPIRED"
# Clause of an expired waiver whose rule is not among this scan's results: an exception that is no
# longer approved leaves a nonconformity without a decided action.
FALLBACK_CLAUSES = ("10.1",)
EXPIRED_REQUIREMENT = (
    "Keep exceptions under control: every waiver of a requirement is justified, approved by a named "
    "authority and time-limited, and is renewed or withdrawn before it lapses."
)
EXPIRED_REMEDIATION = (
    "Review the exception: correct the underlying control and withdraw the waiver, or have the approver "
    "renew it with a new expiry date and an up-to-date justification."
)

_FIX = {
    "id": "give the waiver a unique id such as W-001",
    "justification": "say why the exception is acceptable (at least 20 characters)",
    "approver": "name the role or person who approved the exception",
    "expires": "give the last day the waiver is in force as YYYY-MM-DD",
}
_DATE_KEYS = ("approved_at", "expires")


@dataclass(frozen=True)
class Waiver:
    id: str
    justification: str
    approver: str
    expires: dt.date
    rule: str | None = None
    clause: str | None = None
    services: tuple[str, ...] | None = None
    approved_at: dt.date | None = None
    file: str = ""
    line: int = 0

    @property
    def target(self) -> str:
        return f"rule {self.rule}" if self.rule else f"clause {self.clause}"

    def is_expired(self, as_of: dt.date) -> bool:
        return self.expires < as_of

    def days_past_expiry(self, as_of: dt.date) -> int:
        return max((as_of - self.expires).days, 0)

    def in_scope(self, scope_services: tuple[str, ...]) -> bool:
        if self.services is None:
            return True
        return bool(scope_services) and set(scope_services) <= set(self.services)

    def covers(self, result: RuleResult) -> bool:
        """Whether the waiver names the result's rule, or one of its clauses or a heading above one."""
        if self.rule is not None:
            return result.rule.id == self.rule
        return any(clause_covers(self.clause or "", c) for c in result.rule.clauses)

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "approver": self.approver,
            "approved_at": self.approved_at.isoformat() if self.approved_at else None,
            "expires": self.expires.isoformat(),
            "justification": self.justification,
            "file": self.file,
            "line": self.line,
        }


@dataclass
class WaivedResult(RuleResult):
    """A failing result excused by a waiver; ``to_dict`` adds the ``waiver`` object."""

    waiver: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "waiver": dict(self.waiver)}


@dataclass
class WaiverOutcome:
    results: list[RuleResult]
    expired_findings: list[dict[str, Any]]
    applied: list[dict[str, str]]
    unused: list[str]

    def to_dict(self) -> dict[str, Any]:
        """A summary for the report: applied pairs, expired waiver ids, unused waiver ids."""
        return {
            "applied": [dict(a) for a in self.applied],
            "expired": [f["records"][0]["id"] for f in self.expired_findings],
            "unused": list(self.unused),
        }


def clause_covers(waived: str, clause: str) -> bool:
    """``"8.5"`` covers ``"8.5"`` and ``"8.5.1.3"`` but not ``"8.50"``."""
    return clause == waived or clause.startswith(waived + ".")


# --------------------------------------------------------------------------------------------- loading


@cache
def waivers_schema() -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / "waivers.schema.json").read_text(encoding="utf-8"))


def load_waivers(path: Path, display: str | None = None) -> list[Waiver]:
    """Load and validate a waivers file; any problem raises :class:`ConfigError` naming file and line."""
    path = Path(path)
    source = display or str(path)
    try:
        data = load_yaml_file(path, source)
    except UnsafeYamlError as exc:
        raise ConfigError(f"invalid waivers file: {exc}") from None
    return parse_waivers(data, source)


def parse_waivers(data: Any, source: str) -> list[Waiver]:
    """Validate already-loaded YAML data (mappings as :class:`LineDict`) and build the waivers."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: a waivers file is a mapping with a 'waivers' list (see waivers.schema.json)")
    data = _normalise_dates(data)
    validator = jsonschema.Draft202012Validator(waivers_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise ConfigError("invalid waivers file:\n  " + "\n  ".join(_describe(err, data, source) for err in errors))
    problems: list[str] = []
    waivers: list[Waiver] = []
    first_line: dict[str, int] = {}
    for raw in data["waivers"]:
        line = getattr(raw, "line", 0)
        where = f"{source}:{line}: waiver {raw['id']}"
        if raw["id"] in first_line:
            problems.append(
                f"{where}: duplicate id (first defined at line {first_line[raw['id']]}); ids must be unique"
            )
            continue
        first_line[raw["id"]] = line
        dates = {}
        for key in _DATE_KEYS:
            if key in raw:
                try:
                    dates[key] = dt.date.fromisoformat(raw[key])
                except ValueError:
                    problems.append(f"{where}: {key}: {raw[key]!r} is not a calendar date; write YYYY-MM-DD")
        if "approved_at" in dates and "expires" in dates and dates["approved_at"] > dates["expires"]:
            problems.append(
                f"{where}: approved_at {dates['approved_at']} is after expires {dates['expires']}; check both dates"
            )
        if "expires" not in dates:
            continue
        scope = raw.get("scope")
        waivers.append(
            Waiver(
                id=raw["id"],
                justification=raw["justification"].strip(),
                approver=raw["approver"].strip(),
                expires=dates["expires"],
                rule=raw.get("rule"),
                clause=raw.get("clause"),
                services=tuple(scope["services"]) if scope else None,
                approved_at=dates.get("approved_at"),
                file=source,
                line=line,
            )
        )
    if problems:
        raise ConfigError("invalid waivers file:\n  " + "\n  ".join(problems))
    return waivers


def _normalise_dates(node: Any) -> Any:
    """Unquoted YAML dates arrive as ``date`` objects; turn them back into text, keeping line numbers."""
    if isinstance(node, dict):
        out = LineDict((k, _normalise_dates(v)) for k, v in node.items())
        out.line = getattr(node, "line", 0)
        return out
    if isinstance(node, list):
        return [_normalise_dates(v) for v in node]
    if isinstance(node, dt.datetime):
        return str(node)
    if isinstance(node, dt.date):
        return node.isoformat()
    return node


def _describe(err: jsonschema.ValidationError, data: Any, source: str) -> str:
    path = list(err.absolute_path)
    where = f"{source}:{line_of(data, path)}"
    if len(path) >= 2 and path[0] == "waivers" and isinstance(path[1], int):
        raw = data["waivers"][path[1]]
        waiver_id = raw.get("id", f"#{path[1] + 1}") if isinstance(raw, dict) else f"#{path[1] + 1}"
        where += f": waiver {waiver_id}"
        key = ".".join(str(p) for p in path[2:])
    else:
        key = ".".join(str(p) for p in path)
    prefix = f"{where}: {key}: " if key else f"{where}: "
    return prefix + _explain(err, key)


def _explain(err: jsonschema.ValidationError, key: str) -> str:
    instance = err.instance
    allowed = sorted(err.schema.get("properties", {})) if isinstance(err.schema, dict) else []
    if err.validator == "additionalProperties":
        extras = sorted(set(instance) - set(allowed))
        hints = "".join(did_you_mean(str(x), allowed) for x in extras)
        return f"unknown key(s) {', '.join(map(repr, extras))}{hints} (allowed: {', '.join(allowed)})"
    if err.validator == "required":
        missing = re.match(r"'([^']+)'", err.message)
        name = missing.group(1) if missing else err.message
        extras = sorted(set(instance) - set(allowed)) if isinstance(instance, dict) else []
        spelt = difflib.get_close_matches(name, [str(x) for x in extras], n=1)
        found = f" (found {spelt[0]!r}: misspelt?)" if spelt else ""
        fix = _FIX.get(name, f"add '{name}'")
        return f"missing key '{name}'{found}: {fix}"
    if err.validator == "oneOf" and isinstance(instance, dict):
        if "rule" in instance and "clause" in instance:
            return "names both 'rule' and 'clause'; a waiver covers exactly one of them: split it into two waivers"
        return "give exactly one of 'rule' (e.g. CHG-001) or 'clause' (quoted, e.g. \"8.5.1.3\")"
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "clause" and err.validator in ("type", "pattern"):
        return f'{instance!r} is not a clause number; write it quoted, e.g. clause: "8.5.1.3"'
    if leaf in _DATE_KEYS and err.validator in ("type", "pattern"):
        return f"{instance!r} is not a date; write YYYY-MM-DD, e.g. 2026-09-30"
    if leaf == "justification" and err.validator in ("minLength", "pattern"):
        return f"{instance!r} is too short: {_FIX['justification']}"
    if leaf == "rule" and err.validator == "pattern":
        return f"{instance!r} is not a rule id such as CHG-001"
    if leaf == "id" and err.validator == "pattern":
        return f"{instance!r} is not a usable id: letters, digits, '.', '_' and '-', e.g. W-001"
    if err.validator == "type" and key == "waivers":
        return "must be a list of waivers (each item starting with '- id: ...')"
    return err.message


# --------------------------------------------------------------------------------------------- applying


def _priority(waiver: Waiver) -> tuple[int, int, str]:
    if waiver.rule is not None:
        return (0, 0, waiver.id)
    return (1, -(waiver.clause or "").count("."), waiver.id)


def _waive(result: RuleResult, waiver: Waiver) -> WaivedResult:
    values = {f.name: getattr(result, f.name) for f in fields(result) if f.init}
    values.update(status="waived", waiver=waiver.info())
    return WaivedResult(**values)


def apply_waivers(
    results: list[RuleResult],
    waivers: list[Waiver],
    as_of: dt.date,
    scope_services: tuple[str, ...] = (),
) -> WaiverOutcome:
    """Waive the failing results that a waiver in force covers; expired waivers become findings.

    ``results`` is not modified: waived results are new :class:`WaivedResult` objects at the same
    positions. Ordering is deterministic: ``applied`` by (rule, waiver), ``expired_findings`` and
    ``unused`` by waiver id.
    """
    scope = tuple(scope_services or ())
    active = sorted((w for w in waivers if not w.is_expired(as_of)), key=_priority)
    updated: list[RuleResult] = []
    applied: list[dict[str, str]] = []
    for result in results:
        chosen = None
        if result.status == "fail":
            chosen = next((w for w in active if w.in_scope(scope) and w.covers(result)), None)
        if chosen is None:
            updated.append(result)
            continue
        updated.append(_waive(result, chosen))
        applied.append({"waiver": chosen.id, "rule": result.rule.id})
    applied.sort(key=lambda a: (a["rule"], a["waiver"]))
    used = {a["waiver"] for a in applied}
    unused = sorted(w.id for w in active if w.id not in used)
    expired = sorted((w for w in waivers if w.is_expired(as_of)), key=lambda w: w.id)
    findings = [expired_finding(w, results, as_of, scope) for w in expired]
    return WaiverOutcome(results=updated, expired_findings=findings, applied=applied, unused=unused)


def expired_finding(
    waiver: Waiver, results: list[RuleResult], as_of: dt.date, scope_services: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The WAIVER-EXPIRED finding of one expired waiver, in the shape of ``RuleResult.finding_dict()``."""
    days = waiver.days_past_expiry(as_of)
    clauses, note = _expired_clauses(waiver, results)
    reason = f"expired {waiver.expires.isoformat()}, {days} day{'s' if days != 1 else ''} before as_of"
    uncovered = sorted(
        {r.rule.id for r in results if r.status == "fail" and waiver.in_scope(scope_services) and waiver.covers(r)}
    )
    if uncovered:
        effect = f"the failing result{'s' if len(uncovered) > 1 else ''} it covered ({', '.join(uncovered)}) "
        effect += "are reported as findings again" if len(uncovered) > 1 else "is reported as a finding again"
    else:
        effect = "it covers no failing result in this scan"
    explanation = (
        f"Waiver {waiver.id} ({waiver.target}, approved by {waiver.approver}) expired on "
        f"{waiver.expires.isoformat()}, {days} day{'s' if days != 1 else ''} before as_of {as_of.isoformat()}; "
        f"it no longer waives anything and {effect}.{note}"
    )
    basis = f"waiver|{waiver.id}"
    return {
        "id": "F-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16],
        "rule": EXPIRED_RULE,
        "title": f"Waiver {waiver.id} has expired",
        "clauses": list(clauses),
        "requirement_keys": [],
        "requirement": EXPIRED_REQUIREMENT,
        "grade": "minor",
        "measure": "count",
        "measured": days,
        "threshold": 0,
        "comparison": ">",
        "population": 1,
        "records_total": 1,
        "records": [{"id": waiver.id, "file": waiver.file, "line": waiver.line, "reason": reason}],
        "escalation": None,
        "explanation": explanation,
        "remediation": EXPIRED_REMEDIATION,
    }


def _expired_clauses(waiver: Waiver, results: list[RuleResult]) -> tuple[tuple[str, ...], str]:
    if waiver.clause is not None:
        return (waiver.clause,), ""
    for result in results:
        if result.rule.id == waiver.rule:
            return tuple(result.rule.clauses), ""
    return FALLBACK_CLAUSES, f" Rule {waiver.rule} is not among this scan's rules."
