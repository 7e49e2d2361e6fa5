"""Build tiny canonical evidence sets by hand for rule and check tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sms_audit.catalogue import load_catalogue
from sms_audit.config import ScanConfig
from sms_audit.engine import evaluate_rule
from sms_audit.evidence import Evidence
from sms_audit.model import table_spec
from sms_audit.rules import load_packs
from sms_audit.scanner import context_for

PACK = load_packs(("iso20000-1-2018",))[0]
RULES = {rule.id: rule for rule in PACK.rules}
AS_OF = dt.date(2026, 6, 30)


def make_evidence(**tables: list[dict]) -> Evidence:
    frames, provided = {}, {}
    for name, rows in tables.items():
        spec = table_spec(name)
        frame = pd.DataFrame(rows)
        frame["_source_file"] = f"{name}.csv"
        frame["_source_line"] = range(2, len(frame) + 2)
        for column in spec.columns:
            if column in frame and spec.columns[column] == "datetime":
                frame[column] = pd.to_datetime(frame[column])
        frames[name] = spec.conform(frame) if len(frame) else spec.empty_frame()
        provided[name] = {c for c in frame.columns if c in spec.columns}
    return Evidence(frames, provided, [])


def run_rule(rule_id: str, evidence: Evidence, **params):
    config = ScanConfig("Test org", dt.date(2025, 7, 1), dt.date(2026, 6, 30), AS_OF, Path("."), ())
    ctx = context_for(config, {**PACK.defaults(), **params})
    return evaluate_rule(RULES[rule_id], evidence, ctx, load_catalogue(), "all")


def offending_ids(result) -> list[str]:
    return sorted(record["id"] for record in result.records)


def assert_rule_finds(rule_id: str, cases: dict[str, tuple[dict[str, list[dict]], list[str]]]) -> None:
    """The built-in rule fails on its hand-written fixture with exactly the expected records, each with a reason."""
    assert rule_id in RULES, f"{rule_id} is missing from the built-in pack"
    tables, expected = cases[rule_id]
    result = run_rule(rule_id, make_evidence(**tables))
    assert result.status == "fail", result.explanation
    assert offending_ids(result) == sorted(expected)
    assert all(record["reason"] for record in result.records)
