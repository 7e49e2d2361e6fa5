"""Hand-written fixtures for the rules on SMS documents and review records (DOC-009..DOC-018).

Each case is a tiny register with a conforming entry and an offending one, run through the built-in pack.
"""

from __future__ import annotations

import pytest

from tests.rule_fixtures import RULES, make_evidence, offending_ids, run_rule

DOC = {
    "title": "Document",
    "owner": "Ava",
    "author": "Mei",
    "approver": "Liam",
    "version": "2.0",
    "status": "approved",
    "approved_at": "2026-01-10",
    "last_reviewed": "2026-01-10",
    "next_review": "2027-01-10",
}


def doc(doc_id: str, doc_type: str, **fields) -> dict:
    return dict(DOC, id=doc_id, doc_type=doc_type, **fields)


def record(doc_id: str, doc_type: str, day: str, **fields) -> dict:
    return dict(DOC, id=doc_id, doc_type=doc_type, approved_at=day, last_reviewed=None, next_review=None, **fields)


RULE_CASES = {
    "DOC-009": (
        {
            "documents": [
                doc("SCO-1", "sms_scope_statement"),
                doc("SCO-2", "sms_scope_statement", status="under_review"),
                doc("SCO-0", "sms_scope_statement", status="superseded", owner=None),
            ]
        },
        ["SCO-2"],
    ),
    "DOC-010": (
        {
            "documents": [
                doc("OBJ-1", "service_management_objectives"),
                doc("OBJ-2", "service_management_objectives", next_review="2026-05-01"),
            ]
        },
        ["OBJ-2"],
    ),
    "DOC-011": (
        {
            "documents": [
                doc("SLA-1", "service_level_agreement"),
                doc("SLA-2", "service_level_agreement", approver="Mei"),
                # reviewed exactly 365 days before the audit date, review due that day: not offending
                doc("SLA-3", "service_level_agreement", last_reviewed="2025-06-30", next_review="2026-06-30"),
            ]
        },
        ["SLA-2"],
    ),
    "DOC-012": (
        {"documents": [doc("SCT-1", "supplier_contract"), doc("SCT-2", "supplier_contract", owner=None)]},
        ["SCT-2"],
    ),
    "DOC-013": (
        {
            "documents": [
                doc("OLA-1", "operational_level_agreement"),
                doc("OLA-2", "operational_level_agreement", status="draft"),
            ]
        },
        ["OLA-2"],
    ),
    "DOC-014": (
        {
            "documents": [
                doc("CAP-1", "capacity_plan", version="3.0"),
                doc("CAP-1", "capacity_plan", version="2.0", approved_at="2025-06-01"),
                doc("CAP-2", "capacity_plan", version="1.0", status="superseded", approved_at="2024-01-01"),
            ]
        },
        ["CAP-1"],
    ),
    "DOC-015": (
        {
            "documents": [
                doc(
                    "ISR-1",
                    "information_security_risk_assessment",
                    last_reviewed="2025-03-01",
                    next_review="2026-03-01",
                ),
                doc("ISR-2", "service_management_policy", last_reviewed="2024-01-01"),
            ]
        },
        ["ISR-1"],
    ),
    "DOC-016": (
        {
            "documents": [
                record("SPR-1", "supplier_performance_review_report", "2025-05-20"),
                record("SPR-2", "supplier_performance_review_report", "2025-08-20"),  # exactly 92 days
                record("SPR-3", "supplier_performance_review_report", "2025-11-10"),
                record("SPR-4", "supplier_performance_review_report", "2026-03-02"),  # 112 days
                record("SPR-5", "supplier_performance_review_report", "2026-05-25"),
                record("SPR-6", "supplier_performance_review_report", "2026-01-05", status="draft"),
            ]
        },
        ["gap:2025-11-10..2026-03-02"],
    ),
    "DOC-017": (
        {
            "documents": [
                record("CFA-1", "configuration_audit_report", "2025-03-13"),
                record("CFA-2", "configuration_audit_report", "2025-09-12"),  # exactly 183 days
                record("CFA-3", "configuration_audit_report", "2026-05-04"),  # 234 days
            ]
        },
        ["gap:2025-09-12..2026-05-04"],
    ),
    "DOC-018": (
        {
            "documents": [
                doc("PRO-1", "procedure"),
                doc("PRO-2", "procedure", author=None),
                doc("PRO-3", "procedure", version=None),
                doc("PRO-4", "procedure", owner=None, status="draft"),
                record("MR-1", "management_review_minutes", "2026-02-01", owner=None),
            ]
        },
        ["MR-1", "PRO-2", "PRO-3"],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fixture(rule_id):
    assert rule_id in RULES, f"{rule_id} is missing from the built-in pack"
    tables, expected = RULE_CASES[rule_id]
    result = run_rule(rule_id, make_evidence(**tables))
    assert result.status in ("pass", "fail"), result.explanation
    assert offending_ids(result) == sorted(expected)
