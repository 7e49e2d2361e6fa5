"""Service catalogue with SLA targets (YAML or CSV): the ``services`` and ``sla_targets`` tables.

YAML layout::

    calendars:                         # optional: business hours for SLA clocks
      office:
        timezone: Europe/London        # optional IANA name; omitted = the time of the ticket data
        hours: {mon-fri: "08:00-18:00", sat: "09:00-12:00"}   # days not given are closed
        holidays: [2026-01-01, {date: 2026-12-25, name: Christmas Day}]
      always: {hours: 24x7}
    services:
      - id: SVC-EMAIL
        name: Email
        owner: Messaging team
        criticality: high
        calendar: office               # default for the service's targets
        sla:
          - {priority: 1, response_minutes: 15, resolution_minutes: 240, calendar: always}
          - {priority: 2, response_hours: 1, resolution_hours: 8}

Day keys are ``mon`` .. ``sun`` (or full names) and ranges such as ``mon-fri``; a day's value is
``"HH:MM-HH:MM"``, several ranges separated by commas or given as a list, ``closed``, or empty.
``hours: 24x7`` means always open. Times run from 00:00 to 24:00; a range may not pass midnight
(split a night shift over two days). The parsed calendars are in ``details["calendars"]`` as
``{name: {timezone, hours: {mon: [["08:00", "18:00"]], ... all seven days}, holidays: [ISO dates],
holiday_names: {date: name}, line}}``; ``sla_targets.calendar`` holds the calendar's name. They are
also emitted as the canonical tables ``calendars`` (one row per working window: calendar, weekday
0 = Monday, start and end ``HH:MM`` local, timezone) and ``holidays`` (calendar, date, name), each
only when it has rows, with the calendar's line as provenance.

CSV layout: one row per service and priority, headers matched by synonyms (``options.columns``
overrides them): service id, service name, owner, criticality, status, priority (``1``, ``P1``,
``1 - Critical``, ``Critical``), calendar, and per target a minutes column (``Response minutes``,
``Response time (min)``), an hours column (``Resolution hours``, ``Resolution (h)``, converted to
minutes), or a unit-less column (``Response time``) whose cells carry a unit (``30 min``, ``4 h``,
``1:30``). A row without a priority and targets describes the service only. The service's name,
owner and so on come from its first row that gives them.

Every record (service, SLA target, calendar; in CSV every row) is loaded or rejected with file,
line and reason. A target naming a calendar that this file's ``calendars`` does not define, or
defines wrongly, is rejected; when the file defines no calendars the name is kept as given.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Rejection, Sample
from evidence_adapters.csv_source import read_delimited
from evidence_adapters.mapping import normalise_header
from sms_audit.errors import EvidenceError, UnsafeYamlError
from sms_audit.safe_yaml import load_yaml_file

_SERVICE_KEYS = ("id", "name", "owner", "criticality", "status")
_TARGET_NUMBERS = ("response_minutes", "resolution_minutes")
_TARGET_COLUMNS = ("id", "service", "priority", *_TARGET_NUMBERS, "calendar")
_CALENDAR_COLUMNS = ("id", "calendar", "weekday", "start", "end", "timezone")
_HOLIDAY_COLUMNS = ("id", "calendar", "date", "name")
_PROVENANCE = ("_source_file", "_source_line")
_YAML_SUFFIXES = (".yaml", ".yml")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    **{d: i for i, d in enumerate(DAYS)},
    **{n: i for i, n in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
_ALWAYS = {"24x7", "24/7", "24_7", "always"}
_CLOSED = {"closed", "off", "none", "-"}
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
_CALENDAR_KEYS = {"timezone", "hours", "holidays", "name", "description"}

_PRIORITY_WORDS = {"critical": 1, "urgent": 1, "high": 2, "moderate": 3, "medium": 3, "normal": 3, "low": 4}
_PRIORITY = re.compile(r"^\s*(?:p|prio|priority)?\s*(\d+)(?:\.0+)?\s*(?:[-–:].*)?$", re.IGNORECASE)
_DURATION = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"^\s*(\d+):(\d{2})\s*$")
_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 1.0),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 60.0),
}
_DAY_UNITS = {"d", "day", "days"}

# CSV header synonyms (normalised with mapping.normalise_header, so case and punctuation do not matter).
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("service_id", "service id", "service code", "service ref", "service reference", "service", "id"),
    "name": ("service_name", "service name", "service title", "name"),
    "owner": ("owner", "service owner", "service_owner"),
    "criticality": ("criticality", "business criticality", "service criticality", "tier"),
    "status": ("status", "service status", "lifecycle status"),
    "priority": ("priority", "prio", "incident priority", "ticket priority"),
    "calendar": ("calendar", "business hours", "service hours", "support hours", "support calendar", "sla calendar"),
    "response_minutes": (
        "response_minutes",
        "response minutes",
        "response mins",
        "response min",
        "response (min)",
        "response time minutes",
        "response time (minutes)",
        "response time (min)",
        "response_time_minutes",
    ),
    "response_hours": (
        "response_hours",
        "response hours",
        "response hrs",
        "response h",
        "response (h)",
        "response time hours",
        "response time (hours)",
        "response time (h)",
        "response_time_hours",
    ),
    "response": ("response", "response time", "response target", "target response"),
    "resolution_minutes": (
        "resolution_minutes",
        "resolution minutes",
        "resolution mins",
        "resolution min",
        "resolution (min)",
        "resolution time minutes",
        "resolution time (minutes)",
        "resolution time (min)",
        "resolution_time_minutes",
        "resolve minutes",
    ),
    "resolution_hours": (
        "resolution_hours",
        "resolution hours",
        "resolution hrs",
        "resolution h",
        "resolution (h)",
        "resolution time hours",
        "resolution time (hours)",
        "resolution time (h)",
        "resolution_time_hours",
        "resolve hours",
    ),
    "resolution": ("resolution", "resolution time", "resolution target", "target resolution", "resolve time"),
}
_MEASURES = {
    "response_minutes": (("response_minutes", "min"), ("response_hours", "h"), ("response", None)),
    "resolution_minutes": (("resolution_minutes", "min"), ("resolution_hours", "h"), ("resolution", None)),
}


class CalendarError(ValueError):
    """A calendar definition that cannot be used; ``column`` says where (e.g. ``calendars.office.hours.mon``)."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@ADAPTERS.register("service_catalogue")
