"""The ``timeliness`` check kind and its business-hours clock (sms_audit.calendars).

The calendar of most cases is ``office``: Monday to Friday 08:00-12:00 and 13:00-18:00 in
Europe/Berlin, with Monday 2026-03-30 a holiday. Berlin moves from CET (UTC+1) to CEST (UTC+2) on
Sunday 2026-03-29, so the weekend of the hand-made case also crosses a daylight-saving change.

The hand-made Friday case, computed by hand (local Berlin times, a 4-business-hour target):

* opened Friday 2026-03-27 17:30 CET (16:30 UTC): 17:30-18:00 runs 30 min, 210 min left;
* Saturday, Sunday closed; Monday 2026-03-30 a holiday;
* Tuesday 2026-03-31 (CEST): 08:00-09:00 runs 60 min, 150 left; on hold 09:00-11:30 (clock
  stopped); 11:30-12:00 runs 30, 120 left; lunch 12:00-13:00 closed; 13:00-15:00 runs 120, 0 left;
* due Tuesday 15:00 CEST = **2026-03-31 13:00 UTC**. Without the pause: 08:00-11:30 uses the 210 min,
  due 11:30 CEST = 09:30 UTC. Resolved at 15:30 CEST with the pause: 30 + 240 + 150 - 150 paused =
  270 min = 4.5 business hours.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

import numpy as np
import pandas as pd
import pytest

from evidence_adapters import ADAPTERS
from sms_audit.calendars import (
    BusinessClock,
    Calendar,
    Pauses,
    business_minutes,
    calendars_from_tables,
    due,
    due_time,
    elapsed,
    from_us,
    to_us,
)
from sms_audit.checks import CHECK_KINDS
from sms_audit.evidence import Evidence
from sms_audit.model import table_spec
from sms_audit.rules import rule_schema
from tests.rule_fixtures import RULES, make_evidence, offending_ids, run_rule

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICE = Calendar.from_hours(
    "office", {d: "08:00-12:00, 13:00-18:00" for d in WEEKDAYS}, "Europe/Berlin", ["2026-03-30"]
)
FRIDAY = pd.Timestamp("2026-03-27 16:30")  # 17:30 CET
ON_HOLD = (pd.Timestamp("2026-03-31 07:00"), pd.Timestamp("2026-03-31 09:30"))  # 09:00-11:30 CEST


# --- the clock ----------------------------------------------------------------------------------


def test_hand_made_friday_case_gives_the_hand_computed_due_time():
    assert due_time(FRIDAY, 240, OFFICE, pauses=[ON_HOLD]) == pd.Timestamp("2026-03-31 13:00")
    assert due_time(FRIDAY, 240, OFFICE) == pd.Timestamp("2026-03-31 09:30")
    assert business_minutes(FRIDAY, "2026-03-31 13:30", OFFICE, pauses=[ON_HOLD]) == 270
    assert business_minutes(FRIDAY, "2026-03-31 13:00", OFFICE, pauses=[ON_HOLD]) == 240


def test_friday_case_from_canonical_tables_and_separate_holidays():
    rows = pd.DataFrame(
        [
            {"calendar": "office", "weekday": d, "start": s, "end": e, "timezone": "Europe/Berlin"}
            for d in range(5)
            for s, e in (("08:00", "12:00"), ("13:00", "18:00"))
        ]
    )
    holidays = pd.DataFrame({"calendar": ["office"], "date": pd.to_datetime(["2026-03-30"])})
    assert due_time(FRIDAY, 240, rows, holidays, pauses=[ON_HOLD]) == pd.Timestamp("2026-03-31 13:00")
    assert calendars_from_tables(rows, holidays) == {"office": OFFICE}
    # The holiday matters: without it Monday 08:00-11:30 CEST (06:00-09:30 UTC) uses up the target.
    assert due_time(FRIDAY, 240, rows) == pd.Timestamp("2026-03-30 09:30")


def test_pause_over_the_weekend_only_stops_business_time():
    # On hold from Friday 17:45 CET to Tuesday 08:30 CEST: 15 + 30 business minutes paused.
    pause = (pd.Timestamp("2026-03-27 16:45"), pd.Timestamp("2026-03-31 06:30"))
    assert due_time(FRIDAY, 240, OFFICE, pauses=[pause]) == pd.Timestamp("2026-03-31 11:15")  # 13:15 CEST
    # A pause that starts after the clock has run out does not move the due time.
    late_pause = (pd.Timestamp("2026-03-31 09:30"), pd.Timestamp("2026-04-01 09:30"))
    assert due_time(FRIDAY, 240, OFFICE, pauses=[late_pause]) == pd.Timestamp("2026-03-31 09:30")
    # A pause still open when it starts stops the clock for good: no due time.
    assert due_time(FRIDAY, 240, OFFICE, pauses=[(ON_HOLD[0], None)]) is pd.NaT


def test_due_at_the_close_of_business_and_zero_targets():
    assert due_time("2026-03-27 13:00", 240, OFFICE) == pd.Timestamp("2026-03-27 17:00")  # Friday 18:00 CET
    assert due_time("2026-03-28 10:00", 0, OFFICE) == pd.Timestamp("2026-03-28 10:00")  # never before start
    assert due_time("2026-03-28 10:00", 1, OFFICE) == pd.Timestamp("2026-03-31 06:01")  # Tue 08:01 CEST


def test_around_the_clock_counts_real_hours_across_daylight_saving():
    assert due_time(FRIDAY, 24 * 60, None) == pd.Timestamp("2026-03-28 16:30")
    # The Sunday of the change has 23 hours in Berlin; a 24x7 calendar with a holiday is on the grid path.
    sundays = Calendar.always("sun", "Europe/Berlin", ["2026-04-05"])
    assert business_minutes("2026-03-28 23:00", "2026-03-29 22:00", sundays) == 23 * 60
    # Saturday 14:00 CEST to the holiday (Sunday 00:00 CEST = 22:00 UTC) runs 10 h; 14 h more from Monday 00:00.
    assert due_time("2026-04-04 12:00", 24 * 60, sundays) == pd.Timestamp("2026-04-06 12:00")


def test_vectorised_clock_matches_a_minute_by_minute_count():
    """Random tickets and pauses against a brute-force walk over every minute."""
    rng = random.Random(7)
    calendars = [
        OFFICE,
        Calendar.from_hours("weekend", {"sat": "00:00-24:00", "sun": "06:00-24:00"}, "America/New_York"),
        Calendar.from_hours("utc", {d: "09:00-17:00" for d in WEEKDAYS}, None, ["2026-11-02"]),
    ]

    def walk(start, minutes, cal, pauses, stop=None):
        """Business minutes up to ``stop``; or, with ``stop`` None, the minute the target is used up."""
        zone = zoneinfo.ZoneInfo(cal.timezone) if cal.timezone else dt.UTC
        t, counted = start, 0
        while (stop is None and counted < minutes) or (stop is not None and t < stop):
            local = t.replace(tzinfo=dt.UTC).astimezone(zone)
            now = local.hour * 60 + local.minute
            working = local.date() not in cal.holidays and any(a <= now < b for a, b in cal.windows[local.weekday()])
            counted += working and not any(a <= t < b for a, b in pauses)
            t += dt.timedelta(minutes=1)
        return counted if stop is not None else t

    cases = []
    for _ in range(25):
        cal = rng.choice(calendars)
        start = dt.datetime(2026, rng.choice([3, 10, 11]), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
        pauses, t = [], start - dt.timedelta(minutes=120)
        for _ in range(rng.randint(0, 3)):
            a = t + dt.timedelta(minutes=rng.randint(0, 1500))
            t = a + dt.timedelta(minutes=rng.randint(0, 1500))
            pauses.append((a, t))
        cases.append((cal, start, rng.randint(1, 1200), pauses, start + dt.timedelta(minutes=rng.randint(0, 4000))))
    for cal, start, minutes, pauses, stop in cases:
        assert due_time(start, minutes, cal, pauses=pauses).to_pydatetime() == walk(start, minutes, cal, pauses)
        assert business_minutes(start, stop, cal, pauses=pauses) == walk(start, minutes, cal, pauses, stop)


def test_clock_arrays_for_many_tickets_at_once():
    starts = to_us(pd.Series(pd.to_datetime([FRIDAY, FRIDAY, FRIDAY, None])))
    ends = to_us(pd.Series(pd.to_datetime(["2026-03-31 13:30", "2026-03-31 13:00", "2026-03-31 13:00", None])))
    pauses = Pauses(np.array([0, 1]), to_us([ON_HOLD[0]] * 2), to_us([ON_HOLD[1]] * 2))
    clock = BusinessClock(OFFICE, origin=starts[0])
    worked, paused = elapsed(clock, starts, ends, pauses)
    assert list(worked[:3] / 60e6) == [270, 240, 390] and np.isnan(worked[3])
    assert list(paused / 60e6) == [150, 150, 0, 0]
    due_at = from_us(due(clock, starts, np.full(4, 240 * 60e6), pauses))
    assert [str(t) for t in due_at] == ["2026-03-31 13:00:00", "2026-03-31 13:00:00", "2026-03-31 09:30:00", "NaT"]


def test_a_calendar_that_never_opens_is_refused():
    with pytest.raises(ValueError, match="never open"):
        Calendar.from_hours("closed", {"mon": "closed"})
    with pytest.raises(ValueError, match="not a time of day"):
        calendars_from_tables(
            pd.DataFrame([{"calendar": "x", "weekday": 0, "start": "8", "end": "18:00", "timezone": None}])
        )


# --- evidence for the kind ------------------------------------------------------------------------

CALENDARS = [
    {
        "id": f"office/{day}/{n}",
        "calendar": "office",
        "weekday": i,
        "start": start,
        "end": end,
        "timezone": "Europe/Berlin",
    }
    for i, day in enumerate(WEEKDAYS)
    for n, (start, end) in enumerate((("08:00", "12:00"), ("13:00", "18:00")), start=1)
]
HOLIDAYS = [{"id": "office/2026-03-30", "calendar": "office", "date": "2026-03-30", "name": "Company day"}]
SERVICES = [{"id": "SVC-MAIL", "name": "Email"}, {"id": "SVC-DESK", "name": "Workplace"}]
TARGETS = [
    {"id": "SVC-MAIL/P2", "service": "SVC-MAIL", "priority": 2, "response_minutes": 30, "resolution_minutes": 240}
    | {"calendar": "office"},
    {"id": "SVC-MAIL/P3", "service": "SVC-MAIL", "priority": 3, "response_minutes": 120, "resolution_minutes": 1440}
    | {"calendar": None},
    {"id": "SVC-DESK/P4", "service": "SVC-DESK", "priority": 4, "response_minutes": None, "resolution_minutes": 960}
    | {"calendar": "office"},
]
INC = {"record_type": "incident", "status": "resolved", "priority": 2, "service": "Email", "opened_at": FRIDAY}


def inc(ticket_id: str, **values) -> dict:
    return dict(INC, id=ticket_id, **values)


def hold(ticket_id: str, start=ON_HOLD[0], end=ON_HOLD[1], field="status") -> list[dict]:
    return [
        {"id": f"{ticket_id}-1", "ticket_id": ticket_id, "at": start, "field": field, "new_value": "On Hold"},
        {"id": f"{ticket_id}-2", "ticket_id": ticket_id, "at": end, "field": field, "new_value": "in_progress"},
    ]


def catalogue(**tables) -> dict:
    return {
        "services": SERVICES,
        "sla_targets": TARGETS,
        "calendars": CALENDARS,
        "holidays": HOLIDAYS,
        **tables,
    }


FRIDAY_TICKETS = [
    inc("fri-late", resolved_at="2026-03-31 13:30"),  # 15:30 CEST, on hold 09:00-11:30
    inc("fri-edge", resolved_at="2026-03-31 13:00"),  # exactly at the due time, on hold too
    inc("fri-nopause", resolved_at="2026-03-31 13:00"),  # never on hold: due 09:30 UTC
    inc("quick", opened_at="2026-04-01 08:00", resolved_at="2026-04-01 09:00"),
    inc("p3-ok", priority=3, opened_at="2026-04-04 10:00", resolved_at="2026-04-05 09:00"),  # 24x7 target
    inc("p3-late", priority=3, opened_at="2026-04-04 10:00", resolved_at="2026-04-05 10:30"),
    inc("no-target", priority=5, resolved_at="2026-04-10 10:00"),
    inc("open-overdue", status="in_progress", opened_at="2026-06-26 08:00"),  # Fri 10:00 CEST; 7 h + Mon 9 h by as_of
    inc("open-young", status="in_progress", opened_at="2026-06-29 14:00"),  # Mon 16:00 CEST; 2 h by as_of
    inc("closed-no-time", status="closed", closed_at="2026-04-02 10:00"),
]
FRIDAY_EVENTS = hold("fri-late") + hold("fri-edge")


def reasons(result) -> dict[str, str]:
    return {record["id"]: record["reason"] for record in result.records}


def test_resolution_on_the_friday_case_graded_failure_with_exact_records():
    result = run_rule("TIM-001", make_evidence(tickets=FRIDAY_TICKETS, ticket_events=FRIDAY_EVENTS, **catalogue()))
    assert (result.status, result.grade, result.population) == ("fail", "minor", 7)
    assert result.measured == pytest.approx(4 / 7)
    assert result.records == [
        {
            "id": "fri-late",
            "file": "tickets.csv",
            "line": 2,
            "reason": "resolved after 4.5 business hours (2.5 paused, not counted), target 4 (due 2026-03-31 13:00)",
        },
        {
            "id": "fri-nopause",
            "file": "tickets.csv",
            "line": 4,
            "reason": "resolved after 6.5 business hours, target 4 (due 2026-03-31 09:30)",
        },
        {
            "id": "open-overdue",
            "file": "tickets.csv",
            "line": 9,
            "reason": "unresolved at 2026-06-30 00:00 after 16 business hours, target 4 (due 2026-06-26 13:00)",
        },
        {
            "id": "p3-late",
            "file": "tickets.csv",
            "line": 7,
            "reason": "resolved after 24.5 hours, target 24 (due 2026-04-05 10:00)",
        },
    ]
    assert result.breakdown == [
        {"group": {"priority": 2, "service": "SVC-MAIL"}, "population": 5, "offending": 3, "measured": 0.6},
        {"group": {"priority": 3, "service": "SVC-MAIL"}, "population": 2, "offending": 1, "measured": 0.5},
    ]
    # Tickets that cannot be judged are named in the explanation, never offending.
    assert "1 without a target for their service and priority (no-target)" in result.explanation
    assert "1 ended without resolved_at (closed-no-time)" in result.explanation
    assert "1 open and not yet due" in result.explanation
    assert "time in on_hold, awaiting_caller, awaiting_user_info, awaiting_vendor not counted" in result.explanation
    assert "4 of 7 incidents judged against a resolution target" in result.explanation


def test_resolution_pass_lists_no_records():
    tickets = [t for t in FRIDAY_TICKETS if t["id"] in ("fri-edge", "quick", "p3-ok", "open-young")]
    result = run_rule("TIM-001", make_evidence(tickets=tickets, ticket_events=FRIDAY_EVENTS, **catalogue()))
    assert (result.status, result.grade, result.measured, result.population) == ("pass", None, 0, 3)
    assert result.records == []
    assert [b["group"] for b in result.breakdown] == [
        {"priority": 2, "service": "SVC-MAIL"},
        {"priority": 3, "service": "SVC-MAIL"},
    ]


def test_without_status_history_the_clock_runs_through_the_hold():
    result = run_rule("TIM-001", make_evidence(tickets=FRIDAY_TICKETS[:2], **catalogue()))
    assert offending_ids(result) == ["fri-edge", "fri-late"]
    assert reasons(result)["fri-edge"] == "resolved after 6.5 business hours, target 4 (due 2026-03-31 09:30)"
    assert "no status history to stop the clock" in result.explanation


def test_state_events_and_the_created_event_also_pause():
    events = hold("fri-late", field="state") + [
        {"id": "c", "ticket_id": "fri-edge", "at": FRIDAY, "field": "created", "new_value": "on_hold"},
        {"id": "d", "ticket_id": "fri-edge", "at": "2026-03-31 09:30", "field": "state", "new_value": "active"},
    ]
    result = run_rule("TIM-001", make_evidence(tickets=FRIDAY_TICKETS[:2], ticket_events=events, **catalogue()))
    # fri-edge waited from opening to Tuesday 11:30 CEST: 30 + 210 paused; 11:30-12:00 and 13:00-15:00 run.
    assert offending_ids(result) == ["fri-late"]


def test_service_ids_match_directly_and_names_through_the_services_table():
    tickets = [
        inc("by-id", service="svc-mail ", resolved_at="2026-03-31 13:00"),
        inc("by-name", resolved_at="2026-03-31 13:00"),
    ]
    result = run_rule("TIM-001", make_evidence(tickets=tickets, **catalogue()))
    assert offending_ids(result) == ["by-id", "by-name"]
    # One service, however the tickets spell it: the breakdown groups by the target's service id.
    assert result.breakdown == [
        {"group": {"priority": 2, "service": "SVC-MAIL"}, "population": 2, "offending": 2, "measured": 1.0}
    ]
    without_names = catalogue()
    del without_names["services"]
    result = run_rule("TIM-001", make_evidence(tickets=tickets, **without_names))
    assert offending_ids(result) == ["by-id"]
    assert "1 without a target for their service and priority (by-name)" in result.explanation


def test_response_in_minutes_with_resolution_as_fallback():
    tickets = [
        inc("r-ok", responded_at="2026-03-27 16:50", resolved_at="2026-03-31 13:00"),
        inc("r-late", responded_at="2026-03-31 06:30", resolved_at="2026-03-31 13:00"),  # Tue 08:30 CEST
        inc("r-none", resolved_at="2026-03-31 07:00"),  # Tue 09:00 CEST, no response recorded
        inc("r-open", status="new", opened_at="2026-06-29 15:40"),  # 17:40 CEST: 20 min by as_of
    ]
    result = run_rule("TIM-002", make_evidence(tickets=tickets, **catalogue()))
    assert (result.status, result.grade, result.population) == ("fail", "minor", 3)
    assert reasons(result) == {
        "r-late": "responded after 60 business minutes, target 30 (due 2026-03-27 17:00)",
        "r-none": "no response recorded; resolved after 90 business minutes, target 30 (due 2026-03-27 17:00)",
    }


def test_service_requests_closed_without_a_resolution_time_are_judged_on_closure():
    req = {"record_type": "service_request", "status": "closed", "priority": 4, "service": "SVC-DESK"}
    tickets = [
        dict(req, id="sr-ok", opened_at="2026-04-01 06:00", closed_at="2026-04-02 14:00"),  # 8 + 8 = 16 h
        dict(req, id="sr-late", opened_at="2026-04-01 06:00", closed_at="2026-04-02 14:30"),
        dict(req, id="sr-wait", opened_at="2026-04-01 06:00", closed_at="2026-04-02 15:00"),
    ]
    events = [
        {"id": "p1", "ticket_id": "sr-wait", "at": "2026-04-01 06:00", "field": "state", "new_value": "Pending"},
        {"id": "p2", "ticket_id": "sr-wait", "at": "2026-04-01 07:00", "field": "state", "new_value": "Work in P."},
    ]
    result = run_rule("TIM-003", make_evidence(tickets=tickets, ticket_events=events, **catalogue()))
    assert reasons(result) == {"sr-late": "closed after 16.5 business hours, target 16 (due 2026-04-02 14:00)"}
    assert result.breakdown == [
        {"group": {"priority": 4, "service": "SVC-DESK"}, "population": 3, "offending": 1, "measured": 0.333333}
    ]


# --- evidence insufficient and not applicable ----------------------------------------------------


def test_no_target_table_is_evidence_insufficient():
    tables = catalogue()
    del tables["sla_targets"]
    result = run_rule("TIM-001", make_evidence(tickets=FRIDAY_TICKETS, **tables))
    assert (result.status, result.records) == ("evidence_insufficient", [])
    assert result.reason == "no evidence source provides the 'sla_targets' table"


def test_no_ticket_with_a_target_is_evidence_insufficient_not_a_pass():
    tickets = [inc("a", priority=5, resolved_at="2026-04-01 10:00"), inc("b", service="Chat")]
    result = run_rule("TIM-001", make_evidence(tickets=tickets, **catalogue()))
    assert (result.status, result.grade, result.records) == ("evidence_insufficient", None, [])
    assert result.reason == (
        "no ticket matches a resolution target in sla_targets on (service, priority); "
        "2 tickets without a target (e.g. a, b)"
    )


def test_missing_response_column_is_evidence_insufficient():
    result = run_rule("TIM-002", make_evidence(tickets=FRIDAY_TICKETS, **catalogue()))
    assert result.status == "evidence_insufficient"
    assert result.reason == "the evidence for 'tickets' has no column for responded_at"


def test_a_named_calendar_missing_from_the_evidence_is_evidence_insufficient():
    tables = catalogue()
    del tables["calendars"], tables["holidays"]
    result = run_rule("TIM-001", make_evidence(tickets=FRIDAY_TICKETS[:3], **tables))
    assert result.status == "evidence_insufficient"
    assert result.reason.startswith("the calendars named by the sla_targets of these tickets are not in the evidence")
    # A ticket on the 24x7 target is still judged; the office ones are listed as not judged.
    result = run_rule("TIM-001", make_evidence(tickets=FRIDAY_TICKETS[:6], **tables))
    assert (result.status, result.population, offending_ids(result)) == ("fail", 2, ["p3-late"])
    assert "4 whose calendar is not in the evidence (fri-edge, fri-late, fri-nopause, quick)" in result.explanation


def test_no_incidents_is_not_applicable():
    change = {"id": "c1", "record_type": "change", "priority": 2, "service": "Email", "opened_at": FRIDAY}
    change["resolved_at"] = "2026-04-01 10:00"
    result = run_rule("TIM-001", make_evidence(tickets=[change], **catalogue()))
    assert (result.status, result.population, result.records) == ("not_applicable", 0, [])
    assert "no incidents judged against a resolution target" in result.reason


def test_only_open_tickets_not_yet_due_is_not_applicable():
    tickets = [dict(t, resolved_at=None) for t in FRIDAY_TICKETS if t["id"] == "open-young"]
    result = run_rule("TIM-001", make_evidence(tickets=tickets, **catalogue()))
    assert (result.status, result.population, result.records) == ("not_applicable", 0, [])
    assert result.reason == "no ticket can be judged yet: 1 open and not yet due at as_of"


# --- the service catalogue feeds the kind --------------------------------------------------------

CATALOGUE = """\
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon-fri: "08:00-12:00, 13:00-18:00"}
    holidays: [{date: 2026-03-30, name: Company day}]
  always: {hours: 24x7}
