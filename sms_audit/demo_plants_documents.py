"""Planted register entries for the rules on SMS documents and review records (DOC-009..DOC-018).

The register gains the documents those rules look for (scope statement, objectives, SLAs, supplier
contracts, internal agreements, capacity plan, security risk assessment) and the dated records of
supplier performance reviews and configuration audits. Every added row is clean for every rule of the
pack except where a defect is planted; defects and near-misses are recorded as they are made. On a
clean demo (``data.clean``) the same documents and records are added, all of them clean.
"""

from __future__ import annotations

import datetime as dt

from sms_audit.demo import AS_OF, PEOPLE, SERVICES, DemoData, _date
from sms_audit.demo_process import Numbers, add_record

TODAY = AS_OF.date()
DAY = dt.timedelta(days=1)
REQUIRED = ("Title", "Version", "Author", "Owner")


def register_entry(
    data: DemoData,
    doc_id: str,
    title: str,
    doc_type: str,
    process: str,
    reviewed_days_ago: int,
    approved: dt.date | None = None,
) -> dict:
    """A controlled document: approved (by default up to 200 days before its last review), owned,
    versioned, approved by someone other than its author, next review a year after the last."""
    rng = data.rng
    owner, author, approver = rng.sample(PEOPLE, 3)
    reviewed = TODAY - dt.timedelta(days=reviewed_days_ago)
    row = {
        "Doc ID": doc_id,
        "Title": title,
        "Type": doc_type,
        "Process": process,
        "Owner": owner,
        "Author": author,
        "Approver": approver,
        "Version": f"{rng.randint(1, 3)}.{rng.randint(0, 4)}",
        "Status": "Approved",
        "Approval Date": _date(approved or reviewed - dt.timedelta(days=rng.randint(0, 200))),
        "Last Review": _date(reviewed),
        "Next Review": _date(reviewed + dt.timedelta(days=365)),
    }
    data.documents.append(row)
    return row


def _clean(data: DemoData, doc_id: str, title: str, doc_type: str, process: str) -> dict:
    return register_entry(data, doc_id, title, doc_type, process, data.rng.randint(20, 300))


def _record(data: DemoData, doc_id: str, title: str, doc_type: str, process: str, day: dt.date) -> None:
    add_record(data, doc_id, title, doc_type, process, day)


def _incomplete_entries_so_far(data: DemoData) -> None:
    """DOC-018: approved entries the base register already leaves without title, version, author or owner.

    Earlier plants blank an owner or a version to break the key-document rules; the same entries lack
    identification, so they are recorded for DOC-018 too.
    """
    for row in data.documents:
        if row["Status"] == "Approved" and any(not str(row.get(name) or "").strip() for name in REQUIRED):
            data.defect("DOC-018", row["Doc ID"])


