"""Hand-written fixtures for the rules on incidents, major incidents, service requests and SLA targets
(SVO-001..SVO-017).

Each case is a tiny evidence set with good records, records exactly at a limit and bad records; the test runs
the rule of the built-in pack and compares the offending ids.
"""

from __future__ import annotations

import pytest

from tests.rule_fixtures import assert_rule_finds

INC = {
    "record_type": "incident",
    "status": "closed",
    "priority": 3,
    "service": "Email",
    "ci_id": "mail-01",
    "assignment_group": "Messaging",
    "assigned_to": "Ava",
    "opened_at": "2026-03-01 09:00:00",
    "responded_at": "2026-03-01 09:10:00",
    "resolved_at": "2026-03-01 12:00:00",
    "closed_at": "2026-03-02 12:00:00",
    "major_incident": False,
}
MAJOR = dict(
    INC,
    priority=1,
    major_incident=True,
    major_incident_state="accepted",
    promoted_at="2026-03-01 09:20:00",
    management_notified_at="2026-03-01 10:00:00",
    major_review_at="2026-03-05 10:00:00",
)
REQ = {
    "record_type": "service_request",
    "status": "closed",
    "priority": 4,
    "service": "Email",
    "category": "Mailbox increase",
    "assignment_group": "Messaging",
    "assigned_to": "Liam",
    "opened_at": "2026-03-01 09:00:00",
    "closed_at": "2026-03-02 09:00:00",
}
CHG = {
    "record_type": "change",
    "status": "closed",
    "change_type": "normal",
    "service": "Email",
    "ci_id": "mail-01",
    "opened_at": "2026-02-20 09:00:00",
    "actual_start": "2026-02-28 20:00:00",
    "actual_end": "2026-02-28 21:00:00",
    "outcome": "successful",
}
SERVICES = [
    {"id": "SVC-EMAIL", "name": "Email", "status": "live"},
    {"id": "SVC-ERP", "name": "ERP Finance", "status": " Live "},
    {"id": "SVC-FAX", "name": "Fax Gateway", "status": "retired"},
    {"id": "SVC-VIDEO", "name": "Video Conferencing", "status": "pipeline"},
]


def tickets(*rows: dict) -> list[dict]:
    return [dict(row, id=row.get("id", f"T{i}")) for i, row in enumerate(rows)]


def targets(*rows: tuple) -> list[dict]:
    """(service, priority, response, resolution, calendar) -> sla_targets rows."""
    return [
        {
            "id": f"{s}/P{p}",
            "service": s,
            "priority": p,
            "response_minutes": resp,
            "resolution_minutes": res,
            "calendar": cal,
        }
        for s, p, resp, res, cal in rows
    ]


def full(service: str) -> list[tuple]:
    return [(service, p, 15 * p, 240 * p, "always") for p in (1, 2, 3, 4)]


def link(source: str, target: str, kind: str) -> dict:
    return {"from_id": source, "to_id": target, "link_type": kind}


