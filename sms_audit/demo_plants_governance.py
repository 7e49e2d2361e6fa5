"""Planted cases for the governance rules (GOV-001..GOV-018): capacity, availability, continuity, security,
suppliers, budgeting, competence and communication documents, and the depth of change and configuration data.

The register gains dated records (availability, capacity, budget, access and competence reviews), controlled
documents (availability plan, budget, communication plan, asset registers, statement of applicability,
per-service continuity plans, service designs and acceptances, supplier contracts). The CMDB gains retired
items; business services lose (or keep one of) their outgoing relationships; items of critical services lose
their support group. Emergency changes on critical services and repeated failed changes on one item are
planted on new changes, with the incidents and problems that keep the other rules clean. Defects and
near-misses are recorded as they are made; with ``data.clean`` the same populations are built without them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from sms_audit.checks.recurrence import series_members
from sms_audit.demo import AS_OF, FMT, PEOPLE, SERVICES, DemoData, _date, _ts
from sms_audit.demo_plants_changes import RepeatGuard
from sms_audit.demo_plants_documents import register_entry
from sms_audit.demo_process import Numbers, add_record, clean_change_template, new_problem

TODAY = AS_OF.date()
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
OLD_UPDATE = "2025-03-15 02:00:00"  # before the audit period: CON-001 does not judge these CI records
CRITICAL = tuple(name for _sid, name, _team, criticality in SERVICES if criticality == "critical")
LOW_RISK = ("Low", "4")
FAILED_WINDOW_DAYS = 90


def _parse(value: str) -> dt.datetime | None:
    return dt.datetime.strptime(value, FMT) if value else None


def _service(name: str) -> tuple[str, str, str, str]:
    return next(s for s in SERVICES if s[1] == name)


def _short(name: str) -> str:
    return _service(name)[0].split("-")[1].lower()


class _Marks:
    """defect / near_miss that do nothing on a clean demo."""

    def __init__(self, data: DemoData) -> None:
        self.data = data

    def defect(self, rule: str, record_id: str) -> None:
        if not self.data.clean:
            self.data.defect(rule, record_id)

    def near(self, rule: str, record_id: str) -> None:
        if not self.data.clean:
            self.data.near_miss(rule, record_id)


def plant(data: DemoData, numbers: Numbers) -> None:
    marks = _Marks(data)
    _plant_cadences(data, marks)
    _plant_documents(data, marks)
    _plant_continuity_plans(data, marks)
    _plant_design_acceptance(data, marks)
    _plant_supplier_contracts(data, marks)
    _plant_service_relations(data, marks)
    _plant_retired_cis(data, numbers, marks)
    _plant_support_groups(data, marks)
    _plant_emergency_risk(data, numbers, marks)
    _plant_failed_change_repeats(data, numbers, marks)


# --------------------------------------------------------------------------- documents


def _doc(
    data: DemoData,
    doc_id: str,
    title: str,
    doc_type: str,
    process: str,
    reviewed_days_ago: int | None = None,
    approved: dt.date | None = None,
) -> dict:
    """A controlled document, clean for every document rule (reviewed within the year unless told)."""
    if reviewed_days_ago is None:
        reviewed_days_ago = data.rng.randint(20, 300)
    return register_entry(data, doc_id, title, doc_type, process, reviewed_days_ago, approved)


def _cadence(
    data: DemoData,
    marks: _Marks,
    rule: str,
    prefix: str,
    title: str,
    doc_type: str,
    process: str,
    planted: list[dt.date],
    clean: list[dt.date],
    near: tuple[int, ...],
    defect: tuple[int, ...],
) -> None:
    """Dated records; ``near`` / ``defect`` index the gaps (from record i to record i + 1) of ``planted``."""
    days = clean if data.clean else planted
    for n, day in enumerate(days, start=1):
        add_record(data, f"{prefix}-{n:02d}", f"{title} {day:%B %Y}", doc_type, process, day)
    for i in near:
        marks.near(rule, f"gap:{planted[i]}..{planted[i + 1]}")
    for i in defect:
        marks.defect(rule, f"gap:{planted[i]}..{planted[i + 1]}")


def _plant_cadences(data: DemoData, marks: _Marks) -> None:
    """GOV-001..GOV-005: each record series has one gap exactly at the interval and one beyond it."""
    d = dt.date
    # GOV-001: monthly availability reports on the 5th; October's came five days late (exactly 35 days after
    # September's), January's is missing (62 days).
    clean = [d(2025 + (5 + m) // 12, (5 + m) % 12 + 1, 5) for m in range(13)]  # 2025-06-05 .. 2026-06-05
    planted = [day for day in clean if day != d(2026, 1, 5)]
    planted[planted.index(d(2025, 10, 5))] = d(2025, 10, 10)
    _cadence(
        data, marks, "GOV-001", "AVAIL", "Availability report", "Availability Report", "Availability",
        planted, clean, near=(planted.index(d(2025, 9, 5)),), defect=(planted.index(d(2025, 12, 5)),),
    )  # fmt: skip
    # GOV-002: quarterly capacity reviews; 92 days (exactly) and 116 days.
    planted = [d(2025, 6, 20), d(2025, 9, 20), d(2025, 12, 15), d(2026, 4, 10), d(2026, 6, 20)]
    clean = [d(2025, 6, 20), d(2025, 9, 15), d(2025, 12, 15), d(2026, 3, 15), d(2026, 6, 10)]
    _cadence(
        data, marks, "GOV-002", "CAPREV", "Capacity review", "Capacity Review Report", "Capacity",
        planted, clean, near=(0,), defect=(2,),
    )  # fmt: skip
    # GOV-003: quarterly budget variance reports; 92 days (exactly) and 128 days.
    planted = [d(2025, 4, 15), d(2025, 7, 15), d(2025, 10, 15), d(2026, 2, 20), d(2026, 5, 15)]
    clean = [d(2025, 4, 15), d(2025, 7, 15), d(2025, 10, 10), d(2026, 1, 8), d(2026, 4, 8)]
    _cadence(
        data, marks, "GOV-003", "BUDVAR", "Budget variance report", "Budget Variance Report", "Budgeting",
        planted, clean, near=(1,), defect=(2,),
    )  # fmt: skip
    # GOV-004: quarterly access recertifications; 92 days (exactly) and 134 days.
    planted = [d(2025, 6, 2), d(2025, 9, 1), d(2025, 12, 2), d(2026, 4, 15), d(2026, 6, 10)]
    clean = [d(2025, 6, 2), d(2025, 9, 1), d(2025, 11, 28), d(2026, 2, 25), d(2026, 5, 20)]
    _cadence(
        data, marks, "GOV-004", "ACCREV", "Access rights review", "Access Review Report", "Information security",
        planted, clean, near=(1,), defect=(2,),
    )  # fmt: skip
    # GOV-005: half-yearly skills matrix reviews; 183 days (exactly) and 253 days.
    planted = [d(2025, 3, 10), d(2025, 9, 9), d(2026, 5, 20)]
    clean = [d(2025, 3, 10), d(2025, 9, 1), d(2026, 2, 20)]
    _cadence(
        data, marks, "GOV-005", "SKILLS", "Skills matrix review", "Competence Review Report", "Competence",
        planted, clean, near=(0,), defect=(1,),
    )  # fmt: skip


def _plant_documents(data: DemoData, marks: _Marks) -> None:
    """GOV-006..GOV-010: a clean main document, a defective second one and one reviewed exactly a year ago."""
    clean = data.clean

    def exact_year(row: dict, rule: str) -> None:
        row["Last Review"] = _date(TODAY - dt.timedelta(days=365))
        row["Approval Date"] = row["Last Review"]
        row["Next Review"] = _date(TODAY)
        marks.near(rule, row["Doc ID"])
        marks.near("DOC-007", row["Doc ID"])

    # GOV-006: availability targets for the web shop approved by their own author.
    _doc(data, "AVP-001", "Availability Plan 2026", "Availability Plan", "Availability")
    own = _doc(data, "AVP-002", "Availability targets: Customer Web Shop", "Availability Targets", "Availability")
    if not clean:
        own["Approver"] = own["Author"]
    marks.defect("GOV-006", "AVP-002")
    exact_year(
        _doc(data, "AVP-003", "Availability requirements: ERP Finance", "Availability Requirements", "Availability"),
        "GOV-006",
    )

    # GOV-007: a budget revision still in draft.
    _doc(data, "BUD-001", "Service Budget FY2026", "Service Budget", "Budgeting")
    revision = _doc(data, "BUD-002", "Service Budget FY2026 revision: network refresh", "Service Budget", "Budgeting")
    if not clean:
        revision["Status"] = "Draft"
    marks.defect("GOV-007", "BUD-002")

    # GOV-008: the customer communication plan of the web shop is past its planned review.
    _doc(data, "COM-001", "SMS Communication Plan", "Communication Plan", "SMS")
    late = _doc(
        data, "COM-002", "Customer communication plan: Customer Web Shop", "Communication Plan", "Service level", 300
    )
    if not clean:
        late["Next Review"] = _date(TODAY - dt.timedelta(days=40))
    marks.defect("GOV-008", "COM-002")
    exact_year(
        _doc(data, "COM-003", "Communication plan: major incidents", "Communication Plan", "Incident"), "GOV-008"
    )

    # GOV-009: the licence register's previous version is still marked approved.
    _doc(data, "AST-001", "IT Asset Register", "Asset Register", "Asset")
    licences = _doc(data, "LIC-001", "Software Licence Register", "Software Licence Register", "Asset", 60)
    licences["Version"] = "4.0"
    if not clean:
        approved = dt.datetime.strptime(licences["Approval Date"], "%Y-%m-%d").date()
        data.documents.append(
            dict(
                licences,
                Version="3.0",
                **{
                    "Approval Date": _date(approved - dt.timedelta(days=120)),
                    "Last Review": _date(TODAY - dt.timedelta(days=170)),
                    "Next Review": _date(TODAY + dt.timedelta(days=195)),
                },
            )
        )
    marks.defect("GOV-009", "LIC-001")

    # GOV-010: the statement of applicability for cloud services is still under review.
    _doc(data, "SOA-001", "Statement of Applicability", "Statement of Applicability", "Information security")
    pending = _doc(
        data,
        "SOA-002",
        "Statement of Applicability: cloud services",
        "Statement of Applicability",
        "Information security",
    )
    if not clean:
        pending["Status"] = "Under Review"
    marks.defect("GOV-010", "SOA-002")
    exact_year(
        _doc(data, "SOA-003", "Security control register", "Security Control Register", "Information security"),
        "GOV-010",
    )


def _plant_continuity_plans(data: DemoData, marks: _Marks) -> None:
    """GOV-011: per-service plans for the critical services; the network's only plan is superseded, the web
    shop's is tagged with the service id instead of its name (which matches too)."""
    _doc(data, "BCP-ERP", "IT service continuity plan: ERP Finance", "Service Continuity Plan", "ERP Finance")
    _doc(data, "BCP-SHOP", "Disaster recovery plan: Customer Web Shop", "Disaster Recovery Plan", "SVC-SHOP")
    marks.near("GOV-011", "SVC-SHOP")
    network = _doc(
        data, "BCP-NET", "IT service continuity plan: Corporate Network", "Service Continuity Plan", "Corporate Network"
    )
    if not data.clean:
        network["Status"] = "Superseded"  # replaced by a plan nobody registered
    marks.defect("GOV-011", "SVC-NET")


