"""Hand-written fixtures for the governance rules (GOV-001..GOV-018): capacity, availability, continuity,
security, supplier, budget, competence and communication records, and change and configuration depth.

Each case is a tiny evidence set with good records, records exactly at a limit and bad records; the test
runs the rule of the built-in pack and compares the offending ids.
"""

from __future__ import annotations

import pytest

from tests.rule_fixtures import RULES, assert_rule_finds, make_evidence, offending_ids, run_rule

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
SERVICES = [
    {"id": "SVC-ERP", "name": "ERP Finance", "criticality": "critical"},
    {"id": "SVC-NET", "name": "Corporate Network", "criticality": "Critical "},
    {"id": "SVC-SHOP", "name": "Customer Web Shop", "criticality": "critical"},
    {"id": "SVC-MAIL", "name": "Email", "criticality": "high"},
    {"id": "SVC-HR", "name": "HR Portal", "criticality": "medium"},
]
CI = {
    "ci_class": "Linux Server",
    "status": "installed",
    "operational_status": "operational",
    "owner": "Ava",
    "support_group": "Ops",
    "service": "ERP Finance",
}
CHG = {
    "record_type": "change",
    "status": "closed",
    "change_type": "normal",
    "risk": "moderate",
    "service": "ERP Finance",
    "ci_id": "erp-app-01",
    "assignment_group": "Ops",
    "opened_at": "2026-01-28 09:00:00",
    "approval": "approved",
    "approved_at": "2026-01-30 10:00:00",
    "planned_start": "2026-02-01 20:00:00",
    "planned_end": "2026-02-01 22:00:00",
    "actual_start": "2026-02-01 20:05:00",
    "actual_end": "2026-02-01 21:00:00",
    "backout_plan": True,
    "test_plan": True,
    "outcome": "successful",
}
EMERGENCY = dict(CHG, change_type="emergency")
FAILED = dict(CHG, outcome="unsuccessful")


def doc(doc_id: str, doc_type: str, **fields) -> dict:
    return dict(DOC, id=doc_id, doc_type=doc_type, **fields)


def record(doc_id: str, doc_type: str, day: str, **fields) -> dict:
    return dict(DOC, id=doc_id, doc_type=doc_type, approved_at=day, last_reviewed=None, next_review=None, **fields)


def records(prefix: str, doc_type: str, days: list[str]) -> list[dict]:
    return [record(f"{prefix}-{n}", doc_type, day) for n, day in enumerate(days, start=1)]


def ci(name: str, **fields) -> dict:
    return dict(CI, id=fields.pop("id", name), name=name, **fields)


def failed(change_id: str, ci_id: str, end: str) -> dict:
    return dict(FAILED, id=change_id, ci_id=ci_id, actual_end=end)


def controlled_documents(doc_type: str, other_type: str) -> list[dict]:
    """Every way a document of a type can fail the document check, plus rows the check leaves out."""
    return [
        doc("D-own", doc_type, approver="Mei"),  # approved by its author
        doc("D-draft", doc_type, status="draft"),
        doc("D-due", doc_type, last_reviewed="2025-09-01", next_review="2026-06-29"),  # review date passed
        doc("D-stale", doc_type, approved_at="2025-06-29", last_reviewed="2025-06-29", next_review="2026-06-30"),
        doc("D-old", doc_type, version="1.0", approved_at="2025-03-01"),  # a newer D-old replaced it
        doc("D-old", doc_type, version="2.0", approved_at="2026-01-10", status="under_review"),
        doc("D-gone", doc_type, status="superseded", owner=None),  # history, not judged
        doc("D-other", other_type),  # another type
    ]


# D-old twice: the replaced version still approved, and its successor not approved yet.
DOCUMENT_FAILURES = ["D-draft", "D-due", "D-old", "D-old", "D-own", "D-stale"]