services:
  - id: SVC-MAIL
    name: Email
    calendar: office
    sla:
      - {priority: 2, response_minutes: 30, resolution_hours: 4}
      - {priority: 3, response_hours: 2, resolution_hours: 24, calendar: always}
"""


def test_service_catalogue_emits_calendars_and_holidays(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")
    result = ADAPTERS.get("service_catalogue")().load(path, "catalogue.yaml", {})
    calendars, holidays = result.tables["calendars"], result.tables["holidays"]
    assert list(calendars["id"][:3]) == ["office/mon/1", "office/mon/2", "office/tue/1"]
    assert len(calendars) == 10 + 7
    assert calendars.iloc[0].to_dict() == {
        "id": "office/mon/1",
        "calendar": "office",
        "weekday": 0,
        "start": "08:00",
        "end": "12:00",
        "timezone": "Europe/Berlin",
        "_source_file": "catalogue.yaml",
        "_source_line": 3,
    }
    assert calendars.iloc[-1][["id", "weekday", "start", "end"]].tolist() == ["always/sun/1", 6, "00:00", "24:00"]
    assert holidays[["id", "calendar", "name"]].values.tolist() == [["office/2026-03-30", "office", "Company day"]]
    assert str(holidays["date"][0]) == "2026-03-30 00:00:00"
    assert result.provided_columns["calendars"] == {"id", "calendar", "weekday", "start", "end", "timezone"}
    assert result.provided_columns["holidays"] == {"id", "calendar", "date", "name"}
    for name in ("calendars", "holidays"):
        spec = table_spec(name)
        assert spec.conform(result.tables[name]).columns.tolist() == list(spec.columns)

    # The adapter's tables drive the rule: the Friday case again.
    tables = {name: table_spec(name).conform(frame) for name, frame in result.tables.items()}
    tickets = make_evidence(tickets=FRIDAY_TICKETS[:3], ticket_events=FRIDAY_EVENTS)
    evidence = Evidence({**tables, **tickets.tables}, {**result.provided_columns, **tickets.provided}, [], quality={})
    outcome = run_rule("TIM-001", evidence)
    assert reasons(outcome) == {
        "fri-late": "resolved after 4.5 business hours (2.5 paused, not counted), target 4 (due 2026-03-31 13:00)",
        "fri-nopause": "resolved after 6.5 business hours, target 4 (due 2026-03-31 09:30)",
    }


def test_catalogue_without_calendars_provides_no_calendar_tables(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text("services:\n  - id: S1\n    sla: [{priority: 1, resolution_minutes: 60}]\n", encoding="utf-8")
    result = ADAPTERS.get("service_catalogue")().load(path, "catalogue.yaml", {})
    assert set(result.tables) == {"services", "sla_targets"}
    assert set(result.provided_columns) == {"services", "sla_targets"}


# --- registration -------------------------------------------------------------------------------


def test_kind_is_registered_and_in_the_rule_schema():
    kind = CHECK_KINDS.get("timeliness")
    assert kind.default_grading.measure == "rate" and kind.default_grading.direction == "higher_is_worse"
    branches = rule_schema()["properties"]["check"]["oneOf"]
    assert any(b["properties"]["kind"] == {"const": "timeliness"} for b in branches)
    assert {"TIM-001", "TIM-002", "TIM-003"} <= set(RULES)
    assert RULES["TIM-003"].needs() == {
        "tickets": {"opened_at", "priority", "service", "record_type"},
        "sla_targets": {"service", "priority", "resolution_minutes"},
    }


# Fixtures in the shape of tests/test_rule_fixtures.CASES ({tables}, offending ids), for the lead to merge.
RULE_CASES = {
    "TIM-001": (
        {"tickets": FRIDAY_TICKETS, "ticket_events": FRIDAY_EVENTS, **catalogue()},
        ["fri-late", "fri-nopause", "open-overdue", "p3-late"],
    ),
    "TIM-002": (
        {
            "tickets": [
                inc("r-ok", responded_at="2026-03-27 16:50", resolved_at="2026-03-31 13:00"),
                inc("r-late", responded_at="2026-03-31 06:30", resolved_at="2026-03-31 13:00"),
            ],
            **catalogue(),
        },
        ["r-late"],
    ),
    "TIM-003": (
        {
            "tickets": [
                {"record_type": "service_request", "status": "closed", "priority": 4, "service": "SVC-DESK"}
                | {"id": "sr-ok", "opened_at": "2026-04-01 06:00", "closed_at": "2026-04-02 14:00"},
                {"record_type": "service_request", "status": "closed", "priority": 4, "service": "SVC-DESK"}
                | {"id": "sr-late", "opened_at": "2026-04-01 06:00", "closed_at": "2026-04-02 14:30"},
            ],
            **catalogue(),
        },
        ["sr-late"],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_cases_for_the_fixture_table(rule_id):
    tables, expected = RULE_CASES[rule_id]
    result = run_rule(rule_id, make_evidence(**tables))
    assert result.status in ("pass", "fail"), result.explanation
    assert offending_ids(result) == expected
    assert all(record["reason"] for record in result.records)