def _plant_design_acceptance(data: DemoData, marks: _Marks) -> None:
    """GOV-012: acceptance reports with a design approved before, after, never, on the day and a year before."""
    d = dt.date

    def design(doc_id: str, service: str, approved: dt.date) -> None:
        reviewed = max(approved, TODAY - dt.timedelta(days=200))  # reviewed since, so DOC-007 stays clean
        _doc(
            data,
            doc_id,
            f"Service design package: {service}",
            "Service Design Package",
            service,
            (TODAY - reviewed).days,
            approved,
        )

    def acceptance(doc_id: str, service: str, approved: dt.date) -> None:
        add_record(data, doc_id, f"Service acceptance: {service}", "Service Acceptance Report", service, approved)

    design("SDP-001", "Customer Web Shop", d(2025, 9, 1))
    acceptance("SAR-001", "Customer Web Shop", d(2025, 11, 20))
    design("SDP-002", "HR Self-Service Portal", d(2026, 1, 10) if data.clean else d(2026, 2, 25))
    acceptance("SAR-002", "HR Self-Service Portal", d(2026, 2, 10))  # designed only after acceptance
    marks.defect("GOV-012", "SAR-002")
    if data.clean:
        design("SDP-003", "Email and Collaboration", d(2026, 1, 20))
    acceptance("SAR-003", "Email and Collaboration", d(2026, 4, 1))  # no design at all
    marks.defect("GOV-012", "SAR-003")
    design("SDP-004", "ERP Finance", d(2026, 3, 15))
    acceptance("SAR-004", "ERP Finance", d(2026, 3, 15))  # design approved the same day
    marks.near("GOV-012", "SAR-004")
    design("SDP-005", "Corporate Network", d(2025, 5, 1))
    acceptance("SAR-005", "Corporate Network", d(2026, 5, 1))  # design exactly 365 days before
    marks.near("GOV-012", "SAR-005")