RULE_CASES = {
    "GOV-001": (
        {
            "documents": [
                *records(
                    "AV",
                    "availability_report",
                    ["2025-06-05", "2025-07-10", "2025-08-10", "2025-10-01", "2025-11-01", "2025-12-01"],
                ),
                *records(
                    "AVX",
                    "service_availability_report",
                    ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"],
                ),
                record("AV-draft", "availability_report", "2025-09-05", status="draft"),  # not issued
                record("CAP-1", "capacity_report", "2025-09-05"),  # another kind of report
            ]
        },
        # 06-05..07-10 is exactly 35 days; 08-10..10-01 is 52 days
        ["gap:2025-08-10..2025-10-01"],
    ),
    "GOV-002": (
        {
            "documents": [
                record("CP-1", "capacity_review_report", "2025-06-20"),
                record("CP-2", "capacity_review_minutes", "2025-09-20"),  # exactly 92 days
                record("CP-3", "capacity_report", "2025-12-15"),
                record("CP-4", "capacity_review_report", "2026-04-10"),  # 116 days
                record("CP-5", "capacity_and_performance_report", "2026-06-20"),
                record("CP-6", "capacity_review_report", "2026-02-10", status="under_review"),
            ]
        },
        ["gap:2025-12-15..2026-04-10"],
    ),
    "GOV-003": (
        {
            "documents": [
                *records(
                    "BV",
                    "budget_variance_report",
                    ["2025-04-15", "2025-07-15", "2025-10-15", "2026-01-20", "2026-04-15"],
                ),
                record("BV-draft", "budget_variance_report", "2025-12-01", status="draft"),
            ]
        },
        # 07-15..10-15 is exactly 92 days; 10-15..01-20 is 97 days
        ["gap:2025-10-15..2026-01-20"],
    ),
    "GOV-004": (
        {
            "documents": records(
                "AR",
                "access_review_report",
                # nothing before the period: the first interval starts on 2025-07-01 (91 days)
                ["2025-09-30", "2025-12-31", "2026-04-30", "2026-06-15"],
            )
        },
        # 09-30..12-31 is exactly 92 days; 12-31..04-30 is 120 days
        ["gap:2025-12-31..2026-04-30"],
    ),
    "GOV-005": (
        {"documents": records("SK", "competence_review_report", ["2025-03-10", "2025-09-09", "2026-05-20"])},
        # 03-10..09-09 is exactly 183 days; 09-09..05-20 is 253 days
        ["gap:2025-09-09..2026-05-20"],
    ),
    "GOV-006": (
        {"documents": controlled_documents("availability_plan", "capacity_plan")},
        DOCUMENT_FAILURES,
    ),
    "GOV-007": (
        {"documents": controlled_documents("service_budget", "service_management_plan")},
        DOCUMENT_FAILURES,
    ),
    "GOV-008": (
        {"documents": controlled_documents("communication_plan", "procedure")},
        DOCUMENT_FAILURES,
    ),
    "GOV-009": (
        {"documents": controlled_documents("software_licence_register", "risk_register")},
        DOCUMENT_FAILURES,
    ),
    "GOV-010": (
        {"documents": controlled_documents("statement_of_applicability", "information_security_policy")},
        DOCUMENT_FAILURES,
    ),
    "GOV-011": (
        {
            "services": SERVICES,
            "documents": [
                doc("BCP-ERP", "service_continuity_plan", process_tags="ERP Finance"),
                doc("BCP-SHOP", "disaster_recovery_plan", process_tags="SVC-SHOP"),  # tagged with the id
                doc("BCP-NET", "service_continuity_plan", process_tags="Corporate Network", status="draft"),
                doc("BCP-ALL", "service_continuity_plan", process_tags="Continuity"),  # the general plan
            ],
        },
        # Email (high) and HR (medium) need no plan of their own
        ["SVC-NET"],
    ),
    "GOV-012": (
        {
            "documents": [
                doc("SDP-SHOP", "service_design_package", process_tags="Shop", approved_at="2025-09-01"),
                record("SAR-SHOP", "service_acceptance_report", "2025-11-20", process_tags="Shop"),
                doc("SDP-ERP", "service_design", process_tags="ERP", approved_at="2026-03-15"),
                record("SAR-ERP", "service_acceptance_report", "2026-03-15", process_tags="ERP"),  # same day
                doc("SDP-NET", "service_design_package", process_tags="Network", approved_at="2025-05-01"),
                record("SAR-NET", "service_acceptance_report", "2026-05-01", process_tags="Network"),  # 365 days
                doc("SDP-DESK", "service_design_package", process_tags="Desk", approved_at="2025-04-30"),
                record("SAR-DESK", "service_acceptance_report", "2026-05-01", process_tags="Desk"),  # 366 days
                doc("SDP-HR", "service_design_package", process_tags="HR", approved_at="2026-02-25"),
                record("SAR-HR", "service_acceptance_report", "2026-02-10", process_tags="HR"),  # designed later
                record("SAR-MAIL", "service_acceptance_certificate", "2026-04-01", process_tags="Mail"),  # none
                doc("SDP-VPN", "service_design_package", process_tags="VPN", approved_at="2026-01-05", status="draft"),
                record("SAR-VPN", "transition_acceptance_report", "2026-02-01", process_tags="VPN"),  # draft design
                record("SAR-BI", "service_acceptance_report", "2026-03-01", process_tags="BI", status="draft"),
            ]
        },
        ["SAR-DESK", "SAR-HR", "SAR-MAIL", "SAR-VPN"],
    ),
    "GOV-013": (
        {
            "cis": [
                ci("ERP Finance", ci_class="Business Service"),
                ci("Email", id="SN-0001", ci_class="Business Service", service="Email"),
                ci("HR Portal", ci_class="Business Service", service="HR Portal"),
                ci("Web Shop", ci_class="Business Service", service="Customer Web Shop"),
                ci("Old Intranet", ci_class="Business Service", status="retired"),
                ci("erp-app-01"),
                ci("lonely-01"),
            ],
            "ci_relations": [
                {"id": "r1", "parent_id": "ERP Finance", "child_id": "erp-app-01", "relation_type": "Depends on"},
                {"id": "r2", "parent_id": "SN-0001", "child_id": "erp-app-01", "relation_type": "Depends on"},
                # recorded the wrong way round: the service only appears as a child
                {"id": "r3", "parent_id": "erp-app-01", "child_id": "HR Portal", "relation_type": "Depends on"},
            ],
        },
        ["HR Portal", "Web Shop"],
    ),
    "GOV-014": (
        {
            "cis": [
                ci("old-01", status="retired", operational_status="retired"),
                ci("old-02", status="retired", operational_status="operational"),
                ci("old-03", status="retired", operational_status="retired"),
                ci("old-04", status="retired", operational_status="non_operational"),
                ci("old-05", status="retired", operational_status=None),
                ci("old-06", status="retired", operational_status="retired"),
                ci("live-01"),
            ],
            "tickets": [
                {"id": "INC1", "record_type": "incident", "status": "in_progress", "ci_id": "old-03"},
                dict(CHG, id="CHG1", ci_id="old-04"),  # the closed decommissioning change
                {"id": "PRB1", "record_type": "problem", "status": "root_cause_analysis", "ci_id": "old-06"},
                {"id": "INC2", "record_type": "incident", "status": "cancelled", "ci_id": "old-01"},
                {"id": "INC3", "record_type": "incident", "status": "new", "ci_id": "live-01"},
            ],
        },
        ["old-02", "old-03", "old-06"],
    ),
    "GOV-015": (
        {
            "services": SERVICES,
            "cis": [
                ci("erp-app-01"),
                ci("erp-db-01", support_group=None),
                ci("net-sw-01", service="Corporate Network", support_group=" "),
                ci("shop-web-01", service="SVC-SHOP", support_group=None),  # the service given by its id
                ci("mail-app-01", service="Email", support_group=None),  # not critical
                ci("erp-old-01", status="retired", support_group=None),  # retired
                ci("ws-0001", service=None, support_group=None),
            ],
        },
        ["erp-db-01", "net-sw-01", "shop-web-01"],
    ),
    "GOV-016": (
        {
            "services": SERVICES,
            "tickets": [
                dict(EMERGENCY, id="E-low", risk="low"),
                dict(EMERGENCY, id="E-moderate", risk="moderate"),
                dict(EMERGENCY, id="E-none", risk=None),  # left to the completeness rule
                dict(EMERGENCY, id="E-net-low", risk="low", service="Corporate Network"),
                dict(EMERGENCY, id="E-hr-low", risk="low", service="HR Portal"),  # not critical
                dict(EMERGENCY, id="E-noservice", risk="low", service=None),
                dict(CHG, id="N-low", risk="low"),  # a normal change
            ],
        },
        ["E-low", "E-net-low"],
    ),
    "GOV-017": (
        {
            "tickets": [
                failed("A1", "ci-a", "2025-09-01 10:00:00"),
                failed("A2", "ci-a", "2025-09-21 10:00:00"),
                dict(CHG, id="A-ok", ci_id="ci-a", actual_end="2025-09-10 10:00:00"),  # a successful one
                failed("E1", "ci-e", "2025-10-01 12:00:00"),
                failed("E2", "ci-e", "2025-12-30 12:00:00"),  # exactly 90 days: a repeat
                failed("C1", "ci-c", "2025-10-01 12:00:00"),
                failed("C2", "ci-c", "2025-12-30 12:01:00"),  # 90 days and a minute: not a repeat
                failed("B1", "ci-b", "2026-01-10 12:00:00"),
                failed("B2", "ci-b", "2026-02-09 12:00:00"),
                failed("F1", "ci-f", "2026-03-01 12:00:00"),
                failed("F2", "ci-f", "2026-03-15 12:00:00"),
                failed("D1", "ci-d", "2026-03-01 12:00:00"),
                {"id": "P1", "record_type": "problem", "status": "closed", "opened_at": "2026-02-10 09:00:00"},
                {"id": "P2", "record_type": "problem", "status": "closed", "opened_at": "2026-03-02 09:00:00"},
                {"id": "I1", "record_type": "incident", "status": "closed", "opened_at": "2026-03-16 09:00:00"},
            ],
            "links": [
                {"id": "l1", "from_id": "P1", "to_id": "B1", "link_type": "resolved_by_change"},
                {"id": "l2", "from_id": "P1", "to_id": "B2", "link_type": "resolved_by_change"},
                {"id": "l3", "from_id": "P2", "to_id": "F1", "link_type": "resolved_by_change"},
                {"id": "l4", "from_id": "I1", "to_id": "F2", "link_type": "caused_by_change"},  # not a problem
            ],
        },
        ["A1", "A2", "E1", "E2", "F2"],
    ),
    "GOV-018": (
        {
            "documents": [
                doc("SCT-1", "supplier_contract", last_reviewed="2025-10-01", next_review="2026-10-01"),  # 365 days
                doc("SCT-2", "supplier_contract", last_reviewed="2025-10-01", next_review="2028-10-01"),
                doc("SCT-3", "underpinning_contract", last_reviewed="2025-10-01", next_review="2026-10-02"),
                doc("SCT-4", "supplier_contract", next_review="2029-01-01", status="draft"),
                doc("SCT-5", "external_supplier_contract", next_review=None),
                doc("OLA-1", "operational_level_agreement", last_reviewed="2025-10-01", next_review="2028-10-01"),
            ]
        },
        ["SCT-2", "SCT-3"],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fixture(rule_id):
    assert_rule_finds(rule_id, RULE_CASES)


@pytest.mark.parametrize(
    ("rule_id", "doc_type"),
    [
        ("GOV-006", "availability_requirements"),
        ("GOV-007", "budget"),
        ("GOV-008", "communications_plan"),
        ("GOV-009", "asset_register"),
        ("GOV-010", "security_control_register"),
    ],
)
def test_document_reviewed_exactly_a_year_ago_passes(rule_id, doc_type):
    assert rule_id in RULES, f"{rule_id} is missing from the built-in pack"
    at_limit = doc("D-1", doc_type, approved_at="2025-06-30", last_reviewed="2025-06-30", next_review="2026-06-30")
    result = run_rule(rule_id, make_evidence(documents=[at_limit]))
    assert result.status == "pass", result.explanation
    assert offending_ids(result) == []
