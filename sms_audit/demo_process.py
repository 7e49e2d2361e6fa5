"""Planted defects for the rules that judge how processes connect over time.

Reviews at planned intervals (cadence), links between records (link), repeat
incidents (recurrence) and CMDB updates covered by changes (consistency). Like
the rest of the demo, every defect and near-miss is recorded when it is made; on a clean demo
(``data.clean``) the same records are built in clean versions, with no defect and no near-miss.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from sms_audit.checks.recurrence import series_members
from sms_audit.demo import AS_OF, FMT, PEOPLE, PERIOD_FROM, PRIORITY_LABEL, SERVICES, DemoData, _date, _ts
from sms_audit.demo_timeliness import settle_incident

DAY = dt.timedelta(days=1)


def _parse(value: str) -> dt.datetime | None:
    return dt.datetime.strptime(value, FMT) if value else None


def _service_of(name: str) -> tuple[str, str, str, str]:
    return next(s for s in SERVICES if s[1] == name)


class Numbers:
    """New record numbers, above every number the base generator used (whatever the demo size)."""

    def __init__(self, data: DemoData) -> None:
        def after(rows: list[dict]) -> int:
            highest = max(int(row["number"][3:]) for row in rows)
            return (highest // 1000 + 2) * 1000

        self.incident = after(data.incidents)
        self.problem = after(data.problems)
        self.change = after(data.changes)
        self.first_problem = self.problem

    def next(self, kind: str) -> str:
        value = getattr(self, kind)
        setattr(self, kind, value + 1)
        prefix = {"incident": "INC", "problem": "PRB", "change": "CHG"}[kind]
        return f"{prefix}{value:07d}"


def problems_in_period(data: DemoData) -> list[dict]:
    """Problems a scan of the audit period keeps: a link to one closed before the period does not count."""
    start = _ts(dt.datetime.combine(PERIOD_FROM, dt.time()))
    return [p for p in data.problems if (p["closed_at"] or p["resolved_at"] or start) >= start]


def new_incident(data: DemoData, numbers: Numbers, opened: dt.datetime, ci: str, service: str, **fields: Any) -> dict:
    """A clean, quickly resolved incident (no rule of the pack finds anything in it)."""
    rng = data.rng
    _sid, _name, team, _crit = _service_of(service)
    resolved = opened + dt.timedelta(minutes=rng.randint(30, 600))
    closed = resolved + DAY
    row = {
        "number": numbers.next("incident"),
        "opened_at": _ts(opened),
        "short_description": f"{service}: {rng.choice(['error after change', 'service degraded', 'login failure'])}",
        "caller_id": rng.choice(PEOPLE),
        "category": "software",
        "subcategory": "",
        "business_service": service,
        "cmdb_ci": ci,
        "impact": "2 - Medium",
        "urgency": "2 - Medium",
        "priority": PRIORITY_LABEL[3],
        "state": "Closed" if closed < AS_OF else "Resolved",
        "assignment_group": team,
        "assigned_to": rng.choice(PEOPLE),
        "major_incident": "FALSE",
        "resolved_at": _ts(resolved),
        "closed_at": _ts(closed) if closed < AS_OF else "",
        "close_code": "Solution provided",
        "reopen_count": "0",
        "reassignment_count": "0",
        "problem_id": "",
        "caused_by": "",
    }
    row.update(fields)
    settle_incident(row)
    data.incidents.append(row)
    return row


def new_problem(data: DemoData, numbers: Numbers, opened: dt.datetime, ci: str, service: str) -> dict:
    """A clean problem with its root cause found, closed when the audit date allows."""
    _sid, _name, team, _crit = _service_of(service)
    closed = opened + dt.timedelta(days=12)
    done = closed < AS_OF
    row = {
        "number": numbers.next("problem"),
        "opened_at": _ts(opened),
        "short_description": f"Cause of major incident on {service}",
        "state": "Closed" if done else "Root Cause Analysis",
        "priority": PRIORITY_LABEL[2],
        "business_service": service,
        "cmdb_ci": ci,
        "assignment_group": team,
        "assigned_to": data.rng.choice(PEOPLE),
        "cause_notes": "Capacity exhausted on the database tier during month-end processing",
        "known_error": "FALSE",
        "workaround": "",
        "resolved_at": _ts(opened + dt.timedelta(days=10)) if done else "",
        "closed_at": _ts(closed) if done else "",
        "rfc": "",
    }
    data.problems.append(row)
    return row


def add_record(data: DemoData, doc_id: str, title: str, doc_type: str, process: str, approved: dt.date) -> None:
    """A dated review record (minutes or report) in the register, approved on the day it was held."""
    owner, author, approver = data.rng.sample(PEOPLE, 3)
    data.documents.append(
        {
            "Doc ID": doc_id,
            "Title": title,
            "Type": doc_type,
            "Process": process,
            "Owner": owner,
            "Author": author,
            "Approver": approver,
            "Version": "1.0",
            "Status": "Approved",
            "Approval Date": _date(approved),
            "Last Review": "",
            "Next Review": "",
        }
    )


def plant_reviews(data: DemoData) -> None:
    """Management reviews, internal audits, continuity tests and service reviews (REV-001..004).

    A clean demo gets records at intervals well inside each limit (and continuity test reports)."""
    clean = data.clean

    def record(doc_id: str, title: str, doc_type: str, process: str, approved: dt.date) -> None:
        add_record(data, doc_id, title, doc_type, process, approved)

    first = dt.date(2025, 6, 10) if clean else dt.date(2024, 6, 10)
    reviews = [first, dt.date(2025, 7, 14), dt.date(2026, 6, 1)]
    for n, day in enumerate(reviews, start=1):
        record(f"MR-{day.year}-{n}", f"Management review minutes {day:%B %Y}", "Management Review Minutes", "SMS", day)
    if not clean:
        data.defect("REV-001", f"gap:{reviews[0]}..{reviews[1]}")  # 399 days between reviews
    audits = [dt.date(2024, 12, 1) if clean else dt.date(2024, 10, 1), dt.date(2025, 11, 20)]
    for n, day in enumerate(audits, start=1):
        record(f"IAR-{day.year}-{n}", f"Internal audit report {day:%B %Y}", "Internal Audit Report", "Audit", day)
    if not clean:
        data.defect("REV-002", f"gap:{audits[0]}..{audits[1]}")  # 415 days between audits
    if clean:
        for n, day in enumerate([dt.date(2025, 5, 12), dt.date(2026, 4, 20)], start=1):
            title = f"Continuity test report {day:%B %Y}"
            record(f"CTR-{day.year}-{n}", title, "Continuity Test Report", "Continuity", day)
    else:
        # No continuity test report at all: one gap covering the whole period.
        data.defect("REV-003", f"gap:{PERIOD_FROM}..{AS_OF.date()}")
    service_reviews = [dt.date(2025, 6, 30), dt.date(2025, 9, 30), dt.date(2026, 1, 15), dt.date(2026, 4, 15)]
    if clean:
        service_reviews = [dt.date(2025, 6, 30), dt.date(2025, 9, 25), dt.date(2025, 12, 15), dt.date(2026, 3, 10)]
        service_reviews.append(dt.date(2026, 5, 28))
    for n, day in enumerate(service_reviews, start=1):
        record(
            f"SRM-{n:02d}", f"Service review with customers {day:%B %Y}", "Service Review Minutes", "Service level", day
        )
    if not clean:
        data.near_miss("REV-004", f"gap:{service_reviews[0]}..{service_reviews[1]}")  # exactly 92 days
        data.defect("REV-004", f"gap:{service_reviews[1]}..{service_reviews[2]}")


def clean_change_template(data: DemoData) -> dict:
    """An untouched, successful, fully recorded normal change to copy new clean changes from."""
    return next(
        c
        for c in data.changes
        if c["number"] not in data.used
        and c["close_code"] == "successful"
        and c["type"] == "Normal"
        and c["risk"]
        and c["assignment_group"]
        and c["start_date"]
        and c["backout_plan"]
        and c["test_plan"]
    )


def plant_known_error_changes(data: DemoData, numbers: Numbers) -> None:
    """Known errors name the change that fixes them (LNK-002), but two do not.

    A small demo may have fewer than two known errors in fix that no other case uses: it gets clean
    ones (root cause and workaround recorded, fix in progress) to plant on."""
    changes = [c["number"] for c in data.changes]
    fixing = ("Fix in Progress", "Resolved", "Closed")
    spare = [
        p for p in data.problems if p["known_error"] == "TRUE" and p["state"] in fixing and p["number"] not in data.used
    ]
    for n in range(2 - len(spare)):
        service = SERVICES[n][1]
        problem = new_problem(
            data,
            numbers,
            dt.datetime.combine(PERIOD_FROM, dt.time()) + dt.timedelta(days=40 + 20 * n),
            f"{SERVICES[n][0].split('-')[1].lower()}-app-01",
            service,
        )
        problem.update(
            state="Fix in Progress", known_error="TRUE", workaround="Restart the service", resolved_at="", closed_at=""
        )
    known = [p for p in data.problems if p["known_error"] == "TRUE"]
    for problem in known:
        problem["rfc"] = data.rng.choice(changes)
    for problem in data.pick(known, 2, "number", lambda p: p["state"] in fixing):
        if not data.clean:
            problem["rfc"] = ""
            data.defect("LNK-002", problem["number"])


def _investigation(data: DemoData, numbers: Numbers, change: dict, delay: dt.timedelta) -> dict:
    """An incident raised against a failed change ``delay`` after its work ended (it names the change)."""
    end = _parse(change["work_end"])
    return new_incident(
        data, numbers, end + delay, change["cmdb_ci"], change["business_service"], caused_by=change["number"]
    )


def plant_failed_change_investigations(data: DemoData, numbers: Numbers) -> None:
    """Failed changes get an incident raised against them within 14 days (LNK-003)."""
    limit = AS_OF - dt.timedelta(days=14)

    def judged(c: dict) -> bool:
        return c["close_code"] == "unsuccessful" and _parse(c["work_end"]) <= limit

    def candidate(c: dict) -> bool:
        return (
            c["close_code"] == "successful"
            and c["number"] not in data.used
            and _parse(c["work_end"] or "") is not None
            and _parse(c["work_end"]) <= limit - dt.timedelta(days=20)
        )

    failed = [c for c in data.changes if judged(c)]
    for change in data.rng.sample([c for c in data.changes if candidate(c)], max(0, 7 - len(failed))):
        change["close_code"] = "unsuccessful"
    failed = sorted((c for c in data.changes if judged(c)), key=lambda c: c["number"])
    free = [c for c in failed if c["number"] not in data.used]
    data.rng.shuffle(free)
    planted: set[str] = set()
    if not data.clean:  # a clean demo investigates every failed change in time (the loop below)
        for change in free[:2]:
            data.defect("LNK-003", change["number"])  # nobody opened an investigation
        late, exact = free[2], free[3]
        plan = [(late, dt.timedelta(days=15), "defect"), (exact, dt.timedelta(hours=336), "near")]
        for change, delay, kind in plan:
            _investigation(data, numbers, change, delay)
            (data.defect if kind == "defect" else data.near_miss)("LNK-003", change["number"])
        planted = {c["number"] for c in free[:4]}
    for change in (c for c in failed if c["number"] not in planted):
        _investigation(data, numbers, change, dt.timedelta(minutes=data.rng.randint(60, 10 * 24 * 60)))
        data.used.add(change["number"])
    if data.clean:
        return
    # A change that failed ten days ago: its investigation window is still open.
    template = clean_change_template(data)
    end = AS_OF - dt.timedelta(days=10)
    recent = dict(
        template,
        number=numbers.next("change"),
        close_code="unsuccessful",
        opened_at=_ts(end - dt.timedelta(days=6)),
        approval_set=_ts(end - dt.timedelta(days=3)),
        start_date=_ts(end - dt.timedelta(hours=1)),
        end_date=_ts(end + dt.timedelta(hours=1)),
        work_start=_ts(end - dt.timedelta(hours=1)),
        work_end=_ts(end),
    )
    data.changes.append(recent)
    data.near_miss("LNK-003", recent["number"])


def plant_major_incident_problems(data: DemoData, numbers: Numbers) -> list[str]:
    """Major incidents get a problem within five days (LNK-001); returns the majors left without one."""
    for incident in data.incidents:
        if incident["priority"] == PRIORITY_LABEL[1] and incident["number"] >= "INC0010000":
            incident["major_incident"] = "TRUE"
    limit = AS_OF - dt.timedelta(days=6)
    start = dt.datetime.combine(PERIOD_FROM, dt.time())
    # Majors of the period only: the few incidents closed before it are left out by the scan.
    majors = [i for i in data.incidents if i["major_incident"] == "TRUE" and start <= _parse(i["opened_at"]) <= limit]
    while len(majors) < 6:  # small demos: add major incidents so every planted case has one
        opened = dt.datetime.combine(PERIOD_FROM, dt.time(9)) + dt.timedelta(days=20 + 40 * len(majors))
        majors.append(
            new_incident(
                data,
                numbers,
                opened,
                "erp-app-01",
                "ERP Finance",
                priority=PRIORITY_LABEL[1],
                major_incident="TRUE",
                impact="1 - High",
                urgency="1 - High",
            )
        )
    majors.sort(key=lambda i: i["number"])
    data.rng.shuffle(majors)
    if data.clean:  # every major incident gets its problem the next day
        unlinked = []
        plan = [(incident, dt.timedelta(days=1), "clean") for incident in majors]
    else:
        unlinked = majors[:2]
        for incident in unlinked:
            incident["problem_id"] = ""
            data.defect("LNK-001", incident["number"])
        plan = [(majors[2], dt.timedelta(days=6), "defect"), (majors[3], dt.timedelta(hours=120), "near")]
        plan += [(incident, dt.timedelta(days=1), "clean") for incident in majors[4:]]
    for incident, delay, kind in plan:
        problem = new_problem(
            data,
            numbers,
            _parse(incident["opened_at"]) + delay,
            incident["cmdb_ci"] or "erp-db-01",
            incident["business_service"] or "ERP Finance",
        )
        incident["problem_id"] = problem["number"]
        if kind == "defect":
            data.defect("LNK-001", incident["number"])
        elif kind == "near":
            data.near_miss("LNK-001", incident["number"])
    # A major incident of three and a half days ago: its five days are not over yet.
    recent = new_incident(
        data,
        numbers,
        AS_OF - dt.timedelta(hours=84),
        "WS-0040",
        "Workplace Devices",
        priority=PRIORITY_LABEL[1],
        major_incident="TRUE",
        impact="1 - High",
        urgency="1 - High",
    )
    if data.clean:  # linked to its problem already
        problem = new_problem(data, numbers, AS_OF - dt.timedelta(hours=60), "WS-0040", "Workplace Devices")
        recent["problem_id"] = problem["number"]
    else:
        data.near_miss("LNK-001", recent["number"])
    return [i["number"] for i in unlinked]


def plant_repeat_incidents(data: DemoData, numbers: Numbers, unlinked_majors: list[str]) -> None:
    """Every repeat series on a CI is linked to a problem (REC-001), except one planted series."""
    problems = [p["number"] for p in data.problems if int(p["number"][3:]) < numbers.first_problem]
    frame = pd.DataFrame(data.incidents)
    series = series_members(frame["cmdb_ci"], pd.to_datetime(frame["opened_at"]), 3, 30)
    for position in series.index[series["member"].to_numpy(dtype=bool)]:
        incident = data.incidents[position]
        if incident["problem_id"]:
            continue
        if incident["number"] in unlinked_majors:
            data.defect("REC-001", incident["number"])  # the same missing problem breaks both rules
        else:
            incident["problem_id"] = data.rng.choice(problems)
    quiet = [
        ("hr-report-01", "HR Self-Service Portal", "defect", [0, 6, 19]),
        ("shop-cache-01", "Customer Web Shop", "near", [0, 10, 30]),
    ]
    if data.clean:  # the same CIs with three incidents each, too far apart to be repeats
        quiet = [(ci, service, "clean", [0, 40, 80]) for ci, service, _kind, _days in quiet]
    for ci, service, kind, days in quiet:
        _sid, _name, team, _crit = _service_of(service)
        data.cis.append(
            {
                "name": ci,
                "sys_class_name": "Linux Server",
                "install_status": "Installed",
                "operational_status": "Operational",
                "owned_by": PEOPLE[3],
                "support_group": team,
                "business_service": service,
                "sys_updated_on": "2025-03-15 02:00:00",
            }
        )
        start = dt.datetime(2026, 2, 2, 9, 0, 0)
        for offset in days:
            # The near-miss series spans thirty days and one minute: not a repeat within thirty days.
            extra = dt.timedelta(minutes=1) if kind == "near" and offset == 30 else dt.timedelta()
            incident = new_incident(data, numbers, start + dt.timedelta(days=offset) + extra, ci, service)
            if kind != "clean":
                (data.defect if kind == "defect" else data.near_miss)("REC-001", incident["number"])


def plant_cmdb_updates(data: DemoData) -> None:
    """CI records change when an approved change on them was implemented (CON-001)."""
    ends: dict[str, dt.datetime] = {}
    for change in data.changes:
        end = _parse(change["work_end"])
        if end and change["approval"] == "Approved" and change["approval_set"]:
            ends[change["cmdb_ci"]] = max(end, ends.get(change["cmdb_ci"], end))
    before = _ts(dt.datetime.combine(PERIOD_FROM, dt.time(2)) - dt.timedelta(days=108))
    for ci in data.cis:
        end = ends.get(ci["name"])
        ci["sys_updated_on"] = _ts(end + dt.timedelta(hours=data.rng.randint(1, 30))) if end else before
    no_change = [
        c
        for c in data.cis
        if c["name"] not in ends and c["sys_class_name"] == "Computer" and c["name"] not in data.used
    ]
    for n in range(len(no_change), 2):  # large demos: every workstation has had a change
        spare = dict(
            next(c for c in data.cis if c["sys_class_name"] == "Computer"), name=f"WS-SPARE-{n + 1}", owned_by=PEOPLE[n]
        )
        data.cis.append(spare)
        no_change.append(spare)
    for ci in data.rng.sample(no_change, 2):
        if not data.clean:
            ci["sys_updated_on"] = "2026-02-10 10:00:00"
            data.defect("CON-001", ci["name"])
    with_change = [
        c
        for c in data.cis
        if c["name"] in ends and ends[c["name"]] <= AS_OF - dt.timedelta(days=5) and c["name"] not in data.used
    ]
    late, exact = data.rng.sample(with_change, 2)
    if data.clean:
        return
    late["sys_updated_on"] = _ts(ends[late["name"]] + dt.timedelta(days=3))
    data.defect("CON-001", late["name"])
    exact["sys_updated_on"] = _ts(ends[exact["name"]] + dt.timedelta(hours=48))
    data.near_miss("CON-001", exact["name"])
