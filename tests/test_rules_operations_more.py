"""Hand-written fixtures for the operations rules OPS-001..OPS-010 (incident and request closure,
priority against impact and urgency, CI references, security incidents, resolved known errors)."""

from __future__ import annotations

import pytest

from tests.rule_fixtures import RULES, make_evidence, offending_ids, run_rule

INC = {
    "record_type": "incident",
    "status": "closed",
    "priority": 3,
    "impact": 2,
    "urgency": 2,
    "category": "software",
    "service": "Email",
    "ci_id": "mail-01",
    "assignment_group": "Messaging",
    "opened_at": "2026-01-05 09:00:00",
    "resolved_at": "2026-01-05 11:00:00",
    "closed_at": "2026-01-06 11:00:00",
    "close_code": "solution_provided",
}
REQ = {
    "record_type": "service_request",
    "status": "closed",
    "priority": 4,
    "category": "New laptop",
    "service": "Workplace Devices",
    "assignment_group": "End User Computing",
    "opened_at": "2026-02-02 10:00:00",
    "closed_at": "2026-02-04 16:00:00",
}
PRB = {
    "record_type": "problem",
    "status": "closed",
    "opened_at": "2026-03-01 08:00:00",
    "ci_id": "mail-01",
    "root_cause": "certificate chain not renewed",
    "known_error": True,
    "workaround": "fail over to the secondary gateway",
}
CHG = {"record_type": "change", "status": "scheduled", "change_type": "normal", "ci_id": "mail-01"}
CIS = [
    {"id": "mail-01", "name": "mail-01", "ci_class": "Linux Server", "status": "installed"},
    {"id": "sys-0042", "name": "mail-db", "ci_class": "Database", "status": "installed"},
]
SEC = dict(INC, category="security", priority=2, impact=1, urgency=2)


def tickets(*rows: dict) -> list[dict]:
    return [dict(row, id=row.get("id", f"T{i}")) for i, row in enumerate(rows)]


def link(source: str, target: str, kind: str) -> dict:
    return {"id": f"{source}>{kind}>{target}", "from_id": source, "to_id": target, "link_type": kind}


def security_series(service: str, prefix: str, days: list[str], **fields) -> list[dict]:
    return [
        dict(SEC, id=f"{prefix}-{n}", service=service, opened_at=f"2026-{day}", **fields)
        for n, day in enumerate(days, start=1)
    ]