class ServiceCatalogueAdapter:
    name = "service_catalogue"
    description = "Service catalogue with SLA targets per priority and business-hours calendars (YAML or CSV)"

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        if sample.suffix in _YAML_SUFFIXES:
            keys = set(re.findall(r"^(services|calendars)\s*:", sample.text, re.MULTILINE))
            if "services" in keys:
                extra = " and 'calendars'" if "calendars" in keys else ""
                return Detection(0.9, f"YAML with a top-level 'services' list{extra}")
            if "calendars" in keys:
                return Detection(0.8, "YAML with a top-level 'calendars' mapping (business hours)")
            return None
        if sample.suffix not in (".csv", ".tsv", ".txt"):
            return None
        found = _resolve_csv(list(sample.header), {})
        measures = [k for k in found if k.startswith(("response", "resolution"))]
        if "id" not in found or "priority" not in found or not measures:
            return None
        named = ", ".join(f"{found[k]} -> {k}" for k in ("id", "priority", *measures))
        return Detection(0.85, f"service catalogue columns: {named}")

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        if path.suffix.lower() in _YAML_SUFFIXES or (path.suffix.lower() not in (".csv", ".tsv", ".txt")):
            return _load_yaml(path, display_path)
        return _load_csv(path, display_path, options)


# --- YAML ----------------------------------------------------------------------------------------


