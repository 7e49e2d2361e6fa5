"""Hand-written fixtures for the rules on nonconformities, corrective action, improvement and complaints
(IMP-001..IMP-017).

Each case is a tiny evidence set with good records, records exactly at a limit and bad records; the test
runs the rule of the built-in pack and compares the offending ids. The audit date is 2026-06-30.
"""

from __future__ import annotations

import pytest

from tests.rule_fixtures import assert_rule_finds

NC = {
    "record_type": "nonconformity",
    "severity": "minor",
    "source": "internal_audit",
    "clause_ref": "8.5.1.3",
    "short_description": "Emergency changes not reviewed after implementation",
    "opened_at": "2026-01-12 00:00:00",
    "raised_by": "Ava Brennan",
    "assigned_to": "Liam Okafor",
    "root_cause": "No owner for the post-implementation review step",
    "correction": "Backlog of emergency changes reviewed",
    "corrective_action": "Review step added to the change workflow",
    "due_at": "2026-03-31 00:00:00",
    "status": "closed",
    "closed_at": "2026-03-02 00:00:00",
    "verified_by": "Mei Tanaka",
    "verified_at": "2026-04-20 00:00:00",
    "effective": True,
}
OPEN_NC = dict(NC, status="in_progress", closed_at=None, verified_by=None, verified_at=None, effective=None)
OFI = {
    "record_type": "improvement",
    "source": "management_review",
    "short_description": "Automate the monthly SLA report",
    "opened_at": "2026-02-02 00:00:00",
    "assigned_to": "Priya Raman",
    "approval": "approved",
    "approved_at": "2026-02-20 00:00:00",
    "priority": 3,
    "due_at": "2026-05-29 00:00:00",
    "status": "closed",
    "closed_at": "2026-05-15 00:00:00",
    "evaluation": "Report effort down from two days to two hours",
}
COMPLAINT = {
    "record_type": "complaint",
    "source": "complaint",
    "short_description": "Invoice portal unavailable during month end",
    "opened_at": "2026-03-02 00:00:00",
    "acknowledged_at": "2026-03-03 00:00:00",
    "assigned_to": "Sofia Lindqvist",
    "status": "closed",
    "closed_at": "2026-03-20 00:00:00",
}
LINK = {"id": "L1", "from_id": "x", "to_id": "y", "link_type": "related"}


def tickets(*rows: dict) -> list[dict]:
    columns = set().union(*rows)
    return [{**dict.fromkeys(columns), **row, "id": row.get("id", f"T{i}")} for i, row in enumerate(rows)]