RULE_CASES = {
    "OPS-001": (
        {
            "tickets": tickets(
                dict(INC, id="good"),
                dict(INC, id="bad", close_code=None),
                dict(INC, id="open", status="in_progress", resolved_at=None, closed_at=None, close_code=None),
            )
        },
        ["bad"],
    ),
    "OPS-002": (
        {
            "tickets": tickets(
                dict(INC, id="good"),
                dict(INC, id="edge", closed_at="2026-01-05 11:00:00"),
                dict(INC, id="early", closed_at="2026-01-05 10:59:59"),
                dict(INC, id="no-close", closed_at=None),
                dict(INC, id="resolved", status="resolved", closed_at=None),
                dict(INC, id="no-resolution", resolved_at=None),
            )
        },
        ["early", "no-close"],
    ),
    "OPS-003": (
        {
            "tickets": tickets(
                dict(INC, id="good"),
                dict(INC, id="one-lower", impact=1, urgency=2),  # matrix 2, priority 3: allowed
                dict(INC, id="one-higher", impact=3, urgency=2),  # matrix 4, priority 3: allowed
                dict(INC, id="played-down", priority=4, impact=1, urgency=2),  # matrix 2
                dict(INC, id="inflated", priority=1, impact=2, urgency=3),  # matrix 4
                dict(INC, id="p1", priority=1, impact=1, urgency=1),
                dict(INC, id="no-impact", priority=1, impact=None, urgency=3),
            )
        },
        ["inflated", "played-down"],
    ),
    "OPS-004": (
        {
            "tickets": tickets(
                dict(REQ, id="good"),
                dict(REQ, id="no-item", category=None),
                dict(REQ, id="no-service", service=" "),
                dict(INC, id="incident", category=None),
            )
        },
        ["no-item", "no-service"],
    ),
    "OPS-005": (
        {
            "tickets": tickets(
                dict(REQ, id="good"),
                dict(REQ, id="edge", closed_at="2026-02-02 10:00:00"),
                dict(REQ, id="no-close", closed_at=None),
                dict(REQ, id="before-opening", closed_at="2026-02-02 09:59:00"),
                dict(REQ, id="open", status="in_progress", closed_at=None),
            )
        },
        ["before-opening", "no-close"],
    ),
    "OPS-006": (
        {
            "tickets": tickets(
                dict(PRB, id="good"),
                dict(PRB, id="by-name", ci_id="mail-db"),
                dict(PRB, id="ghost", ci_id="old-storage-01"),
                dict(PRB, id="none", ci_id=None),
                dict(CHG, id="change", ci_id="old-storage-01"),
            ),
            "cis": CIS,
        },
        ["ghost"],
    ),
    "OPS-008": (
        {
            "tickets": tickets(
                dict(SEC, id="p1", priority=1, impact=1, urgency=1),
                dict(SEC, id="p2"),
                dict(SEC, id="p3", priority=3, impact=2),
                dict(SEC, id="spelt", category=" Security ", priority=4, impact=3, urgency=3),
                dict(SEC, id="no-priority", priority=None),
                dict(INC, id="software", priority=4, impact=3, urgency=3),
            )
        },
        ["no-priority", "p3", "spelt"],
    ),
    "OPS-009": (
        {
            "tickets": tickets(
                # three within nineteen days, unlinked: every one offends
                *security_series("Web Shop", "shop", ["02-01 09:00:00", "02-09 09:00:00", "02-20 09:00:00"]),
                # three within thirty days, all linked to a problem
                *security_series("ERP", "erp", ["03-01 09:00:00", "03-05 09:00:00", "03-30 09:00:00"]),
                # thirty days and one minute from first to last: no series
                *security_series("HR", "hr", ["04-01 09:00:00", "04-12 09:00:00", "05-01 09:01:00"]),
                # ordinary incidents on the web shop do not count towards a security series
                *[dict(INC, id=f"sw-{n}", service="Web Shop", opened_at=f"2026-06-0{n} 09:00:00") for n in range(1, 4)],
                dict(PRB, id="PRB-1"),
            ),
            "links": [link(f"erp-{n}", "PRB-1", "related_problem") for n in (1, 2, 3)]
            + [link("shop-1", "PRB-1", "caused_by_change")],
        },
        ["shop-1", "shop-2", "shop-3"],
    ),
    "OPS-010": (
        {
            "tickets": tickets(
                dict(PRB, id="good"),
                dict(PRB, id="change-only", workaround=None),
                dict(PRB, id="workaround-only"),
                dict(PRB, id="no-cause", root_cause=None),
                dict(PRB, id="neither", workaround=None),
                dict(PRB, id="fixing", status="fix_in_progress", root_cause=None, workaround=None),
                dict(PRB, id="not-known", known_error=False, status="resolved", workaround=None),
                dict(CHG, id="CHG-1", status="closed"),
            ),
            "links": [
                link("good", "CHG-1", "resolved_by_change"),
                link("change-only", "CHG-1", "resolved_by_change"),
                link("no-cause", "CHG-1", "resolved_by_change"),
                link("neither", "CHG-1", "caused_by_change"),  # a link, but not one that fixes it
            ],
        },
        ["neither", "no-cause"],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_operations_rule_on_hand_written_fixture(rule_id):
    assert rule_id in RULES, f"{rule_id} is missing from the built-in pack"
    tables, expected = RULE_CASES[rule_id]
    result = run_rule(rule_id, make_evidence(**tables))
    assert result.status in ("pass", "fail"), result.explanation
    assert offending_ids(result) == expected
    assert all(record["reason"] for record in result.records)
    assert all(record["file"].endswith(".csv") and record["line"] >= 2 for record in result.records)
