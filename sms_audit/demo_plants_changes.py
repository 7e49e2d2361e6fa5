"""Planted cases for the rules on changes, the CMDB and the service catalogue (CHG-005..CHG-010, CFG-001..003).

Changes get a missing test plan, work outside the planned window (and exactly on its edges), an end
before the start, late approvals of risky changes, a CI the CMDB does not know and emergency changes
without an incident behind them. Every other emergency change is given the incident that justified
it: a clean incident on the same CI shortly before the change was raised. The CMDB gains business
service records the catalogue does not list and statuses outside the vocabulary. Defects and
near-misses are recorded as they are made. On a clean demo (``data.clean``) the same changes are picked
(and spares added) but left as they are, every emergency change is justified, and the CMDB gains nothing
outside the catalogue.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sms_audit.checks.recurrence import series_members
from sms_audit.demo import FMT, PEOPLE, PERIOD_FROM, SERVICES, DemoData, _ts
from sms_audit.demo_process import Numbers, new_incident, new_problem, problems_in_period

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
PERIOD_START = dt.datetime.combine(PERIOD_FROM, dt.time())
# Dates of CI records created here: before the audit period, so CON-001 does not judge them.
OLD_UPDATE = "2025-03-15 02:00:00"
HIGH_RISK = ("High", "Very High", "1", "2")


def _parse(value: str) -> dt.datetime | None:
    return dt.datetime.strptime(value, FMT) if value else None


def _implemented(row: dict) -> bool:
    return bool(row["work_start"]) and bool(row["work_end"]) and bool(row["start_date"]) and bool(row["end_date"])


def plant(data: DemoData, numbers: Numbers) -> None:
    _plant_change_cis(data, numbers)
    _plant_test_plans(data, numbers)
    _plant_planned_window(data, numbers)
    _plant_end_before_start(data, numbers)
    _plant_risky_approvals(data, numbers)
    _plant_emergency_justification(data, numbers)
    _plant_cmdb(data)


def _plant_change_cis(data: DemoData, numbers: Numbers) -> None:
    """CHG-010: two changes name CIs the CMDB does not have, one names none (not implemented, so CON-001
    keeps the changes that explain each CI update)."""

    def scheduled(r: dict) -> bool:
        return not r["work_end"] and r["type"] != "Emergency" and bool(r["cmdb_ci"])

    for n, row in enumerate(_pick(data, numbers, 3, scheduled, ("Normal", "Low", False))):
        if not data.clean:
            row["cmdb_ci"] = f"legacy-app-{n + 7:02d}" if n < 2 else ""
            data.defect("CHG-010", row["number"])


def _plant_test_plans(data: DemoData, numbers: Numbers) -> None:
    """CHG-005: normal and emergency changes without a test plan; a standard change without one is fine."""
    for row in _pick(data, numbers, 3, lambda r: r["type"] in ("Normal", "Emergency"), ("Normal", "Low")):
        if not data.clean:
            row["test_plan"] = ""
            data.defect("CHG-005", row["number"])
    for row in _pick(data, numbers, 1, lambda r: r["type"] == "Standard", ("Standard", "Low")):
        if not data.clean:
            row["test_plan"] = ""
            data.near_miss("CHG-005", row["number"])


def _plant_planned_window(data: DemoData, numbers: Numbers) -> None:
    """CHG-006: work a day before the window, work after the window closed, and both edges exactly.

    Only the planned window moves; the actual times (which CHG-001, CON-001 and LNK-003 judge) stay."""

    def window(row: dict, start: dt.datetime) -> None:
        row["start_date"] = _ts(start)
        row["end_date"] = _ts(start + 2 * HOUR)

    rows = _pick(data, numbers, 4, lambda r: _implemented(r) and r["type"] != "Emergency", ("Normal", "Low"))
    early, late, edge_early, edge_late = rows
    if data.clean:
        return
    window(early, _parse(early["start_date"]) + DAY)  # started about a day before the planned start
    data.defect("CHG-006", early["number"])
    window(late, _parse(late["work_start"]) - 2 * HOUR - 30 * dt.timedelta(minutes=1))  # after the planned end
    data.defect("CHG-006", late["number"])
    window(edge_early, _parse(edge_early["work_start"]) + HOUR)  # exactly the hour early that is tolerated
    data.near_miss("CHG-006", edge_early["number"])
    window(edge_late, _parse(edge_late["work_start"]) - 2 * HOUR)  # started exactly at the planned end
    data.near_miss("CHG-006", edge_late["number"])


def _plant_end_before_start(data: DemoData, numbers: Numbers) -> None:
    """CHG-007: the start moved after (or onto) the end; the end, which CON-001 and LNK-003 use, stays."""
    for row, gap in zip(_pick(data, numbers, 2, _implemented, ("Standard", "Low")), (10, 0), strict=True):
        if data.clean:
            continue
        row["work_start"] = _ts(_parse(row["work_end"]) + dt.timedelta(minutes=gap))
        data.defect("CHG-007", row["number"])


def _plant_risky_approvals(data: DemoData, numbers: Numbers) -> None:
    """CHG-008: risky normal changes approved three hours before work, one exactly eight hours before.

    Risky normal changes already approved after the work started (CHG-001's defects and its exact
    near-misses) lack the eight hours too: they count here as well."""

    def risky(r: dict) -> bool:
        return r["type"] == "Normal" and r["risk"] in HIGH_RISK and bool(r["work_start"]) and bool(r["approval_set"])

    for number in [*data.truth.get("CHG-001", []), *data.near.get("CHG-001", [])]:
        row = next(r for r in data.changes if r["number"] == number)
        if risky(row):
            data.defect("CHG-008", number)
    rows = _pick(data, numbers, 3, risky, ("Normal", "High"))
    for row, lead in zip(rows, (3, 3, 8), strict=True):
        if data.clean:
            continue
        row["approval_set"] = _ts(_parse(row["work_start"]) - lead * HOUR)
        (data.defect if lead < 8 else data.near_miss)("CHG-008", row["number"])


def _justified(data: DemoData, change: dict) -> bool:
    """An incident or problem names the change as its fix, or an incident on its CI opened in the day before."""
    number = change["number"]
    if any(r.get("rfc") == number for r in [*data.incidents, *data.problems]):
        return True
    opened, ci = _parse(change["opened_at"]), change["cmdb_ci"]
    for incident in data.incidents:
        if incident["cmdb_ci"] == ci and incident["opened_at"]:
            when = _parse(incident["opened_at"])
            if when >= PERIOD_START and opened - DAY <= when <= opened:
                return True
    return False


class RepeatGuard:
    """Keeps REC-001's ground truth true while incidents are added: a new incident that forms (or joins) a
    series of repeats on its CI is linked to a problem, like every other series member."""

    def __init__(self, data: DemoData) -> None:
        self.data = data
        self.problems = [p["number"] for p in problems_in_period(data) if p.get("cause_notes")]
        self.members = self._members()

    def _members(self) -> set[str]:
        frame = pd.DataFrame(self.data.incidents)
        series = series_members(frame["cmdb_ci"], pd.to_datetime(frame["opened_at"]), 3, 30)
        return set(frame["number"][series["member"].to_numpy(dtype=bool)])

    def add(self, numbers: Numbers, opened: dt.datetime, ci: str, service: str) -> dict | None:
        """Add a clean incident; None (and nothing added) when it would turn a planted record into a repeat."""
        incident = new_incident(self.data, numbers, opened, ci, service)
        members = self._members()
        joined = members - self.members
        newly = {
            r["number"]
            for r in self.data.incidents
            if r["number"] in joined and not r["problem_id"] and r is not incident
        }
        if newly & self.data.used:
            self.data.incidents.remove(incident)
            return None
        for row in self.data.pick(self.data.incidents, len(newly), "number", lambda r: r["number"] in newly):
            row["problem_id"] = self.data.rng.choice(self.problems)
        if incident["number"] in members:
            incident["problem_id"] = self.data.rng.choice(self.problems)
        self.members = members
        self.data.used.add(incident["number"])  # other plants must not move it away from its change
        return incident


def new_change(data: DemoData, numbers: Numbers, ctype: str, risk: str, implemented: bool = True) -> dict:
    """A clean change on an application server of a catalogue service (implemented and successful unless
    told otherwise); CON-001's CIs are left alone."""
    rng = data.rng
    avoid = {*data.truth.get("CON-001", []), *data.near.get("CON-001", [])}
    catalogue = {s[1] for s in SERVICES}
    servers = [
        c
        for c in data.cis
        if c["sys_class_name"] == "Linux Server"
        and c["name"].endswith("-app-01")
        and c["business_service"] in catalogue
    ]
    ci = rng.choice([c for c in servers if c["name"] not in avoid])
    service = next(s for s in SERVICES if s[1] == ci["business_service"])
    opened = PERIOD_START + dt.timedelta(days=rng.randint(10, 300), hours=rng.randint(0, 23))
    lead = 3 * HOUR if ctype == "Emergency" else 3 * DAY
    planned = opened + lead
    work_start = planned + dt.timedelta(minutes=10)
    row = {
        "number": numbers.next("change"),
        "opened_at": _ts(opened),
        "short_description": f"{service[1]}: {ctype.lower()} patch",
        "type": ctype,
        "risk": risk,
        "impact": "2 - Medium",
        "priority": "3 - Moderate",
        "state": "Closed" if implemented else "Scheduled",
        "business_service": service[1],
        "cmdb_ci": ci["name"],
        "assignment_group": service[2],
        "assigned_to": rng.choice(PEOPLE),
        "approval": "Approved",
        "approval_set": _ts(opened + lead / 3),
        "start_date": _ts(planned),
        "end_date": _ts(planned + 2 * HOUR),
        "work_start": _ts(work_start) if implemented else "",
        "work_end": _ts(work_start + HOUR) if implemented else "",
        "close_code": "successful" if implemented else "",
        "backout_plan": "Restore the previous package from the release repository",
        "test_plan": "Smoke test of the service after implementation",
    }
    data.changes.append(row)
    return row


