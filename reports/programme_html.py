"""Render programme.json as one self-contained HTML page: a calendar of the window and a plan per audit.

Deterministic for identical input (no clock, no random ids); inline CSS; StrictUndefined like the report.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from reports.html_writer import make_environment

TEMPLATE_NAME = "programme.html.j2"
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def calendar_months(programme: dict[str, Any]) -> list[dict[str, Any]]:
    """Months of the window as weeks of days, each day with the audits on it."""
    window = programme["programme"]["window"]
    start, end = dt.date.fromisoformat(window["start"]), dt.date.fromisoformat(window["end"])
    on_day: dict[str, list[dict[str, Any]]] = {}
    for audit in programme["audits"]:
        for day in audit["dates"]:
            on_day.setdefault(day, []).append(
                {"id": audit["id"], "band": audit["risk"]["band"], "area": audit["processes"][0],
                 "title": audit["title"]}
            )
    blackout = [
        (dt.date.fromisoformat(b["from"]), dt.date.fromisoformat(b["to"])) for b in programme["programme"]["blackout"]
    ]
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            days = []
            for day in week:
                iso = day.isoformat()
                days.append(
                    {
                        "day": day.day if day.month == month else None,
                        "date": iso,
                        "in_window": start <= day <= end and day.month == month,
                        "blackout": any(a <= day <= b for a, b in blackout),
                        "audits": on_day.get(iso, []) if day.month == month else [],
                    }
                )
            weeks.append(days)
        months.append({"label": f"{calendar.month_name[month]} {year}", "weeks": weeks})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def render_programme_html(programme: dict[str, Any]) -> str:
    template = make_environment().get_template(TEMPLATE_NAME)
    return template.render(p=programme, months=calendar_months(programme), weekdays=WEEKDAY_NAMES)
