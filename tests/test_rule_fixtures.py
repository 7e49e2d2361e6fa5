"""One small hand-written fixture per rule of the built-in pack: a good record and a bad one."""

from __future__ import annotations

import pytest

from tests.rule_fixtures import RULES, make_evidence, offending_ids, run_rule

INC = {
    "record_type": "incident",
    "status": "closed",
    "priority": 3,
    "category": "software",
    "service": "Email",
    "ci_id": "mail-01",
    "assignment_group": "Messaging",
    "opened_at": "2026-01-05 09:00:00",
    "resolved_at": "2026-01-05 11:00:00",
    "reopen_count": 0,
    "reassignment_count": 1,
}
CHG = {
    "record_type": "change",
    "status": "closed",
    "change_type": "normal",
    "risk": "low",
    "planned_start": "2026-02-01 20:00:00",
    "planned_end": "2026-02-01 22:00:00",
    "assignment_group": "Ops",
    "approval": "approved",
    "approved_at": "2026-01-30 10:00:00",
    "actual_start": "2026-02-01 20:05:00",
    "backout_plan": True,
    "outcome": "successful",
}
PRB = {
    "record_type": "problem",
    "status": "root_cause_analysis",
    "opened_at": "2026-03-01 08:00:00",
    "root_cause": "disk firmware",
    "known_error": True,
    "workaround": "fail over",
}
CI = {"name": "mail-01", "ci_class": "Linux Server", "status": "installed", "owner": "Ava"}
DOC = {
    "title": "Policy",
    "doc_type": "service_management_policy",
    "owner": "Ava",
    "approver": "Liam",
    "version": "2.0",
    "status": "approved",
    "approved_at": "2026-01-10",
    "last_reviewed": "2026-01-10",
    "next_review": "2027-01-10",
}
CIS = [dict(CI, id="mail-01"), dict(CI, id="mail-db", name="mail-db")]


def tickets(*rows: dict) -> list[dict]:
    return [dict(row, id=row.get("id", f"T{i}")) for i, row in enumerate(rows)]


CASES = {
    "INC-001": ({"tickets": tickets(dict(INC, id="good"), dict(INC, id="bad", category=None))}, ["bad"]),
    "INC-002": (
        {
            "tickets": tickets(
                dict(INC, id="good"),
                dict(INC, id="bad", resolved_at="2026-01-04 09:00:00"),
                dict(INC, id="open", status="in_progress", resolved_at=None),
            )
        },
        ["bad"],
    ),
    "INC-003": (
        {
            "tickets": tickets(
                dict(INC, id="good"), dict(INC, id="bad", ci_id="ghost"), dict(INC, id="none", ci_id=None)
            ),
            "cis": CIS,
        },
        ["bad"],
    ),
    "INC-004": ({"tickets": tickets(dict(INC, id="good"), dict(INC, id="bad", reopen_count=2))}, ["bad"]),
    "INC-005": (
        {"tickets": tickets(dict(INC, id="edge", reassignment_count=3), dict(INC, id="bad", reassignment_count=4))},
        ["bad"],
    ),
    "CHG-001": (
        {
            "tickets": tickets(
                dict(CHG, id="good"),
                dict(CHG, id="edge", approved_at="2026-02-01 20:05:00"),
                dict(CHG, id="bad", approved_at="2026-02-02 09:00:00"),
                dict(CHG, id="none", approved_at=None),
            )
        },
        ["bad", "none"],
    ),
    "CHG-002": (
        {
            "tickets": tickets(
                dict(CHG, id="good"),
                dict(CHG, id="std", change_type="standard", backout_plan=False),
                dict(CHG, id="bad", backout_plan=False),
            )
        },
        ["bad"],
    ),
    "CHG-003": ({"tickets": tickets(dict(CHG, id="good"), dict(CHG, id="bad", risk=None))}, ["bad"]),
    "CHG-004": (
        {
            "tickets": tickets(
                dict(CHG, id="good"),
                dict(CHG, id="bad", outcome=None),
                dict(CHG, id="open", status="scheduled", outcome=None),
            )
        },
        ["bad"],
    ),
    "PRB-001": (
        {
            "tickets": tickets(
                dict(PRB, id="good"),
                dict(PRB, id="bad", root_cause=None),
                dict(PRB, id="young", root_cause=None, opened_at="2026-06-01 00:00:00"),
                dict(PRB, id="edge", root_cause=None, opened_at="2026-05-31 00:00:00"),
            )
        },
        ["bad"],
    ),
    "PRB-002": (
        {
            "tickets": tickets(
                dict(PRB, id="good"),
                dict(PRB, id="bad", workaround=None),
                dict(PRB, id="not-ke", known_error=False, workaround=None),
            )
        },
        ["bad"],
    ),
    "CI-001": ({"cis": [dict(CI, id="good"), dict(CI, id="bad", owner=None)]}, ["bad"]),
    "CI-002": (
        {
            "cis": CIS,
            "ci_relations": [
                {"id": "r1", "parent_id": "mail-01", "child_id": "mail-db", "relation_type": "Depends on::Used by"},
                {"id": "r2", "parent_id": "mail-01", "child_id": "gone", "relation_type": "Depends on::Used by"},
            ],
        },
        ["r2"],
    ),
    "DOC-001": (
        {
            "documents": [
                dict(DOC, id="good"),
                dict(DOC, id="bad", status="draft"),
                dict(DOC, id="old", status="superseded", owner=None),
            ]
        },
        ["bad"],
    ),
    "DOC-007": (
        {
            "documents": [
                dict(DOC, id="good"),
                dict(DOC, id="edge", last_reviewed="2025-06-30"),
                dict(DOC, id="bad", last_reviewed="2025-06-29"),
                dict(DOC, id="draft", status="draft", last_reviewed="2020-01-01"),
            ]
        },
        ["bad"],
    ),
    "DOC-008": (
        {
            "documents": [
                dict(DOC, id="good"),
                dict(DOC, id="bad", approver=None),
                dict(DOC, id="future", approved_at="2026-07-02"),
            ]
        },
        ["bad", "future"],
    ),
}
for rule_id, doc_type in {
    "DOC-002": "service_management_plan",
    "DOC-003": "change_management_policy",
    "DOC-004": "information_security_policy",
    "DOC-005": "service_continuity_plan",
    "DOC-006": "service_catalogue",
}.items():
    CASES[rule_id] = (
        {
            "documents": [
                dict(DOC, id="good", doc_type=doc_type),
                dict(DOC, id="bad", doc_type=doc_type, owner=None),
                dict(DOC, id="other", doc_type="procedure", owner=None),
            ]
        },
        ["bad"],
    )