def _pick(data: DemoData, numbers: Numbers, count: int, where, spare: tuple) -> list[dict]:
    """``count`` untouched changes matching ``where``; small demos get clean spares built from ``spare``."""
    free = [r for r in data.changes if r["number"] not in data.used and where(r)]
    for _n in range(len(free), count):
        new_change(data, numbers, *spare)
    return data.pick(data.changes, count, "number", where)


def _plant_emergency_justification(data: DemoData, numbers: Numbers) -> None:
    """CHG-009: every emergency change has an incident on its CI from the day before, except the planted ones."""
    rng = data.rng
    guard = RepeatGuard(data)
    free = [c for c in data.changes if c["type"] == "Emergency" and c["number"] not in data.used]
    for _n in range(len(free), 8):  # small demos: add clean emergency changes so every case has one
        new_change(data, numbers, "Emergency", "Moderate")
    emergencies = [c for c in data.changes if c["type"] == "Emergency" and c["cmdb_ci"]]
    unjustified = [c for c in emergencies if not _justified(data, c)]
    pool = data.pick(unjustified, len(unjustified), "number")  # untouched ones, in random order
    defects: list[dict] = []
    chosen: list[dict] = []
    if data.clean:  # every emergency change gets its incident (the loop at the end)
        pool = []
    else:
        if len(pool) < 5:
            raise RuntimeError("the demo has too few emergency changes to plant CHG-009")
        bare, bare2 = pool[0], pool[1]
        data.defect("CHG-009", bare["number"])  # no incident at all
        data.defect("CHG-009", bare2["number"])
        defects += [bare, bare2]
        chosen += [bare, bare2]
    rest = pool[2:]

    def spoils_a_defect(ci: str, when: dt.datetime) -> bool:
        """Would an incident at this time justify one of the planted unjustified changes?"""
        return any(
            c["cmdb_ci"] == ci and _parse(c["opened_at"]) - DAY <= when <= _parse(c["opened_at"]) for c in defects
        )

    plan = [
        (-30 * HOUR, "defect"),  # the incident came a day and six hours before
        (2 * HOUR, "defect"),  # an incident after the change is its result, not its reason
        (-DAY, "near"),  # exactly one day before
    ]
    for offset, kind in [] if data.clean else plan:
        known_cis = {ci["name"] for ci in data.cis}
        for change in list(rest):  # the first change this case can be planted on without side effects
            if change["cmdb_ci"] not in known_cis:
                continue
            opened = _parse(change["opened_at"])
            if opened + offset < PERIOD_START or spoils_a_defect(change["cmdb_ci"], opened + offset):
                continue
            if guard.add(numbers, opened + offset, change["cmdb_ci"], change["business_service"]) is None:
                continue
            rest.remove(change)
            chosen.append(change)
            if kind == "defect":
                defects.append(change)
            (data.defect if kind == "defect" else data.near_miss)("CHG-009", change["number"])
            break
        else:
            raise RuntimeError(f"no emergency change can carry the CHG-009 {kind} case at {offset}")
    planted = {c["number"] for c in chosen}
    known = {ci["name"] for ci in data.cis}
    for change in unjustified:
        if change["number"] in planted:
            continue
        opened = _parse(change["opened_at"])
        if change["cmdb_ci"] not in known:
            # A change planted with a CI missing from the CMDB: justify it through the problem it fixes.
            problem = new_problem(data, numbers, opened - DAY, "erp-db-01", "ERP Finance")
            problem["rfc"] = change["number"]
            data.used.add(problem["number"])
            continue
        room = max(0, int((opened - PERIOD_START).total_seconds() // 60))
        for _attempt in range(20):
            when = opened - dt.timedelta(minutes=min(room, rng.randint(20, 20 * 60)))
            if spoils_a_defect(change["cmdb_ci"], when):
                continue
            if guard.add(numbers, when, change["cmdb_ci"], change["business_service"]):
                break
        else:
            # Every time would make a planted incident a repeat: the problem the change fixes justifies it.
            problem = new_problem(data, numbers, opened - DAY, change["cmdb_ci"], change["business_service"])
            problem["rfc"] = change["number"]
            data.used.add(problem["number"])


def _plant_cmdb(data: DemoData) -> None:
    """CFG-001..003: business services the catalogue lacks, a server of an unknown service, odd statuses."""

    def ci(name: str, ci_class: str, service: str, **fields: str) -> dict:
        row = {
            "name": name,
            "sys_class_name": ci_class,
            "install_status": "Installed",
            "operational_status": "Operational",
            "owned_by": data.rng.choice(PEOPLE),
            "support_group": "Enterprise Apps",
            "business_service": service,
            "sys_updated_on": OLD_UPDATE,
        }
        row.update(fields)
        data.cis.append(row)
        return row

    if not data.clean:  # these records are the defects: a clean CMDB lists only the catalogue's services
        intranet = ci("Legacy Intranet", "Business Service", "Legacy Intranet")
        data.defect("CFG-001", intranet["name"])
        data.defect("CFG-003", intranet["name"])
        renamed = ci("ERP Finance Service", "Business Service", "ERP Finance")  # the catalogue says "ERP Finance"
        data.defect("CFG-001", renamed["name"])
        server = ci("intranet-app-01", "Linux Server", "Legacy Intranet")
        data.defect("CFG-003", server["name"])
        data.relations.append({"parent": intranet["name"], "type": "Depends on::Used by", "child": server["name"]})

    servers = data.pick(data.cis, 4, "name", lambda r: r["sys_class_name"] in ("Linux Server", "Database"))
    if data.clean:
        return
    free_text, odd_operational, raw_codes, maintenance = servers
    free_text["install_status"] = "Live"
    data.defect("CFG-002", free_text["name"])
    odd_operational["operational_status"] = "Up"
    data.defect("CFG-002", odd_operational["name"])
    raw_codes.update({"install_status": "1", "operational_status": "1"})  # ServiceNow's raw codes are fine
    data.near_miss("CFG-002", raw_codes["name"])
    maintenance.update({"install_status": "In Maintenance", "operational_status": "Repair in Progress"})
    data.near_miss("CFG-002", maintenance["name"])
