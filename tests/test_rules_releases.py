"""Hand-written fixtures for the release and deployment rules (REL-001..REL-016).

Each case is a tiny evidence set with good records, records exactly at a limit and bad records; the test
runs the rule of the built-in pack and compares the offending ids.
"""

from __future__ import annotations

import pytest

from tests.rule_fixtures import assert_rule_finds

REL = {
    "record_type": "release",
    "status": "closed",
    "change_type": "minor",
    "priority": 3,
    "service": "Email",
    "ci_id": "mail-01",
    "assignment_group": "Messaging",
    "assigned_to": "Mei",
    "opened_at": "2026-01-20 09:00:00",
    "approval": "approved",
    "approved_at": "2026-01-31 12:00:00",
    "approved_by": "Omar",
    "planned_start": "2026-02-01 20:00:00",
    "planned_end": "2026-02-01 23:00:00",
    "actual_start": "2026-02-01 20:10:00",
    "actual_end": "2026-02-01 21:00:00",
    "outcome": "successful",
    "backout_plan": True,
    "test_plan": True,
    "closed_at": "2026-02-03 09:00:00",
}
PLANNED = dict(
    REL,
    status="testing",
    approval="requested",
    approved_at=None,
    approved_by=None,
    actual_start=None,
    actual_end=None,
    outcome=None,
    test_plan=False,
    closed_at=None,
)
CHG = {
    "record_type": "change",
    "status": "closed",
    "change_type": "normal",
    "ci_id": "mail-01",
    "opened_at": "2026-01-25 09:00:00",
    "approval": "approved",
    "approved_at": "2026-01-30 10:00:00",
    "actual_start": "2026-02-01 20:10:00",
    "actual_end": "2026-02-01 21:00:00",
    "outcome": "successful",
}
INC = {
    "record_type": "incident",
    "status": "closed",
    "priority": 3,
    "service": "Email",
    "ci_id": "mail-01",
    "opened_at": "2026-02-01 22:00:00",
    "resolved_at": "2026-02-02 02:00:00",
}
KE = {
    "record_type": "problem",
    "status": "fix_in_progress",
    "known_error": True,
    "ci_id": "mail-01",
    "opened_at": "2026-01-05 09:00:00",
    "root_cause": "Memory leak in the mail gateway",
    "workaround": "Restart the gateway nightly",
}
RESOLVED_KE = dict(KE, status="resolved", resolved_at="2026-02-10 12:00:00", closed_at="2026-02-12 12:00:00")
CI = {"ci_class": "Linux Server", "status": "installed", "owner": "Ava", "service": "Email"}


def tickets(*rows: dict) -> list[dict]:
    return [dict(row, id=row.get("id", f"T{i}")) for i, row in enumerate(rows)]


def link(source: str, target: str, link_type: str = "release_contains_change") -> dict:
    return {"id": f"{source}>{link_type}>{target}", "from_id": source, "to_id": target, "link_type": link_type}


def fixes(release: str, problem: str) -> dict:
    return link(release, problem, "fixes_known_error")