def _plant_supplier_contracts(data: DemoData, marks: _Marks) -> None:
    """GOV-018: a contract whose next review is set to its renewal three years on; one exactly a year on."""
    far = _doc(data, "SCT-101", "Supplier contract: Payment gateway", "Supplier Contract", "Supplier", 100)
    if not data.clean:
        far["Next Review"] = _date(TODAY + dt.timedelta(days=1000))
    marks.defect("GOV-018", "SCT-101")
    exact = _doc(data, "SCT-102", "Underpinning contract: Data centre colocation", "Underpinning Contract", "Supplier")
    marks.near("GOV-018", exact["Doc ID"])  # next review exactly 365 days after the last


# --------------------------------------------------------------------------- CMDB


def _plant_service_relations(data: DemoData, marks: _Marks) -> None:
    """GOV-013: business services whose relationships were recorded the wrong way round (from the component
    to the service); earlier plants' business service records without any relationship count too."""
    names = {name for _sid, name, _team, _crit in SERVICES}
    known = {ci["name"] for ci in data.cis}
    # Services whose relationships other plants left alone (CI-002 plants dangling ones on a service).
    touched = {rel["parent"] for rel in data.relations if rel["child"] not in known or rel["parent"] not in known}
    services = data.pick(
        data.cis,
        2,
        "name",
        lambda r: r["sys_class_name"] == "Business Service" and r["name"] in names and r["name"] not in touched,
    )
    if not data.clean:
        none, one = services
        for rel in data.relations:
            if rel["parent"] == none["name"] or (rel["parent"] == one["name"] and rel["child"].endswith("-web-01")):
                rel["parent"], rel["child"] = rel["child"], rel["parent"]
        data.defect("GOV-013", none["name"])
        data.near_miss("GOV-013", one["name"])  # one outgoing relationship left, to its application server
    parents = {rel["parent"] for rel in data.relations}
    for ci in data.cis:
        retired = ci["install_status"] in ("Retired", "7")
        if ci["sys_class_name"] == "Business Service" and not retired and ci["name"] not in parents:
            if ci["name"] not in data.truth.get("GOV-013", []):
                marks.defect("GOV-013", ci["name"])


