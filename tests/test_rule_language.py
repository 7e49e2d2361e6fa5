"""The rules commands, manual items and the all/any/not combinators."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rules import PACKS_DIR
from sms_audit.catalogue import load_catalogue
from sms_audit.cli import cli
from sms_audit.engine import evaluate_rule
from sms_audit.rules import load_pack
from tests.rule_fixtures import AS_OF, make_evidence, offending_ids

HEADER = """rules:
"""
GOOD = """  - id: T-001
    title: Test rule that is fine
    clauses: ["8.6.1"]
    requirements: ["8.6.1-a-record-classify"]
    evidence: tickets
    check: {kind: completeness, fields: [priority]}
    rationale: a rationale long enough
    remediation: a remediation long enough
"""


def write_pack(tmp_path: Path, body: str) -> Path:
    pack = tmp_path / "pack"
    pack.mkdir(exist_ok=True)
    shutil.copy(PACKS_DIR / "iso20000-1-2018" / "pack.yaml", pack / "pack.yaml")
    (pack / "rules.yaml").write_text(HEADER + body)
    return pack


def test_rules_list_json_contract():
    result = CliRunner().invoke(cli, ["rules", "list", "--format", "json"])
    assert result.exit_code == 0
    rules = json.loads(result.stdout)
    assert {"CHG-001", "DOC-001"} <= {r["id"] for r in rules}
    assert all(set(r) == {"id", "title", "clauses", "kind", "automated"} for r in rules)


def test_rules_explain_names_clause_requirement_grading_and_parameters():
    result = CliRunner().invoke(cli, ["rules", "explain", "PRB-001"])
    assert result.exit_code == 0
    text = result.stdout
    assert "8.6.3 Problem management" in text and "8.6.3-b-root-cause" in text
    assert "problem_rca_days = 30 (default)" in text and "minor if rate > 0.25" in text
    unknown = CliRunner().invoke(cli, ["rules", "explain", "PRB-01"])
    assert unknown.exit_code == 3 and "did you mean PRB-001" in unknown.stderr


def test_validate_reports_every_problem_with_file_line_and_rule_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    bad = (
        GOOD.replace("T-001", "T-002").replace("rationale:", "rationalle:")
        + GOOD.replace("T-001", "T-003").replace("kind: completeness", "kind: completness")
        + GOOD.replace("T-001", "T-004").replace(
            "check: {kind: completeness, fields: [priority]}",
            "check: {kind: condition, assert: 'priority === 1', violation: x}",
        )
        + GOOD.replace("T-001", "T-005").replace(
            "check: {kind: completeness, fields: [priority]}",
            f'check: {{kind: condition, assert: \'__import__("os").system("touch {marker}")\', violation: x}}',
        )
        + GOOD.replace("T-001", "T-006").replace(
            "check: {kind: completeness, fields: [priority]}",
            "check: {kind: condition, assert: 'status.upper() == 1', violation: x}",
        )
    )
    pack = write_pack(tmp_path, bad)
    (pack / "tagged.yaml").write_text(f'rules: !!python/object/apply:os.system ["touch {marker}"]\n')
    result = CliRunner().invoke(cli, ["rules", "validate", str(pack)])
    assert result.exit_code == 3
    err = result.stderr
    assert "rules.yaml:2 rule T-002" in err and "did you mean 'rationale'" in err
    assert "rule T-003" in err and "Did you mean 'completeness'" in err
    assert "rule T-004" in err and "syntax" in err.lower()
    assert "rule T-005" in err and "__import__" in err
    assert "rule T-006" in err and "attribute" in err
    assert "tagged.yaml:1" in err and "python/object/apply" in err
    assert not marker.exists()


def test_validate_a_single_rule_file_and_a_good_pack(tmp_path):
    pack = write_pack(tmp_path, GOOD)
    ok = CliRunner().invoke(cli, ["rules", "validate", str(pack / "rules.yaml"), str(PACKS_DIR / "iso20000-1-2018")])
    assert ok.exit_code == 0, ok.output
    assert "rules valid" in ok.stdout


MANUAL = """  - id: M-001
    title: Top management shows commitment to the SMS
    clauses: ["5.1"]
    requirements: ["5.1-a-policy-objectives-aligned"]
    check:
      kind: manual
      questions: ["How does top management confirm that objectives follow from the policy?"]
      documents: ["Service management policy", "Last two management review minutes"]
      sampling: {population: management review minutes of the period, method: all}
    rationale: commitment shows in decisions, not in records alone
    remediation: record the decisions of top management on the SMS
