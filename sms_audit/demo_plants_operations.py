"""Planted defects for the operations rules (OPS-001..OPS-010): closure of incidents and service
requests, priority against impact and urgency, CI references on problems and changes, information
security incidents and resolved known errors.

``plant`` runs after the process plants; ``plant_requests`` runs on the service requests once they are
built (they are made after every other plant). Every defect and near-miss is recorded when it is made;
defects other plants already made that these rules also see are recorded too. On a clean demo
(``data.clean``) the same records are added in clean versions and nothing is broken.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sms_audit.demo import AS_OF, FMT, PEOPLE, PERIOD_FROM, PRIORITY_LABEL, DemoData, _ts
from sms_audit.demo_process import Numbers, _service_of, clean_change_template, new_incident, new_problem

LEVEL = {1: "1 - High", 2: "2 - Medium", 3: "3 - Low"}
SECURITY = "security"


def _parse(value: str) -> dt.datetime | None:
    return dt.datetime.strptime(value, FMT) if value else None


def _level(label: str) -> int:
    return int(label.split(" ")[0])


def _new_ci(data: DemoData, name: str, service: str, ci_class: str = "Firewall") -> str:
    """A CI of its own for planted incidents: no other incident uses it, so no repeat series forms on it."""
    _sid, _name, team, _crit = _service_of(service)
    data.cis.append(
        {
            "name": name,
            "sys_class_name": ci_class,
            "install_status": "Installed",
            "operational_status": "Operational",
            "owned_by": PEOPLE[5],
            "support_group": team,
            "business_service": service,
            "sys_updated_on": "2025-03-20 04:00:00",  # before the period: no change needed to explain it
        }
    )
    return name


def plant(data: DemoData, numbers: Numbers) -> None:
    _plant_incident_closure(data)
    _plant_priority_matrix(data)
    _plant_ci_references(data, numbers)
    _plant_security_incidents(data, numbers)
    _plant_known_errors(data, numbers)


def _plant_incident_closure(data: DemoData) -> None:
    """OPS-001 (close code) and OPS-002 (closed at or after resolution)."""

    def closed(r: dict) -> bool:
        return r["state"] == "Closed" and bool(r["resolved_at"]) and bool(r["closed_at"])

    if data.clean:
        return
    for r in data.pick(data.incidents, 3, "number", closed):
        r["close_code"] = ""
        data.defect("OPS-001", r["number"])

    def resolved_after_opening(r: dict) -> bool:
        return closed(r) and _parse(r["resolved_at"]) - _parse(r["opened_at"]) >= dt.timedelta(minutes=20)

    for r in data.pick(data.incidents, 3, "number", resolved_after_opening):
        opened, resolved = _parse(r["opened_at"]), _parse(r["resolved_at"])
        r["closed_at"] = _ts(opened + (resolved - opened) / 2)  # closed before it was resolved
        data.defect("OPS-002", r["number"])
    for r in data.pick(data.incidents, 1, "number", closed):
        r["closed_at"] = ""  # closed with no close time
        data.defect("OPS-002", r["number"])
    for r in data.pick(data.incidents, 2, "number", closed):
        r["closed_at"] = r["resolved_at"]  # closed in the same second as resolved
        data.near_miss("OPS-002", r["number"])


def _plant_priority_matrix(data: DemoData) -> None:
    """OPS-003: impact and urgency changed so that the priority no longer follows them.

    Only impact and urgency change: the priority (and with it the SLA target) stays as generated.
    """

    def priority_is(p: int):
        return lambda r: r["priority"] == PRIORITY_LABEL[p] and bool(r["impact"]) and bool(r["urgency"])

    plan = [
        (3, (3, 3), "defect"),  # matrix gives 5: priority 3 is two levels too high
        (4, (1, 2), "defect"),  # matrix gives 2: priority 4 is two levels too low
        (3, (1, 1), "defect"),  # matrix gives 1: priority 3 is two levels too low
        (3, (1, 2), "near"),  # matrix gives 2: one level lower is still allowed
        (3, (3, 2), "near"),  # matrix gives 4: one level higher is still allowed
    ]
    if data.clean:
        return
    for priority, (impact, urgency), kind in plan:
        for r in data.pick(data.incidents, 1, "number", priority_is(priority)):
            r["impact"], r["urgency"] = LEVEL[impact], LEVEL[urgency]
            (data.defect if kind == "defect" else data.near_miss)("OPS-003", r["number"])


def _plant_ci_references(data: DemoData, numbers: Numbers) -> None:
    """OPS-006 (problem CIs) and CHG-010 (change CIs) name items missing from the CMDB."""
    known = {ci["name"] for ci in data.cis}
    # Problems raised for a major incident take the incident's CI; an incident planted with a CI missing
    # from the CMDB passes it on, and the problem then breaks OPS-006 as well.
    for problem in data.problems:
        if problem["cmdb_ci"] and problem["cmdb_ci"] not in known:
            data.defect("OPS-006", problem["number"])
    for change in data.changes:
        if change["cmdb_ci"] and change["cmdb_ci"] not in known:
            data.defect("CHG-010", change["number"])
    for n, r in enumerate(data.pick(data.problems, 3, "number")):
        if not data.clean:
            r["cmdb_ci"] = f"old-storage-{n + 1:02d}"
            data.defect("OPS-006", r["number"])

    # Only changes never implemented: the CMDB-update rule (CON-001) relies on implemented changes' CIs.
    def not_implemented(r: dict) -> bool:
        return not r["work_end"]

    chosen = data.pick(data.changes, 3, "number", not_implemented)
    while len(chosen) < 3:  # small demos: too few changes still waiting, so schedule new ones
        chosen.append(_scheduled_change(data, numbers, len(chosen)))
    for n, r in enumerate(chosen):
        if not data.clean:
            r["cmdb_ci"] = f"decom-app-{n + 1:02d}"
            data.defect("CHG-010", r["number"])


def _scheduled_change(data: DemoData, numbers: Numbers, n: int) -> dict:
    """A normal change approved and scheduled after the audit date, copied from a clean implemented one."""
    template = clean_change_template(data)
    opened = AS_OF - dt.timedelta(days=8 + n)
    start = (AS_OF + dt.timedelta(days=5 + n)).replace(hour=20)
    row = dict(
        template,
        number=numbers.next("change"),
        opened_at=_ts(opened),
        state="Scheduled",
        approval_set=_ts(opened + dt.timedelta(days=2)),
        start_date=_ts(start),
        end_date=_ts(start + dt.timedelta(hours=2)),
        work_start="",
        work_end="",
        close_code="",
    )
    data.changes.append(row)
    return row


def _security_incident(
    data: DemoData, numbers: Numbers, opened: dt.datetime, service: str, ci_name: str, priority: int, **fields: Any
) -> dict:
    """A security incident on a CI of its own, clean for every rule apart from what the caller plants."""
    impact, urgency = {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (3, 3)}[priority]
    row = new_incident(
        data,
        numbers,
        opened,
        _new_ci(data, ci_name, service),
        service,
        category=SECURITY,
        subcategory="malware" if priority <= 2 else "phishing",
        priority=PRIORITY_LABEL[priority],
        impact=LEVEL[impact],
        urgency=LEVEL[urgency],
        **fields,
    )
    data.used.add(row["number"])  # later plants must not move its times
    return row


def _plant_security_incidents(data: DemoData, numbers: Numbers) -> None:
    """OPS-008 (priority of security incidents) and OPS-009 (repeats on one service linked to a problem).

    A clean demo gets the same incidents, at high priority, with the web shop's repeats linked to a problem
    and the HR portal's well over thirty days apart."""
    day = dt.datetime(2025, 9, 1, 10, 0, 0)
    plant = not data.clean

    def at(days: float) -> dt.datetime:
        return day + dt.timedelta(days=days)

    # Single security incidents, well apart: high priority, no series.
    email = _security_incident(data, numbers, at(3), "Email and Collaboration", "mail-gw-sec-01", 2)
    net = _security_incident(data, numbers, at(40), "Corporate Network", "net-fw-sec-01", 2)
    _security_incident(data, numbers, at(95), "Workplace Devices", "desk-edr-sec-01", 2)
    if plant:
        data.near_miss("OPS-008", email["number"])  # priority 2: exactly the lowest allowed
        data.near_miss("OPS-008", net["number"])
    # Handled at moderate and low priority.
    for opened, service, ci_name, priority in [
        (at(180), "Email and Collaboration", "mail-gw-sec-02", 3),
        (at(200), "Corporate Network", "net-fw-sec-02", 4),
    ]:
        row = _security_incident(data, numbers, opened, service, ci_name, priority if plant else 2)
        if plant:
            data.defect("OPS-008", row["number"])

    # Three on the web shop within nineteen days, none linked to a problem.
    shop = []
    for n, offset in enumerate([120, 128, 139]):
        row = _security_incident(data, numbers, at(offset), "Customer Web Shop", f"shop-waf-sec-{n + 1:02d}", 2)
        shop.append(row)
        if plant:
            data.defect("OPS-009", row["number"])
    if not plant:
        problem = new_problem(data, numbers, at(121), shop[0]["cmdb_ci"], "Customer Web Shop")
        problem["short_description"] = "Cause of repeated attacks on the Customer Web Shop"
        for row in shop:
            row["problem_id"] = problem["number"]
    # Three on the HR portal spanning thirty days and a minute: not a repeat within thirty days.
    for n, offset in enumerate([60, 72, 30 + 60 + 1 / 1440 if plant else 110]):
        row = _security_incident(data, numbers, at(offset), "HR Self-Service Portal", f"hr-idp-sec-{n + 1:02d}", 2)
        if plant:
            data.near_miss("OPS-009", row["number"])
    # Three on ERP within fourteen days, all linked to the problem raised for the first (a major incident).
    first = _security_incident(data, numbers, at(230), "ERP Finance", "erp-iam-sec-01", 1, major_incident="TRUE")
    problem = new_problem(data, numbers, at(231), first["cmdb_ci"], "ERP Finance")
    problem["short_description"] = "Cause of repeated credential attacks on ERP Finance"
    first["problem_id"] = problem["number"]
    for n, offset in enumerate([235, 244], start=2):
        _security_incident(
            data, numbers, at(offset), "ERP Finance", f"erp-iam-sec-{n:02d}", 2, problem_id=problem["number"]
        )


