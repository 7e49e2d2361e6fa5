"""A fictional provider's ServiceNow-style exports, with recorded ground truth.

Every defect is injected on purpose and written to ``ground-truth.json``
({rule_id: [record ids]}) at the moment it is made, so tests can compare what a
scan reports with what was planted. Near-misses (values exactly at a limit)
go to ``near-misses.json`` in the same shape and must never be reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sms_audit import demo_timeliness as timeliness
from sms_audit.io import write_atomic

PERIOD_FROM = dt.date(2025, 7, 1)
PERIOD_TO = dt.date(2026, 6, 30)
AS_OF = dt.datetime(2026, 6, 30)
ORGANISATION = "Northwind Managed Services (fictional)"
DEFAULT_SEED = 20000
DEFAULT_TICKETS = 600
MIN_TICKETS = 200

SERVICES = [
    ("SVC-EMAIL", "Email and Collaboration", "Messaging", "high"),
    ("SVC-ERP", "ERP Finance", "Enterprise Apps", "critical"),
    ("SVC-HR", "HR Self-Service Portal", "Enterprise Apps", "medium"),
    ("SVC-NET", "Corporate Network", "Network Operations", "critical"),
    ("SVC-SHOP", "Customer Web Shop", "Digital Channels", "critical"),
    ("SVC-DESK", "Workplace Devices", "End User Computing", "medium"),
]
SLA = {1: (15, 240), 2: (30, 480), 3: (120, 1440), 4: (480, 4320)}
CATEGORIES = ["software", "hardware", "network", "database", "inquiry", "access"]
PRIORITY_LABEL = {1: "1 - Critical", 2: "2 - High", 3: "3 - Moderate", 4: "4 - Low", 5: "5 - Planning"}
LEVEL_LABEL = {1: "1 - High", 2: "2 - Medium", 3: "3 - Low"}
PEOPLE = [
    "Ava Brennan",
    "Liam Okafor",
    "Mei Tanaka",
    "Noah Schultz",
    "Priya Raman",
    "Sofia Lindqvist",
    "Tomas Novak",
    "Zara Haddad",
    "Omar Farouk",
    "Elena Petrova",
]
FMT = "%Y-%m-%d %H:%M:%S"

INCIDENT_COLUMNS = [
    "number",
    "opened_at",
    "short_description",
    "caller_id",
    "category",
    "subcategory",
    "business_service",
    "cmdb_ci",
    "impact",
    "urgency",
    "priority",
    "state",
    "assignment_group",
    "assigned_to",
    "major_incident",
    "major_incident_state",
    "promoted_on",
    "u_pir_date",
    "u_mgmt_notified_on",
    "u_responded_at",
    "resolved_at",
    "closed_at",
    "close_code",
    "reopen_count",
    "reassignment_count",
    "problem_id",
    "caused_by",
]
CHANGE_COLUMNS = [
    "number",
    "opened_at",
    "short_description",
    "type",
    "risk",
    "impact",
    "priority",
    "state",
    "business_service",
    "cmdb_ci",
    "assignment_group",
    "assigned_to",
    "approval",
    "approval_set",
    "start_date",
    "end_date",
    "work_start",
    "work_end",
    "close_code",
    "backout_plan",
    "test_plan",
]
PROBLEM_COLUMNS = [
    "number",
    "opened_at",
    "short_description",
    "state",
    "priority",
    "business_service",
    "cmdb_ci",
    "assignment_group",
    "assigned_to",
    "cause_notes",
    "known_error",
    "workaround",
    "resolved_at",
    "closed_at",
    "rfc",
]
CI_COLUMNS = [
    "name",
    "sys_class_name",
    "install_status",
    "operational_status",
    "owned_by",
    "support_group",
    "business_service",
    "sys_updated_on",
]
REL_COLUMNS = ["parent", "type", "child"]
DOC_COLUMNS = [
    "Doc ID",
    "Title",
    "Type",
    "Process",
    "Owner",
    "Author",
    "Approver",
    "Version",
    "Status",
    "Approval Date",
    "Last Review",
    "Next Review",
]
KEY_DOCUMENTS = {
    "service_management_policy": ("POL-001", "Service Management Policy", "Service Management Policy", "SMS"),
    "service_management_plan": ("PLN-001", "Service Management Plan 2025-2026", "Service Management Plan", "SMS"),
    "change_management_policy": ("POL-004", "Change Management Policy", "Change Management Policy", "Change"),
    "information_security_policy": (
        "POL-007",
        "Information Security Policy",
        "Information Security Policy",
        "Information security",
    ),
    "service_continuity_plan": ("PLN-005", "Service Continuity Plan", "Service Continuity Plan", "Continuity"),
    "service_catalogue": ("CAT-001", "Service Catalogue", "Service Catalogue", "Service catalogue"),
}


class DemoSizeError(ValueError):
    """The requested demo is too small to hold every planted case."""


@dataclass
class DemoData:
    rng: random.Random
    tickets: int
    incidents: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    cis: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    truth: dict[str, list[str]] = field(default_factory=dict)
    # Further files a plant module writes ({relative path: text}) and the config lines that load them.
    extra_files: dict[str, str] = field(default_factory=dict)
    extra_evidence: list[str] = field(default_factory=list)
    # A clean demo: plant modules still create the records their rules judge, but no defect or near-miss.
    clean: bool = False
    near: dict[str, list[str]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def defect(self, rule: str, record_id: str) -> None:
        self.truth.setdefault(rule, []).append(record_id)
        self.used.add(record_id)

    def near_miss(self, rule: str, record_id: str) -> None:
        self.near.setdefault(rule, []).append(record_id)
        self.used.add(record_id)

    def pick(self, rows: list[dict[str, Any]], count: int, key: str, where=lambda r: True) -> list[dict[str, Any]]:
        """Choose ``count`` rows not yet touched by another defect, so defects never overlap by accident."""
        pool = [r for r in rows if r[key] not in self.used and where(r)]
        return self.rng.sample(pool, min(count, len(pool)))


def _ts(value: dt.datetime | None) -> str:
    return value.strftime(FMT) if value else ""


def _random_time(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    seconds = int((end - start).total_seconds())
    return (start + dt.timedelta(seconds=rng.randrange(seconds))).replace(microsecond=0)


def _build_cmdb(data: DemoData) -> dict[str, list[str]]:
    rng = data.rng
    by_service: dict[str, list[str]] = {}
    updated = dt.datetime(2026, 5, 2, 3, 15, 0)
    for sid, name, team, _criticality in SERVICES:
        short = sid.split("-")[1].lower()
        service_ci = f"{name}"
        members = [f"{short}-app-01", f"{short}-app-02", f"{short}-db-01", f"{short}-web-01"]
        data.cis.append(
            {
                "name": service_ci,
                "sys_class_name": "Business Service",
                "install_status": "Installed",
                "operational_status": "Operational",
                "owned_by": rng.choice(PEOPLE),
                "support_group": team,
                "business_service": name,
                "sys_updated_on": _ts(updated),
            }
        )
        classes = ["Linux Server", "Linux Server", "Database", "Web Server"]
        for member, ci_class in zip(members, classes, strict=True):
            data.cis.append(
                {
                    "name": member,
                    "sys_class_name": ci_class,
                    "install_status": "Installed",
                    "operational_status": "Operational",
                    "owned_by": rng.choice(PEOPLE),
                    "support_group": team,
                    "business_service": name,
                    "sys_updated_on": _ts(updated),
                }
            )
        data.relations += [
            {"parent": service_ci, "type": "Depends on::Used by", "child": members[0]},
            {"parent": service_ci, "type": "Depends on::Used by", "child": members[3]},
            {"parent": members[0], "type": "Depends on::Used by", "child": members[2]},
            {"parent": members[1], "type": "Depends on::Used by", "child": members[2]},
            {"parent": members[3], "type": "Connects to::Connected by", "child": members[0]},
        ]
        by_service[sid] = members
    for n in range(1, 41):
        name = f"WS-{n:04d}"
        data.cis.append(
            {
                "name": name,
                "sys_class_name": "Computer",
                "install_status": "Installed",
                "operational_status": "Operational",
                "owned_by": rng.choice(PEOPLE),
                "support_group": "End User Computing",
                "business_service": "Workplace Devices",
                "sys_updated_on": _ts(updated),
            }
        )
        by_service["SVC-DESK"].append(name)
    return by_service


def _service(sid: str) -> tuple[str, str, str, str]:
    return next(s for s in SERVICES if s[0] == sid)


def _build_incidents(data: DemoData, count: int, members: dict[str, list[str]]) -> None:
    rng = data.rng
    start = dt.datetime.combine(PERIOD_FROM, dt.time())
    end = AS_OF - dt.timedelta(hours=6)
    for n in range(count):
        sid, sname, team, _ = rng.choice(SERVICES)
        priority = rng.choices([1, 2, 3, 4], weights=[3, 12, 50, 35])[0]
        opened = _random_time(rng, start, end)
        responded, resolved = timeliness.clean_times(opened, priority, rng.uniform(0.1, 0.9))
        if resolved >= AS_OF:
            state, resolved_at, closed_at = "In Progress", None, None
        else:
            closed = resolved + dt.timedelta(days=rng.randint(1, 5))
            state = "Closed" if closed < AS_OF else "Resolved"
            resolved_at, closed_at = resolved, closed if closed < AS_OF else None
        impact = {1: 1, 2: 1, 3: 2, 4: 3}[priority]
        data.incidents.append(
            {
                "number": f"INC{10100 + n:07d}",
                "opened_at": _ts(opened),
                "short_description": f"{sname}: {rng.choice(['slow response', 'error on login', 'unavailable', 'data not refreshing', 'cannot print', 'timeout'])}",  # noqa: E501
                "caller_id": rng.choice(PEOPLE),
                "category": rng.choice(CATEGORIES),
                "subcategory": "",
                "business_service": sname,
                "cmdb_ci": rng.choice(members[sid]),
                "impact": LEVEL_LABEL[impact],
                "urgency": LEVEL_LABEL[min(3, max(1, priority - 1))],
                "priority": PRIORITY_LABEL[priority],
                "state": state,
                "assignment_group": team,
                "assigned_to": rng.choice(PEOPLE),
                "major_incident": "TRUE" if priority == 1 and rng.random() < 0.5 else "FALSE",
                "u_responded_at": _ts(responded) if responded < AS_OF else "",
                "resolved_at": _ts(resolved_at),
                "closed_at": _ts(closed_at),
                "close_code": "Solution provided" if resolved_at else "",
                "reopen_count": "0",
                "reassignment_count": str(rng.choice([0, 0, 0, 1, 1, 2])),
                "problem_id": "",
                "caused_by": "",
            }
        )
    # A few incidents closed before the audit period: loaded, then left out by the period filter.
    for n in range(5):
        opened = dt.datetime(2025, 3, 3 + n, 9, 30, 0)
        row = dict(
            data.incidents[n],
            number=f"INC{9000 + n:07d}",
            opened_at=_ts(opened),
            state="Closed",
            u_responded_at=_ts(opened + dt.timedelta(minutes=10)),
            resolved_at=_ts(opened + dt.timedelta(hours=3)),
            closed_at=_ts(opened + dt.timedelta(days=2)),
        )
        data.incidents.append(row)
        data.used.add(row["number"])


def _build_changes(data: DemoData, count: int, members: dict[str, list[str]]) -> None:
    rng = data.rng
    start = dt.datetime.combine(PERIOD_FROM, dt.time())
    for n in range(count):
        sid, sname, team, _ = rng.choice(SERVICES)
        ctype = rng.choices(["Standard", "Normal", "Emergency"], weights=[40, 50, 10])[0]
        opened = _random_time(rng, start, AS_OF - dt.timedelta(days=20))
        planned = (opened + dt.timedelta(days=rng.randint(2, 10))).replace(minute=0, second=0)
        if ctype == "Emergency":
            planned = opened + dt.timedelta(hours=rng.randint(1, 6))
        implemented = planned < AS_OF - dt.timedelta(days=2) and rng.random() < 0.92
        approval_set = opened + (planned - opened) * rng.uniform(0.2, 0.8)
        row = {
            "number": f"CHG{30000 + n:07d}",
            "opened_at": _ts(opened),
            "short_description": f"{sname}: {rng.choice(['patch', 'upgrade', 'config change', 'capacity increase', 'certificate renewal'])}",  # noqa: E501
            "type": ctype,
            "risk": rng.choice(["High", "Moderate", "Low"]),
            "impact": "2 - Medium",
            "priority": "3 - Moderate",
            "business_service": sname,
            "cmdb_ci": rng.choice(members[sid]),
            "assignment_group": team,
            "assigned_to": rng.choice(PEOPLE),
            "approval": "Approved",
            "approval_set": _ts(approval_set.replace(microsecond=0)),
            "start_date": _ts(planned),
            "end_date": _ts(planned + dt.timedelta(hours=2)),
            "work_start": "",
            "work_end": "",
            "close_code": "",
            "state": "Scheduled",
            "backout_plan": "Restore the previous package from the release repository"
            if ctype != "Standard" or rng.random() < 0.5
            else "",
            "test_plan": "Smoke test of the service after implementation",
        }
        if implemented:
            work_start = planned + dt.timedelta(minutes=rng.randint(0, 30))
            row.update(
                {
                    "work_start": _ts(work_start),
                    "work_end": _ts(work_start + dt.timedelta(hours=1)),
                    "state": "Closed",
                    "close_code": rng.choices(["successful", "successful_issues", "unsuccessful"], weights=[88, 8, 4])[
                        0
                    ],
                }
            )
        data.changes.append(row)


def _build_problems(data: DemoData, count: int, members: dict[str, list[str]]) -> None:
    rng = data.rng
    start = dt.datetime.combine(PERIOD_FROM, dt.time())
    for n in range(count):
        sid, sname, team, _ = rng.choice(SERVICES)
        opened = _random_time(rng, start, AS_OF - dt.timedelta(days=1))
        age = (AS_OF - opened) / dt.timedelta(days=1)
        state = (
            rng.choice(["Closed", "Resolved", "Fix in Progress", "Root Cause Analysis"])
            if age > 30
            else rng.choice(["New", "Assess", "Root Cause Analysis"])
        )
        known_error = state in ("Fix in Progress", "Resolved", "Closed") and rng.random() < 0.4
        done = state in ("Resolved", "Closed")
        data.problems.append(
            {
                "number": f"PRB{40000 + n:07d}",
                "opened_at": _ts(opened),
                "short_description": f"Recurring {rng.choice(['outage', 'slowness', 'login failures'])} on {sname}",
                "state": state,
                "priority": PRIORITY_LABEL[rng.choice([2, 3, 3, 4])],
                "business_service": sname,
                "cmdb_ci": rng.choice(members[sid]),
                "assignment_group": team,
                "assigned_to": rng.choice(PEOPLE),
                "cause_notes": "Memory leak in the application tier after the vendor update"
                if age > 30 or rng.random() < 0.3
                else "",
                "known_error": "TRUE" if known_error else "FALSE",
                "workaround": "Restart the application pool on the affected node" if known_error else "",
                "resolved_at": _ts(opened + dt.timedelta(days=min(int(age) - 1, 20))) if done else "",
                "closed_at": _ts(opened + dt.timedelta(days=min(int(age) - 1, 25))) if state == "Closed" else "",
            }
        )


def _link_incidents_to_problems(data: DemoData) -> None:
    """About one incident in eight names the problem raised for it (ServiceNow's problem_id field)."""
    problems = [p for p in data.problems if p["number"] not in data.used]
    candidates = [i for i in data.incidents[: len(data.incidents) - 5] if i["priority"] != PRIORITY_LABEL[1]]
    for incident in data.rng.sample(candidates, len(data.incidents) // 8):
        incident["problem_id"] = data.rng.choice(problems)["number"]


def _date(value: dt.datetime | dt.date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _document(
    doc_id: str, title: str, doc_type: str, process: str, rng: random.Random, reviewed_days_ago: int | None = None
) -> dict[str, str]:
    as_of = AS_OF.date()
    reviewed = as_of - dt.timedelta(days=reviewed_days_ago if reviewed_days_ago is not None else rng.randint(20, 300))
    approved = reviewed - dt.timedelta(days=rng.randint(0, 400))
    owner, author, approver = rng.sample(PEOPLE, 3)
    return {
        "Doc ID": doc_id,
        "Title": title,
        "Type": doc_type,
        "Process": process,
        "Owner": owner,
        "Author": author,
        "Approver": approver,
        "Version": f"{rng.randint(1, 4)}.{rng.randint(0, 3)}",
        "Status": "Approved",
        "Approval Date": _date(approved),
        "Last Review": _date(reviewed),
        "Next Review": _date(reviewed + dt.timedelta(days=365)),
    }


def _build_documents(data: DemoData) -> None:
    rng = data.rng
    for doc_id, title, doc_type, process in KEY_DOCUMENTS.values():
        data.documents.append(_document(doc_id, title, doc_type, process, rng))
        old = _document(doc_id + "-v0", title + " (previous version)", doc_type, process, rng, 700)
        old["Status"] = "Superseded"
        data.documents.append(old)
    procedures = [
        "Incident Management Procedure",
        "Problem Management Procedure",
        "Change Management Procedure",
        "Release and Deployment Procedure",
        "Configuration Management Procedure",
        "Service Level Management Procedure",
        "Supplier Management Procedure",
        "Capacity Management Procedure",
        "Availability Management Procedure",
        "Service Request Procedure",
        "Information Security Incident Procedure",
        "Business Relationship Procedure",
        "Budgeting and Accounting Procedure",
        "Service Reporting Procedure",
        "Internal Audit Procedure",
        "Document Control Procedure",
    ]
    for n, title in enumerate(procedures, start=1):
        data.documents.append(_document(f"PRO-{n:03d}", title, "Procedure", title.split(" Procedure")[0], rng))


def _inject_defects(data: DemoData) -> None:
    """Defects and near-misses on the base records. On a clean demo the same random numbers are drawn (and
    the records the rules judge are still added, in clean versions) but nothing is broken."""
    rng = data.rng
    plant = not data.clean
    inc, chg, prb = data.incidents, data.changes, data.problems

    def ended(r: dict) -> bool:
        return r["state"] in ("Resolved", "Closed")

    for r in data.pick(inc, 6, "number"):
        blank = rng.choice(["category", "cmdb_ci", "assignment_group", "business_service"])
        if plant:
            r[blank] = ""
            data.defect("INC-001", r["number"])
    for r in data.pick(inc, 4, "number", ended):
        before_opening = rng.random() >= 0.5
        if not plant:
            continue
        if before_opening:
            r["resolved_at"] = _ts(dt.datetime.strptime(r["opened_at"], FMT) - dt.timedelta(hours=2))
        else:
            r["resolved_at"] = ""
        data.defect("INC-002", r["number"])
    for n, r in enumerate(data.pick(inc, 5, "number")):
        if plant:
            r["cmdb_ci"] = f"legacy-srv-{n + 1:02d}"
            data.defect("INC-003", r["number"])
    for r in data.pick(inc, 7, "number", ended):
        reopened = str(rng.choice([1, 1, 2]))
        if plant:
            r["reopen_count"] = reopened
            data.defect("INC-004", r["number"])
    for r in data.pick(inc, 5, "number"):
        reassigned = str(rng.randint(4, 7))
        if plant:
            r["reassignment_count"] = reassigned
            data.defect("INC-005", r["number"])
    for r in data.pick(inc, 3, "number"):
        if plant:
            r["reassignment_count"] = "3"  # exactly the allowed maximum
            data.near_miss("INC-005", r["number"])

    def implemented(r: dict) -> bool:
        return bool(r["work_start"])

    for r in data.pick(chg, 3, "number", implemented):
        if plant:
            r["approval_set"] = _ts(dt.datetime.strptime(r["work_start"], FMT) + dt.timedelta(hours=5))
            data.defect("CHG-001", r["number"])
    for r in data.pick(chg, 3, "number", implemented):
        if plant:
            r["approval_set"] = r["work_start"]  # approved exactly when work started
            data.near_miss("CHG-001", r["number"])
    for r in data.pick(chg, 4, "number", lambda r: r["type"] in ("Normal", "Emergency")):
        if plant:
            r["backout_plan"] = ""
            data.defect("CHG-002", r["number"])
    for r in data.pick(chg, 4, "number"):
        blank = rng.choice(["risk", "assignment_group", "start_date"])
        if plant:
            r[blank] = ""
            data.defect("CHG-003", r["number"])
    for r in data.pick(chg, 3, "number", lambda r: r["state"] == "Closed"):
        if plant:
            r["close_code"] = ""
            data.defect("CHG-004", r["number"])

    as_of = AS_OF

    def old_open(r: dict) -> bool:
        return r["state"] not in ("Closed",) and (as_of - dt.datetime.strptime(r["opened_at"], FMT)).days > 31

    for r in data.pick(prb, 3, "number", old_open):
        if plant:
            r["cause_notes"] = ""
            data.defect("PRB-001", r["number"])
    near = {
        "number": f"PRB{49000:07d}",
        "opened_at": _ts(as_of - dt.timedelta(days=30)),
        "short_description": "Intermittent VPN drops",
        "state": "Root Cause Analysis",
        "priority": PRIORITY_LABEL[3],
        "business_service": "Corporate Network",
        "cmdb_ci": "net-app-01",
        "assignment_group": "Network Operations",
        "assigned_to": PEOPLE[0],
        "cause_notes": "" if plant else "Packet loss on the VPN concentrator's upstream link",
        "known_error": "FALSE",
        "workaround": "",
        "resolved_at": "",
        "closed_at": "",
    }
    prb.append(near)
    if plant:
        data.near_miss("PRB-001", near["number"])  # open exactly as long as the analysis window allows
    for r in data.pick(prb, 2, "number", lambda r: r["known_error"] == "TRUE"):
        if plant:
            r["workaround"] = ""
            data.defect("PRB-002", r["number"])

    for r in data.pick(data.cis, 4, "name", lambda r: r["sys_class_name"] == "Computer"):
        if plant:
            r["owned_by"] = ""
            data.defect("CI-001", r["name"])
    for n in range(2 if plant else 0):
        rel = {"parent": "ERP Finance", "type": "Depends on::Used by", "child": f"erp-batch-{n + 1:02d}"}
        data.relations.append(rel)
        data.defect("CI-002", f"{rel['parent']}|{rel['type']}|{rel['child']}")

    docs = {d["Doc ID"]: d for d in data.documents}
    if plant:
        docs["POL-001"]["Status"] = "Draft"
        data.defect("DOC-001", "POL-001")
        docs["POL-004"]["Last Review"] = _date(as_of - dt.timedelta(days=500))
        docs["POL-004"]["Next Review"] = _date(as_of - dt.timedelta(days=135))
        data.defect("DOC-003", "POL-004")
        data.defect("DOC-007", "POL-004")
        docs["PLN-005"]["Owner"] = ""
        data.defect("DOC-005", "PLN-005")
    # Secondary documents of a key type: listed as offending while the main one keeps the rule passing.
    extras = [
        ("PLN-001", "PLN-001-A", "Service Management Plan annex: supplier services", "DOC-002"),
        ("POL-007", "POL-007-A", "Information Security Policy: remote working", "DOC-004"),
        ("CAT-001", "CAT-001-A", "Service Catalogue: internal technical services", "DOC-006"),
    ]
    for parent, new_id, title, rule in extras:
        extra = _document(new_id, title, docs[parent]["Type"], docs[parent]["Process"], rng)
        data.documents.append(extra)
        if plant:
            extra["Version"] = ""
            data.defect(rule, new_id)
    # A plan annex its own author approved, and an older catalogue version never marked superseded.
    annex = _document(
        "PLN-001-B", "Service Management Plan annex: improvement plan", docs["PLN-001"]["Type"], "SMS", rng
    )
    data.documents.append(annex)
    if plant:
        annex["Approver"] = annex["Author"]
        data.defect("DOC-002", "PLN-001-B")
    catalogue = docs["CAT-001"]
    older = dict(
        catalogue,
        Version="0.9",
        Status="Approved" if plant else "Superseded",
        **{
            "Approval Date": _date(
                dt.datetime.strptime(catalogue["Approval Date"], "%Y-%m-%d") - dt.timedelta(days=30)
            ),
            "Last Review": _date(as_of - dt.timedelta(days=100)),
            "Next Review": _date(as_of + dt.timedelta(days=265)),
        },
    )
    data.documents.append(older)
    if plant:
        data.defect("DOC-006", "CAT-001")
    for r in data.pick(data.documents, 3, "Doc ID", lambda r: r["Doc ID"].startswith("PRO-")):
        reviewed, due = rng.randint(400, 600), rng.randint(30, 200)
        if plant:
            r["Last Review"] = _date(as_of - dt.timedelta(days=reviewed))
            r["Next Review"] = _date(as_of - dt.timedelta(days=due))
            data.defect("DOC-007", r["Doc ID"])
    for r in data.pick(data.documents, 2, "Doc ID", lambda r: r["Doc ID"].startswith("PRO-")):
        if plant:
            r["Last Review"] = _date(as_of - dt.timedelta(days=365))  # reviewed exactly at the maximum age
            r["Next Review"] = _date(as_of)
            data.near_miss("DOC-007", r["Doc ID"])
    if plant:
        docs["POL-007"]["Last Review"] = _date(as_of - dt.timedelta(days=365))
        docs["POL-007"]["Next Review"] = _date(as_of)
        data.near_miss("DOC-004", "POL-007")
        data.near_miss("DOC-007", "POL-007")
    for r in data.pick(data.documents, 2, "Doc ID", lambda r: r["Doc ID"].startswith("PRO-")):
        if plant:
            r["Approver"] = ""
            data.defect("DOC-008", r["Doc ID"])


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _catalogue_yaml() -> str:
    lines = ["# Service catalogue with SLA targets (minutes) per priority.", timeliness.CALENDARS_YAML.rstrip("\n")]
    lines.append("services:")
    for sid, name, team, criticality in SERVICES:
        lines += [
            f"  - id: {sid}",
            f"    name: {name}",
            f"    owner: {team}",
            f"    criticality: {criticality}",
            "    status: live",
            "    sla:",
        ]
        for priority, (response, resolution) in SLA.items():
            lines.append(
                f"      - {{priority: {priority}, response_minutes: {response}, resolution_minutes: {resolution}, "
                f"calendar: {timeliness.CALENDAR_NAME[priority]}}}"
            )
    return "\n".join(lines) + "\n"


def _config_yaml(extra_evidence: list[str] | None = None) -> str:
    extra = "".join(f"  - {line}\n" for line in extra_evidence or [])
    return f"""# sms-audit configuration for the generated demo evidence.
organisation: "{ORGANISATION}"
audit:
  period: {{from: "{PERIOD_FROM}", to: "{PERIOD_TO}"}}
  as_of: "{AS_OF.date()}"
evidence:
  - {{kind: tickets, adapter: servicenow, path: exports/incident.csv}}
  - {{kind: tickets, adapter: servicenow, path: exports/change_request.csv}}
  - {{kind: tickets, adapter: servicenow, path: exports/problem.csv}}
  - {{kind: tickets, adapter: servicenow, path: exports/sc_req_item.csv}}
  - {{kind: cmdb, adapter: servicenow, path: exports/cmdb_ci.csv}}
  - {{kind: cmdb, adapter: servicenow, path: exports/cmdb_rel_ci.csv}}
  - {{kind: documents, adapter: document_register, path: registers/document_register.csv}}
  - {{kind: services, adapter: service_catalogue, path: registers/service_catalogue.yaml}}
{extra}rule_packs: [iso20000-1-2018]
outputs:
  formats: [json, html, graph]
  fail_on: major
"""


# Modules with a ``plant(data, numbers)`` function for further rule files, run in this order after the
# process plants (and before the timeliness plants, which settle every incident's times).
PLANT_MODULES: tuple[str, ...] = (
    "sms_audit.demo_plants_documents",
    "sms_audit.demo_plants_operations",
    "sms_audit.demo_plants_changes",
    "sms_audit.demo_plants_improvement",
    "sms_audit.demo_plants_service_ops",
    "sms_audit.demo_plants_releases",
    "sms_audit.demo_plants_governance",
    # Last: relates the CIs every module before it created (CI-003, CI-005).
    "sms_audit.demo_plants_integration",
)


def _plant_process_defects(data: DemoData, extra_plants: tuple = ()) -> None:
    from sms_audit import demo_process as process

    numbers = process.Numbers(data)
    process.plant_reviews(data)
    process.plant_known_error_changes(data, numbers)
    process.plant_failed_change_investigations(data, numbers)
    unlinked = process.plant_major_incident_problems(data, numbers)
    process.plant_repeat_incidents(data, numbers, unlinked)
    process.plant_cmdb_updates(data)
    for name in PLANT_MODULES:
        importlib.import_module(name).plant(data, numbers)
    for plant in extra_plants:
        plant(data, numbers)


def generate_demo(
    out: Path,
    seed: int = DEFAULT_SEED,
    tickets: int = DEFAULT_TICKETS,
    extra_plants: tuple = (),
    clean: bool = False,
) -> dict[str, Any]:
    """Write the demo evidence, config and ground truth into ``out``; return a summary.

    ``extra_plants`` are further ``plant(data, numbers)`` functions (for developing a new rule file).
    ``clean`` builds the same kinds of records with no defect and no near-miss planted: every automated
    rule then has a population to judge and passes (ground-truth.json and near-misses.json hold ``{}``).
    """
    if tickets < MIN_TICKETS:
        raise DemoSizeError(f"--tickets must be at least {MIN_TICKETS} so every planted defect has room")
    data = DemoData(random.Random(seed), tickets, clean=clean)
    members = _build_cmdb(data)
    _build_incidents(data, int(tickets * 0.7), members)
    _build_changes(data, int(tickets * 0.2), members)
    _build_problems(data, max(20, int(tickets * 0.1)), members)
    _build_documents(data)
    _link_incidents_to_problems(data)
    _inject_defects(data)
    _plant_process_defects(data, extra_plants)
    requests = timeliness.plant_timeliness(data, tickets)
    for name in PLANT_MODULES:  # service requests exist only now; modules may plant on them too
        hook = getattr(importlib.import_module(name), "plant_requests", None)
        if hook:
            hook(data, requests)
    importlib.import_module("sms_audit.demo_programme").add_files(data)  # programme roster, audit log, settings
    files = {
        "exports/incident.csv": _csv(INCIDENT_COLUMNS, data.incidents),
        "exports/change_request.csv": _csv(CHANGE_COLUMNS, data.changes),
        "exports/problem.csv": _csv(PROBLEM_COLUMNS, data.problems),
        "exports/sc_req_item.csv": _csv(timeliness.REQUEST_COLUMNS, requests),
        "exports/cmdb_ci.csv": _csv(CI_COLUMNS, data.cis),
        "exports/cmdb_rel_ci.csv": _csv(REL_COLUMNS, data.relations),
        "registers/document_register.csv": _csv(DOC_COLUMNS, data.documents),
        "registers/service_catalogue.yaml": _catalogue_yaml(),
        **data.extra_files,
        "sms-audit.yaml": _config_yaml(data.extra_evidence),
        "ground-truth.json": json.dumps({k: sorted(v) for k, v in sorted(data.truth.items())}, indent=2) + "\n",
        "near-misses.json": json.dumps({k: sorted(v) for k, v in sorted(data.near.items())}, indent=2) + "\n",
    }
    for name, text in files.items():
        write_atomic(out, name, text)
    return {
        "out": str(out),
        "seed": seed,
        "tickets": len(data.incidents) + len(data.changes) + len(data.problems) + len(requests),
        "defects": sum(len(v) for v in data.truth.values()),
        "rules_with_defects": len(data.truth),
    }
