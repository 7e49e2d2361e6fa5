"""Validation of the rule pack against freshly generated ground truth (``sms-audit selftest``).

For certification bodies: every automated rule is run on demo evidence whose
defects were recorded when they were planted; per rule we report what was
planted, what was reported, precision, recall and whether any near-miss (a
record exactly at a limit) was wrongly reported.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import tempfile
import uuid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reports import REPORTS_ROOT
from sms_audit import __version__
from sms_audit.config import load_config
from sms_audit.demo import generate_demo
from sms_audit.io import write_atomic
from sms_audit.scanner import scan


# Rules that judge the tables a scan derives from the reference interface graph cannot have planted
# records: what they must find follows from the other rules' results. Their truth is the integration
# section of the same report, computed independently of the rules (edge status and isolated nodes).
def _missing_mandatory(integration: dict[str, Any]) -> list[str]:
    return [e["id"] for e in integration["edges"] if e["status"] == "missing" and e["mandatory"]]


def _weak(integration: dict[str, Any]) -> list[str]:
    return [e["id"] for e in integration["edges"] if e["status"] == "weak"]


def _isolated(integration: dict[str, Any]) -> list[str]:
    return list(integration["summary"].get("isolated_processes", []))


DERIVED_TRUTH = {"INT-001": _missing_mandatory, "INT-002": _weak, "INT-003": _isolated}


def derived_truth(report: dict[str, Any]) -> dict[str, list[str]]:
    """Expected records of the rules on derived tables, from the report's integration section."""
    integration = report.get("integration") or {}
    if not integration.get("reference"):
        return {}
    return {rule_id: sorted(expected(integration)) for rule_id, expected in DERIVED_TRUTH.items()}


def _ratio(hits: int, total: int) -> float:
    return 1.0 if total == 0 else round(hits / total, 6)


def run_selftest(seeds: list[int], tickets: int) -> dict[str, Any]:
    per_rule: dict[str, dict[str, Any]] = {}
    packs: list[dict[str, Any]] = []
    for seed in seeds:
        with tempfile.TemporaryDirectory(prefix="sms-audit-selftest-") as tmp:
            folder = Path(tmp)
            generate_demo(folder, seed=seed, tickets=tickets)
            result = scan(load_config(folder / "sms-audit.yaml"))
            truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
            near = json.loads((folder / "near-misses.json").read_text(encoding="utf-8"))
        derived = derived_truth(result.report)
        truth.update(derived)
        packs = result.report["rule_packs"]
        automated = {rule.id: rule for pack in result.packs for rule in pack.rules if rule.check.automated}
        for entry in result.report["results"]:
            rule = automated.get(entry["rule"])
            if rule is None:
                continue
            reported = {record["id"] for record in entry["records"]}
            planted = set(truth.get(rule.id, []))
            misses = set(near.get(rule.id, []))
            row = per_rule.setdefault(
                rule.id,
                {
                    "rule": rule.id,
                    "truth": "integration section" if rule.id in derived else "planted",
                    "title": rule.title,
                    "kind": rule.kind,
                    "clauses": list(rule.clauses),
                    "planted": 0,
                    "reported": 0,
                    "true_positives": 0,
                    "false_positives": 0,
                    "false_negatives": 0,
                    "near_misses": 0,
                    "near_misses_reported": 0,
                    "statuses": [],
                    "examples": [],
                },
            )
            row["planted"] += len(planted)
            row["reported"] += len(reported)
            row["true_positives"] += len(reported & planted)
            row["false_positives"] += len(reported - planted)
            row["false_negatives"] += len(planted - reported)
            row["near_misses"] += len(misses)
            row["near_misses_reported"] += len(reported & misses)
            row["statuses"].append(entry["status"])
            wrong = sorted((reported - planted) | (planted - reported))
            row["examples"] = sorted(set(row["examples"]) | set(wrong[:5]))[:10]
    rules = []
    for rule_id in sorted(per_rule):
        row = per_rule[rule_id]
        row["precision"] = _ratio(row["true_positives"], row["reported"])
        row["recall"] = _ratio(row["true_positives"], row["planted"])
        row["statuses"] = sorted(set(row["statuses"]))
        row["ok"] = (
            row["precision"] == 1.0
            and row["recall"] == 1.0
            and row["near_misses_reported"] == 0
            and (row["planted"] > 0 or row["truth"] != "planted")
            and set(row["statuses"]) <= {"pass", "fail"}
        )
        rules.append(row)
    return {
        "schema_version": "1.0",
        "run": {},
        "tool_version": __version__,
        "rule_packs": packs,
        "seeds": seeds,
        "tickets": tickets,
        "summary": {
            "rules": len(rules),
            "perfect": sum(r["ok"] for r in rules),
            "planted": sum(r["planted"] for r in rules),
            "near_misses": sum(r["near_misses"] for r in rules),
        },
        "rules": rules,
    }


def write_selftest(report: dict[str, Any], out: Path) -> list[Path]:
    report["run"] = {
        "run_id": str(uuid.uuid4()),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
    }
    env = Environment(
        loader=FileSystemLoader(REPORTS_ROOT / "templates"),
        autoescape=select_autoescape(["j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    html = env.get_template("selftest.html.j2").render(report=report)
    return [
        write_atomic(out, "selftest.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n"),
        write_atomic(out, "selftest.html", html),
    ]
