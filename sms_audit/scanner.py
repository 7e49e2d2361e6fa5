"""The scan: load evidence, evaluate every rule, build the one report model."""

from __future__ import annotations

import datetime as dt
import platform
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sms_audit import __version__
from sms_audit.checks.base import did_you_mean
from sms_audit.config import ScanConfig
from sms_audit.editions import catalogue_for, edition_clauses_of, verdicts_in_edition
from sms_audit.engine import RuleResult, clause_verdicts, safe_evaluate
from sms_audit.errors import ConfigError
from sms_audit.escalation import escalate
from sms_audit.evidence import Evidence, load_evidence
from sms_audit.expressions import EvalContext
from sms_audit.grading import GRADES, RESULT_STATUSES, VERDICTS, at_or_above
from sms_audit.integration.cmdb import enrich_cis
from sms_audit.integration.observed import add_derived_tables, observe
from sms_audit.integration.report import integration_section
from sms_audit.model import table_spec
from sms_audit.quality import assess
from sms_audit.rules import RulePack, load_packs
from sms_audit.waivers import WaiverOutcome, apply_waivers, load_waivers

SCHEMA_VERSION = "1.0"
# Share of candidate records that must carry an interface before it counts as established, for packs
# that declare an interface graph but no interface_min_rate parameter (the built-in pack declares it).
DEFAULT_MIN_RATE = 0.8


def _on_derived_table(rule: Any) -> bool:
    return bool(rule.evidence) and table_spec(rule.evidence).derived_table


@dataclass
class ScanResult:
    report: dict[str, Any]
    results: list[RuleResult]
    evidence: Evidence
    packs: list[RulePack]

    @property
    def findings(self) -> list[dict[str, Any]]:
        return self.report["findings"]

    def worst_grade(self) -> str | None:
        grades = {f["grade"] for f in self.findings}
        return next((g for g in GRADES if g in grades), None)

    def fails_on(self, threshold: str) -> bool:
        return any(at_or_above(f["grade"], threshold) for f in self.findings)

    def insufficient(self) -> list[RuleResult]:
        return [r for r in self.results if r.status == "evidence_insufficient"]


def context_for(config: ScanConfig, parameters: dict[str, Any]) -> EvalContext:
    return EvalContext(
        as_of=pd.Timestamp(config.as_of),
        period_start=pd.Timestamp(config.period_from),
        period_end=pd.Timestamp(config.period_to),
        params=parameters,
    )


