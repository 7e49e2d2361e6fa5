"""Waivers: loading and validation, waiving failing results, expired waivers as findings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from reports import REPORT_SCHEMA
from rules import SCHEMAS_DIR
from sms_audit import load_config, scan
from sms_audit.engine import clause_verdicts
from sms_audit.errors import ConfigError
from sms_audit.waivers import EXPIRED_RULE, Waiver, apply_waivers, clause_covers, load_waivers

AS_OF = dt.date(2026, 6, 30)
JUSTIFICATION = "Emergency fixes during the ERP migration were approved retrospectively by the CAB."


def write(tmp_path: Path, text: str, name: str = "waivers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def waiver(wid: str = "W-001", *, rule: str | None = None, clause: str | None = None, **kw) -> Waiver:
    kw.setdefault("expires", dt.date(2026, 9, 30))
    return Waiver(
        id=wid,
        justification=JUSTIFICATION,
        approver="Head of Service Management",
        rule=rule,
        clause=clause,
        file="waivers.yaml",
        line=2,
        **kw,
    )


def by_rule(results) -> dict:
    return {r.rule.id: r for r in results}


@pytest.fixture(scope="module")
def erp_scan(demo_dir: Path):
    config = dataclasses.replace(load_config(demo_dir / "sms-audit.yaml"), services=("ERP Finance",))
    return scan(config)


# ------------------------------------------------------------------------------------------------ loading


def test_load_waivers_reads_the_documented_example(tmp_path):
    path = write(
        tmp_path,
        f"""
        waivers:
          - id: W-001
            rule: CHG-001
            scope: {{services: [ERP Finance]}}
            justification: {JUSTIFICATION}
            approver: Head of Service Management
            approved_at: 2026-01-15
            expires: 2026-09-30
          - id: W-002
            clause: "8.5"
            justification: Change management is being replaced by the new tool this quarter.
            approver: "CIO"
            expires: "2026-07-31"
        """,
    )
    first, second = load_waivers(path, display="config/waivers.yaml")
    assert first == Waiver(
        id="W-001",
        justification=JUSTIFICATION,
        approver="Head of Service Management",
        expires=dt.date(2026, 9, 30),
        rule="CHG-001",
        services=("ERP Finance",),
        approved_at=dt.date(2026, 1, 15),
        file="config/waivers.yaml",
        line=2,
    )
    assert (second.clause, second.rule, second.services, second.expires) == ("8.5", None, None, dt.date(2026, 7, 31))
    assert second.line == 9


def test_the_waivers_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(json.loads((SCHEMAS_DIR / "waivers.schema.json").read_text()))


def _error(tmp_path: Path, body: str) -> str:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as exc:
        load_waivers(path)
    return str(exc.value)


def test_missing_justification_names_file_line_waiver_and_fix(tmp_path):
    message = _error(
        tmp_path,
        """
        waivers:
          - id: W-001
            rule: CHG-001
            approver: CAB chair
            expires: 2026-09-30
        """,
    )
    assert f"{tmp_path / 'waivers.yaml'}:2: waiver W-001" in message
    assert "missing key 'justification'" in message and "why the exception is acceptable" in message


def test_misspelt_key_gets_a_did_you_mean(tmp_path):
    message = _error(
        tmp_path,
        f"""
        waivers:
          - id: W-001
            rule: CHG-001
            approver: CAB chair
            expires: 2026-09-30
          - id: W-002
            rule: CHG-002
            justifcation: {JUSTIFICATION}
            approver: CAB chair
            expires: 2026-09-30
        """,
    )
    assert ":6: waiver W-002" in message
    assert "unknown key(s) 'justifcation'; did you mean 'justification'?" in message
    assert "found 'justifcation': misspelt?" in message
    assert ":2: waiver W-001" in message  # every problem is reported at once


def test_rule_and_clause_together_are_refused(tmp_path):
    message = _error(
        tmp_path,
        f"""
        waivers:
          - id: W-007
            rule: CHG-001
            clause: "8.5.1.3"
            justification: {JUSTIFICATION}
            approver: CAB chair
            expires: 2026-09-30
        """,
    )
    assert ":2: waiver W-007" in message and "names both 'rule' and 'clause'" in message


def test_neither_rule_nor_clause_is_refused(tmp_path):
    message = _error(
        tmp_path,
        f"""
        waivers:
          - id: W-008
            justification: {JUSTIFICATION}
            approver: CAB chair
            expires: 2026-09-30
        """,
    )
    assert ":2: waiver W-008" in message and "exactly one of 'rule'" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-9-30", "'2026-9-30' is not a date; write YYYY-MM-DD"),
        ('"30/09/2026"', "'30/09/2026' is not a date; write YYYY-MM-DD"),
        ('"2026-02-30"', "'2026-02-30' is not a calendar date"),
        ("2026-02-30", "'2026-02-30' is not a calendar date"),  # unquoted: PyYAML itself refuses it
    ],
)
def test_bad_dates_are_refused_with_their_line(tmp_path, value, expected):
    message = _error(
        tmp_path,
        f"""
        waivers:
          - id: W-001
            rule: CHG-001
            justification: {JUSTIFICATION}
            approver: CAB chair
            expires: {value}
        """,
    )
    assert f"{tmp_path / 'waivers.yaml'}:" in message and expected in message
    assert ":2: waiver W-001" in message or ":6:" in message


def test_python_tags_are_refused(tmp_path):
    message = _error(
        tmp_path,
        """
        waivers:
          - id: W-001
            rule: !!python/object/apply:os.system ["echo owned"]
            justification: x
            approver: CAB chair
            expires: 2026-09-30
        """,
    )
    assert f"{tmp_path / 'waivers.yaml'}:3" in message and "not allowed" in message


def test_other_mistakes_are_explained(tmp_path):
    message = _error(
        tmp_path,
        f"""
        waivers:
          - id: W-001
            clause: 8.5
            justification: too short
            approver: CAB chair
            expires: 2026-09-30
          - id: W-002
            rule: CHG-001
            scope: {{records: [CHG0030012]}}
            justification: {JUSTIFICATION}
            approver: CAB chair
            approved_at: 2026-01-15
            expires: 2026-09-30
        """,
    )
    assert "waiver W-001: clause: 8.5 is not a clause number; write it quoted" in message
    assert "waiver W-001: justification: 'too short' is too short" in message
    assert ":9: waiver W-002: scope: unknown key(s) 'records'" in message


def test_duplicate_ids_and_inverted_dates_are_refused(tmp_path):
    message = _error(
        tmp_path,
        f"""
        waivers:
          - id: W-001
            rule: CHG-001
            justification: {JUSTIFICATION}
            approver: CAB chair
            expires: 2026-09-30
          - id: W-001
            rule: CHG-002
            justification: {JUSTIFICATION}
            approver: CAB chair
            expires: 2026-09-30
          - id: W-003
            rule: CHG-003
            justification: {JUSTIFICATION}
            approver: CAB chair
            approved_at: 2026-10-01
            expires: 2026-09-30
        """,
    )
    assert ":7: waiver W-001: duplicate id (first defined at line 2)" in message
    assert ":12: waiver W-003: approved_at 2026-10-01 is after expires 2026-09-30" in message


def test_not_a_mapping_and_missing_file(tmp_path):
    assert "a waivers file is a mapping" in _error(tmp_path, "- id: W-001\n")
    with pytest.raises(ConfigError, match="file not found"):
        load_waivers(tmp_path / "absent.yaml")


# ------------------------------------------------------------------------------------------------ applying


def test_rule_waiver_turns_that_rules_fail_into_waived(demo_scan):
    results = demo_scan.results
    before = by_rule(results)["CHG-001"]
    assert before.status == "fail"
    outcome = apply_waivers(results, [waiver(rule="CHG-001")], AS_OF, ())
    after = by_rule(outcome.results)["CHG-001"]
    assert after.status == "waived"
    assert (after.grade, after.measured, after.records) == (before.grade, before.measured, before.records)
    assert after.fingerprint == before.fingerprint
    data = after.to_dict()
    assert data["status"] == "waived" and data["grade"] == before.grade
    assert data["waiver"] == {
        "id": "W-001",
        "approver": "Head of Service Management",
        "approved_at": None,
        "expires": "2026-09-30",
        "justification": JUSTIFICATION,
        "file": "waivers.yaml",
        "line": 2,
    }
    assert outcome.applied == [{"waiver": "W-001", "rule": "CHG-001"}]
    assert outcome.unused == [] and outcome.expired_findings == []
    # everything else is untouched, in the same order, and the input list is not modified
    assert [r.rule.id for r in outcome.results] == [r.rule.id for r in results]
    assert all(a is b for a, b in zip(outcome.results, results, strict=True) if a.rule.id != "CHG-001")
    assert before.status == "fail"


def test_clause_waiver_on_a_heading_covers_child_clauses(demo_scan):
    outcome = apply_waivers(demo_scan.results, [waiver(clause="8.5")], AS_OF, ())
    waived = sorted(r.rule.id for r in outcome.results if r.status == "waived")
    # Every failing rule on a clause under 8.5 (CHG rules on 8.5.1.2/8.5.1.3, DOC-003 on 8.5.1.1, ...), none else
    expected = sorted(
        r.rule.id
        for r in demo_scan.results
        if r.status == "fail" and any(c == "8.5" or c.startswith("8.5.") for c in r.rule.clauses)
    )
    assert {"CHG-001", "CHG-003", "DOC-003"} <= set(expected)
    assert waived == expected
    assert [a["rule"] for a in outcome.applied] == waived
    assert {r.status for r in outcome.results if r.rule.id not in waived} <= {"pass", "fail", "not_evaluated"}


def test_clause_waiver_makes_the_clause_verdict_waived(demo_scan):
    pack = demo_scan.packs[0]
    # Only automated results: open manual items would (rightly) leave the clause not_evaluated.
    automated = [r for r in demo_scan.results if r.rule.check.automated]
    before = {c["id"]: c["verdict"] for c in clause_verdicts(pack.catalogue, automated)}
    outcome = apply_waivers(automated, [waiver(clause="8.5.1.3")], AS_OF, ())
    after = {c["id"]: c["verdict"] for c in clause_verdicts(pack.catalogue, outcome.results)}
    assert before["8.5.1.3"].startswith("nonconforming")
    assert after["8.5.1.3"] == "waived"
    assert after["8.5.1.2"] == before["8.5.1.2"]  # CHG-003 is not covered by 8.5.1.3


def test_clause_matching_is_on_whole_components():
    assert clause_covers("8.5", "8.5.1.3") and clause_covers("8.5.1.3", "8.5.1.3")
    assert not clause_covers("8.1", "8.10") and not clause_covers("8.5.1.3", "8.5")


def test_scope_mismatch_does_not_waive(demo_scan, erp_scan):
    scoped = waiver(rule="CHG-002", services=("ERP Finance",))
    # the demo scan covers all services: an ERP-only waiver cannot excuse them all
    outcome = apply_waivers(demo_scan.results, [scoped], AS_OF, ())
    assert by_rule(outcome.results)["CHG-002"].status == "fail"
    assert outcome.applied == [] and outcome.unused == ["W-001"]
    # a scan scoped to ERP Finance is covered
    outcome = apply_waivers(erp_scan.results, [scoped], AS_OF, ("ERP Finance",))
    assert by_rule(outcome.results)["CHG-002"].status == "waived"
    # a scan of ERP Finance and another service is not
    outcome = apply_waivers(erp_scan.results, [scoped], AS_OF, ("Corporate Network", "ERP Finance"))
    assert by_rule(outcome.results)["CHG-002"].status == "fail"


def test_expired_waiver_does_not_waive_and_becomes_a_finding(demo_scan):
    expired = waiver("W-009", rule="CHG-001", expires=dt.date(2026, 3, 31))
    outcome = apply_waivers(demo_scan.results, [expired], AS_OF, ())
    assert by_rule(outcome.results)["CHG-001"].status == "fail"
    assert outcome.applied == [] and outcome.unused == []
    (finding,) = outcome.expired_findings
    assert finding["id"] == "F-" + hashlib.sha256(b"waiver|W-009").hexdigest()[:16]
    assert finding["rule"] == EXPIRED_RULE
    assert finding["clauses"] == ["8.5.1.3"]  # the waived rule's clauses
    assert (finding["grade"], finding["measure"], finding["measured"], finding["threshold"]) == (
        "minor",
        "count",
        91,
        0,
    )
    assert (finding["population"], finding["records_total"]) == (1, 1)
    assert finding["records"] == [
        {"id": "W-009", "file": "waivers.yaml", "line": 2, "reason": "expired 2026-03-31, 91 days before as_of"}
    ]
    assert "CHG-001" in finding["explanation"] and "91 days" in finding["explanation"]
    assert finding["remediation"] and "exception" in finding["requirement"]
    # same keys as a rule finding, and valid against the published report schema
    assert list(finding) == list(demo_scan.results[0].finding_dict())
    schema = json.loads(REPORT_SCHEMA.read_text())
    finding_schema = {**schema["properties"]["findings"]["items"], "$defs": schema["$defs"]}
    jsonschema.Draft202012Validator(finding_schema).validate(finding)


def test_expiry_day_is_still_in_force_and_clause_waivers_expire_on_their_clause(demo_scan):
    on_the_day = waiver("W-001", rule="CHG-001", expires=AS_OF)
    lapsed = waiver("W-002", clause="8.6", expires=AS_OF - dt.timedelta(days=1))
    unknown = waiver("W-003", rule="XYZ-999", expires=dt.date(2026, 1, 1))
    outcome = apply_waivers(demo_scan.results, [unknown, lapsed, on_the_day], AS_OF, ())
    assert by_rule(outcome.results)["CHG-001"].status == "waived"
    assert by_rule(outcome.results)["INC-001"].status == "fail"
    by_waiver = {f["records"][0]["id"]: f for f in outcome.expired_findings}
    assert list(by_waiver) == ["W-002", "W-003"]
    assert by_waiver["W-002"]["clauses"] == ["8.6"] and by_waiver["W-002"]["measured"] == 1
    assert by_waiver["W-002"]["records"][0]["reason"] == "expired 2026-06-29, 1 day before as_of"
    assert by_waiver["W-003"]["clauses"] == ["10.1"] and "XYZ-999 is not among" in by_waiver["W-003"]["explanation"]


def test_unused_waivers_are_reported(demo_scan):
    waivers = [
        waiver("W-003", rule="DOC-002"),  # passes: nothing to waive
        waiver("W-001", rule="CHG-001"),
        waiver("W-002", clause="9.9"),  # matches no rule
        waiver("W-004", clause="8.5.1.3"),  # CHG-001 goes to the rule waiver, CHG-002/004 to this one
    ]
    outcome = apply_waivers(demo_scan.results, waivers, AS_OF, ())
    assert outcome.unused == ["W-002", "W-003"]
    on_clause = sorted(r.rule.id for r in demo_scan.results if r.status == "fail" and "8.5.1.3" in r.rule.clauses)
    assert "CHG-002" in on_clause and "CHG-004" in on_clause
    expected = [{"waiver": "W-001", "rule": "CHG-001"}]
    expected += [{"waiver": "W-004", "rule": rule_id} for rule_id in on_clause if rule_id != "CHG-001"]
    assert outcome.applied == expected
    assert outcome.to_dict() == {"applied": outcome.applied, "expired": [], "unused": ["W-002", "W-003"]}


def test_applying_is_deterministic_whatever_the_waiver_order(demo_scan):
    waivers = [
        waiver("W-002", clause="8.5"),
        waiver("W-001", clause="8.5.1"),
        waiver("W-005", rule="INC-001", expires=dt.date(2026, 1, 31)),
        waiver("W-004", rule="PRB-001", expires=dt.date(2025, 12, 31)),
    ]
    first = apply_waivers(demo_scan.results, waivers, AS_OF, ())
    second = apply_waivers(demo_scan.results, list(reversed(waivers)), AS_OF, ())
    assert [r.to_dict() for r in first.results] == [r.to_dict() for r in second.results]
    assert (first.applied, first.unused, first.expired_findings) == (
        second.applied,
        second.unused,
        second.expired_findings,
    )
    # the deeper clause wins: rules on 8.5.1.x go to W-001, the heading waiver takes only the rest of 8.5
    by_rule = {a["rule"]: a["waiver"] for a in first.applied}
    clauses = {r.rule.id: r.rule.clauses for r in demo_scan.results}
    assert by_rule and first.unused == []
    for rule_id, waiver_id in by_rule.items():
        under_851 = any(c.startswith("8.5.1") for c in clauses[rule_id])
        assert waiver_id == ("W-001" if under_851 else "W-002"), rule_id
    assert [f["records"][0]["id"] for f in first.expired_findings] == ["W-004", "W-005"]