def _load_yaml(path: Path, display_path: str) -> AdapterResult:
    try:
        data = load_yaml_file(path, display_path)
    except UnsafeYamlError as exc:
        raise EvidenceError(str(exc)) from None
    if not isinstance(data, dict) or not (isinstance(data.get("services"), list) or "calendars" in data):
        raise EvidenceError(f"{display_path}: expected a mapping with a 'services' list (and optional 'calendars')")
    if "services" in data and not isinstance(data["services"], list | None):
        raise EvidenceError(f"{display_path}: 'services' must be a list of services")
    raw_calendars = data.get("calendars")
    if raw_calendars is not None and not isinstance(raw_calendars, dict):
        raise EvidenceError(f"{display_path}: 'calendars' must be a mapping of calendar name -> definition")

    rejections: list[Rejection] = []
    rows_read = 0
    calendars: dict[str, dict[str, Any]] = {}
    bad_calendars: dict[str, int] = {}
    for name, spec in (raw_calendars or {}).items():
        rows_read += 1
        line = getattr(spec, "line", 0) or getattr(raw_calendars, "line", 0)
        try:
            calendars[str(name)] = parse_calendar(str(name), spec) | {"line": line}
        except CalendarError as exc:
            bad_calendars[str(name)] = line
            rejections.append(Rejection(display_path, line, exc.column, f"calendar {name!r}: {exc.reason}"))
    defines_calendars = raw_calendars is not None

    def calendar_problem(name: str | None) -> str | None:
        if name is None or not defines_calendars:
            return None
        if name in bad_calendars:
            return f"calendar {name!r} is invalid (see the rejection on line {bad_calendars[name]})"
        if name not in calendars:
            known = ", ".join(sorted(calendars)) or "none"
            return f"calendar {name!r} is not defined (calendars in this file: {known})"
        return None

    services, targets = [], []
    seen_services: dict[str, int] = {}
    seen_targets: dict[str, int] = {}
    for entry in data.get("services") or []:
        rows_read += 1
        line = getattr(entry, "line", 0)
        if not isinstance(entry, dict) or not entry.get("id"):
            rejections.append(Rejection(display_path, line, "id", "service entry without an id"))
            continue
        sid = str(entry["id"])
        if sid in seen_services:
            reason = f"duplicate service id {sid!r} (first on line {seen_services[sid]})"
            rejections.append(Rejection(display_path, line, "id", reason))
            continue
        seen_services[sid] = line
        services.append({k: _text(entry.get(k)) for k in _SERVICE_KEYS} | _provenance(display_path, line))
        sla = entry.get("sla") or []
        if not isinstance(sla, list):
            rows_read += 1
            rejections.append(Rejection(display_path, line, "sla", "sla must be a list of targets"))
            continue
        for target in sla:
            rows_read += 1
            t_line = getattr(target, "line", line)
            try:
                record = _yaml_target(sid, target, entry)
                problem = calendar_problem(record["calendar"])
                if problem:
                    raise _TargetError("calendar", problem)
                if record["id"] in seen_targets:
                    raise _TargetError(
                        "priority", f"duplicate SLA target {record['id']} (first on line {seen_targets[record['id']]})"
                    )
            except _TargetError as exc:
                rejections.append(Rejection(display_path, t_line, exc.column, exc.reason))
                continue
            seen_targets[record["id"]] = t_line
            targets.append(record | _provenance(display_path, t_line))
    tables = {"services": _frame(services, _SERVICE_KEYS), "sla_targets": _frame(targets, _TARGET_COLUMNS)}
    provided = {"services": set(_SERVICE_KEYS), "sla_targets": set(_TARGET_COLUMNS)}
    for name, frame in calendar_tables(calendars, display_path).items():
        tables[name] = frame
        provided[name] = set(frame.columns) - set(_PROVENANCE)
    details = {"format": "yaml", "calendars": calendars}
    return AdapterResult(tables, rows_read, rejections, details, provided)


@dataclass
class _TargetError(Exception):
    column: str
    reason: str


def _yaml_target(service: str, target: Any, entry: Mapping) -> dict[str, Any]:
    if not isinstance(target, dict):
        raise _TargetError("sla", "SLA target must be a mapping")
    priority = _priority(target.get("priority"))
    if priority is None:
        raise _TargetError("priority", "SLA target needs an integer priority")
    record: dict[str, Any] = {"id": f"{service}/P{priority}", "service": service, "priority": priority}
    for measure in _TARGET_NUMBERS:
        base = measure.removesuffix("_minutes")
        given = {}
        for key, factor in ((measure, 1.0), (f"{base}_hours", 60.0)):
            if key in target and target[key] is not None:
                value = target[key]
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    unit = "minutes" if factor == 1 else "hours"
                    raise _TargetError(key, f"{key} must be a non-negative number of {unit}")
                given[key] = float(value) * factor
        record[measure] = _agree(measure, given)
    record["calendar"] = _text(target.get("calendar") or entry.get("calendar"))
    return record


# --- CSV -----------------------------------------------------------------------------------------