"""


def _rule(tmp_path: Path, body: str, rule_id: str):
    pack = load_pack(write_pack(tmp_path, body))
    return next(r for r in pack.rules if r.id == rule_id), pack


def _ctx(pack):
    import datetime as dt

    from sms_audit.config import ScanConfig
    from sms_audit.scanner import context_for

    config = ScanConfig("T", dt.date(2025, 7, 1), dt.date(2026, 6, 30), AS_OF, Path("."), ())
    return context_for(config, pack.defaults())


def test_manual_item_is_not_evaluated_and_carries_its_questions(tmp_path):
    rule, pack = _rule(tmp_path, MANUAL, "M-001")
    assert rule.check.automated is False
    result = evaluate_rule(rule, make_evidence(), _ctx(pack), load_catalogue(), "all")
    assert result.status == "not_evaluated"
    assert result.manual["documents"] == ["Service management policy", "Last two management review minutes"]
    assert result.to_dict()["manual"]["sampling"]["method"] == "all"


def test_manual_item_makes_its_clause_not_evaluated(tmp_path):
    from sms_audit.engine import clause_verdicts

    rule, pack = _rule(tmp_path, MANUAL, "M-001")
    result = evaluate_rule(rule, make_evidence(), _ctx(pack), load_catalogue(), "all")
    verdicts = {c["id"]: c["verdict"] for c in clause_verdicts(load_catalogue(), [result])}
    assert verdicts["5.1"] == "not_evaluated"


COMBINED = """  - id: C-{n}
    title: Combined check {kind}
    clauses: ["8.5.1.3"]
    requirements: ["8.5.1.3-g-plan-reversal"]
    evidence: tickets
    select: 'record_type == "change"'
    check:
      kind: {kind}
      checks:
        - {{kind: condition, assert: 'backout_plan == True', violation: no back-out plan}}
        - {{kind: condition, assert: 'test_plan == True', violation: no test plan}}
    rationale: a rationale long enough
    remediation: a remediation long enough
"""
CHANGES = [
    {"id": "both", "record_type": "change", "backout_plan": True, "test_plan": True},
    {"id": "backout-only", "record_type": "change", "backout_plan": True, "test_plan": False},
    {"id": "neither", "record_type": "change", "backout_plan": False, "test_plan": False},
]


@pytest.mark.parametrize(("kind", "expected"), [("all", ["backout-only", "neither"]), ("any", ["neither"])])
def test_all_and_any(tmp_path, kind, expected):
    rule, pack = _rule(tmp_path, COMBINED.format(n=1, kind=kind), "C-1")
    result = evaluate_rule(rule, make_evidence(tickets=CHANGES), _ctx(pack), load_catalogue(), "all")
    assert offending_ids(result) == expected
    reasons = {r["id"]: r["reason"] for r in result.records}
    assert "no test plan" in reasons["neither"] and "no back-out plan" in reasons["neither"]


def test_not(tmp_path):
    body = COMBINED.format(n=2, kind="not").replace(
        "        - {kind: condition, assert: 'test_plan == True', violation: no test plan}\n", ""
    )
    rule, pack = _rule(tmp_path, body, "C-2")
    result = evaluate_rule(rule, make_evidence(tickets=CHANGES), _ctx(pack), load_catalogue(), "all")
    assert offending_ids(result) == ["backout-only", "both"]


def test_nested_errors_are_reported_with_their_path(tmp_path):
    body = COMBINED.format(n=3, kind="all").replace("assert: 'test_plan == True'", "asert: 'test_plan == True'")
    pack = write_pack(tmp_path, body)
    result = CliRunner().invoke(cli, ["rules", "validate", str(pack)])
    assert result.exit_code == 3
    assert "check.checks.1" in result.stderr and "did you mean 'assert'" in result.stderr


KIND_RULE = """  - id: K-001
    title: One rule per kind for the four outcomes
    clauses: ["8.6.1"]
    requirements: ["8.6.1-a-record-classify"]
    evidence: {evidence}
    select: {select}
    check: {check}
    rationale: a rationale long enough
    remediation: a remediation long enough
