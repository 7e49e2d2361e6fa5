"""The cadence, link, recurrence and consistency check kinds on small hand-written evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sms_audit.catalogue import load_catalogue
from sms_audit.checks.link import evaluate_links
from sms_audit.checks.recurrence import series_members
from sms_audit.config import ScanConfig
from sms_audit.engine import evaluate_rule
from sms_audit.errors import RuleError
from sms_audit.rules import _build_rule
from sms_audit.scanner import context_for
from tests.rule_fixtures import PACK, make_evidence, offending_ids, run_rule

CATALOGUE = load_catalogue()
PARAMETERS = {
    **PACK.parameters,
    "test_interval_days": {"default": 180, "description": "planned interval used by the tests"},
    "test_window_days": {"default": 5, "description": "link window used by the tests"},
}
BASE = {
    "id": "T-001",
    "title": "A rule under test",
    "clauses": ["8.6.3"],
    "requirements": ["8.6.3-a-identify-problems"],
    "rationale": "Written for the check-kind tests.",
    "remediation": "Nothing to remediate in a test.",
}


def make_rule(evidence: str, check: dict, **extra):
    errors: list[str] = []
    rule = _build_rule(
        {**BASE, "evidence": evidence, "check": check, **extra}, Path("t.yaml"), CATALOGUE, PARAMETERS, errors
    )
    if rule is None:
        raise RuleError("\n".join(errors))
    return rule


def run(rule, evidence, **params):
    config = ScanConfig("Test org", dt.date(2025, 7, 1), dt.date(2026, 6, 30), dt.date(2026, 6, 30), Path("."), ())
    defaults = {name: spec["default"] for name, spec in PARAMETERS.items()}
    return evaluate_rule(rule, evidence, context_for(config, {**defaults, **params}), CATALOGUE, "all")


def reasons(result) -> dict[str, str]:
    return {record["id"]: record["reason"] for record in result.records}


# --------------------------------------------------------------------------- cadence

MR = {"doc_type": "management_review_minutes", "status": "approved", "title": "Management review"}
CADENCE = {
    "kind": "cadence",
    "doc_types": ["management_review_minutes"],
    "date_column": "approved_at",
    "interval_days": "test_interval_days",
}


def cadence_rule(**check):
    return make_rule("documents", {**CADENCE, **check}, population="intervals between management reviews")


def test_cadence_passes_when_every_interval_is_within_the_plan():
    docs = [
        dict(MR, id="MR-0", approved_at="2025-05-01"),  # before the period: opens the first interval
        dict(MR, id="MR-1", approved_at="2025-10-28"),  # exactly 180 days later: on time
        dict(MR, id="MR-2", approved_at="2026-04-20"),
    ]
    result = run(cadence_rule(), make_evidence(documents=docs))
    assert (result.status, result.population, result.measured) == ("pass", 3, 0)
    assert result.records == []


def test_cadence_reports_gaps_with_their_dates_and_neighbours():
    docs = [
        dict(MR, id="MR-1", approved_at="2025-06-01"),
        dict(MR, id="MR-2", approved_at="2025-11-28"),  # 180 days after MR-1: within
        dict(MR, id="MR-3", approved_at="2026-06-01"),  # 185 days after MR-2: a gap
        dict(MR, id="DRAFT", approved_at=None),  # no date: cannot evidence a review
        dict(MR, id="FUTURE", approved_at="2026-07-15"),  # after as_of: ignored
        dict(MR, id="OTHER", doc_type="internal_audit_report", approved_at="2025-09-01"),
    ]
    result = run(cadence_rule(), make_evidence(documents=docs))
    assert (result.status, result.grade, result.measured, result.population) == ("fail", "minor", 1, 3)
    assert offending_ids(result) == ["gap:2025-11-28..2026-06-01"]
    record = result.records[0]
    assert (record["file"], record["line"]) == ("documents.csv", 4)  # the later record, MR-3
    assert record["reason"] == (
        "185 days without a record from MR-2 (2025-11-28) to MR-3 (2026-06-01); planned interval 180 days"
    )


def test_cadence_gaps_at_both_edges_are_graded_by_count():
    docs = [
        dict(MR, id="MR-1", approved_at="2026-01-10"),  # 193 days after the period start
        dict(MR, id="MR-2", approved_at="2026-01-12"),
    ]
    rule = cadence_rule()
    rule.grading = type(rule.grading)("count", "higher_is_worse", {"major": 1, "minor": 0})
    result = run(rule, make_evidence(documents=docs), test_interval_days=150)
    assert (result.status, result.grade, result.measured, result.population) == ("fail", "major", 2, 3)
    assert offending_ids(result) == ["gap:2025-07-01..2026-01-10", "gap:2026-01-12..2026-06-30"]
    found = {r["id"]: r for r in result.records}
    assert found["gap:2025-07-01..2026-01-10"]["line"] == 2  # later record MR-1
    assert found["gap:2026-01-12..2026-06-30"]["line"] == 3  # runs to as_of: the earlier record MR-2
    assert found["gap:2025-07-01..2026-01-10"]["reason"].startswith("193 days without a record from period start")
    assert "MR-2 (2026-01-12) to audit date (2026-06-30)" in found["gap:2026-01-12..2026-06-30"]["reason"]


def test_cadence_with_an_old_record_before_the_period_measures_from_it():
    docs = [dict(MR, id="MR-OLD", approved_at="2024-12-01"), dict(MR, id="MR-1", approved_at="2025-08-01")]
    result = run(cadence_rule(), make_evidence(documents=docs))
    assert offending_ids(result) == ["gap:2024-12-01..2025-08-01", "gap:2025-08-01..2026-06-30"]


def test_cadence_without_any_record_is_one_gap_over_the_whole_period():
    docs = [dict(MR, id="POL", doc_type="service_management_policy", approved_at="2026-01-01")]
    result = run(cadence_rule(), make_evidence(documents=docs))
    assert (result.status, result.population) == ("fail", 1)
    assert result.records == [
        {
            "id": "gap:2025-07-01..2026-06-30",
            "file": "documents.csv",
            "line": None,
            "reason": "no record at all: 364 days without a record from period start (2025-07-01) to audit date "
            "(2026-06-30); planned interval 180 days",
        }
    ]
    # Even when the period is shorter than the planned interval.
    result = run(cadence_rule(), make_evidence(documents=docs), test_interval_days=365)
    assert (result.status, offending_ids(result)) == ("fail", ["gap:2025-07-01..2026-06-30"])


def test_cadence_interval_boundaries_at_period_start_and_as_of():
    docs = [dict(MR, id="MR-1", approved_at="2026-01-01")]  # 184 days after the start, 180 before as_of
    assert run(cadence_rule(), make_evidence(documents=docs), test_interval_days=184).status == "pass"
    result = run(cadence_rule(), make_evidence(documents=docs), test_interval_days=183)
    assert offending_ids(result) == ["gap:2025-07-01..2026-01-01"]
    result = run(cadence_rule(), make_evidence(documents=docs), test_interval_days=179)
    assert offending_ids(result) == ["gap:2025-07-01..2026-01-01", "gap:2026-01-01..2026-06-30"]


def test_cadence_date_column_list_takes_the_first_present():
    docs = [
        dict(MR, id="MR-1", approved_at=None, last_reviewed="2025-12-01"),
        dict(MR, id="MR-2", approved_at="2026-05-01", last_reviewed="2020-01-01"),
    ]
    result = run(cadence_rule(date_column=["approved_at", "last_reviewed"]), make_evidence(documents=docs))
    assert (result.status, result.population) == ("pass", 3)


def test_cadence_per_group_expects_every_listed_group():
    docs = [
        dict(MR, id="E-1", process_tags="Email", approved_at="2025-09-01"),
        dict(MR, id="E-2", process_tags="Email", approved_at="2026-02-01"),
        dict(MR, id="X-1", process_tags=None, approved_at="2026-02-01"),  # no group: ignored
    ]
    services = [{"id": "S1", "name": "Email"}, {"id": "S2", "name": "ERP"}]
    rule = cadence_rule(per="process_tags", groups_from={"table": "services", "column": "name"})
    result = run(rule, make_evidence(documents=docs, services=services))
    assert offending_ids(result) == ["gap:ERP:2025-07-01..2026-06-30"]
    assert reasons(result)["gap:ERP:2025-07-01..2026-06-30"].startswith("[ERP] no record at all: 364 days")
    assert result.population == 4  # Email: 3 intervals, ERP: 1


def test_cadence_missing_table_or_column_is_evidence_insufficient():
    result = run(cadence_rule(), make_evidence(tickets=[{"id": "T1", "record_type": "incident"}]))
    assert result.status == "evidence_insufficient" and "'documents'" in result.reason
    docs = [{"id": "MR-1", "doc_type": "management_review_minutes", "status": "approved"}]
    result = run(cadence_rule(), make_evidence(documents=docs))
    assert result.status == "evidence_insufficient" and "approved_at" in result.reason


def test_cadence_with_nothing_to_judge_is_not_applicable():
    # Judged per group, without a list of expected groups: no record means no group to judge.
    docs = [dict(MR, id="P", doc_type="procedure", process_tags="Email", approved_at="2026-01-01")]
    result = run(cadence_rule(per="process_tags"), make_evidence(documents=docs))
    assert result.status == "not_applicable"
    assert result.records == [] and "nothing to judge" in result.reason


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"interval_days": 0}, "interval_days must be more than 0"),
        ({"date_column": "owner"}, "column 'owner' of table 'documents' holds string"),
        ({"interval_days": "no_such_parameter"}, "parameter 'no_such_parameter' is not declared"),
        ({"groups_from": {"table": "services", "column": "name"}}, "groups_from needs per"),
        ({"date_column": "aproved_at"}, "did you mean 'approved_at'"),
        ({"every": 3}, "unknown key(s) 'every'"),
    ],
)
def test_cadence_bad_specs_are_refused_with_location(check, message):
    with pytest.raises(RuleError) as info:
        cadence_rule(**check)
    assert "t.yaml:0 rule T-001" in str(info.value) and message in str(info.value)


# --------------------------------------------------------------------------- link

MAJOR = {"record_type": "incident", "status": "closed", "major_incident": True, "priority": 1}
PROBLEM = {"record_type": "problem", "status": "new"}
LINK = {
    "kind": "link",
    "link_types": ["related_problem"],
    "target": {"table": "tickets", "select": 'record_type == "problem"', "name": "problem"},
    "within_days": "test_window_days",
    "time_column": "opened_at",
}


def link_rule(**check):
    return make_rule(
        "tickets",
        {k: v for k, v in {**LINK, **check}.items() if v is not None},
        select='record_type == "incident" and major_incident == True',
        population="major incidents",
    )


def rel(src: str, dst: str, link_type: str = "related_problem") -> dict:
    return {"id": f"{src}>{link_type}>{dst}", "from_id": src, "to_id": dst, "link_type": link_type}


UNRELATED = [rel("X-1", "X-2")]  # a links table that links none of the records (an empty one has no columns)


LINK_TICKETS = [
    dict(MAJOR, id="MI-EDGE", opened_at="2026-01-10 09:00:00"),
    dict(PROBLEM, id="PRB-EDGE", opened_at="2026-01-15 09:00:00"),  # exactly 5 days later: within
    dict(MAJOR, id="MI-LATE", opened_at="2026-01-01 00:00:00"),
    dict(PROBLEM, id="PRB-LATE", opened_at="2026-01-10 04:48:00"),  # 9.2 days later
    dict(MAJOR, id="MI-OLD", opened_at="2026-02-01 00:00:00"),
    dict(PROBLEM, id="PRB-OLD", opened_at="2025-12-01 00:00:00"),  # problem existed already: in time
    dict(MAJOR, id="MI-NONE", opened_at="2026-03-01 00:00:00"),
    dict(MAJOR, id="MI-TO-INC", opened_at="2026-03-02 00:00:00"),
    dict(MAJOR, id="MI-IN", opened_at="2026-03-03 00:00:00"),
    dict(PROBLEM, id="PRB-IN", opened_at="2026-03-04 00:00:00"),
    dict(MAJOR, id="MI-TYPE", opened_at="2026-03-05 00:00:00"),
    dict(PROBLEM, id="PRB-TYPE", opened_at="2026-03-05 00:00:00"),
    dict(MAJOR, id="MI-NOTIME", opened_at="2026-03-06 00:00:00"),
    dict(PROBLEM, id="PRB-NOTIME", opened_at=None),
    dict(MAJOR, id="MI-TWO", opened_at="2026-04-01 00:00:00"),
    dict(PROBLEM, id="PRB-TWO-LATE", opened_at="2026-04-20 00:00:00"),
    dict(PROBLEM, id="PRB-TWO-OK", opened_at="2026-04-03 00:00:00"),
    dict(MAJOR, id="INC-MINOR", major_incident=False, opened_at="2026-03-01 00:00:00"),  # not in the population
]
LINKS = [
    rel("MI-EDGE", "PRB-EDGE"),
    rel("MI-LATE", "PRB-LATE"),
    rel("MI-OLD", "PRB-OLD"),
    rel("MI-TO-INC", "INC-MINOR"),  # linked, but not to a problem
    rel("PRB-IN", "MI-IN"),  # incoming: counts with direction either (default), not with outgoing
    rel("MI-TYPE", "PRB-TYPE", "caused_by_change"),  # wrong link type
    rel("MI-NOTIME", "PRB-NOTIME"),
    rel("MI-TWO", "PRB-TWO-LATE"),
    rel("MI-TWO", "PRB-TWO-OK"),
]


def test_link_passes_when_every_record_has_a_timely_link():
    tickets = LINK_TICKETS[:6]
    result = run(link_rule(), make_evidence(tickets=tickets, links=LINKS[:3]), test_window_days=10)
    assert (result.status, result.population, result.measured) == ("pass", 3, 0)


def test_link_failures_with_exact_reasons_and_window_boundary():
    result = run(link_rule(), make_evidence(tickets=LINK_TICKETS, links=LINKS))
    assert offending_ids(result) == ["MI-LATE", "MI-NONE", "MI-NOTIME", "MI-TO-INC", "MI-TYPE"]
    assert reasons(result) == {
        "MI-LATE": "linked problem PRB-LATE opened_at 9.2 days after opened_at, window 5 days",
        "MI-NONE": "no linked problem",
        "MI-NOTIME": "linked problem PRB-NOTIME has no opened_at",
        "MI-TO-INC": "no linked problem",
        "MI-TYPE": "no linked problem",
    }
    assert result.population == 9
    assert (result.status, result.grade) == ("fail", "minor")  # 5/9 above the minor 5% limit
    assert all(record["file"] == "tickets.csv" and record["line"] >= 2 for record in result.records)


def test_link_direction_and_grading():
    rule = link_rule(direction="outgoing")
    rule.grading = type(rule.grading)("rate", "higher_is_worse", {"major": 0.5, "minor": 0})
    result = run(rule, make_evidence(tickets=LINK_TICKETS, links=LINKS))
    assert "MI-IN" in offending_ids(result)
    assert (result.status, result.grade) == ("fail", "major")  # 6 of 9


def test_link_without_window_accepts_any_link_of_the_type():
    rule = link_rule(within_days=None, time_column=None)
    result = run(rule, make_evidence(tickets=LINK_TICKETS, links=LINKS))
    assert offending_ids(result) == ["MI-NONE", "MI-TO-INC", "MI-TYPE"]


def test_link_missing_links_table_or_column_is_evidence_insufficient():
    result = run(link_rule(), make_evidence(tickets=LINK_TICKETS))
    assert result.status == "evidence_insufficient" and "'links'" in result.reason
    no_type = [{k: v for k, v in link.items() if k != "link_type"} for link in LINKS]
    result = run(link_rule(), make_evidence(tickets=LINK_TICKETS, links=no_type))
    assert result.status == "evidence_insufficient" and "link_type" in result.reason
    no_time = [{k: v for k, v in t.items() if k != "opened_at"} for t in LINK_TICKETS]
    result = run(link_rule(), make_evidence(tickets=no_time, links=LINKS))
    assert result.status == "evidence_insufficient" and "opened_at" in result.reason


def test_link_empty_population_is_not_applicable():
    tickets = [dict(PROBLEM, id="PRB-1", opened_at="2026-01-01 00:00:00", major_incident=False)]
    result = run(link_rule(), make_evidence(tickets=tickets, links=UNRELATED))
    assert result.status == "not_applicable" and "major incidents" in result.reason


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"time_column": None}, "within_days needs time_column"),
        ({"within_days": None}, "only used with within_days"),
        ({"time_column": "status"}, "column 'status' of table 'tickets' holds string"),
        ({"target": {"table": "tickets", "select": "record_type = 1"}}, "syntax error"),
        ({"target": {"table": "ticket"}}, "unknown evidence table 'ticket'"),
        ({"direction": "sideways"}, "direction"),
        ({"within_days": -1}, "less than the minimum of 0"),
    ],
)
def test_link_bad_specs_are_refused(check, message):
    with pytest.raises(RuleError, match="t.yaml:0 rule T-001") as info:
        link_rule(**check)
    assert message in str(info.value)


def test_evaluate_links_works_on_plain_frames():
    sources = pd.DataFrame(
        {"id": ["a", "b", "c"], "time": pd.to_datetime(["2026-01-01", "2026-01-01", None])}, index=[10, 20, 30]
    )
    links = pd.DataFrame({"from_id": ["a", "b", "c"], "to_id": ["x", "y", "x"], "link_type": ["t", "t", "t"]})
    targets = pd.DataFrame({"id": ["x", "y"], "time": pd.to_datetime(["2026-01-03", "2026-01-09"])})
    judged = evaluate_links(sources, links, targets, within_days=2, target_name="review")
    assert judged.index.tolist() == [10, 20, 30]
    assert judged["ok"].tolist() == [True, False, False]
    assert judged.loc[20, "reason"] == "linked review y time 8 days after time, window 2 days"
    assert judged.loc[30, "reason"] == "no time to measure the 2-day window from"
    assert judged.loc[10, "target_id"] == "x"


# --------------------------------------------------------------------------- recurrence

INC = {"record_type": "incident", "status": "closed", "category": "software"}
RECURRENCE = {
    "kind": "recurrence",
    "group_by": "ci_id",
    "min_count": 3,
    "window_days": 30,
    "link_types": ["related_problem"],
}


def recurrence_rule(**check):
    return make_rule("tickets", {**RECURRENCE, **check}, select='record_type == "incident"', population="incidents")


RECURRING = [
    # web-01: three within exactly 30 days (a series); W-2 is linked to a problem.
    dict(INC, id="W-1", ci_id="web-01", opened_at="2026-01-01 08:00:00"),
    dict(INC, id="W-2", ci_id="web-01", opened_at="2026-01-15 08:00:00"),
    dict(INC, id="W-3", ci_id="web-01", opened_at="2026-01-31 08:00:00"),
    # db-01: the third is one second past the window: no series.
    dict(INC, id="D-1", ci_id="db-01", opened_at="2026-02-01 00:00:00"),
    dict(INC, id="D-2", ci_id="db-01", opened_at="2026-02-10 00:00:00"),
    dict(INC, id="D-3", ci_id="db-01", opened_at="2026-03-03 00:00:01"),
    # app-01: a series of four, all linked.
    dict(INC, id="A-1", ci_id="app-01", opened_at="2026-04-01 00:00:00"),
    dict(INC, id="A-2", ci_id="app-01", opened_at="2026-04-02 00:00:00"),
    dict(INC, id="A-3", ci_id="app-01", opened_at="2026-04-03 00:00:00"),
    dict(INC, id="A-4", ci_id="app-01", opened_at="2026-04-04 00:00:00"),
    # no CI: never part of a series
    dict(INC, id="N-1", ci_id=None, opened_at="2026-04-01 00:00:00"),
    dict(INC, id="N-2", ci_id=None, opened_at="2026-04-01 00:00:00"),
    dict(INC, id="N-3", ci_id=None, opened_at="2026-04-01 00:00:00"),
    {"id": "PRB-1", "record_type": "problem", "status": "new", "ci_id": None, "opened_at": "2026-01-20 00:00:00"},
]
RECURRING_LINKS = [rel("W-2", "PRB-1"), *(rel(f"A-{n}", "PRB-1") for n in range(1, 5))]


def test_recurrence_passes_when_every_repeat_is_linked():
    links = [*RECURRING_LINKS, rel("W-1", "PRB-1"), rel("PRB-1", "W-3")]  # incoming counts too (either)
    result = run(recurrence_rule(), make_evidence(tickets=RECURRING, links=links))
    assert (result.status, result.population, result.measured) == ("pass", 13, 0)


def test_recurrence_reports_unlinked_repeats_with_the_series():
    result = run(recurrence_rule(), make_evidence(tickets=RECURRING, links=RECURRING_LINKS))
    assert (result.status, result.grade, result.measured) == ("fail", "minor", 2)
    assert offending_ids(result) == ["W-1", "W-3"]
    assert reasons(result)["W-1"] == (
        "3 records on ci_id web-01 between 2026-01-01 and 2026-01-31 (at least 3 within 30 days); "
        "not linked to a problem"
    )


def test_recurrence_graded_by_count_and_parameters():
    rule = recurrence_rule(min_count=2, window_days="test_window_days")
    rule.grading = type(rule.grading)("count", "higher_is_worse", {"major": 2, "minor": 0})
    result = run(rule, make_evidence(tickets=RECURRING, links=UNRELATED), test_window_days=10)
    # Pairs within 10 days: W-1/W-2 (14 days) no; D-1/D-2 (9 days) yes; A-1..A-4 yes.
    assert offending_ids(result) == ["A-1", "A-2", "A-3", "A-4", "D-1", "D-2"]
    assert (result.status, result.grade) == ("fail", "major")


def test_recurrence_by_category():
    result = run(recurrence_rule(group_by="category"), make_evidence(tickets=RECURRING, links=RECURRING_LINKS))
    # By category every incident is "software": W-1, W-3, D-*, N-* are unlinked members of series.
    assert offending_ids(result) == ["D-1", "D-2", "D-3", "N-1", "N-2", "N-3", "W-1", "W-3"]


def test_recurrence_missing_evidence_is_insufficient():
    result = run(recurrence_rule(), make_evidence(tickets=RECURRING))
    assert result.status == "evidence_insufficient" and "'links'" in result.reason
    no_ci = [{k: v for k, v in t.items() if k != "ci_id"} for t in RECURRING]
    result = run(recurrence_rule(), make_evidence(tickets=no_ci, links=RECURRING_LINKS))
    assert result.status == "evidence_insufficient" and "ci_id" in result.reason


def test_recurrence_without_incidents_is_not_applicable():
    result = run(recurrence_rule(), make_evidence(tickets=[RECURRING[-1]], links=UNRELATED))
    assert result.status == "not_applicable" and "incidents" in result.reason


def test_recurrence_bad_specs_are_refused():
    with pytest.raises(RuleError, match="less than the minimum of 2"):
        recurrence_rule(min_count=1)
    with pytest.raises(RuleError, match="column 'ci_id' of table 'tickets' holds string"):
        recurrence_rule(time_column="ci_id")
    with pytest.raises(RuleError, match="min_count must be a whole number"):
        run(
            recurrence_rule(min_count="test_window_days"),
            make_evidence(tickets=RECURRING, links=UNRELATED),
            test_window_days=2.5,
        )


def test_series_members_marks_overlapping_windows_as_one_run():
    times = pd.to_datetime(
        ["2026-01-01", "2026-01-05", "2026-01-09", "2026-01-13", "2026-03-01", "2026-01-02", "2026-01-03"]
    )
    groups = pd.Series(["a", "a", "a", "a", "a", "b", "b"], index=list("pqrstuv"))
    out = series_members(groups, pd.Series(times, index=groups.index), min_count=2, window_days=4)
    assert out["member"].tolist() == [True, True, True, True, False, True, True]
    assert out["series_count"].tolist()[:4] == [4, 4, 4, 4]
    assert out.loc["u", "series_count"] == 2


# --------------------------------------------------------------------------- consistency

CI = {"ci_class": "Linux Server", "status": "installed"}
CHANGE = {"record_type": "change", "status": "closed", "approval": "approved"}
CONSISTENCY = {
    "kind": "consistency",
    "other": {
        "table": "tickets",
        "select": 'record_type == "change" and approval == "approved"',
        "name": "approved change",
    },
    "match": {"left": ["id", "name"], "right": "ci_id"},
    "within": {"left_time": "updated_at", "right_time": "actual_end", "days": 2},
}


def consistency_rule(**check):
    return make_rule(
        "cis",
        {**CONSISTENCY, **check},
        select="updated_at >= period_start and updated_at <= as_of",
        population="CIs updated in the period",
    )


CIS = [
    dict(CI, id="mail-01", name="mail-01", updated_at="2026-05-02 03:15:00"),
    dict(CI, id="db-01", name="db-01", updated_at="2026-05-02 03:15:00"),
    dict(CI, id="web-01", name="web-01", updated_at="2026-05-02 03:15:00"),
    dict(CI, id="app-01", name="app-01", updated_at="2026-05-02 03:15:00"),
    dict(CI, id="sys-0042", name="erp-01", updated_at="2026-05-02 03:15:00"),
    dict(CI, id="old-01", name="old-01", updated_at="2025-01-02 03:15:00"),  # outside the period
]
CHANGES = [
    dict(CHANGE, id="CHG-EDGE", ci_id="mail-01", actual_end="2026-04-30 03:15:00"),  # exactly 2 days before
    dict(CHANGE, id="CHG-FAR", ci_id="db-01", actual_end="2026-04-29 03:15:00"),  # 3 days before
    dict(CHANGE, id="CHG-FAR2", ci_id="db-01", actual_end="2026-05-10 03:15:00"),  # 8 days after
    dict(CHANGE, id="CHG-NOAPP", ci_id="app-01", approval="requested", actual_end="2026-05-02 00:00:00"),
    dict(CHANGE, id="CHG-NAME", ci_id="erp-01", actual_end="2026-05-04 03:15:00"),  # by name, 2 days after
]


def test_consistency_passes_when_every_record_has_a_counterpart():
    result = run(consistency_rule(), make_evidence(cis=CIS[:1] + CIS[4:], tickets=CHANGES))
    assert (result.status, result.population, result.measured) == ("pass", 2, 0)


def test_consistency_failures_with_reasons_and_boundary():
    result = run(consistency_rule(), make_evidence(cis=CIS, tickets=CHANGES))
    assert offending_ids(result) == ["app-01", "db-01", "web-01"]
    assert reasons(result) == {
        "app-01": "no approved change with ci_id 'app-01'",
        "db-01": "nearest approved change CHG-FAR (actual_end) is 3 days before updated_at, window ±2 days",
        "web-01": "no approved change with ci_id 'web-01'",
    }
    assert (result.status, result.grade, result.population) == ("fail", "minor", 5)


def test_consistency_asymmetric_window_and_grading():
    rule = consistency_rule(
        within={"left_time": "updated_at", "right_time": "actual_end", "before": 3, "after": "test_window_days"}
    )
    rule.grading = type(rule.grading)("rate", "higher_is_worse", {"major": 0.3, "minor": 0})
    result = run(rule, make_evidence(cis=CIS, tickets=CHANGES))
    assert offending_ids(result) == ["app-01", "web-01"]  # CHG-FAR is 3 days before: now within
    assert (result.status, result.grade) == ("fail", "major")  # 2 of 5 = 40 %


def test_consistency_expect_no_match():
    result = run(consistency_rule(expect="no_match"), make_evidence(cis=CIS, tickets=CHANGES))
    assert offending_ids(result) == ["mail-01", "sys-0042"]
    assert reasons(result)["sys-0042"] == "matches approved change CHG-NAME (ci_id 'erp-01', 2 days apart)"


def test_consistency_without_window_matches_on_keys_only():
    spec = {k: v for k, v in CONSISTENCY.items() if k != "within"}
    rule = make_rule("cis", spec, select="updated_at >= period_start")
    result = run(rule, make_evidence(cis=CIS, tickets=CHANGES))
    assert offending_ids(result) == ["app-01", "web-01"]


def test_consistency_missing_evidence_is_insufficient():
    no_time = [{k: v for k, v in c.items() if k != "actual_end"} for c in CHANGES]
    result = run(consistency_rule(), make_evidence(cis=CIS, tickets=no_time))
    assert result.status == "evidence_insufficient" and "actual_end" in result.reason
    result = run(consistency_rule(), make_evidence(cis=CIS))
    assert result.status == "evidence_insufficient" and "'tickets'" in result.reason


def test_consistency_empty_population_is_not_applicable():
    result = run(consistency_rule(), make_evidence(cis=CIS[-1:], tickets=CHANGES))
    assert result.status == "not_applicable" and "CIs updated in the period" in result.reason


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"within": {"left_time": "updated_at", "right_time": "actual_end"}}, "within needs days"),
        ({"within": {"left_time": "updated_at", "right_time": "actual_end", "before": 1}}, "both before and after"),
        ({"within": {"left_time": "name", "right_time": "actual_end", "days": 1}}, "holds string"),
        ({"match": {"left": "id"}}, "'right' is a required property"),
        ({"expect": "maybe"}, "'maybe' is not one of"),
        ({"match": {"left": "nmae", "right": "ci_id"}}, "did you mean 'name'"),
    ],
)
def test_consistency_bad_specs_are_refused(check, message):
    with pytest.raises(RuleError) as info:
        consistency_rule(**check)
    assert message in str(info.value)


# --------------------------------------------------------------------------- the pack's rules of these kinds


def doc(doc_id: str, doc_type: str, approved_at: str, status: str = "approved") -> dict:
    return {"id": doc_id, "title": doc_id, "doc_type": doc_type, "status": status, "approved_at": approved_at}


def ticket(ticket_id: str, record_type: str, **fields) -> dict:
    base = {"status": "closed", "major_incident": False, "ci_id": None, "opened_at": "2026-01-01 00:00:00"}
    return {"id": ticket_id, "record_type": record_type, **base, **fields}


PACK_CASES = {
    "REV-001": (
        {
            "documents": [
                doc("MR-24", "management_review_minutes", "2024-06-01"),
                doc("MR-D", "management_review_minutes", "2025-01-01", status="draft"),  # not evidence
                doc("MR-25", "management_review_minutes", "2025-07-15"),  # 409 days after MR-24
                doc("MR-26", "management_review_report", "2026-06-01"),
            ]
        },
        ["gap:2024-06-01..2025-07-15"],
    ),
    "REV-002": (
        {"documents": [doc("IA-25", "internal_audit_report", "2025-05-01"), doc("P", "procedure", "2026-01-01")]},
        ["gap:2025-05-01..2026-06-30"],
    ),
    "REV-003": (
        {"documents": [doc("BCP", "service_continuity_plan", "2026-01-01")]},
        ["gap:2025-07-01..2026-06-30"],
    ),
    "REV-004": (
        {
            "documents": [
                doc("SR-1", "service_review_minutes", "2025-06-30"),
                doc("SR-2", "service_review_minutes", "2025-09-30"),  # exactly 92 days: on time
                doc("SR-3", "service_review_minutes", "2026-01-15"),  # 107 days
                doc("SR-4", "sla_review_minutes", "2026-04-15"),
            ]
        },
        ["gap:2025-09-30..2026-01-15"],
    ),
    "LNK-001": (
        {
            "tickets": [
                ticket("MI-EDGE", "incident", major_incident=True, opened_at="2026-01-10 09:00:00"),
                ticket("PRB-EDGE", "problem", opened_at="2026-01-15 09:00:00"),  # exactly 5 days
                ticket("MI-LATE", "incident", major_incident=True, opened_at="2026-02-01 00:00:00"),
                ticket("PRB-LATE", "problem", opened_at="2026-02-07 00:00:00"),
                ticket("MI-AGE", "incident", major_incident=True, opened_at="2026-06-25 00:00:00"),  # window closed
                ticket("MI-YOUNG", "incident", major_incident=True, opened_at="2026-06-27 00:00:00"),  # still open
                ticket("INC-1", "incident", opened_at="2026-03-01 00:00:00"),
            ],
            "links": [rel("MI-EDGE", "PRB-EDGE"), rel("MI-LATE", "PRB-LATE")],
        },
        ["MI-AGE", "MI-LATE"],
    ),
    "LNK-002": (
        {
            "tickets": [
                ticket("KE-GOOD", "problem", known_error=True, status="resolved"),
                ticket("KE-BAD", "problem", known_error=True, status="fix_in_progress"),
                ticket("KE-RCA", "problem", known_error=True, status="root_cause_analysis"),
                ticket("PRB-NOT-KE", "problem", known_error=False, status="resolved"),
                ticket("CHG-1", "change"),
            ],
            "links": [rel("KE-GOOD", "CHG-1", "resolved_by_change")],
        },
        ["KE-BAD"],
    ),
    "LNK-003": (
        {
            "tickets": [
                ticket("CHG-EDGE", "change", outcome="unsuccessful", actual_end="2026-03-01 00:00:00"),
                ticket("INC-EDGE", "incident", opened_at="2026-03-15 00:00:00"),  # exactly 14 days later
                ticket("CHG-LATE", "change", outcome="unsuccessful", actual_end="2026-03-01 00:00:00"),
                ticket("PRB-LATE", "problem", opened_at="2026-03-16 00:00:00"),
                ticket("CHG-NONE", "change", outcome="unsuccessful", actual_end="2026-04-01 00:00:00"),
                ticket("CHG-RECENT", "change", outcome="unsuccessful", actual_end="2026-06-20 00:00:00"),
                ticket("CHG-OK", "change", outcome="successful", actual_end="2026-04-01 00:00:00"),
            ],
            "links": [
                rel("INC-EDGE", "CHG-EDGE", "caused_by_change"),
                rel("PRB-LATE", "CHG-LATE", "caused_by_change"),
            ],
        },
        ["CHG-LATE", "CHG-NONE"],
    ),
    "REC-001": (
        {
            "tickets": [
                *RECURRING[:6],  # web-01: a series of three within exactly 30 days; db-01: one second too long
                ticket("PRB-1", "problem", opened_at="2026-01-20 00:00:00"),
            ],
            "links": [rel("W-2", "PRB-1")],
        },
        ["W-1", "W-3"],
    ),
    "CON-001": ({"cis": CIS, "tickets": CHANGES}, ["app-01", "db-01", "web-01"]),
}


@pytest.mark.parametrize("rule_id", sorted(PACK_CASES))
def test_pack_rule_on_hand_written_fixture(rule_id):
    tables, expected = PACK_CASES[rule_id]
    result = run_rule(rule_id, make_evidence(**tables))
    assert result.status in ("pass", "fail"), result.explanation
    assert offending_ids(result) == expected
    assert all(record["reason"] for record in result.records)