def _ci(data: DemoData, name: str, service: str, install: str, operational: str, updated: str = OLD_UPDATE) -> dict:
    row = {
        "name": name,
        "sys_class_name": "Linux Server",
        "install_status": install,
        "operational_status": operational,
        "owned_by": data.rng.choice(PEOPLE),
        "support_group": _service(service)[2],
        "business_service": service,
        "sys_updated_on": updated,
    }
    data.cis.append(row)
    data.used.add(name)
    return row


def _change(data: DemoData, numbers: Numbers, service: str, ci: str, what: str, **fields: str) -> dict:
    """A clean, successful normal change on ``ci``; fields this module does not know are copied from an untouched
    clean change when there is one left."""
    try:
        template = clean_change_template(data)
    except StopIteration:  # small demos: other plants used every clean change
        template = {}
    row = {
        **template,
        "number": numbers.next("change"),
        "short_description": f"{service}: {what}",
        "type": "Normal",
        "risk": "Moderate",
        "impact": "2 - Medium",
        "priority": "3 - Moderate",
        "business_service": service,
        "cmdb_ci": ci,
        "assignment_group": _service(service)[2],
        "assigned_to": data.rng.choice(PEOPLE),
        "backout_plan": "Restore the previous package from the release repository",
        "test_plan": "Smoke test of the service after implementation",
        **_implemented(dt.datetime(2025, 9, 1, 9, 0, 0)),
    }
    row.update(fields)
    data.changes.append(row)
    data.used.add(row["number"])
    return row


