"""Hand-written fixtures for the rules on changes, the CMDB and the service catalogue (CHG-005..010, CFG-001..003).

Each case is a tiny evidence set with good records, records exactly at a limit and bad records; the test
runs the rule of the built-in pack and compares the offending ids.
"""

from __future__ import annotations

import pytest

from tests.rule_fixtures import assert_rule_finds

CHG = {
    "record_type": "change",
    "status": "closed",
    "change_type": "normal",
    "risk": "high",
    "service": "Email",
    "ci_id": "mail-01",
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
EMERGENCY = dict(CHG, change_type="emergency", opened_at="2026-03-10 12:00:00")
INC = {
    "record_type": "incident",
    "status": "closed",
    "priority": 2,
    "service": "Email",
    "ci_id": "mail-01",
    "opened_at": "2026-03-10 08:00:00",
    "resolved_at": "2026-03-10 14:00:00",
}
CI = {
    "name": "mail-01",
    "ci_class": "Linux Server",
    "status": "installed",
    "operational_status": "operational",
    "owner": "Ava",
    "service": "Email",
}
SERVICES = [{"id": "SVC-EMAIL", "name": "Email"}, {"id": "SVC-ERP", "name": "ERP Finance"}]


def tickets(*rows: dict) -> list[dict]:
    return [dict(row, id=row.get("id", f"T{i}")) for i, row in enumerate(rows)]


def cis(*rows: dict) -> list[dict]:
    return [dict(CI, **row, id=row.get("id", row.get("name", f"C{i}"))) for i, row in enumerate(rows)]


RULE_CASES = {
    "CHG-005": (
        {
            "tickets": tickets(
                dict(CHG, id="good"),
                dict(CHG, id="bad", test_plan=False),
                dict(EMERGENCY, id="bad-emergency", test_plan=None),
                dict(CHG, id="standard", change_type="standard", test_plan=False),
            )
        },
        ["bad", "bad-emergency"],
    ),
    "CHG-006": (
        {
            "tickets": tickets(
                dict(CHG, id="good"),
                dict(CHG, id="edge-early", actual_start="2026-02-01 19:00:00"),
                dict(CHG, id="edge-late", actual_start="2026-02-01 22:00:00"),
                dict(CHG, id="early", actual_start="2026-02-01 18:59:00"),
                dict(CHG, id="late", actual_start="2026-02-01 22:01:00"),
                dict(CHG, id="unplanned", planned_start=None, actual_start="2026-03-01 10:00:00"),
                dict(CHG, id="not-started", actual_start=None, actual_end=None),
            )
        },
        ["early", "late"],
    ),
    "CHG-007": (
        {
            "tickets": tickets(
                dict(CHG, id="good"),
                dict(CHG, id="same", actual_end="2026-02-01 20:05:00"),
                dict(CHG, id="bad", actual_end="2026-02-01 19:00:00"),
                dict(CHG, id="running", actual_end=None),
            )
        },
        ["bad", "same"],
    ),
    "CHG-008": (
        {
            "tickets": tickets(
                dict(CHG, id="good"),
                dict(CHG, id="edge", approved_at="2026-02-01 12:05:00"),
                dict(CHG, id="late", approved_at="2026-02-01 12:06:00"),
                dict(CHG, id="after", approved_at="2026-02-01 21:00:00"),
                dict(CHG, id="none", approved_at=None),
                dict(CHG, id="very-high", risk="very_high", approved_at="2026-02-01 19:00:00"),
                dict(CHG, id="low", risk="low", approved_at="2026-02-01 19:00:00"),
                dict(EMERGENCY, id="emergency", approved_at="2026-02-01 19:00:00"),
            )
        },
        ["after", "late", "none", "very-high"],
    ),
    "CHG-009": (
        {
            "tickets": tickets(
                dict(EMERGENCY, id="justified"),
                dict(EMERGENCY, id="edge", ci_id="mail-02"),
                dict(EMERGENCY, id="too-early", ci_id="mail-03"),
                dict(EMERGENCY, id="after", ci_id="mail-04"),
                dict(EMERGENCY, id="other-ci", ci_id="mail-05"),
                dict(EMERGENCY, id="linked", ci_id="mail-06"),
                dict(EMERGENCY, id="bare", ci_id="mail-07"),
                dict(CHG, id="normal", ci_id="mail-08"),
                dict(INC, id="I1"),
                dict(INC, id="I2", ci_id="mail-02", opened_at="2026-03-09 12:00:00"),
                dict(INC, id="I3", ci_id="mail-03", opened_at="2026-03-09 11:59:00"),
                dict(INC, id="I4", ci_id="mail-04", opened_at="2026-03-10 12:01:00"),
                dict(INC, id="I5", ci_id="mail-09"),
                dict(INC, id="I6", ci_id="mail-10", opened_at="2026-03-01 08:00:00"),
            ),
            "links": [{"id": "L1", "from_id": "I6", "to_id": "linked", "link_type": "resolved_by_change"}],
        },
        ["after", "bare", "other-ci", "too-early"],
    ),
    "CHG-010": (
        {
            "tickets": tickets(
                dict(CHG, id="good"),
                dict(CHG, id="ghost", ci_id="legacy-01"),
                dict(CHG, id="none", ci_id=None),
                dict(INC, id="incident", ci_id="legacy-01"),
            ),
            "cis": cis({"name": "mail-01"}),
        },
        ["ghost", "none"],
    ),
    "CFG-001": (
        {
            "cis": cis(
                {"name": "Email", "ci_class": "Business Service"},
                {"name": "Legacy Intranet", "ci_class": "Business Service"},
                {"name": "ERP", "ci_class": "Business Service", "service": "ERP Finance"},
                {"name": "mail-01"},
            ),
            "services": SERVICES,
        },
        ["ERP", "Legacy Intranet"],
    ),
    "CFG-002": (
        {
            "cis": cis(
                {"name": "good"},
                {"name": "maintenance", "status": "in_maintenance", "operational_status": "repair_in_progress"},
                {"name": "blank", "status": None, "operational_status": None},
                {"name": "live", "status": "live"},
                {"name": "up", "operational_status": "up"},
            )
        },
        ["live", "up"],
    ),
    "CFG-003": (
        {
            "cis": cis(
                {"name": "good"},
                {"name": "erp-db", "service": "ERP Finance"},
                {"name": "no-service", "service": None},
                {"name": "intranet-app", "service": "Legacy Intranet"},
            ),
            "services": SERVICES,
        },
        ["intranet-app"],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fixture(rule_id):
    assert_rule_finds(rule_id, RULE_CASES)