def scan(config: ScanConfig, manual_results: list | None = None) -> ScanResult:
    """Run a whole scan; the report's ``run`` object holds everything run-specific.

    ``manual_results`` are auditors' results read from completed worksheets
    (:func:`sms_audit.programme.worksheets.load_manual_results`); they judge the manual items they name.
    """
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    packs = load_packs(config.rule_packs, config.base_dir)
    known = sorted({name for pack in packs for name in pack.parameters})
    for name in sorted(set(config.parameters) - set(known)):
        raise ConfigError(
            f"parameters.{name}: not a parameter of the rule packs{did_you_mean(name, known)}; "
            f"known: {', '.join(known)}"
        )
    waivers = load_waivers(config.waivers, config.waivers_display) if config.waivers else []
    evidence = load_evidence(config)
    evidence.quality = assess(evidence, config)
    cmdb = enrich_cis(evidence)
    scope_key = "services=" + ",".join(sorted(config.services)) if config.services else "all"
    results: list[RuleResult] = []
    integration = integration_section(None, [], cmdb, None)
    for pack in packs:
        parameters = {**pack.defaults(), **{k: v for k, v in config.parameters.items() if k in pack.parameters}}
        ctx = context_for(config, parameters)
        # Rules on the tables the scan derives (interfaces, processes) run once the others are judged.
        first = [r for r in pack.rules if not _on_derived_table(r)]
        pack_results = [safe_evaluate(rule, evidence, ctx, pack.catalogue, scope_key) for rule in first]
        if pack.interfaces is not None:
            min_rate = float(parameters.get("interface_min_rate", DEFAULT_MIN_RATE))
            observations = observe(pack.interfaces, {r.rule.id: r for r in pack_results}, min_rate)
            add_derived_tables(evidence, pack.interfaces, observations)
            integration = integration_section(pack.interfaces, observations, cmdb, min_rate)
        pack_results += [
            safe_evaluate(rule, evidence, ctx, pack.catalogue, scope_key) for rule in pack.rules if rule not in first
        ]
        escalate(pack_results, parameters)
        results.extend(pack_results)
    results.sort(key=lambda r: r.rule.id)
    if manual_results:
        from sms_audit.programme.manual_results import apply_manual_results

        apply_manual_results(results, manual_results)
    waived = apply_waivers(results, waivers, config.as_of, config.services)
    results = waived.results
    extra = {f["id"]: (f["clauses"], "nonconforming_minor") for f in waived.expired_findings}
    clauses = clause_verdicts(packs[-1].catalogue, results, extra) if packs else []
    if packs:
        clauses = verdicts_in_edition(clauses, packs[-1].catalogue, config.edition)
    report = build_report(config, packs, evidence, results, clauses, waived, integration)
    report["run"] = {
        "scan_id": str(uuid.uuid4()),
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(time.perf_counter() - clock, 3),
        "tool_version": __version__,
        "host": socket.gethostname(),
        "python": platform.python_version(),
    }
    return ScanResult(report, results, evidence, packs)


def build_report(
    config: ScanConfig,
    packs: list[RulePack],
    evidence: Evidence,
    results: list[RuleResult],
    clauses: list[dict[str, Any]],
    waived: WaiverOutcome,
    integration: dict[str, Any],
) -> dict[str, Any]:
    findings = sorted(
        [*(r.finding_dict() for r in results if r.status == "fail"), *waived.expired_findings],
        key=lambda f: (GRADES.index(f["grade"]), f["rule"], f["id"]),
    )
    catalogue = catalogue_for(config.edition) if packs else None
    for finding in findings:
        finding["edition_clauses"] = edition_clauses_of(finding["clauses"], packs[-1].catalogue, config.edition)
    return {
        "schema_version": SCHEMA_VERSION,
        "run": {},
        "audit": {
            "organisation": config.organisation,
            "period": {"from": config.period_from.isoformat(), "to": config.period_to.isoformat()},
            "as_of": config.as_of.isoformat(),
            "edition": catalogue.edition if catalogue else None,
            "standard": catalogue.standard if catalogue else None,
            "scope": {"services": sorted(config.services)},
        },
        "rule_packs": [{"id": p.id, "version": p.version, "edition": p.edition, "rules": len(p.rules)} for p in packs],
        "summary": {
            "results": {s: sum(r.status == s for r in results) for s in RESULT_STATUSES},
            "findings_by_grade": {g: sum(f["grade"] == g for f in findings) for g in GRADES},
            "clauses_by_verdict": {v: sum(c["verdict"] == v for c in clauses) for v in VERDICTS},
        },
        "evidence": {
            "files": [f.to_dict() for f in evidence.files],
            "tables": evidence.counts(),
            "filtered": evidence.filtered,
            "quality": evidence.quality,
        },
        "results": [r.to_dict() for r in results],
        "findings": findings,
        "clauses": clauses,
        "waivers": waived.to_dict(),
        "integration": integration,
    }


def write_outputs(result: ScanResult, out_dir: Path, formats: list[str]) -> list[Path]:
    """Write report.json always, plus every requested format, atomically into ``out_dir``."""
    from reports.writers import WRITERS
    from sms_audit.io import write_atomic

    written = []
    for name in ["json", *[f for f in formats if f != "json"]]:
        for filename, text in WRITERS.get(name).outputs(result.report).items():
            written.append(write_atomic(out_dir, filename, text))
    return written