def _implemented(opened: dt.datetime, emergency: bool = False) -> dict[str, str]:
    """Times of a change implemented cleanly: approved, then worked inside its planned window."""
    planned = opened + (3 * HOUR if emergency else 3 * DAY)
    work_start = planned + dt.timedelta(minutes=10)
    return {
        "opened_at": _ts(opened),
        "state": "Closed",
        "approval": "Approved",
        "approval_set": _ts(opened + (HOUR if emergency else DAY)),
        "start_date": _ts(planned),
        "end_date": _ts(planned + 2 * HOUR),
        "work_start": _ts(work_start),
        "work_end": _ts(work_start + HOUR),
        "close_code": "successful",
    }


def _plant_retired_cis(data: DemoData, numbers: Numbers, marks: _Marks) -> None:
    """GOV-014: retired servers; one still marked operational, one named on a change still to be done, one
    with only its closed decommissioning change."""
    _ci(data, "erp-app-00", "ERP Finance", "Retired", "Retired")
    still_up = _ci(data, "shop-web-00", "Customer Web Shop", "Retired", "Retired" if data.clean else "Operational")
    marks.defect("GOV-014", still_up["name"])

    in_use = _ci(data, "net-app-00", "Corporate Network", "Retired", "Retired")
    opened = AS_OF - dt.timedelta(days=12)
    start = (AS_OF + dt.timedelta(days=6)).replace(hour=20)
    _change(
        data,
        numbers,
        "Corporate Network",
        "net-app-01" if data.clean else in_use["name"],
        "config change",
        opened_at=_ts(opened),
        state="Scheduled",
        approval_set=_ts(opened + 3 * DAY),
        start_date=_ts(start),
        end_date=_ts(start + 2 * HOUR),
        work_start="",
        work_end="",
        close_code="",
    )
    marks.defect("GOV-014", in_use["name"])

    decommission = _change(
        data,
        numbers,
        "HR Self-Service Portal",
        "hr-app-00",
        "decommission hr-app-00",
        **_implemented(dt.datetime(2025, 9, 1, 9, 0, 0)),
    )
    updated = _ts(_parse(decommission["work_end"]) + 3 * HOUR)  # the CMDB follows the change (CON-001)
    _ci(data, "hr-app-00", "HR Self-Service Portal", "Retired", "Non-Operational", updated)
    marks.near("GOV-014", "hr-app-00")


