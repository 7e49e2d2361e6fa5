"""SLA timeliness in the demo: business-hours calendars, response times, service requests, and the
planted TIM-001 / TIM-002 / TIM-003 defects (proposed by the timeliness helper; owned by the lead).

Targets: P1/P2 run around the clock (calendar ``always``), P3/P4 on the service desk's hours
(calendar ``service-desk``: Mon-Fri 08:00-18:00 Europe/London, UK bank holidays). Every clean ticket
is responded to and resolved within 90 % of its target in business time, so only planted records
breach; near-misses end exactly at the due time. On a clean demo (``data.clean``) the same random
numbers are drawn but no record is moved: nothing breaches and nothing ends exactly at the due time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sms_audit.calendars import Calendar, due_time

AS_OF = dt.datetime(2026, 6, 30)
FMT = "%Y-%m-%d %H:%M:%S"
SLA = {1: (15, 240), 2: (30, 480), 3: (120, 1440), 4: (480, 4320)}
PRIORITY_LABEL = {1: "1 - Critical", 2: "2 - High", 3: "3 - Moderate", 4: "4 - Low", 5: "5 - Planning"}
BANK_HOLIDAYS = [
    "2025-08-25",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
]
DESK = Calendar.from_hours(
    "service-desk", {d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}, "Europe/London", BANK_HOLIDAYS
)
CALENDAR_OF = {1: None, 2: None, 3: DESK, 4: DESK}  # None: around the clock
CALENDAR_NAME = {1: "always", 2: "always", 3: "service-desk", 4: "service-desk"}

CALENDARS_YAML = f"""\
calendars:
  service-desk:
    timezone: Europe/London
    hours: {{mon-fri: "08:00-18:00"}}
    holidays: [{", ".join(BANK_HOLIDAYS)}]
  always:
    hours: 24x7
"""

REQUEST_COLUMNS = [
    "number",
    "opened_at",
    "short_description",
    "cat_item",
    "business_service",
    "priority",
    "state",
    "assignment_group",
    "assigned_to",
    "closed_at",
]
REQUEST_ITEMS = ["New laptop", "Software install", "Access to shared folder", "Mailbox increase", "VPN token"]


def _ts(value: dt.datetime | None) -> str:
    return value.strftime(FMT) if value else ""


def _parse(text: str) -> dt.datetime | None:
    return dt.datetime.strptime(text, FMT) if text else None


def priority_of(row: dict[str, Any]) -> int:
    return int(str(row["priority"]).split(" ")[0])


def due(opened: dt.datetime, minutes: float, priority: int) -> dt.datetime:
    """When ``minutes`` of the priority's calendar have run from ``opened`` (whole seconds)."""
    return due_time(opened, minutes, CALENDAR_OF[priority]).to_pydatetime().replace(microsecond=0)


def clean_times(opened: dt.datetime, priority: int, factor: float) -> tuple[dt.datetime, dt.datetime]:
    """Response and resolution of a clean incident: ``factor`` (< 0.9) of each target, in business time."""
    response, resolution = SLA[priority]
    return due(opened, response * factor, priority), due(opened, resolution * factor, priority)


def settle_incident(row: dict[str, Any]) -> None:
    """Make an incident built elsewhere (e.g. demo_process.new_incident) SLA-clean: a response at half
    the response target, a resolution no later than 90 % of the resolution target, closure after it."""
    opened, priority = _parse(row["opened_at"]), priority_of(row)
    response, resolution = SLA[priority]
    responded = due(opened, response * 0.5, priority)
    row["u_responded_at"] = _ts(responded) if responded < AS_OF else ""
    if row["resolved_at"]:
        resolved = min(_parse(row["resolved_at"]), due(opened, resolution * 0.9, priority))
        row["resolved_at"] = _ts(resolved)
        if row["closed_at"] and _parse(row["closed_at"]) < resolved:
            row["closed_at"] = _ts(resolved + dt.timedelta(days=1))