RULE_CASES = {
    "SVO-001": (
        {
            "tickets": tickets(
                dict(MAJOR, id="good"),
                dict(MAJOR, id="edge", major_review_at="2026-03-11 12:00:00"),  # exactly ten days
                dict(MAJOR, id="late", major_review_at="2026-03-11 12:01:00"),
                dict(MAJOR, id="none", major_review_at=None),
                dict(MAJOR, id="before", major_review_at="2026-03-01 11:00:00"),  # before service was back
                dict(
                    MAJOR,
                    id="recent",
                    opened_at="2026-06-25 08:00:00",
                    resolved_at="2026-06-25 10:00:00",
                    major_review_at=None,
                ),
                dict(INC, id="not-major", major_review_at=None),
            )
        },
        ["before", "late", "none"],
    ),
    "SVO-002": (
        {
            "tickets": tickets(
                dict(MAJOR, id="good"),
                dict(MAJOR, id="edge", management_notified_at="2026-03-01 11:20:00"),  # exactly two hours
                dict(MAJOR, id="late", management_notified_at="2026-03-01 11:21:00"),
                dict(MAJOR, id="none", management_notified_at=None),
                dict(MAJOR, id="unpromoted", promoted_at=None, management_notified_at="2026-03-01 11:00:00"),
                dict(MAJOR, id="unpromoted-late", promoted_at=None, management_notified_at="2026-03-01 11:01:00"),
                dict(INC, id="not-major"),
            )
        },
        ["late", "none", "unpromoted-late"],
    ),
    "SVO-003": (
        {
            "tickets": tickets(
                dict(MAJOR, id="critical"),
                dict(MAJOR, id="high", priority=2),
                dict(MAJOR, id="moderate", priority=3),
                dict(MAJOR, id="none", priority=None),
                dict(INC, id="not-major", priority=4),
            )
        },
        ["moderate", "none"],
    ),
    "SVO-004": (
        {
            "tickets": tickets(
                dict(MAJOR, id="major"),
                dict(INC, id="rejected", priority=1, major_incident_state="rejected"),
                dict(INC, id="canceled", priority=1, major_incident_state="canceled"),
                dict(INC, id="proposed", priority=1, major_incident_state="proposed"),
                dict(INC, id="undecided", priority=1, major_incident_state=None),
                dict(INC, id="high", priority=2, major_incident_state=None),
            )
        },
        ["proposed", "undecided"],
    ),
    "SVO-005": (
        {
            "tickets": tickets(
                dict(MAJOR, id="good"),
                dict(MAJOR, id="at-opening", promoted_at="2026-03-01 09:00:00"),
                dict(MAJOR, id="proposed", major_incident_state="proposed", promoted_at=None),
                dict(MAJOR, id="no-time", promoted_at=None),
                dict(MAJOR, id="before-opening", promoted_at="2026-03-01 08:59:00"),
                dict(MAJOR, id="no-state", major_incident_state=None),
                dict(INC, id="not-major", major_incident_state=None),
            )
        },
        ["before-opening", "no-state", "no-time", "proposed"],
    ),
    "SVO-006": (
        {
            "tickets": tickets(
                dict(INC, id="good"),
                dict(INC, id="resolved-good", status="resolved"),
                dict(INC, id="closed-none", ci_id=None),
                dict(INC, id="resolved-blank", status="resolved", ci_id="  "),
                dict(INC, id="open-none", status="in_progress", resolved_at=None, closed_at=None, ci_id=None),
            )
        },
        ["closed-none", "resolved-blank"],
    ),
    "SVO-007": (
        {
            "tickets": tickets(
                dict(CHG, id="clean"),
                dict(CHG, id="caused"),
                dict(CHG, id="with-issues", outcome="successful_issues"),
                dict(CHG, id="fixing"),
                dict(CHG, id="by-problem"),
                dict(INC, id="inc-1", opened_at="2026-03-01 02:00:00"),
                dict(INC, id="inc-2", opened_at="2026-03-01 03:00:00"),
                dict(INC, id="inc-3", opened_at="2026-03-01 04:00:00"),
                {"id": "prb-1", "record_type": "problem", "status": "new", "opened_at": "2026-03-02 09:00:00"},
            ),
            "links": [
                link("inc-1", "caused", "caused_by_change"),
                link("inc-2", "with-issues", "caused_by_change"),
                link("inc-3", "fixing", "resolved_by_change"),
                link("prb-1", "by-problem", "caused_by_change"),
            ],
        },
        ["caused"],
    ),
    "SVO-008": (
        {
            "tickets": tickets(
                # Email: three high-priority incidents within exactly thirty days, one linked to a problem.
                dict(INC, id="email-1", priority=2, opened_at="2026-01-01 10:00:00"),
                dict(INC, id="email-2", priority=1, opened_at="2026-01-11 10:00:00"),
                dict(INC, id="email-3", priority=2, opened_at="2026-01-31 10:00:00"),
                # ERP: spread over thirty days and a minute: no run.
                dict(INC, id="erp-1", service="ERP Finance", priority=2, opened_at="2026-02-01 10:00:00"),
                dict(INC, id="erp-2", service="ERP Finance", priority=2, opened_at="2026-02-15 10:00:00"),
                dict(INC, id="erp-3", service="ERP Finance", priority=2, opened_at="2026-03-03 10:01:00"),
                # Shop: three moderate incidents in five days: not judged.
                dict(INC, id="shop-1", service="Shop", priority=3, opened_at="2026-04-01 10:00:00"),
                dict(INC, id="shop-2", service="Shop", priority=3, opened_at="2026-04-03 10:00:00"),
                dict(INC, id="shop-3", service="Shop", priority=3, opened_at="2026-04-05 10:00:00"),
                {"id": "PRB1", "record_type": "problem", "status": "new", "opened_at": "2026-01-12 09:00:00"},
            ),
            "links": [link("email-2", "PRB1", "related_problem")],
        },
        ["email-1", "email-3"],
    ),
    "SVO-009": (
        {
            "tickets": tickets(
                dict(MAJOR, id="named"),
                dict(MAJOR, id="group-only", assigned_to=None),
                dict(INC, id="not-major", assigned_to=None),
            )
        },
        ["group-only"],
    ),
    "SVO-010": (
        {
            "tickets": tickets(
                dict(INC, id="live"),
                dict(INC, id="by-id", service="SVC-ERP"),
                dict(INC, id="live-padded-status", service="ERP Finance"),
                dict(INC, id="retired", service="Fax Gateway"),
                dict(INC, id="pipeline", service="Video Conferencing"),
                dict(INC, id="unknown", service="Intranet"),
                dict(INC, id="no-service", service=None),
            ),
            "services": SERVICES,
        },
        ["pipeline", "retired", "unknown"],
    ),
    "SVO-011": (
        {
            "tickets": tickets(
                dict(REQ, id="known"),
                dict(REQ, id="by-id", service="SVC-ERP"),
                dict(REQ, id="retired", service="Fax Gateway"),
                dict(REQ, id="unknown", service="Print Services"),
                dict(REQ, id="no-service", service=None),
                dict(INC, id="incident", service="Print Services"),
            ),
            "services": SERVICES,
        },
        ["unknown"],
    ),
    "SVO-012": (
        {
            "tickets": tickets(
                dict(REQ, id="named"),
                dict(REQ, id="nobody", assigned_to=None),
                dict(REQ, id="blank", assigned_to=" "),
                dict(REQ, id="open", status="in_progress", closed_at=None, assigned_to=None),
                dict(INC, id="incident", assigned_to=None),
            )
        },
        ["blank", "nobody"],
    ),
    "SVO-013": (
        {
            "services": [
                {"id": "SVC-EMAIL", "name": "Email", "status": "live"},
                {"id": "SVC-ERP", "name": "ERP Finance", "status": " Live "},
                {"id": "SVC-BACKUP", "name": "Backup", "status": "live"},
                {"id": "SVC-MON", "name": "Monitoring", "status": "live"},
                {"id": "SVC-FAX", "name": "Fax Gateway", "status": "retired"},
            ],
            "sla_targets": targets(
                *full("SVC-EMAIL"),
                *full("SVC-ERP"),
                *[t for t in full("SVC-BACKUP") if t[1] != 3],
                ("SVC-FAX", 1, 60, 480, "always"),
            ),
        },
        ["SVC-BACKUP", "SVC-MON"],
    ),
    "SVO-014": (
        {
            "sla_targets": targets(
                ("SVC-EMAIL", 1, 15, 240, "always"),
                ("SVC-EMAIL", 2, 0, 480, "always"),  # zero is a value
                ("SVC-EMAIL", 3, None, 1440, "always"),
                ("SVC-EMAIL", 4, 480, None, "always"),
            )
        },
        ["SVC-EMAIL/P3", "SVC-EMAIL/P4"],
    ),
    "SVO-015": (
        {
            "sla_targets": targets(
                ("SVC-EMAIL", 1, 15, 240, "always"),
                ("SVC-EMAIL", 2, 479, 480, "always"),
                ("SVC-EMAIL", 3, 1440, 1440, "always"),
                ("SVC-EMAIL", 4, 120, 60, "always"),
                ("SVC-ERP", 1, None, 240, "always"),
            )
        },
        ["SVC-EMAIL/P3", "SVC-EMAIL/P4"],
    ),
    "SVO-016": (
        {
            "sla_targets": targets(
                ("SVC-EMAIL", 1, 15, 240, "always"),
                ("SVC-EMAIL", 2, 30, 480, "service-desk"),
                ("SVC-EMAIL", 3, 120, 1440, "extended-hours"),
                ("SVC-EMAIL", 4, 480, 4320, None),
            ),
            "calendars": [
                {"id": "always/mon/1", "calendar": "always", "weekday": 0, "start": "00:00", "end": "24:00"},
                {
                    "id": "service-desk/mon/1",
                    "calendar": "service-desk",
                    "weekday": 0,
                    "start": "08:00",
                    "end": "18:00",
                },
            ],
        },
        ["SVC-EMAIL/P3", "SVC-EMAIL/P4"],
    ),
    "SVO-017": (
        {
            "tickets": tickets(
                dict(INC, id="good"),
                dict(INC, id="same-second", responded_at="2026-03-01 12:00:00"),
                dict(INC, id="after", responded_at="2026-03-01 12:00:01"),
                dict(INC, id="no-response", responded_at=None),
                dict(INC, id="open", status="in_progress", resolved_at=None, closed_at=None),
            )
        },
        ["after"],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fixture(rule_id):
    assert_rule_finds(rule_id, RULE_CASES)