def _plant_support_groups(data: DemoData, marks: _Marks) -> None:
    """GOV-015: two items of critical services without a support group; a workstation without one is fine."""

    def component_of(services: tuple[str, ...]) -> Callable[[dict], bool]:
        return lambda r: (
            r["business_service"] in services
            and r["sys_class_name"] != "Business Service"
            and r["install_status"] == "Installed"
            and bool(r["support_group"])
        )

    if data.clean:
        return
    for ci in data.pick(data.cis, 2, "name", component_of(CRITICAL)):
        ci["support_group"] = ""
        data.defect("GOV-015", ci["name"])
    for ci in data.pick(data.cis, 1, "name", component_of(("Workplace Devices",))):
        ci["support_group"] = ""
        data.near_miss("GOV-015", ci["name"])


# --------------------------------------------------------------------------- changes


def _emergency(data: DemoData, numbers: Numbers, service: str, opened: dt.datetime, risk: str) -> dict:
    """A clean emergency change on the service's application server, justified by the problem it fixes."""
    busy = {*data.truth.get("CON-001", []), *data.near.get("CON-001", [])}  # their CMDB timing must stay
    ci = next(
        f"{_short(service)}-{m}"
        for m in ("app-01", "app-02", "web-01", "db-01")
        if f"{_short(service)}-{m}" not in busy
    )
    change = _change(data, numbers, service, ci, "emergency patch", type="Emergency", risk=risk)
    change.update(_implemented(opened, emergency=True))
    problem = new_problem(data, numbers, opened - DAY, ci, service)
    problem["rfc"] = change["number"]  # CHG-009: the problem the change resolves
    data.used.add(problem["number"])
    return change


def _plant_emergency_risk(data: DemoData, numbers: Numbers, marks: _Marks) -> None:
    """GOV-016: emergency changes on critical services rated low risk. Existing ones are re-rated moderate
    (a change another plant uses keeps its rating and counts as found)."""
    for change in data.changes:
        if change["type"] == "Emergency" and change["business_service"] in CRITICAL and change["risk"] in LOW_RISK:
            if change["number"] in data.used and not data.clean:
                data.defect("GOV-016", change["number"])
            else:
                change["risk"] = "Moderate"
    low = "Moderate" if data.clean else "Low"
    erp = _emergency(data, numbers, "ERP Finance", dt.datetime(2025, 10, 14, 2, 0, 0), low)
    marks.defect("GOV-016", erp["number"])
    shop = _emergency(data, numbers, "Customer Web Shop", dt.datetime(2026, 3, 3, 3, 0, 0), low)
    marks.defect("GOV-016", shop["number"])
    hr = _emergency(data, numbers, "HR Self-Service Portal", dt.datetime(2026, 1, 20, 1, 0, 0), "Low")
    marks.near("GOV-016", hr["number"])  # low risk is allowed for a service that is not critical


def _investigate(data: DemoData, numbers: Numbers, change: dict) -> None:
    """LNK-003: an incident raised against the failed change within days (not part of any repeat series)."""
    guard = RepeatGuard(data)
    end = _parse(change["work_end"])
    unjustified = [c for c in data.changes if c["number"] in data.truth.get("CHG-009", [])]

    def justifies_a_defect(when: dt.datetime) -> bool:
        """Would an incident at this time justify an emergency change planted as unjustified (CHG-009)?"""
        return any(
            c["cmdb_ci"] == change["cmdb_ci"] and _parse(c["opened_at"]) - DAY <= when <= _parse(c["opened_at"])
            for c in unjustified
        )

    for hours in (20, 30, 44, 60, 80, 100, 150, 200, 230, 260, 290, 320):  # all inside the 14-day window
        if justifies_a_defect(end + hours * HOUR):
            continue
        incident = guard.add(numbers, end + hours * HOUR, change["cmdb_ci"], change["business_service"])
        if incident is not None:
            incident["caused_by"] = change["number"]
            return
    raise RuntimeError(f"no investigation incident fits for {change['number']}")