def plant(data: DemoData, numbers: Numbers) -> None:
    _incomplete_entries_so_far(data)
    rng = data.rng
    plant = not data.clean

    # DOC-009: the scope statement, and an extension for a newly added service still awaiting approval.
    _clean(data, "SCO-001", "Scope of the Service Management System", "SMS Scope Statement", "SMS")
    extension = _clean(data, "SCO-001-A", "SMS scope extension: Customer Web Shop", "SMS Scope Statement", "SMS")
    if plant:
        extension["Status"] = "Pending Approval"
        data.defect("DOC-009", "SCO-001-A")
    reviewed = 365 if plant else 200
    near = register_entry(
        data, "SCO-002", "SMS scope: locations and organisational units", "SMS Scope Statement", "SMS", reviewed
    )
    if plant:
        near["Next Review"] = _date(TODAY)  # reviewed exactly at the maximum age, review due today
        data.near_miss("DOC-009", "SCO-002")
        data.near_miss("DOC-007", "SCO-002")

    # DOC-010: the objectives, and a team's objectives whose planned review date has passed.
    _clean(data, "OBJ-001", "Service Management Objectives 2025-2026", "Service Management Objectives", "SMS")
    stale = register_entry(
        data, "OBJ-002", "Service desk objectives 2025-2026", "Service Management Objectives", "Service desk", 250
    )
    if plant:
        stale["Next Review"] = _date(TODAY - dt.timedelta(days=40))
        data.defect("DOC-010", "OBJ-002")

    # DOC-011: one SLA per service; one approved by its own author, one reviewed exactly a year ago.
    slas = {}
    for sid, name, _team, _criticality in SERVICES:
        doc_id = f"SLA-{sid.split('-')[1]}"
        slas[doc_id] = _clean(
            data, doc_id, f"Service Level Agreement: {name}", "Service Level Agreement", "Service level"
        )
    own, exact = rng.sample(sorted(slas), 2)
    if plant:
        slas[own]["Approver"] = slas[own]["Author"]
        data.defect("DOC-011", own)
        slas[exact]["Last Review"] = _date(TODAY - dt.timedelta(days=365))
        slas[exact]["Next Review"] = _date(TODAY)
        data.near_miss("DOC-011", exact)
        data.near_miss("DOC-007", exact)

    # DOC-012: external supplier contracts; one without anybody managing it.
    suppliers = ["Cloud hosting", "Network carrier", "ERP software support", "Field engineering", "Service desk tools"]
    contracts = []
    for n, supplier in enumerate(suppliers, start=1):
        contracts.append(
            _clean(data, f"SCT-{n:03d}", f"Supplier contract: {supplier}", "Supplier Contract", "Supplier")
        )
    orphan = rng.choice(contracts)
    if plant:
        orphan["Owner"] = ""
        data.defect("DOC-012", orphan["Doc ID"])
        data.defect("DOC-018", orphan["Doc ID"])

    # DOC-013: agreements with internal teams; one is still a draft.
    teams = ["Database administration", "Identity and access", "Facilities"]
    agreements = [
        _clean(data, f"OLA-{n:03d}", f"Operational level agreement: {team}", "Operational Level Agreement", "Supplier")
        for n, team in enumerate(teams, start=1)
    ]
    draft = rng.choice(agreements)
    if plant:
        draft["Status"] = "Draft"
        data.defect("DOC-013", draft["Doc ID"])

    # DOC-014: the capacity plan, with last year's version still marked approved instead of superseded
    # (marked superseded on a clean demo).
    plan = _clean(data, "CAP-001", "Capacity Plan 2026", "Capacity Plan", "Capacity")
    plan["Version"] = "3.0"
    approved = dt.datetime.strptime(plan["Approval Date"], "%Y-%m-%d").date()
    older = dict(
        plan,
        Title="Capacity Plan 2025",
        Version="2.0",
        Status="Approved" if plant else "Superseded",
        **{
            "Approval Date": _date(approved - dt.timedelta(days=200)),
            "Last Review": _date(TODAY - dt.timedelta(days=rng.randint(200, 300))),
            "Next Review": _date(TODAY + dt.timedelta(days=rng.randint(30, 100))),
        },
    )
    data.documents.append(older)
    if plant:
        data.defect("DOC-014", "CAP-001")

    # DOC-015: the only security risk assessment was last reviewed well over a year ago (also DOC-007);
    # on a clean demo it was reviewed within the year.
    overdue = register_entry(
        data,
        "ISR-001",
        "Information Security Risk Assessment",
        "Information Security Risk Assessment",
        "Information security",
        rng.randint(420, 520) if plant else rng.randint(20, 300),
    )
    if plant:
        overdue["Next Review"] = _date(TODAY - dt.timedelta(days=rng.randint(50, 150)))
        data.defect("DOC-015", "ISR-001")
        data.defect("DOC-007", "ISR-001")

    # DOC-016: quarterly supplier reviews; one gap of exactly 92 days, one of 112 days (none on a clean demo).
    supplier_reviews = [
        dt.date(2025, 5, 20),
        dt.date(2025, 8, 20),
        dt.date(2025, 11, 10),
        dt.date(2026, 3, 2),
        dt.date(2026, 5, 25),
    ]
    if not plant:
        supplier_reviews = [dt.date(2025, 5, 20), dt.date(2025, 8, 12), dt.date(2025, 11, 2), dt.date(2026, 1, 28)]
        supplier_reviews.append(dt.date(2026, 4, 22))
    for n, day in enumerate(supplier_reviews, start=1):
        _record(
            data,
            f"SPR-{n:02d}",
            f"Supplier performance review {day:%B %Y}",
            "Supplier Performance Review Report",
            "Supplier",
            day,
        )
    if plant:
        data.near_miss("DOC-016", f"gap:{supplier_reviews[0]}..{supplier_reviews[1]}")
        data.defect("DOC-016", f"gap:{supplier_reviews[2]}..{supplier_reviews[3]}")

    # DOC-017: configuration audits every six months; one gap of exactly 183 days, one of 234 days (a clean
    # demo audits every five to six months).
    config_audits = [dt.date(2025, 3, 13), dt.date(2025, 9, 12), dt.date(2026, 5, 4)]
    if not plant:
        config_audits = [dt.date(2025, 4, 10), dt.date(2025, 9, 12), dt.date(2026, 2, 20)]
    for n, day in enumerate(config_audits, start=1):
        _record(
            data, f"CFA-{n:02d}", f"Configuration audit {day:%B %Y}", "Configuration Audit Report", "Configuration", day
        )
    if plant:
        data.near_miss("DOC-017", f"gap:{config_audits[0]}..{config_audits[1]}")
        data.defect("DOC-017", f"gap:{config_audits[1]}..{config_audits[2]}")

    # DOC-018: a procedure whose register entry lost its author.
    for row in data.pick(data.documents, 1, "Doc ID", lambda r: r["Doc ID"].startswith("PRO-")):
        if plant:
            row["Author"] = ""
            data.defect("DOC-018", row["Doc ID"])