def _resolve_csv(header: list[str], overrides: Mapping[str, str]) -> dict[str, str]:
    """Canonical column -> header used (``options.columns`` first, then the synonyms in order)."""
    by_norm: dict[str, str] = {}
    for name in header:
        by_norm.setdefault(normalise_header(str(name)), str(name))
    found: dict[str, str] = {}
    used: set[str] = set()
    for target, synonyms in CSV_COLUMNS.items():
        candidates = (overrides[target],) if target in overrides else synonyms
        for candidate in candidates:
            name = by_norm.get(normalise_header(candidate))
            if name is not None and name not in used:
                found[target] = name
                used.add(name)
                break
    return found


def _load_csv(path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
    text = read_delimited(path, display_path, options.get("delimiter"))
    found = _resolve_csv(text.header, options.get("columns") or {})
    if "id" not in found:
        raise EvidenceError(
            f"{display_path}: service catalogue: no column for the service id; expected one of: "
            f"{', '.join(CSV_COLUMNS['id'])} (or set options.columns.id)"
        )
    rejections = list(text.rejections)
    services: dict[str, dict[str, Any]] = {}
    targets: list[dict[str, Any]] = []
    seen_targets: dict[str, int] = {}
    frame = text.frame.astype(object).where(text.frame.notna(), None)
    for (_, row), line in zip(frame.iterrows(), text.lines, strict=True):
        line = int(line)
        cell = {target: _text_cell(row[header]) for target, header in found.items()}
        try:
            record = _csv_target(cell, found)
            if record is not None:
                if record["id"] in seen_targets:
                    raise _TargetError(
                        found["priority"],
                        f"duplicate SLA target {record['id']} (first on line {seen_targets[record['id']]})",
                    )
                seen_targets[record["id"]] = line
                targets.append(record | _provenance(display_path, line))
        except _TargetError as exc:
            rejections.append(Rejection(display_path, line, exc.column, exc.reason))
            continue
        service = services.setdefault(cell["id"], {"id": cell["id"]} | _provenance(display_path, line))
        for key in _SERVICE_KEYS[1:]:
            if service.get(key) is None and cell.get(key) is not None:
                service[key] = cell[key]
    tables = {
        "services": _frame(list(services.values()), _SERVICE_KEYS),
        "sla_targets": _frame(targets, _TARGET_COLUMNS),
    }
    provided_targets = {"id", "service", "priority"} if "priority" in found else set()
    for measure, sources in _MEASURES.items():
        if provided_targets and any(source in found for source, _ in sources):
            provided_targets.add(measure)
    if provided_targets and "calendar" in found:
        provided_targets.add("calendar")
    provided = {"services": {k for k in _SERVICE_KEYS if k in found}}
    if provided_targets:
        provided["sla_targets"] = provided_targets
    details = {
        "format": "csv",
        "encoding": text.encoding,
        "delimiter": text.delimiter,
        "columns": dict(found),
        "calendars": {},
    }
    return AdapterResult(tables, text.rows_read, rejections, details, provided)


def _csv_target(cell: dict[str, str | None], found: dict[str, str]) -> dict[str, Any] | None:
    """The row's SLA target, None for a service-only row; raises _TargetError for a bad row."""
    if cell["id"] is None:
        raise _TargetError(found["id"], f"{found['id']} is empty (the service id is required)")
    values: dict[str, float | None] = {}
    for measure, sources in _MEASURES.items():
        given = {}
        for source, unit in sources:
            if source in found and cell.get(source) is not None:
                try:
                    given[found[source]] = duration_minutes(cell[source], unit)
                except ValueError as exc:
                    raise _TargetError(found[source], f"{found[source]}: {exc}") from None
        values[measure] = _agree(measure, given)
    raw_priority = cell.get("priority")
    if raw_priority is None:
        if any(v is not None for v in values.values()):
            column = found.get("priority", "priority")
            raise _TargetError(column, "SLA target without a priority (a priority column and value are needed)")
        return None
    priority = _priority(raw_priority)
    if priority is None:
        raise _TargetError(found["priority"], f"{found['priority']}: {raw_priority!r} is not a priority (1, P1, High)")
    return {
        "id": f"{cell['id']}/P{priority}",
        "service": cell["id"],
        "priority": priority,
        **values,
        "calendar": cell.get("calendar"),
    }


def duration_minutes(text: str, default_unit: str | None) -> float:
    """'30', '30 min', '4h', '1,5 h', '1:30' -> minutes; ``default_unit`` ('min' or 'h') for bare numbers."""
    clock = _CLOCK.match(text)
    if clock:
        return int(clock[1]) * 60.0 + int(clock[2])
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration (e.g. 30, 30 min, 4 h, 1:30)")
    number, unit = match[1], match[2].lower()
    if re.fullmatch(r"\d+,\d{1,2}", number):
        number = number.replace(",", ".")  # decimal comma: '1,5' hours
    else:
        number = number.replace(",", "")  # thousands separator: '1,440' minutes
    value = float(number)
    if unit in _DAY_UNITS:
        raise ValueError(f"{text!r}: days are ambiguous under business hours; give hours or minutes")
    if not unit:
        if default_unit is None:
            raise ValueError(f"{text!r} has no unit; write e.g. '30 min' or '4 h', or name the column '... minutes'")
        unit = default_unit
    if unit not in _UNITS:
        raise ValueError(f"{text!r}: unknown unit {unit!r} (use min or h)")
    return value * _UNITS[unit]


def _agree(measure: str, given: dict[str, float]) -> float | None:
    values = set(given.values())
    if len(values) > 1:
        shown = ", ".join(f"{k}={v:g} min" for k, v in given.items())
        raise _TargetError(next(iter(given)), f"{measure} given twice with different values ({shown})")
    return values.pop() if values else None


def _priority(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    if text.lower() in _PRIORITY_WORDS:
        return _PRIORITY_WORDS[text.lower()]
    match = _PRIORITY.match(text)
    return int(match[1]) if match else None


# --- calendars -----------------------------------------------------------------------------------


def parse_calendar(name: str, spec: Any) -> dict[str, Any]:
    """Validate one calendar definition and return its plain form (see the module docstring)."""
    where = f"calendars.{name}"
    if not isinstance(spec, dict):
        raise CalendarError(where, "must be a mapping with hours (and optional timezone, holidays)")
    unknown = sorted(str(k) for k in spec if k not in _CALENDAR_KEYS)
    if unknown:
        raise CalendarError(
            f"{where}.{unknown[0]}",
            f"unknown key {unknown[0]!r} (expected {', '.join(sorted(_CALENDAR_KEYS - {'name', 'description'}))})",
        )
    timezone = spec.get("timezone")
    if timezone is not None:
        if not isinstance(timezone, str) or not timezone.strip():
            raise CalendarError(f"{where}.timezone", "timezone must be an IANA name such as Europe/London")
        try:
            zoneinfo.ZoneInfo(timezone.strip())
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise CalendarError(
                f"{where}.timezone", f"unknown time zone {timezone!r} (use an IANA name such as Europe/London)"
            ) from None
        timezone = timezone.strip()
    if "hours" not in spec or spec["hours"] is None:
        raise CalendarError(f"{where}.hours", "hours are required (e.g. {mon-fri: '08:00-18:00'} or 24x7)")
    hours = _parse_hours(spec["hours"], f"{where}.hours")
    if not any(hours.values()):
        raise CalendarError(f"{where}.hours", "every day is closed; an SLA clock on this calendar would never run")
    holidays, names = _parse_holidays(spec.get("holidays"), f"{where}.holidays")
    return {"timezone": timezone, "hours": hours, "holidays": holidays, "holiday_names": names}


def _parse_hours(spec: Any, where: str) -> dict[str, list[list[str]]]:
    if isinstance(spec, str) and spec.strip().lower() in _ALWAYS:
        return {day: [["00:00", "24:00"]] for day in DAYS}
    if not isinstance(spec, dict):
        raise CalendarError(where, "hours must be a mapping of days to 'HH:MM-HH:MM' (or 24x7)")
    hours: dict[str, list[list[str]]] = {day: [] for day in DAYS}
    given: set[str] = set()
    for key, value in spec.items():
        days = _days(str(key), f"{where}.{key}")
        for day in days:
            if day in given:
                raise CalendarError(f"{where}.{key}", f"{day} is given more than once")
            given.add(day)
            hours[day] = _ranges(value, f"{where}.{key}")
    return hours


def _days(key: str, where: str) -> list[str]:
    parts = [p.strip().lower() for p in re.split(r"\s*[-–]\s*|\.\.", key.strip())]
    if len(parts) == 1 and parts[0] in _DAY_NAMES:
        return [DAYS[_DAY_NAMES[parts[0]]]]
    if len(parts) == 2 and all(p in _DAY_NAMES for p in parts):
        first, last = _DAY_NAMES[parts[0]], _DAY_NAMES[parts[1]]
        if last < first:
            raise CalendarError(where, f"day range {key!r} runs backwards (write e.g. mon-fri)")
        return list(DAYS[first : last + 1])
    raise CalendarError(where, f"{key!r} is not a day or day range (mon, tue, ... sun, or e.g. mon-fri)")


def _ranges(value: Any, where: str) -> list[list[str]]:
    if value is None:
        return []
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        if value.strip().lower() in _CLOSED or not value.strip():
            return []
        if value.strip().lower() in _ALWAYS:
            return [["00:00", "24:00"]]
        items = [part for part in re.split(r"[,;]", value) if part.strip()]
    else:
        raise CalendarError(where, f"{value!r} is not a time range; write 'HH:MM-HH:MM' in quotes")
    spans: list[tuple[int, int]] = []
    for item in items:
        match = _RANGE.match(str(item)) if isinstance(item, str) else None
        if not match:
            raise CalendarError(where, f"{item!r} is not a time range 'HH:MM-HH:MM'")
        start = _minute_of_day(int(match[1]), int(match[2]), where, str(item))
        end = _minute_of_day(int(match[3]), int(match[4]), where, str(item))
        if end <= start:
            raise CalendarError(
                where, f"{item.strip()!r} ends before it starts (split hours past midnight over two days)"
            )
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise CalendarError(where, "time ranges overlap")
    return [[_clock(s), _clock(e)] for s, e in spans]


def _minute_of_day(hour: int, minute: int, where: str, item: str) -> int:
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise CalendarError(where, f"{item.strip()!r} has a time outside 00:00-24:00")
    return hour * 60 + minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_holidays(value: Any, where: str) -> tuple[list[str], dict[str, str]]:
    if value is None:
        return [], {}
    if not isinstance(value, list):
        raise CalendarError(where, "holidays must be a list of dates (YYYY-MM-DD)")
    days: set[str] = set()
    names: dict[str, str] = {}
    for item in value:
        label = None
        if isinstance(item, dict):
            label = _text(item.get("name"))
            item = item.get("date")
        day = _holiday(item)
        if day is None:
            raise CalendarError(where, f"holiday {item!r} is not a date (YYYY-MM-DD)")
        days.add(day)
        if label:
            names[day] = label
    return sorted(days), dict(sorted(names.items()))


def _holiday(item: Any) -> str | None:
    if isinstance(item, dt.datetime):
        return item.date().isoformat()
    if isinstance(item, dt.date):
        return item.isoformat()
    if isinstance(item, str):
        for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(item.strip(), fmt).date().isoformat()
            except ValueError:
                continue
    return None


def calendar_tables(calendars: Mapping[str, Mapping[str, Any]], display_path: str) -> dict[str, pd.DataFrame]:
    """The canonical ``calendars`` (one row per working window) and ``holidays`` tables of parsed calendars.

    Rows carry the calendar's line. A table is returned only when it has rows: a catalogue without
    calendars (or without holidays) provides no such table, rather than an empty one.
    """
    windows: list[dict[str, Any]] = []
    holidays: list[dict[str, Any]] = []
    for name, calendar in calendars.items():
        where = _provenance(display_path, calendar.get("line", 0))
        for weekday, day in enumerate(DAYS):
            for n, (start, end) in enumerate(calendar["hours"].get(day, []), start=1):
                row = {"id": f"{name}/{day}/{n}", "calendar": name, "weekday": weekday, "start": start, "end": end}
                windows.append(row | {"timezone": calendar.get("timezone")} | where)
        names = calendar.get("holiday_names") or {}
        for date in calendar.get("holidays", []):
            holidays.append({"id": f"{name}/{date}", "calendar": name, "date": date, "name": names.get(date)} | where)
    tables = {}
    if windows:
        tables["calendars"] = _frame(windows, _CALENDAR_COLUMNS)
    if holidays:
        frame = _frame(holidays, _HOLIDAY_COLUMNS)
        frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d").astype("datetime64[us]")
        tables["holidays"] = frame
    return tables


# --- helpers -------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _text_cell(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _provenance(file: str, line: int) -> dict[str, Any]:
    return {"_source_file": file, "_source_line": line}


def _frame(records: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=[*columns, *_PROVENANCE])