def plant_timeliness(data, tickets: int) -> list[dict[str, Any]]:
    """Plant TIM-001 and TIM-002 on incidents; build the service requests (with TIM-003). Returns the requests."""
    rng = data.rng
    inc = data.incidents
    plant = not data.clean

    def ended_early(r: dict) -> bool:
        opened = _parse(r["opened_at"])
        return (
            r["state"] in ("Resolved", "Closed")
            and bool(r["resolved_at"])
            and _parse(r["resolved_at"]) >= opened
            and opened < AS_OF - dt.timedelta(days=40)
            and r["number"] >= "INC0010000"
        )

    # TIM-001: resolved after the due time, by 15 minutes to 10 hours of business time.
    for r in data.pick(inc, 6, "number", ended_early):
        p = priority_of(r)
        resolved = due(_parse(r["opened_at"]), SLA[p][1] + rng.randint(15, 600), p)
        if not plant:
            continue
        r["resolved_at"] = _ts(resolved)
        if r["closed_at"]:
            r["closed_at"] = _ts(resolved + dt.timedelta(days=1))
        data.defect("TIM-001", r["number"])
    # ... and one still open long after its due time: overdue at as_of.
    for r in data.pick(inc, 1 if plant else 0, "number", ended_early):
        r.update({"state": "In Progress", "resolved_at": "", "closed_at": "", "close_code": ""})
        data.defect("TIM-001", r["number"])
    for r in data.pick(inc, 2 if plant else 0, "number", ended_early):  # resolved exactly at the due time
        p = priority_of(r)
        resolved = due(_parse(r["opened_at"]), SLA[p][1], p)
        r["resolved_at"] = _ts(resolved)
        if r["closed_at"]:
            r["closed_at"] = _ts(resolved + dt.timedelta(days=1))
        data.near_miss("TIM-001", r["number"])

    # TIM-002: first response after the due time (still before the resolution).
    def late_response_fits(r: dict) -> bool:
        if not (ended_early(r) and r["u_responded_at"]):
            return False
        p = priority_of(r)
        return due(_parse(r["opened_at"]), SLA[p][0] + 120, p) < _parse(r["resolved_at"])

    for r in data.pick(inc, 5, "number", late_response_fits):
        p = priority_of(r)
        responded = _ts(due(_parse(r["opened_at"]), SLA[p][0] + rng.randint(5, 120), p))
        if plant:
            r["u_responded_at"] = responded
            data.defect("TIM-002", r["number"])
    # No response recorded: counted as responded at resolution, which is later than the response target.
    for r in data.pick(inc, 1 if plant else 0, "number", lambda r: ended_early(r) and priority_of(r) in (1, 2, 3)):
        p = priority_of(r)
        if _parse(r["resolved_at"]) <= due(_parse(r["opened_at"]), SLA[p][0], p):
            resolved = due(_parse(r["opened_at"]), SLA[p][0] + 30, p)
            r["resolved_at"] = _ts(resolved)
            if r["closed_at"] and _parse(r["closed_at"]) < resolved:  # closing stays after resolving (OPS-002)
                r["closed_at"] = _ts(resolved + dt.timedelta(days=1))
        r["u_responded_at"] = ""
        data.defect("TIM-002", r["number"])
    for r in data.pick(inc, 2 if plant else 0, "number", lambda r: ended_early(r) and bool(r["u_responded_at"])):
        p = priority_of(r)
        r["u_responded_at"] = _ts(due(_parse(r["opened_at"]), SLA[p][0], p))  # exactly at the due time
        data.near_miss("TIM-002", r["number"])

    return _build_requests(data, max(30, int(tickets * 0.1)))


def _build_requests(data, count: int) -> list[dict[str, Any]]:
    from sms_audit.demo import PEOPLE, PERIOD_FROM, SERVICES

    rng = data.rng
    start = dt.datetime.combine(PERIOD_FROM, dt.time())
    target = SLA[4][1]
    rows = []
    for n in range(count):
        _sid, name, team, _ = rng.choice(SERVICES)
        opened = start + dt.timedelta(seconds=rng.randrange(int((AS_OF - start).total_seconds()) - 86400))
        closed = due(opened, target * rng.uniform(0.1, 0.9), 4)
        done = closed < AS_OF
        rows.append(
            {
                "number": f"RITM{10001 + n:07d}",
                "opened_at": _ts(opened),
                "short_description": f"{name}: request",
                "cat_item": rng.choice(REQUEST_ITEMS),
                "business_service": name,
                "priority": PRIORITY_LABEL[4],
                "state": "Closed Complete" if done else "Work in Progress",
                "assignment_group": team,
                "assigned_to": rng.choice(PEOPLE),
                "closed_at": _ts(closed) if done else "",
            }
        )

    def closed_early(r: dict) -> bool:
        return r["state"] == "Closed Complete" and _parse(r["opened_at"]) < AS_OF - dt.timedelta(days=40)

    for r in data.pick(rows, 2, "number", closed_early):  # fulfilled late (TIM-003)
        closed = _ts(due(_parse(r["opened_at"]), target + rng.randint(30, 900), 4))
        if not data.clean:
            r["closed_at"] = closed
            data.defect("TIM-003", r["number"])
    for r in data.pick(rows, 0 if data.clean else 1, "number", closed_early):
        r["closed_at"] = _ts(due(_parse(r["opened_at"]), target, 4))
        data.near_miss("TIM-003", r["number"])
    return rows