def _linked_to_problem(data: DemoData) -> set[str]:
    return {p["rfc"] for p in data.problems if p.get("rfc")}


def _plant_failed_change_repeats(data: DemoData, numbers: Numbers, marks: _Marks) -> None:
    """GOV-017: two failures on one server 24 days apart (no problem); two on another 90 days and an hour
    apart (not a repeat). Repeats the base data already holds are each given a problem."""

    def failed(c: dict) -> bool:
        return c["close_code"] == "unsuccessful" and bool(c["work_end"])

    with_failures = {c["cmdb_ci"] for c in data.changes if failed(c)}
    # Servers whose incidents other plants use: an investigating incident could turn those into repeats.
    busy = with_failures | {r["cmdb_ci"] for r in data.incidents if r["number"] in data.used}
    servers = [
        c["name"]
        for c in data.cis
        if c["sys_class_name"] in ("Linux Server", "Database", "Web Server")
        and c["install_status"] == "Installed"
        and c["business_service"] in {s[1] for s in SERVICES}
        and c["name"] not in busy
        and c["name"] not in data.used
    ]
    pool = data.rng.sample(sorted(servers), 2) if len(servers) >= 2 else []
    for n, service in enumerate(("ERP Finance", "Customer Web Shop")[len(pool) :], start=len(pool) + 1):
        # Too few untouched servers (a small demo): two new ones, with no incident history at all.
        pool.append(_ci(data, f"{_short(service)}-util-0{n}", service, "Installed", "Operational")["name"])
    plan = [
        (pool[0], [dt.datetime(2025, 10, 6, 19, 0, 0), dt.datetime(2025, 10, 30, 19, 0, 0)], "defect"),
        (pool[1], [dt.datetime(2025, 8, 4, 18, 0, 0), dt.datetime(2025, 11, 2, 19, 0, 0)], "near"),
    ]
    for ci_name, starts, kind in plan:
        service = next(c["business_service"] for c in data.cis if c["name"] == ci_name)
        for opened in starts:
            fields = _implemented(opened - 3 * DAY + dt.timedelta(minutes=-10))
            fields["close_code"] = "unsuccessful" if not data.clean else "successful"
            change = _change(data, numbers, service, ci_name, "upgrade", **fields)
            if not data.clean:
                _investigate(data, numbers, change)
            (marks.defect if kind == "defect" else marks.near)("GOV-017", change["number"])

    # Repeats already in the data: each failed change in a series gets a problem, unless another plant uses
    # the change (a problem would change what that plant planted): then it is a finding here too.
    frame = pd.DataFrame([c for c in data.changes if failed(c)])
    if frame.empty:
        return
    series = series_members(frame["cmdb_ci"], pd.to_datetime(frame["work_end"]), 2, FAILED_WINDOW_DAYS)
    linked = _linked_to_problem(data)
    planted = set(data.truth.get("GOV-017", [])) | set(data.near.get("GOV-017", []))
    known = {c["name"] for c in data.cis}
    for position in series.index[series["member"].to_numpy(dtype=bool)]:
        number = frame["number"].iloc[position]
        if number in linked or number in planted:
            continue
        change = next(c for c in data.changes if c["number"] == number)
        if number in data.used and not data.clean:
            data.defect("GOV-017", number)
            continue
        ci = change["cmdb_ci"] if change["cmdb_ci"] in known else "erp-db-01"
        service = (
            change["business_service"] if change["business_service"] in {s[1] for s in SERVICES} else "ERP Finance"
        )
        problem = new_problem(data, numbers, _parse(change["work_end"]) + 2 * DAY, ci, service)
        problem["short_description"] = f"Repeated change failures on {ci}"
        problem["rfc"] = number
        data.used.update({problem["number"], number})