def _plant_known_errors(data: DemoData, numbers: Numbers) -> None:
    """OPS-010: resolved known errors need a root cause, and a workaround or a linked change."""

    def judged(p: dict) -> bool:
        return p["known_error"] == "TRUE" and p["state"] in ("Resolved", "Closed")

    # What earlier plants left: a resolved known error without a root cause (planted for PRB-001) fails
    # here too; one that lacks only the workaround (PRB-002) or only the change (LNK-002) still passes.
    for p in data.problems:
        if not judged(p):
            continue
        if not p["cause_notes"] or (not p["workaround"] and not p.get("rfc")):
            data.defect("OPS-010", p["number"])
        elif not p["workaround"] or not p.get("rfc"):
            data.near_miss("OPS-010", p["number"])
    # Two closed known errors with a workaround and a fix, but no root cause written down.
    changes = [c["number"] for c in data.changes if c["number"] not in data.used]
    for n, (ci, service) in enumerate([("erp-db-01", "ERP Finance"), ("net-app-01", "Corporate Network")]):
        opened = dt.datetime(2025, 10, 6, 9, 0, 0) + dt.timedelta(days=50 * n)
        row = new_problem(data, numbers, opened, ci, service)
        row.update(
            {
                "short_description": f"Known error: jobs on {service} stall after failover",
                "known_error": "TRUE",
                "cause_notes": "" if not data.clean else row["cause_notes"],
                "workaround": "Re-run the stalled batch from the scheduler console",
                "rfc": data.rng.choice(changes),
            }
        )
        assert _parse(row["closed_at"]) < AS_OF
        if not data.clean:
            data.defect("OPS-010", row["number"])


def plant_requests(data: DemoData, requests: list[dict[str, Any]]) -> None:
    """OPS-004 (request classification) and OPS-005 (close time of closed requests) on the built requests."""
    if data.clean:
        return
    for field in ("cat_item", "business_service", "assignment_group"):
        for r in data.pick(requests, 1, "number"):
            r[field] = ""
            data.defect("OPS-004", r["number"])

    def closed(r: dict) -> bool:
        return (
            r["state"] == "Closed Complete"
            and bool(r["closed_at"])
            and _parse(r["opened_at"]) >= dt.datetime.combine(PERIOD_FROM, dt.time()) + dt.timedelta(days=2)
        )

    for r in data.pick(requests, 2, "number", closed):
        r["closed_at"] = ""
        data.defect("OPS-005", r["number"])
    for r in data.pick(requests, 1, "number", closed):
        r["closed_at"] = _ts(_parse(r["opened_at"]) - dt.timedelta(hours=3))
        data.defect("OPS-005", r["number"])
    for r in data.pick(requests, 1, "number", closed):
        r["closed_at"] = r["opened_at"]  # closed in the second it was raised: odd, but not before it
        data.near_miss("OPS-005", r["number"])
