"""Placing audits on the calendar: within the audit days available, high risk first, nobody double-booked.

Audit days are the window's days on the allowed weekdays outside blackout periods. First audits of
the areas are spread over the first three quarters of those days in priority order, each starting
strictly after the one before it, so a higher-priority area is never audited later than a lower one.
Second (follow-up) audits of high-risk areas come about half a window after the first. An audit
takes the next ``days`` audit days on which every member of its team is available, not booked by
another audit and within their monthly limit; if the assigned lead has no such days, another
independent, competent lead is tried. What still cannot be placed is returned as a problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sms_audit.programme.inputs import Auditor, Settings

FIRST_ROUND_SHARE = 0.75


@dataclass
class Slot:
    """An audit to place: its key, order, days, team, earliest day and the leads that could replace its lead."""

    key: str
    days: int
    team: list[str]
    first_round: bool
    alternatives: list[str] = field(default_factory=list)
    after: str | None = None  # key of the audit this one follows up
    dates: list[dt.date] = field(default_factory=list)
    note: str = ""


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return dt.date(year, month, min(day.day, last[month - 1]))


def window_end(start: dt.date, months: int) -> dt.date:
    return add_months(start, months) - dt.timedelta(days=1)


def audit_days(start: dt.date, end: dt.date, settings: Settings) -> list[dt.date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() in settings.weekdays and not any(p.contains(day) for p in settings.blackout):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


class Calendar:
    """Who is booked on which day, and how many audit days each person has in each month."""

    def __init__(self, auditors: list[Auditor]) -> None:
        self.auditors = {a.name: a for a in auditors}
        self.booked: dict[str, dict[dt.date, str]] = {a.name: {} for a in auditors}
        self.month_days: dict[tuple[str, int, int], int] = {}

    def fits(self, team: list[str], days: list[dt.date]) -> bool:
        for name in team:
            auditor = self.auditors[name]
            per_month: dict[tuple[int, int], int] = {}
            for day in days:
                if not auditor.available_on(day) or day in self.booked[name]:
                    return False
                per_month[(day.year, day.month)] = per_month.get((day.year, day.month), 0) + 1
            for (year, month), count in per_month.items():
                if self.month_days.get((name, year, month), 0) + count > auditor.days_per_month:
                    return False
        return True

    def book(self, key: str, team: list[str], days: list[dt.date]) -> None:
        for name in team:
            for day in days:
                self.booked[name][day] = key
                self.month_days[(name, day.year, day.month)] = self.month_days.get((name, day.year, day.month), 0) + 1


def _first_fit(calendar: Calendar, team: list[str], days_needed: int, days: list[dt.date], earliest: dt.date,
               last: dt.date | None = None) -> list[dt.date] | None:
    for index, day in enumerate(days):
        if day < earliest:
            continue
        span = days[index:index + days_needed]
        if len(span) < days_needed or (last and span[-1] > last):
            return None
        if calendar.fits(team, span):
            return span
    return None


def place(slots: list[Slot], auditors: list[Auditor], days: list[dt.date], budget: int | None) -> list[str]:
    """Give every slot its dates (in list order: first audits by priority, then follow-up audits)."""
    calendar = Calendar(auditors)
    problems: list[str] = []
    first = [s for s in slots if s.first_round]
    span = max(1, int(len(days) * FIRST_ROUND_SHARE))
    by_key = {s.key: s for s in slots}
    used = 0
    previous_start: dt.date | None = None
    half_window = dt.timedelta(days=max(30, (days[-1] - days[0]).days // 2)) if days else dt.timedelta(0)
    for slot in slots:
        if not slot.team:
            continue  # nobody may audit it: reported by the caller
        if budget is not None and used + slot.days > budget:
            problems.append(f"{slot.key}: not scheduled, the {budget} audit days available are used up")
            continue
        if slot.first_round:
            index = first.index(slot)
            earliest = days[min(len(days) - 1, index * span // max(1, len(first)))] if days else dt.date.min
            if previous_start and earliest <= previous_start:
                earliest = previous_start + dt.timedelta(days=1)
        else:
            before = by_key.get(slot.after or "")
            if not before or not before.dates:
                problems.append(f"{slot.key}: not scheduled, the audit it follows up has no dates")
                continue
            earliest = before.dates[0] + half_window
        dates = _first_fit(calendar, slot.team, slot.days, days, earliest)
        if dates is None and not slot.first_round:
            before = by_key[slot.after or ""]
            dates = _first_fit(calendar, slot.team, slot.days, days, before.dates[-1] + dt.timedelta(days=30))
        if dates is None:
            for lead in slot.alternatives:
                if lead in slot.team:
                    continue
                dates = _first_fit(calendar, [lead], slot.days, days, earliest)
                if dates is not None:
                    slot.note = f"{slot.team[0]} had no free days in time; {lead} leads instead"
                    slot.team = [lead]
                    break
        if dates is None:
            problems.append(f"{slot.key}: no {slot.days} audit day(s) in the window on which its team is free")
            continue
        calendar.book(slot.key, slot.team, dates)
        slot.dates = dates
        used += slot.days
        if slot.first_round:
            previous_start = dates[0]
    return problems