RULE_CASES = {
    "REL-001": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(REL, id="at-start", approved_at="2026-02-01 20:10:00"),
                dict(PLANNED, id="not-deployed"),
                dict(REL, id="late", approved_at="2026-02-01 20:11:00"),
                dict(REL, id="requested", approval="requested", approved_at=None),
                dict(REL, id="rejected", approval="rejected", approved_at=None),
            )
        },
        ["late", "rejected", "requested"],
    ),
    "REL-002": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(REL, id="rejected-by-self", approval="rejected", approved_by="Mei"),
                dict(REL, id="self", approved_by="Mei"),
                dict(REL, id="nobody", approved_by=None),
                dict(REL, id="no-assignee", assigned_to=None),
            )
        },
        ["no-assignee", "nobody", "self"],
    ),
    "REL-003": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(PLANNED, id="testing-linked"),
                dict(PLANNED, id="draft", status="draft"),
                dict(REL, id="cancelled", status="cancelled"),
                dict(PLANNED, id="testing-bare"),
                dict(REL, id="deployed-bare"),
                dict(REL, id="linked-to-incident"),
                dict(CHG, id="CHG1"),
                dict(INC, id="INC1"),
            ),
            "links": [
                link("good", "CHG1"),
                link("CHG1", "testing-linked"),  # the change side names the release: either direction counts
                link("linked-to-incident", "INC1"),
            ],
        },
        ["deployed-bare", "linked-to-incident", "testing-bare"],
    ),
    "REL-004": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(REL, id="at-approval", actual_start="2026-01-30 10:00:00"),
                dict(REL, id="two-changes"),
                dict(PLANNED, id="not-deployed"),
                dict(REL, id="early", actual_start="2026-01-30 09:59:00"),
                dict(REL, id="unapproved-change"),
                dict(REL, id="bare"),
                dict(CHG, id="CHG1"),
                dict(CHG, id="CHG2", approved_at="2026-02-05 10:00:00"),
                dict(CHG, id="CHG3", approval="requested", approved_at=None),
            ),
            "links": [
                link("good", "CHG1"),
                link("at-approval", "CHG1"),
                link("two-changes", "CHG2"),
                link("two-changes", "CHG1"),
                link("not-deployed", "CHG3"),
                link("early", "CHG1"),
                link("unapproved-change", "CHG3"),
            ],
        },
        ["bare", "early", "unapproved-change"],
    ),
    "REL-005": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(REL, id="edges", actual_start="2026-02-01 20:00:00", actual_end="2026-02-01 23:00:00"),
                dict(REL, id="no-window", planned_start=None, planned_end=None),
                dict(REL, id="early", actual_start="2026-02-01 19:59:00"),
                dict(REL, id="overrun", actual_end="2026-02-01 23:01:00"),
                dict(REL, id="day-late", actual_start="2026-02-02 20:10:00", actual_end="2026-02-02 21:00:00"),
            )
        },
        ["day-late", "early", "overrun"],
    ),
    "REL-006": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(PLANNED, id="testing"),
                dict(PLANNED, id="draft", status="draft", planned_start=None, planned_end=None),
                dict(REL, id="closed-no-window", planned_start=None, planned_end=None),
                dict(PLANNED, id="testing-no-end", planned_end=None),
                dict(PLANNED, id="backwards", planned_end="2026-02-01 19:00:00"),
                dict(PLANNED, id="zero", planned_end="2026-02-01 20:00:00"),
                dict(REL, id="deployed-odd-state", status="draft", planned_start=None),
            )
        },
        ["backwards", "closed-no-window", "deployed-odd-state", "testing-no-end", "zero"],
    ),
    "REL-007": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(REL, id="upgrade", change_type="upgrade"),
                dict(REL, id="emergency", change_type="emergency"),
                dict(REL, id="hotfix", change_type="hotfix"),
                dict(REL, id="none", change_type=None),
                dict(CHG, id="CHG1", change_type="whatever"),
            )
        },
        ["hotfix", "none"],
    ),
    "REL-008": (
        {
            "tickets": tickets(
                dict(REL, id="good", change_type="emergency"),
                dict(REL, id="both", change_type="emergency"),
                dict(REL, id="normal-release"),
                dict(REL, id="normal-change", change_type="emergency"),
                dict(REL, id="standard-change", change_type="emergency"),
                dict(REL, id="bare", change_type="emergency"),
                dict(CHG, id="ECHG", change_type="emergency"),
                dict(CHG, id="NCHG"),
                dict(CHG, id="SCHG", change_type="standard"),
            ),
            "links": [
                link("good", "ECHG"),
                link("both", "NCHG"),
                link("both", "ECHG"),
                link("normal-release", "NCHG"),
                link("normal-change", "NCHG"),
                link("standard-change", "SCHG"),
            ],
        },
        ["bare", "normal-change", "standard-change"],
    ),
    "REL-009": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(REL, id="by-id", ci_id="CI-7"),
                dict(REL, id="unknown", ci_id="mail-legacy-01"),
                dict(REL, id="none", ci_id=None),
                dict(INC, id="INC1", ci_id="nowhere"),
            ),
            "cis": [dict(CI, id="mail-01", name="mail-01"), dict(CI, id="CI-7", name="shop-app-01")],
        },
        ["none", "unknown"],
    ),
    "REL-010": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(PLANNED, id="draft", status="draft", backout_plan=False),
                dict(REL, id="cancelled", status="cancelled", backout_plan=None),
                dict(PLANNED, id="testing", backout_plan=False),
                dict(REL, id="deployed", backout_plan=None),
                dict(REL, id="failed", status="closed_incomplete", outcome="rolled_back", backout_plan=False),
            )
        },
        ["deployed", "failed", "testing"],
    ),
    "REL-011": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(PLANNED, id="testing"),
                dict(REL, id="emergency", change_type="emergency", test_plan=False),
                dict(REL, id="none", test_plan=None),
                dict(CHG, id="CHG1", test_plan=False),
            )
        },
        ["emergency", "none"],
    ),
    "REL-012": (
        {
            "tickets": tickets(
                dict(REL, id="good", ci_id="good-01"),
                dict(REL, id="edge", ci_id="edge-01"),
                dict(REL, id="before", ci_id="before-01"),
                dict(REL, id="issues", outcome="successful_issues"),
                dict(REL, id="other-ci", ci_id="other-01"),
                dict(REL, id="at-start", ci_id="start-01"),
                dict(REL, id="hit", ci_id="hit-01"),
                dict(REL, id="day", ci_id="day-01"),
                dict(INC, id="INC-OTHER", ci_id="elsewhere-01"),
                dict(INC, id="INC-EDGE", ci_id="edge-01", opened_at="2026-02-02 20:11:00"),
                dict(INC, id="INC-BEFORE", ci_id="before-01", opened_at="2026-02-01 20:09:00"),
                dict(INC, id="INC-ISSUES", opened_at="2026-02-01 22:00:00"),
                dict(CHG, id="CHG-OTHER", ci_id="other-01", opened_at="2026-02-01 22:00:00"),
                dict(INC, id="INC-START", ci_id="start-01", opened_at="2026-02-01 20:10:00"),
                dict(INC, id="INC-HIT", ci_id="hit-01", opened_at="2026-02-01 23:30:00"),
                dict(INC, id="INC-DAY", ci_id="day-01", opened_at="2026-02-02 20:10:00"),
            ),
        },
        ["at-start", "day", "hit"],
    ),
    "REL-013": (
        {
            "tickets": tickets(
                dict(REL, id="good-fail", status="closed_incomplete", outcome="unsuccessful"),
                dict(REL, id="mixed", status="closed_incomplete", outcome="rolled_back"),
                dict(REL, id="ok-release"),
                dict(REL, id="rolled-back", status="closed_incomplete", outcome="rolled_back"),
                dict(REL, id="failed", status="closed_incomplete", outcome="unsuccessful"),
                dict(REL, id="bare", status="closed_incomplete", outcome="unsuccessful"),
                dict(CHG, id="FAILED", outcome="unsuccessful"),
                dict(CHG, id="OK"),
                dict(CHG, id="ISSUES", outcome="successful_issues"),
            ),
            "links": [
                link("good-fail", "FAILED"),
                link("mixed", "OK"),
                link("mixed", "FAILED"),
                link("ok-release", "OK"),
                link("rolled-back", "OK"),
                link("failed", "ISSUES"),
            ],
        },
        ["bare", "failed", "rolled-back"],
    ),
    "REL-014": (
        {
            "tickets": tickets(
                dict(REL, id="R-OLD", actual_end="2026-05-01 21:00:00"),
                dict(REL, id="R-EDGE", actual_end="2026-06-16 00:00:00"),
                dict(REL, id="R-NEAR", actual_end="2026-06-15 23:59:00"),
                dict(REL, id="R-FAILED", status="closed_incomplete", outcome="rolled_back"),
                dict(PLANNED, id="R-TESTING"),
                dict(KE, id="no-release"),
                dict(KE, id="edge"),
                dict(KE, id="failed-fix"),
                dict(KE, id="testing-fix"),
                dict(RESOLVED_KE, id="resolved"),
                dict(KE, id="not-known-error", known_error=False),
                dict(KE, id="open"),
                dict(KE, id="just-over"),
            ),
            "links": [
                fixes("R-EDGE", "edge"),
                fixes("R-FAILED", "failed-fix"),
                fixes("R-TESTING", "testing-fix"),
                fixes("R-OLD", "resolved"),
                fixes("R-OLD", "not-known-error"),
                fixes("R-OLD", "open"),
                link("just-over", "R-NEAR", "fixes_known_error"),  # stored on the problem side
            ],
        },
        ["just-over", "open"],
    ),
    "REL-015": (
        {
            "tickets": tickets(
                dict(REL, id="R-DONE", actual_end="2026-02-08 21:00:00"),
                dict(REL, id="R-EDGE", actual_end="2026-02-10 12:00:00"),
                dict(REL, id="R-LATE", actual_end="2026-02-10 12:01:00"),
                dict(REL, id="R-FAILED", status="closed_incomplete", outcome="rolled_back"),
                dict(PLANNED, id="R-TESTING"),
                dict(RESOLVED_KE, id="good"),
                dict(RESOLVED_KE, id="edge"),
                dict(RESOLVED_KE, id="no-release"),
                dict(RESOLVED_KE, id="two-releases"),
                dict(KE, id="open"),
                dict(RESOLVED_KE, id="late"),
                dict(RESOLVED_KE, id="testing"),
                dict(RESOLVED_KE, id="failed"),
                dict(RESOLVED_KE, id="no-date", resolved_at=None),
            ),
            "links": [
                fixes("R-DONE", "good"),
                fixes("R-EDGE", "edge"),
                fixes("R-TESTING", "two-releases"),
                fixes("R-DONE", "two-releases"),
                fixes("R-TESTING", "open"),
                fixes("R-LATE", "late"),
                fixes("R-TESTING", "testing"),
                fixes("R-FAILED", "failed"),
                fixes("R-DONE", "no-date"),
            ],
        },
        ["failed", "late", "no-date", "testing"],
    ),
    "REL-016": (
        {
            "tickets": tickets(
                dict(REL, id="good"),
                dict(REL, id="issues", outcome="successful_issues"),
                dict(REL, id="rolled-back", status="closed_incomplete", outcome="rolled_back"),
                dict(REL, id="skipped", status="cancelled", outcome=None),
                dict(REL, id="never-deployed", actual_start=None, actual_end=None, outcome=None),
                dict(REL, id="blank", outcome=None),
                dict(REL, id="free-text", status="closed_incomplete", outcome="done"),
            )
        },
        ["blank", "free-text"],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fixture(rule_id):
    assert_rule_finds(rule_id, RULE_CASES)