RULE_CASES = {
    "IMP-001": (
        {
            "tickets": tickets(
                dict(NC, id="good"),
                dict(OPEN_NC, id="edge-open", root_cause=None, opened_at="2026-05-31 00:00:00"),
                dict(NC, id="cancelled", status="cancelled", root_cause=None),
                dict(OPEN_NC, id="old-open", root_cause=None, opened_at="2026-05-30 00:00:00"),
                dict(NC, id="closed-no-cause", root_cause=None),
                dict(NC, id="implemented-no-cause", status="implemented", root_cause=" "),
                dict(OFI, id="improvement"),
            )
        },
        ["closed-no-cause", "implemented-no-cause", "old-open"],
    ),
    "IMP-002": (
        {
            "tickets": tickets(
                dict(NC, id="good"),
                dict(OPEN_NC, id="open", correction=None, corrective_action=None),
                dict(NC, id="no-correction", correction=None),
                dict(NC, id="no-action", status="implemented", corrective_action=""),
                dict(NC, id="neither", correction=None, corrective_action=None),
            )
        },
        ["neither", "no-action", "no-correction"],
    ),
    "IMP-003": (
        {
            "tickets": tickets(
                dict(OPEN_NC, id="good", due_at="2026-09-30 00:00:00"),
                dict(OPEN_NC, id="edge", due_at="2026-06-30 00:00:00"),
                dict(NC, id="closed-late", due_at="2026-01-31 00:00:00"),
                dict(OPEN_NC, id="no-due", due_at=None),
                dict(OPEN_NC, id="overdue", due_at="2026-06-29 00:00:00"),
                dict(OPEN_NC, id="on-hold-overdue", status="on_hold", due_at="2026-02-27 00:00:00"),
            )
        },
        ["on-hold-overdue", "overdue"],
    ),
    "IMP-004": (
        {
            "tickets": tickets(
                dict(NC, id="good", severity="major"),
                dict(NC, id="edge", severity="major", opened_at="2026-01-01 00:00:00", closed_at="2026-04-01 00:00:00"),
                dict(NC, id="minor-slow", opened_at="2025-08-01 00:00:00"),
                dict(NC, id="late", severity="major", opened_at="2026-01-01 00:00:00", closed_at="2026-04-02 00:00:00"),
                dict(OPEN_NC, id="open-edge", severity="major", opened_at="2026-04-01 00:00:00"),
                dict(OPEN_NC, id="open-long", severity="major", opened_at="2026-03-31 00:00:00"),
            )
        },
        ["late", "open-long"],
    ),
    "IMP-005": (
        {
            "tickets": tickets(
                dict(NC, id="good"),
                dict(OPEN_NC, id="open"),
                dict(NC, id="not-effective", effective=False),
                dict(NC, id="no-verifier", verified_by=None),
                dict(NC, id="no-date", verified_at=None),
                dict(NC, id="no-result", effective=None),
            )
        },
        ["no-date", "no-result", "no-verifier"],
    ),
    "IMP-006": (
        {
            "tickets": tickets(
                dict(NC, id="good"),
                dict(NC, id="raiser-verifies", verified_by="Ava Brennan"),
                dict(OPEN_NC, id="not-verified"),
                dict(NC, id="own", verified_by="Liam Okafor"),
                dict(NC, id="own-case", verified_by=" liam okafor "),
            )
        },
        ["own", "own-case"],
    ),
    "IMP-007": (
        {
            "tickets": tickets(
                dict(NC, id="good"),
                dict(
                    OPEN_NC, id="reopened", effective=False, verified_by="Mei Tanaka", verified_at="2026-04-20 00:00:00"
                ),
                dict(NC, id="no-result", effective=None),
                dict(NC, id="closed-ineffective", effective=False),
                dict(NC, id="cancelled-ineffective", status="cancelled", effective=False),
            )
        },
        ["cancelled-ineffective", "closed-ineffective"],
    ),
    "IMP-008": (
        {
            "tickets": tickets(
                dict(NC, id="good", clause_ref="8.6.1"),
                dict(NC, id="edge", clause_ref="8.2.6", verified_at="2026-02-01 00:00:00"),
                dict(OPEN_NC, id="repeat-before", clause_ref="8.2.6", opened_at="2026-01-31 00:00:00"),
                dict(
                    NC,
                    id="repeated",
                    clause_ref="8.5.1.3",
                    opened_at="2025-07-15 00:00:00",
                    verified_at="2025-09-01 00:00:00",
                ),
                dict(OPEN_NC, id="repeat", clause_ref="8.5.1.3", opened_at="2026-05-04 00:00:00"),
                dict(NC, id="repeated-same-day", clause_ref="7.5.3", verified_at="2026-03-01 00:00:00"),
                dict(OPEN_NC, id="repeat-same-day", clause_ref="7.5.3", opened_at="2026-03-01 00:00:00"),
                dict(
                    NC,
                    id="not-effective",
                    clause_ref="6.1",
                    effective=False,
                    opened_at="2025-07-15 00:00:00",
                    verified_at="2025-09-01 00:00:00",
                ),
                dict(OPEN_NC, id="repeat-of-ineffective", clause_ref="6.1", opened_at="2026-01-04 00:00:00"),
                dict(
                    NC,
                    id="observation-only",
                    clause_ref="9.2",
                    opened_at="2025-07-15 00:00:00",
                    verified_at="2025-09-01 00:00:00",
                ),
                dict(OPEN_NC, id="obs", record_type="observation", clause_ref="9.2", opened_at="2026-01-04 00:00:00"),
            )
        },
        ["repeated", "repeated-same-day"],
    ),
    "IMP-009": (
        {
            "tickets": tickets(
                dict(NC, id="alone", clause_ref="8.6.1"),
                dict(NC, id="first", clause_ref="8.5.1.3", opened_at="2025-07-10 00:00:00"),
                dict(OPEN_NC, id="second", clause_ref="8.5.1.3", opened_at="2026-02-01 00:00:00"),
                dict(NC, id="linked-a", clause_ref="7.5.3", opened_at="2025-08-01 00:00:00"),
                dict(OPEN_NC, id="linked-b", clause_ref="7.5.3", opened_at="2025-12-01 00:00:00"),
                dict(NC, id="far-a", clause_ref="8.2.6", opened_at="2025-06-10 00:00:00"),
                dict(OPEN_NC, id="far-b", clause_ref="8.2.6", opened_at="2026-06-11 00:00:00"),
                dict(NC, id="edge-a", clause_ref="9.2", opened_at="2025-06-10 00:00:00"),
                dict(OPEN_NC, id="edge-b", clause_ref="9.2", opened_at="2026-06-10 00:00:00"),
                dict(NC, id="to-complaint", clause_ref="8.3.2", opened_at="2025-09-01 00:00:00"),
                dict(OPEN_NC, id="to-complaint-2", clause_ref="8.3.2", opened_at="2025-10-01 00:00:00"),
                dict(COMPLAINT, id="CMP-1"),
                dict(OFI, id="OFI-1"),
            ),
            "links": [
                dict(LINK, id="L1", from_id="linked-b", to_id="linked-a"),
                dict(LINK, id="L2", from_id="to-complaint", to_id="CMP-1"),
                dict(LINK, id="L3", from_id="to-complaint-2", to_id="OFI-1"),
                dict(LINK, id="L4", from_id="first", to_id="second", link_type="caused_by_change"),
            ],
        },
        ["edge-a", "edge-b", "first", "second", "to-complaint"],
    ),
    "IMP-010": (
        {
            "tickets": tickets(
                dict(NC, id="good"),
                dict(NC, id="external", source="external_audit", due_at=None),
                dict(NC, id="incident-review", source="incident_review", clause_ref=None, due_at=None),
                dict(NC, id="no-clause", clause_ref=None),
                dict(NC, id="no-owner", assigned_to=" "),
                dict(OPEN_NC, id="observation", record_type="observation", due_at=None),
            )
        },
        ["external", "no-clause", "no-owner"],
    ),
    "IMP-011": (
        {
            "tickets": tickets(
                dict(OFI, id="good"),
                dict(OFI, id="rejected", approval="rejected", status="rejected"),
                dict(OFI, id="deferred", approval="deferred", status="on_hold"),
                dict(OFI, id="edge", approval="pending", opened_at="2026-04-01 00:00:00", status="open"),
                dict(OFI, id="new", approval=None, opened_at="2026-06-20 00:00:00", status="open"),
                dict(OFI, id="waiting", approval="pending", opened_at="2026-03-31 00:00:00", status="open"),
                dict(OFI, id="never-decided", approval=None, opened_at="2025-09-15 00:00:00"),
                dict(NC, id="nc"),
            )
        },
        ["never-decided", "waiting"],
    ),
    "IMP-012": (
        {
            "tickets": tickets(
                dict(OFI, id="good"),
                dict(OFI, id="rejected", approval="rejected", priority=None, due_at=None),
                dict(OFI, id="no-priority", priority=None),
                dict(OFI, id="no-date", due_at=None),
                dict(OFI, id="no-owner", assigned_to=None),
            )
        },
        ["no-date", "no-owner", "no-priority"],
    ),
    "IMP-013": (
        {
            "tickets": tickets(
                dict(OFI, id="good"),
                dict(OFI, id="implemented", status="implemented", evaluation=None),
                dict(OFI, id="no-benefit", evaluation=None),
                dict(OFI, id="blank-benefit", evaluation="  "),
            )
        },
        ["blank-benefit", "no-benefit"],
    ),
    "IMP-014": (
        {
            "tickets": tickets(
                dict(OFI, id="a", opened_at="2025-07-20 00:00:00"),
                dict(OFI, id="b", opened_at="2025-10-20 00:00:00"),
                dict(OFI, id="c", opened_at="2026-02-10 00:00:00"),
                dict(OFI, id="d", opened_at="2026-04-01 00:00:00", status="rejected", approval="rejected"),
                dict(NC, id="nc", opened_at="2025-12-01 00:00:00"),
                dict(OFI, id="e", opened_at="2026-05-20 00:00:00"),
            )
        },
        ["gap:2025-10-20..2026-02-10"],
    ),
    "IMP-015": (
        {
            "tickets": tickets(
                dict(COMPLAINT, id="good"),
                dict(COMPLAINT, id="edge", acknowledged_at="2026-03-04 00:00:00"),
                dict(COMPLAINT, id="new", acknowledged_at=None, opened_at="2026-06-28 00:00:00", status="open"),
                dict(COMPLAINT, id="late", acknowledged_at="2026-03-04 09:00:00"),
                dict(COMPLAINT, id="never", acknowledged_at=None),
                dict(COMPLAINT, id="waiting", acknowledged_at=None, opened_at="2026-06-27 00:00:00", status="open"),
                dict(NC, id="nc"),
            )
        },
        ["late", "never", "waiting"],
    ),
    "IMP-016": (
        {
            "tickets": tickets(
                dict(COMPLAINT, id="good"),
                dict(COMPLAINT, id="edge", closed_at="2026-04-01 00:00:00"),
                dict(COMPLAINT, id="open-recent", status="open", closed_at=None, opened_at="2026-05-31 00:00:00"),
                dict(COMPLAINT, id="cancelled", status="cancelled", closed_at=None, opened_at="2025-10-01 00:00:00"),
                dict(COMPLAINT, id="late", closed_at="2026-04-02 00:00:00"),
                dict(COMPLAINT, id="open-long", status="in_progress", closed_at=None, opened_at="2026-05-30 00:00:00"),
            )
        },
        ["late", "open-long"],
    ),
    "IMP-017": (
        {
            "tickets": tickets(
                dict(OPEN_NC, id="good", source="management_review"),
                dict(OPEN_NC, id="edge", source="management_review", opened_at="2025-06-30 00:00:00"),
                dict(OPEN_NC, id="audit", opened_at="2025-03-01 00:00:00"),
                dict(NC, id="closed", source="management_review", opened_at="2025-03-01 00:00:00"),
                dict(OPEN_NC, id="old", source="management_review", opened_at="2025-06-29 00:00:00"),
                dict(OFI, id="old-ofi", source="management_review", status="on_hold", opened_at="2025-05-14 00:00:00"),
                dict(
                    OFI,
                    id="done-ofi",
                    source="management_review",
                    status="implemented",
                    opened_at="2025-05-14 00:00:00",
                ),
            )
        },
        ["old", "old-ofi"],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fixture(rule_id):
    assert_rule_finds(rule_id, RULE_CASES)