def test_every_rule_has_a_fixture():
    from tests.test_check_kinds import PACK_CASES

    fixtures = set(CASES) | set(PACK_CASES) | set(_other_fixtures())
    automated = {rule_id for rule_id, rule in RULES.items() if rule.check.automated}
    assert sorted(automated - fixtures) == [], "automated rules without a hand-written fixture"


FIXTURE_MODULES = (
    "tests.test_timeliness",
    "tests.test_rules_documents_more",
    "tests.test_rules_operations_more",
    "tests.test_rules_changes_more",
    "tests.test_rules_releases",
    "tests.test_rules_improvement",
    "tests.test_rules_service_ops",
    "tests.test_rules_governance",
    "tests.test_rules_integration",
)


def _other_fixtures() -> set[str]:
    """Rules whose hand-written fixtures live beside their check kind's or rule file's tests."""
    import importlib

    found: set[str] = set()
    for name in FIXTURE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        found |= set(module.RULE_CASES)
    return found


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_on_hand_written_fixture(rule_id):
    tables, expected = CASES[rule_id]
    result = run_rule(rule_id, make_evidence(**tables))
    assert result.status in ("pass", "fail"), result.explanation
    assert offending_ids(result) == expected
    assert all(record["reason"] for record in result.records)
    assert all(record["file"].endswith(".csv") and record["line"] >= 2 for record in result.records)


def test_document_rule_without_any_document_of_the_type_is_major():
    result = run_rule("DOC-001", make_evidence(documents=[dict(DOC, id="x", doc_type="procedure")]))
    assert (result.status, result.grade, result.measured, result.population) == ("fail", "major", 0, 0)


def test_missing_table_is_evidence_insufficient_not_a_finding():
    result = run_rule("INC-003", make_evidence(tickets=tickets(dict(INC, id="a", ci_id="ghost"))))
    assert result.status == "evidence_insufficient"
    assert "cis" in result.reason


def test_missing_column_is_evidence_insufficient():
    rows = [{k: v for k, v in INC.items() if k != "ci_id"} | {"id": "a"}]
    result = run_rule("INC-001", make_evidence(tickets=rows))
    assert result.status == "evidence_insufficient"
    assert "ci_id" in result.reason


def test_empty_population_is_not_applicable_with_reason():
    result = run_rule("CHG-002", make_evidence(tickets=tickets(dict(CHG, id="std", change_type="standard"))))
    assert result.status == "not_applicable"
    assert "normal and emergency changes" in result.reason


def test_offending_records_are_listed_even_when_the_result_passes():
    tables, expected = CASES["DOC-002"]
    result = run_rule("DOC-002", make_evidence(**tables))
    assert (result.status, result.measured) == ("pass", 1)
    assert offending_ids(result) == expected


def test_document_rule_without_a_register_is_evidence_insufficient():
    result = run_rule("DOC-001", make_evidence(tickets=tickets(dict(INC, id="a"))))
    assert result.status == "evidence_insufficient" and "documents" in result.reason


def test_document_approved_by_its_author_or_replaced_without_being_superseded():
    documents = [
        dict(DOC, id="P-1", version="1.0", approved_at="2025-09-01", last_reviewed="2025-09-01"),
        dict(DOC, id="P-1", version="2.0", approved_at="2026-02-01"),
        dict(DOC, id="P-2", author="Ava", approver="ava "),
        dict(DOC, id="P-3", version="1.0", status="superseded", approved_at="2024-01-01"),
        dict(DOC, id="P-3", version="2.0"),
    ]
    result = run_rule("DOC-001", make_evidence(documents=documents))
    reasons = {(r["id"], r["line"]): r["reason"] for r in result.records}
    assert sorted(reasons) == [("P-1", 2), ("P-2", 4)]
    assert "older version" in reasons[("P-1", 2)] and "own author" in reasons[("P-2", 4)]
    assert result.measured == 2  # P-1 v2.0 and P-3 v2.0 conform