"""
INC = {"record_type": "incident", "priority": 2, "ci_id": "web-01", "opened_at": "2026-01-02 10:00:00"}
KIND_CASES = {
    "completeness": (
        "tickets",
        "'record_type == \"incident\"'",
        "{kind: completeness, fields: [priority]}",
        {"tickets": [dict(INC, id="ok"), dict(INC, id="bad", priority=None)]},
        ["bad"],
        {"tickets": [{"id": "x", "record_type": "incident"}]},
    ),
    "condition": (
        "tickets",
        "'record_type == \"incident\"'",
        "{kind: condition, assert: 'priority <= 3', violation: low}",
        {"tickets": [dict(INC, id="ok"), dict(INC, id="bad", priority=4)]},
        ["bad"],
        {"tickets": [{"id": "x", "record_type": "incident"}]},
    ),
    "reference": (
        "tickets",
        "'record_type == \"incident\"'",
        "{kind: reference, columns: [ci_id], target: {table: cis, columns: [id, name]}}",
        {
            "tickets": [dict(INC, id="ok"), dict(INC, id="bad", ci_id="ghost")],
            "cis": [{"id": "web-01", "name": "web-01"}],
        },
        ["bad"],
        {"tickets": [dict(INC, id="x")]},
    ),
    "all": (
        "tickets",
        "'record_type == \"incident\"'",
        "{kind: all, checks: [{kind: completeness, fields: [ci_id]}, "
        "{kind: condition, assert: 'priority <= 3', violation: low}]}",
        {"tickets": [dict(INC, id="ok"), dict(INC, id="bad", priority=4)]},
        ["bad"],
        {"tickets": [{"id": "x", "record_type": "incident", "ci_id": "a"}]},
    ),
}


@pytest.mark.parametrize("kind", sorted(KIND_CASES))
def test_each_kind_passes_fails_lacks_evidence_and_is_not_applicable(tmp_path, kind):
    evidence_table, select, check, failing, expected, lacking = KIND_CASES[kind]
    rule, pack = _rule(tmp_path, KIND_RULE.format(evidence=evidence_table, select=select, check=check), "K-001")
    ctx, catalogue = _ctx(pack), load_catalogue()
    passing = {name: [row for row in rows if row["id"] not in expected] for name, rows in failing.items()}
    outcomes = {
        "pass": evaluate_rule(rule, make_evidence(**passing), ctx, catalogue, "all"),
        "fail": evaluate_rule(rule, make_evidence(**failing), ctx, catalogue, "all"),
        "evidence_insufficient": evaluate_rule(rule, make_evidence(**lacking), ctx, catalogue, "all"),
        "not_applicable": evaluate_rule(
            rule,
            make_evidence(**{**failing, "tickets": [dict(INC, id="c", record_type="change")]}),
            ctx,
            catalogue,
            "all",
        ),
    }
    assert {status: result.status for status, result in outcomes.items()} == {s: s for s in outcomes}
    assert (
        offending_ids(outcomes["fail"]) == expected and outcomes["fail"].grade == "minor"
    )  # 1 of 2: above the default 5%
    assert offending_ids(outcomes["pass"]) == []
    assert outcomes["evidence_insufficient"].reason
    assert "matching" in outcomes["not_applicable"].reason


def test_the_operator_table_is_what_expressions_accept():
    from sms_audit.expressions import compile_expression
    from sms_audit.operators import OPERATORS

    samples = {"comparison": "a {op} 1", "membership": "a {op} (1, 2)", "logic": None, "arithmetic": "a {op} 1 > 0"}
    for op in OPERATORS:
        if samples[op.group]:
            compile_expression(samples[op.group].format(op=op.symbol))
    compile_expression("a > 1 and not (b < 2 or c == 3)")
    with pytest.raises(Exception, match=r"allowed arithmetic: \+ - \* /"):
        compile_expression("a ** 2")


def test_rules_coverage_lists_every_requirement_key_with_its_rules():
    result = CliRunner().invoke(cli, ["rules", "coverage", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    catalogue = load_catalogue()
    keys = [r.key for c in catalogue.clauses for r in c.requirements]
    assert [row["requirement"] for row in rows] == keys
    assert all(set(row) == {"clause", "requirement", "automated", "manual"} for row in rows)
    by_key = {row["requirement"]: row for row in rows}
    assert by_key["8.5.1.3-d-decide-prioritise"]["automated"] == ["CHG-001", "CON-001"]
    uncovered = [row["requirement"] for row in rows if not row["automated"] and not row["manual"]]
    assert uncovered == [], f"requirement keys with neither an automated rule nor a manual item: {uncovered}"
