"""Planted cases for the rules on nonconformities, corrective action, improvement and complaints (IMP-001..017).

The provider keeps one "Nonconformity and Improvement Register" (``registers/improvement_register.csv``,
read by the action_register adapter): audit findings, observations, opportunities for improvement from
reviews and staff, and service complaints. Clean entries are written first (each nonconformity against a
clause of its own, so no repeat arises by accident; improvements logged at least every two months);
then, unless the demo is clean, the defects and near-misses of each rule, recorded as they are made.
Entries get their register ids (NC-25-003, OFI-26-001, ...) in the order they were raised, at the end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sms_audit.demo import AS_OF, PEOPLE, PERIOD_FROM, DemoData, _csv
from sms_audit.demo_process import Numbers

DAY = dt.timedelta(days=1)
START = dt.datetime.combine(PERIOD_FROM, dt.time())
PATH = "registers/improvement_register.csv"
COLUMNS = [
    "ID",
    "Type",
    "Source",
    "Clause",
    "Description",
    "Raised On",
    "Raised By",
    "Owner",
    "Priority",
    "Root Cause",
    "Correction",
    "Corrective Action",
    "Due Date",
    "Status",
    "Closed On",
    "Verified By",
    "Verified On",
    "Effective",
    "Decision",
    "Decision Date",
    "Acknowledged On",
    "Benefit Evaluation",
    "Related",
]
PREFIX = {"Observation": "OBS", "Opportunity for improvement": "OFI", "Complaint": "CMP"}

# Clause -> (heading, finding, root cause, correction, corrective action). Clean nonconformities each take
# a clause of their own; the planted repeats share one on purpose.
FINDINGS = [
    (
        "4.4",
        "Service management system",
        "Process interfaces with the security team not defined",
        "Interfaces never agreed when the SOC was outsourced",
        "Interim contact list issued",
        "Interface agreement added to the SMS process map",
    ),
    (
        "5.3",
        "Roles and responsibilities",
        "Deputy for the change manager not appointed",
        "Role changes not reviewed after the reorganisation",
        "Deputy appointed in writing",
        "Role review added to the annual SMS planning cycle",
    ),
    (
        "6.1",
        "Risks and opportunities",
        "Risk register not updated after the data centre move",
        "No trigger to review risks after major changes",
        "Risks re-assessed for the new site",
        "Risk review made a step of the service transition checklist",
    ),
    (
        "6.2.2",
        "Planning to achieve objectives",
        "Objective for first-time fix has no action plan",
        "Objectives set without owners",
        "Plan written with the service desk lead",
        "Objective template now requires owner, actions and dates",
    ),
    (
        "7.2",
        "Competence",
        "Two change approvers without the required training",
        "Training records not checked when approvers are nominated",
        "Approvers trained",
        "Competence check added to the CAB membership procedure",
    ),
    (
        "7.5.3",
        "Control of documented information",
        "Superseded procedure still on the intranet",
        "Publishing step not in the document control procedure",
        "Old version removed",
        "Publishing and withdrawal checklist introduced",
    ),
    (
        "8.2.4",
        "Service catalogue management",
        "Two live services missing from the catalogue",
        "Catalogue update not part of service transition",
        "Services added to the catalogue",
        "Catalogue entry made an exit criterion of transition",
    ),
    (
        "8.2.6",
        "Configuration management",
        "CMDB ownership missing for network devices",
        "Bulk import did not carry the owner field",
        "Owners assigned to all devices",
        "Import template validated before loading",
    ),
    (
        "8.3.3",
        "Service level management",
        "SLA for the web shop not reviewed this year",
        "Review calendar kept by one person who left",
        "Review held with the customer",
        "SLA reviews scheduled in the shared SMS calendar",
    ),
    (
        "8.3.4.1",
        "Supplier management",
        "Hosting contract renewed without checking SLA alignment",
        "Procurement not aware of the alignment requirement",
        "Contract schedule amended",
        "Supplier checklist shared with procurement",
    ),
    (
        "8.4.3",
        "Capacity management",
        "Capacity plan does not cover the ERP upgrade",
        "Project demand not passed to capacity management",
        "Plan updated",
        "Project intake form now asks for capacity impact",
    ),
    (
        "8.5.1.3",
        "Change management",
        "Emergency changes not reviewed after implementation",
        "No owner for the post-implementation review step",
        "Backlog of emergency changes reviewed",
        "Review step added to the change workflow",
    ),
    (
        "8.5.3",
        "Release and deployment management",
        "Release acceptance criteria not recorded",
        "Release template lacked the field",
        "Criteria recorded for open releases",
        "Release template updated and made mandatory",
    ),
    (
        "8.6.1",
        "Incident management",
        "Major incident communications not sent to customers",
        "Communication step missing from the major incident runbook",
        "Customers informed",
        "Runbook updated and rehearsed",
    ),
    (
        "8.6.3",
        "Problem management",
        "Problems closed without a recorded root cause",
        "Closure screen did not require the cause",
        "Problems reopened and analysed",
        "Cause field made mandatory before closure",
    ),
    (
        "8.7.1",
        "Service availability management",
        "Availability targets not monitored for HR portal",
        "Monitoring never configured after go-live",
        "Monitoring configured",
        "Monitoring set-up added to the go-live checklist",
    ),
    (
        "8.7.2",
        "Service continuity management",
        "Continuity test results not reported",
        "No report template for continuity tests",
        "Report written for the last test",
        "Template and reporting deadline introduced",
    ),
    (
        "8.7.3.3",
        "Information security incidents",
        "Security incidents not classified consistently",
        "Category list differs between desk and SOC",
        "Open incidents re-classified",
        "Single category list agreed and configured",
    ),
    (
        "9.1",
        "Monitoring, measurement, analysis and evaluation",
        "KPI definitions differ between reports",
        "Each report built its own queries",
        "Reports aligned for the quarter",
        "KPI dictionary published and used by all reports",
    ),
    (
        "9.4",
        "Service reporting",
        "Monthly service report issued late three times",
        "Report compiled by hand",
        "Reports issued",
        "Report generation automated",
    ),
    (
        "8.2.5",
        "Asset management",
        "Software licences not reconciled with installs",
        "No reconciliation owner",
        "Licences reconciled",
        "Quarterly reconciliation assigned to the asset manager",
    ),
    (
        "8.6.2",
        "Service request management",
        "Access requests fulfilled without line manager approval",
        "Catalogue item missing the approval step",
        "Access reviewed and confirmed",
        "Approval step added to the catalogue item",
    ),
    (
        "4.1",
        "Understanding the organization",
        "Context analysis not updated for the new EU customers",
        "No owner for the context review",
        "Context updated",
        "Context review added to the planning calendar",
    ),
    (
        "4.2",
        "Interested parties",
        "Regulator requirements missing from the stakeholder list",
        "List built from the customer base only",
        "Regulator added",
        "Legal team now reviews the list yearly",
    ),
    (
        "4.3",
        "Scope of the SMS",
        "Scope statement omits the managed print service",
        "Scope not revised when the service started",
        "Scope statement corrected",
        "Scope check added to new service approval",
    ),
    (
        "5.1",
        "Leadership and commitment",
        "SMS resources not discussed by top management in the year",
        "Resource needs never raised as a topic",
        "Resources discussed",
        "Standing agenda item created",
    ),
    (
        "5.2",
        "Policy",
        "Policy not communicated to new contractors",
        "Contractor induction skips the SMS",
        "Policy sent to contractors",
        "Induction pack updated",
    ),
    (
        "6.3",
        "Planning the SMS",
        "Service management plan lists retired services",
        "Plan not updated after retirements",
        "Plan updated",
        "Plan review linked to service retirement",
    ),
    (
        "7.1",
        "Resources",
        "Night shift has no trained major incident manager",
        "Rota built without the skill matrix",
        "Cover arranged",
        "Rota checked against the skill matrix",
    ),
    (
        "7.3",
        "Awareness",
        "Desk staff unaware of the service management objectives",
        "Objectives never presented to the desk",
        "Briefing held",
        "Objectives included in team briefings",
    ),
    (
        "7.4",
        "Communication",
        "Planned outage notices sent after the work started",
        "Notice step owned by nobody",
        "Apology sent",
        "Notice made a change approval condition",
    ),
    (
        "7.5.2",
        "Creating and updating",
        "Procedures without version or approval date",
        "Template allowed blank fields",
        "Fields completed",
        "Template fields made mandatory",
    ),
    (
        "7.5.4",
        "SMS documented information",
        "Service requirements for HR portal not documented",
        "Requirements kept in e-mails",
        "Requirements written up",
        "Requirements template introduced",
    ),
    (
        "7.6",
        "Knowledge",
        "Knowledge articles older than two years not reviewed",
        "No review date on articles",
        "Articles reviewed",
        "Review dates added to all articles",
    ),
    (
        "8.1",
        "Operational planning and control",
        "Outsourced monitoring not covered by SMS controls",
        "Control set defined before outsourcing",
        "Controls agreed with the supplier",
        "Outsourced processes listed with their controls",
    ),
    (
        "8.2.2",
        "Plan the services",
        "Criticality of the new analytics service not assessed",
        "Assessment step skipped for internal services",
        "Criticality assessed",
        "Step made mandatory",
    ),
    (
        "8.2.3",
        "Control of parties involved",
        "Third party changes not visible to the change manager",
        "Supplier changes run in their own tool",
        "Supplier changes reviewed",
        "Supplier changes fed into the calendar",
    ),
    (
        "8.3.2",
        "Business relationship management",
        "Customer satisfaction survey skipped this year",
        "Survey tool licence expired",
        "Survey run",
        "Survey scheduled with the budget cycle",
    ),
    (
        "8.3.4.2",
        "Internal supplier management",
        "No agreement with the internal network team",
        "Network team treated as part of operations",
        "Agreement drafted",
        "Internal agreements listed and reviewed",
    ),
    (
        "8.4.1",
        "Budgeting and accounting",
        "Service costs not reported for the second quarter",
        "Finance report job failed unnoticed",
        "Report produced",
        "Job monitoring added",
    ),
    (
        "8.4.2",
        "Demand management",
        "Demand forecast missing for the web shop peak",
        "Marketing plans not shared",
        "Forecast made",
        "Marketing joins the demand review",
    ),
    (
        "8.5.1.1",
        "Change management policy",
        "Policy does not define changes with major impact",
        "Policy copied from an old template",
        "Definition added",
        "Policy reviewed against the SMS scope",
    ),
    (
        "8.5.1.2",
        "Change initiation",
        "New service started as a normal change",
        "Criteria for design and transition unclear",
        "Service taken through design review",
        "Criteria published in the change policy",
    ),
    (
        "8.5.2",
        "Service design and transition",
        "Service acceptance criteria not agreed before go-live",
        "Project plan lacked the step",
        "Criteria agreed after go-live",
        "Step added to the project template",
    ),
    (
        "8.7.3.1",
        "Information security policy",
        "Security policy review overdue by four months",
        "Reviewer left the company",
        "Policy reviewed",
        "Deputy reviewer named",
    ),
    (
        "8.7.3.2",
        "Information security controls",
        "Access rights not reviewed for the ERP admins",
        "Review reminder disabled",
        "Rights reviewed",
        "Reminder restored and monitored",
    ),
]
IMPROVEMENTS = [
    ("Service review", "Automate the monthly SLA report", "Report effort down from two days to two hours"),
    ("Staff suggestion", "Self-service password reset for the HR portal", "Password tickets down by a third"),
    ("Incident review", "Add synthetic monitoring to the web shop checkout", "Outages now detected before users call"),
    ("Management review", "Knowledge articles for the ten most frequent requests", "First-time fix up six points"),
    ("Internal audit", "Single change calendar shared with customers", "No clashes reported since introduction"),
    ("Service review", "Quarterly capacity forecast with the ERP team", "Two capacity incidents avoided"),
    ("Staff suggestion", "Chat channel for the service desk", "Average response time down by ten minutes"),
    ("Incident review", "Automated failover test for the email gateway", "Failover time cut to four minutes"),
    ("Management review", "Supplier scorecard for hosting providers", "Supplier issues raised earlier"),
    ("Staff suggestion", "Template for major incident updates", "Customer updates now every thirty minutes"),
    ("Service review", "Dashboard of open problems per service", "Problem backlog down by a fifth"),
    ("Internal audit", "Checklist for new service transitions", "No missed catalogue entries since"),
    ("Staff suggestion", "Move printer queues to the cloud print service", "Print incidents halved"),
    ("Service review", "Monthly trend report of complaints per service", "Complaint themes now discussed monthly"),
    ("Incident review", "Alert on certificate expiry thirty days ahead", "No certificate outages since"),
    ("Management review", "Shift handover checklist for operations", "Fewer dropped actions at shift change"),
    ("Staff suggestion", "Pre-approved standard change for firewall rules", "Lead time down from five to one day"),
]
COMPLAINTS = [
    "Invoice portal unavailable during month end",
    "Repeated delays on laptop replacement",
    "No update received on a priority incident",
    "Email quarantine released a phishing message",
    "Service desk closed a call without asking the caller",
    "Web shop slow during the sales campaign",
    "Access request took two weeks",
    "Report sent to the wrong distribution list",
    "Engineer missed the agreed site visit",
    "Password reset required a call during the night",
    "Planned outage announced too late",
    "Charged for a cancelled request",
    "Ticket closed although the fault persists",
]


def _d(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


class _Register:
    def __init__(self, data: DemoData) -> None:
        self.data = data
        self.rng = data.rng
        self.rows: list[dict[str, Any]] = []
        self.clauses = list(FINDINGS)
        self.rng.shuffle(self.clauses)
        self.ofis = 0
        self.complaints = 0

    def two_people(self) -> tuple[str, str]:
        owner, other = self.rng.sample(PEOPLE, 2)
        return owner, other

    def add(self, type_: str, raised: dt.datetime, **fields: Any) -> dict[str, Any]:
        row = {c: "" for c in COLUMNS}
        row.update({"Type": type_, "Raised On": _d(raised), "_raised": raised, "_truth": [], "_related": []})
        row.update(fields)
        self.rows.append(row)
        return row

    def clause(self) -> tuple:
        return self.clauses.pop()

    def nc(
        self,
        raised: dt.datetime,
        finding: tuple | None = None,
        state: str = "closed",
        major: bool = False,
        source: str = "Internal audit",
        **fields: Any,
    ) -> dict[str, Any]:
        """A clean nonconformity: closed and verified as effective, implemented, or in progress."""
        clause, heading, text, cause, correction, action = finding or self.clause()
        owner, verifier = self.two_people()
        auditor = self.rng.choice([p for p in PEOPLE if p != owner])
        row = self.add(
            "Nonconformity (major)" if major else "Nonconformity (minor)",
            raised,
            Source=source,
            Clause=f"{clause} {heading}",
            Description=text,
            **{"Raised By": auditor, "Owner": owner, "Root Cause": cause, "Correction": correction},
            **{"Corrective Action": action},
        )
        if state == "closed":
            verified = raised + DAY * self.rng.randint(45, 70 if major else 80)
            row.update(
                {
                    "Due Date": _d(raised + DAY * self.rng.randint(60, 85 if major else 100)),
                    "Status": "Closed",
                    "Verified By": verifier,
                    "Verified On": _d(verified),
                    "Closed On": _d(verified + DAY * self.rng.randint(0, 5)),
                    "Effective": "Yes",
                }
            )
        elif state == "implemented":
            row.update({"Due Date": _d(AS_OF + DAY * self.rng.randint(5, 60)), "Status": "Implemented"})
        else:
            row.update({"Due Date": _d(AS_OF + DAY * self.rng.randint(10, 90)), "Status": "In progress"})
        row.update(fields)
        return row

    def improvement(self, raised: dt.datetime, **fields: Any) -> dict[str, Any]:
        n = self.ofis
        self.ofis += 1
        source, text, benefit = IMPROVEMENTS[n % len(IMPROVEMENTS)]
        owner, _ = self.two_people()
        age = (AS_OF - raised).days
        row = self.add("Opportunity for improvement", raised, Source=source, Description=text, Owner=owner)
        row["Raised By"] = self.rng.choice(PEOPLE)
        if age < 45:
            row.update({"Decision": "Pending", "Status": "Open"})
        elif n % 5 == 3:
            row.update({"Decision": "Rejected", "Decision Date": _d(raised + 20 * DAY), "Status": "Rejected"})
        else:
            due = raised + DAY * self.rng.randint(60, 120)
            row.update(
                {
                    "Decision": "Approved",
                    "Decision Date": _d(raised + DAY * self.rng.randint(7, 30)),
                    "Priority": self.rng.choice(["High", "Medium", "Low"]),
                    "Due Date": _d(due),
                    "Corrective Action": f"Plan: {text.lower()}",
                }
            )
            if due + 20 * DAY < AS_OF:
                row.update({"Status": "Closed", "Closed On": _d(due - 5 * DAY), "Benefit Evaluation": benefit})
            else:
                row["Status"] = "In progress"
        row.update(fields)
        return row

    def complaint(self, raised: dt.datetime, ack: int = 1, close: int | None = 12, **fields: Any) -> dict:
        n = self.complaints
        self.complaints += 1
        owner, _ = self.two_people()
        row = self.add(
            "Complaint",
            raised,
            Source="Customer complaint",
            Description=COMPLAINTS[n % len(COMPLAINTS)],
            Owner=owner,
            **{"Raised By": "Service desk", "Acknowledged On": _d(raised + ack * DAY)},
        )
        if close is None:
            row["Status"] = "In progress"
        else:
            row.update(
                {
                    "Status": "Closed",
                    "Closed On": _d(raised + close * DAY),
                    "Root Cause": "Handled through the complaint procedure",
                    "Corrective Action": "Reply agreed with the customer",
                }
            )
        row.update(fields)
        return row


def _when(rng, first: dt.datetime, last: dt.datetime) -> dt.datetime:
    return first + DAY * rng.randint(0, max(0, (last - first).days))


def plant(data: DemoData, numbers: Numbers) -> None:
    reg = _Register(data)
    _clean_entries(reg)
    t2 = _improvement_timeline(reg, defect=not data.clean)
    if not data.clean:
        _plant_nonconformities(reg)
        _plant_improvements(reg, t2)
        _plant_complaints(reg)
    _finish(data, reg)


def _clean_entries(reg: _Register) -> None:
    rng = reg.rng
    # Closed and verified (two of them major), implemented, in progress.
    for n in range(7):
        reg.nc(
            _when(rng, START + 5 * DAY, dt.datetime(2026, 2, 20)),
            major=n < 2,
            source=rng.choice(["Internal audit", "Internal audit", "Surveillance audit", "Incident review"]),
        )
    for _n in range(2):
        reg.nc(_when(rng, dt.datetime(2026, 2, 1), dt.datetime(2026, 5, 1)), state="implemented")
    for _n in range(3):
        reg.nc(
            _when(rng, dt.datetime(2026, 4, 1), dt.datetime(2026, 6, 15)),
            state="open",
            source=rng.choice(["Internal audit", "Management review", "Incident review"]),
        )
    # A management review action in progress, and an action reopened after its check found it did not work.
    reg.nc(_when(rng, dt.datetime(2026, 3, 1), dt.datetime(2026, 5, 31)), state="open", source="Management review")
    reopened = reg.nc(_when(rng, START + 20 * DAY, dt.datetime(2026, 1, 31)))
    reopened.update({"Status": "In progress", "Closed On": "", "Effective": "No", "Due Date": _d(AS_OF + 60 * DAY)})
    for _n in range(4):
        raised = _when(rng, START + 10 * DAY, dt.datetime(2026, 5, 1))
        owner, _ = reg.two_people()
        clause, heading, text = rng.choice(FINDINGS)[:3]
        reg.add(
            "Observation",
            raised,
            Source="Internal audit",
            Clause=f"{clause} {heading}",
            Description=f"Risk of: {text.lower()}",
            Owner=owner,
            Status="Closed",
            **{"Raised By": rng.choice(PEOPLE), "Closed On": _d(raised + 30 * DAY)},
        )
    for _n in range(6):
        raised = _when(rng, START + 3 * DAY, dt.datetime(2026, 5, 20))
        reg.complaint(raised, ack=rng.randint(0, 2), close=rng.randint(3, 25))
    reg.complaint(AS_OF - 8 * DAY, ack=1, close=None)


def _improvement_timeline(reg: _Register, defect: bool) -> dt.datetime:
    """Improvements at least every 70 days; with defects, a gap of exactly the interval and one too long."""
    rng, data = reg.rng, reg.data
    t0 = START + DAY * rng.randint(3, 15)
    t1 = t0 + (92 if defect else rng.randint(40, 70)) * DAY
    t2 = t1 + (rng.randint(100, 120) if defect else rng.randint(40, 70)) * DAY
    dates = [t0, t1, t2]
    while True:
        following = dates[-1] + DAY * rng.randint(30, 70)
        if following > AS_OF - 5 * DAY:
            break
        dates.append(following)
    if (AS_OF - dates[-1]).days > 80:
        dates.append(dates[-1] + 40 * DAY)
    for raised in dates:
        reg.improvement(raised)
    if defect:
        data.near_miss("IMP-014", f"gap:{_d(t0)}..{_d(t1)}")
        data.defect("IMP-014", f"gap:{_d(t1)}..{_d(t2)}")
    return t2


def _plant_nonconformities(reg: _Register) -> None:
    rng = reg.rng
    late = AS_OF - 45 * DAY
    # IMP-001: completed without a cause; open past the analysis window; open exactly at its end.
    reg.nc(_when(rng, START, dt.datetime(2026, 1, 31)), **{"Root Cause": ""})["_truth"].append(("d", "IMP-001"))
    reg.nc(late, state="open", **{"Root Cause": ""})["_truth"].append(("d", "IMP-001"))
    reg.nc(AS_OF - 30 * DAY, state="open", **{"Root Cause": ""})["_truth"].append(("n", "IMP-001"))
    # IMP-002: completed without the correction, or without the corrective action; open without both is fine.
    reg.nc(_when(rng, START, dt.datetime(2026, 1, 31)), Correction="")["_truth"].append(("d", "IMP-002"))
    reg.nc(
        _when(rng, dt.datetime(2026, 1, 1), dt.datetime(2026, 4, 30)), state="implemented", **{"Corrective Action": ""}
    )["_truth"].append(("d", "IMP-002"))
    reg.nc(AS_OF - 10 * DAY, state="open", Correction="", **{"Corrective Action": ""})["_truth"].append(
        ("n", "IMP-002")
    )
    # IMP-003: overdue open actions; one due exactly on the audit date.
    for n, due in enumerate((AS_OF - 20 * DAY, AS_OF - DAY, AS_OF)):
        row = reg.nc(_when(rng, dt.datetime(2026, 2, 1), dt.datetime(2026, 4, 1)), state="open")
        row["Due Date"] = _d(due)
        if n == 1:
            row["Status"] = "On hold"
        row["_truth"].append(("d" if due < AS_OF else "n", "IMP-003"))
    # IMP-004: majors closed too late or open too long; one closed exactly at the limit.
    slow = reg.nc(_when(rng, START + 10 * DAY, dt.datetime(2025, 12, 31)), major=True, source="Surveillance audit")
    raised = dt.datetime.strptime(slow["Raised On"], "%Y-%m-%d")
    slow.update(
        {"Verified On": _d(raised + 110 * DAY), "Closed On": _d(raised + 118 * DAY), "Due Date": _d(raised + 60 * DAY)}
    )
    slow["_truth"].append(("d", "IMP-004"))
    reg.nc(AS_OF - 100 * DAY, major=True, state="open")["_truth"].append(("d", "IMP-004"))
    edge = reg.nc(_when(rng, START + 10 * DAY, dt.datetime(2026, 2, 28)), major=True)
    raised = dt.datetime.strptime(edge["Raised On"], "%Y-%m-%d")
    edge.update({"Verified On": _d(raised + 88 * DAY), "Closed On": _d(raised + 90 * DAY)})
    edge["_truth"].append(("n", "IMP-004"))
    # IMP-005: closed without the verification date or without the result; implemented and not yet verified.
    reg.nc(_when(rng, START, dt.datetime(2026, 2, 28)), **{"Verified On": ""})["_truth"].append(("d", "IMP-005"))
    reg.nc(_when(rng, START, dt.datetime(2026, 2, 28)), Effective="")["_truth"].append(("d", "IMP-005"))
    reg.nc(_when(rng, dt.datetime(2026, 3, 1), dt.datetime(2026, 5, 31)), state="implemented")["_truth"].append(
        ("n", "IMP-005")
    )
    # IMP-006: the owner verified the own action; the auditor who raised it may verify.
    row = reg.nc(_when(rng, START, dt.datetime(2026, 2, 28)))
    row["Verified By"] = row["Owner"]
    row["_truth"].append(("d", "IMP-006"))
    row = reg.nc(_when(rng, START, dt.datetime(2026, 2, 28)))
    row["Verified By"] = row["Raised By"]
    row["_truth"].append(("n", "IMP-006"))
    # IMP-007: closed although not effective; reopened after an ineffective result is right.
    reg.nc(_when(rng, START, dt.datetime(2026, 2, 28)), Effective="No")["_truth"].append(("d", "IMP-007"))
    reg.nc(
        _when(rng, START, dt.datetime(2026, 2, 28)),
        Effective="No",
        Status="In progress",
        **{"Closed On": "", "Due Date": _d(AS_OF + 45 * DAY)},
    )["_truth"].append(("n", "IMP-007"))
    # IMP-008 (and IMP-009's linked near-misses): a repeat on the clause after the action was judged
    # effective; a similar finding one day before the verification. Both repeats refer to the first entry.
    first = reg.nc(_when(rng, START, dt.datetime(2025, 10, 31)))
    verified = dt.datetime.strptime(first["Verified On"], "%Y-%m-%d")
    repeat = reg.nc(
        _when(rng, verified + 30 * DAY, AS_OF - 20 * DAY),
        finding=_same(first),
        state="open",
        source="Surveillance audit",
    )
    repeat["_related"].append(first)
    first["_truth"] += [("d", "IMP-008"), ("n", "IMP-009")]
    repeat["_truth"].append(("n", "IMP-009"))
    other = reg.nc(_when(rng, START + 30 * DAY, dt.datetime(2026, 2, 28)))
    verified = dt.datetime.strptime(other["Verified On"], "%Y-%m-%d")
    before = reg.nc(verified - DAY, finding=_same(other), state="open", source="Incident review")
    before["_related"].append(other)
    other["_truth"] += [("n", "IMP-008"), ("n", "IMP-009")]
    before["_truth"].append(("n", "IMP-009"))
    # IMP-009: two findings on one clause that do not refer to each other; a pair 366 days apart is no repeat.
    a = reg.nc(_when(rng, dt.datetime(2025, 12, 1), dt.datetime(2026, 3, 31)), state="open")
    b = reg.nc(
        _when(rng, dt.datetime(2026, 4, 15), AS_OF - 10 * DAY), finding=_same(a), state="open", source="Internal audit"
    )
    a["_truth"].append(("d", "IMP-009"))
    b["_truth"].append(("d", "IMP-009"))
    old = reg.nc(dt.datetime(2025, 6, 12), state="open", source="Internal audit")
    far = reg.nc(dt.datetime(2026, 6, 13), finding=_same(old), state="open", source="Incident review")
    old["_truth"].append(("n", "IMP-009"))
    far["_truth"].append(("n", "IMP-009"))
    # IMP-010: audit findings without a clause or a due date; an incident review finding needs no clause.
    reg.nc(_when(rng, START, dt.datetime(2026, 2, 28)), Clause="")["_truth"].append(("d", "IMP-010"))
    reg.nc(
        _when(rng, dt.datetime(2026, 3, 1), AS_OF - 20 * DAY),
        state="open",
        source="Surveillance audit",
        **{"Due Date": ""},
    )["_truth"].append(("d", "IMP-010"))
    reg.nc(_when(rng, START, dt.datetime(2026, 2, 28)), source="Incident review", Clause="")["_truth"].append(
        ("n", "IMP-010")
    )
    # IMP-017: a management review action open since the review before last; one open exactly a year.
    reg.nc(dt.datetime(2025, 5, 20), state="open", source="Management review")["_truth"].append(("d", "IMP-017"))
    reg.nc(AS_OF - 365 * DAY, state="open", source="Management review")["_truth"].append(("n", "IMP-017"))


def _same(row: dict[str, Any]) -> tuple:
    """A finding against the same clause as ``row`` (a repeat)."""
    clause, heading = row["Clause"].split(" ", 1)
    return (
        clause,
        heading,
        f"Repeat: {row['Description'].lower()}",
        row["Root Cause"],
        row["Correction"],
        row["Corrective Action"],
    )


PENDING = {
    "Decision": "Pending",
    "Status": "Open",
    "Decision Date": "",
    "Priority": "",
    "Due Date": "",
    "Closed On": "",
    "Benefit Evaluation": "",
    "Corrective Action": "",
}


def _plant_improvements(reg: _Register, t2: dt.datetime) -> None:
    """Added after the planted cadence gap (t2), so they only shorten later intervals."""
    rng = reg.rng
    # IMP-011: no decision long after the proposal; pending exactly as long as the decision period allows.
    for decision in ("Pending", ""):
        reg.improvement(t2 + DAY * rng.randint(5, 25), **{**PENDING, "Decision": decision})["_truth"].append(
            ("d", "IMP-011")
        )
    reg.improvement(AS_OF - 90 * DAY, **PENDING)["_truth"].append(("n", "IMP-011"))
    # IMP-012: approved without a priority, or without a target date; a rejected idea needs neither.
    raised = t2 + DAY * rng.randint(10, 40)
    approved = {
        "Decision": "Approved",
        "Decision Date": _d(raised + 10 * DAY),
        "Status": "In progress",
        "Priority": "Medium",
        "Due Date": _d(AS_OF + 40 * DAY),
        "Closed On": "",
        "Benefit Evaluation": "",
    }
    reg.improvement(raised, **{**approved, "Priority": ""})["_truth"].append(("d", "IMP-012"))
    reg.improvement(raised + 3 * DAY, **{**approved, "Due Date": ""})["_truth"].append(("d", "IMP-012"))
    reg.improvement(
        raised + 6 * DAY,
        Decision="Rejected",
        Status="Rejected",
        Priority="",
        **{"Decision Date": _d(raised + 20 * DAY), "Due Date": "", "Closed On": "", "Benefit Evaluation": ""},
    )["_truth"].append(("n", "IMP-012"))
    # IMP-013: closed without measuring the benefit; implemented and awaiting evaluation is fine.
    raised = t2 + DAY * rng.randint(3, 30)
    done = {
        "Decision": "Approved",
        "Decision Date": _d(raised + 10 * DAY),
        "Priority": "High",
        "Due Date": _d(raised + 50 * DAY),
        "Benefit Evaluation": "",
    }
    reg.improvement(raised, **done, Status="Closed", **{"Closed On": _d(raised + 45 * DAY)})["_truth"].append(
        ("d", "IMP-013")
    )
    reg.improvement(raised + 2 * DAY, **done, Status="Implemented", **{"Closed On": ""})["_truth"].append(
        ("n", "IMP-013")
    )


def _plant_complaints(reg: _Register) -> None:
    rng = reg.rng
    # IMP-015: acknowledged after four days, never acknowledged; exactly two days is in time.
    reg.complaint(_when(rng, START, dt.datetime(2026, 4, 30)), ack=4)["_truth"].append(("d", "IMP-015"))
    row = reg.complaint(_when(rng, START, dt.datetime(2026, 4, 30)))
    row["Acknowledged On"] = ""
    row["_truth"].append(("d", "IMP-015"))
    reg.complaint(_when(rng, START, dt.datetime(2026, 4, 30)), ack=2)["_truth"].append(("n", "IMP-015"))
    # IMP-016: closed after six weeks, open for fifty days; closed on the thirtieth day.
    reg.complaint(_when(rng, START, dt.datetime(2026, 4, 30)), close=41)["_truth"].append(("d", "IMP-016"))
    reg.complaint(AS_OF - 50 * DAY, close=None)["_truth"].append(("d", "IMP-016"))
    reg.complaint(_when(rng, START, dt.datetime(2026, 4, 30)), close=30)["_truth"].append(("n", "IMP-016"))


def _finish(data: DemoData, reg: _Register) -> None:
    """Number the entries in the order they were raised, record the planted ids, write the register."""
    rows = sorted(reg.rows, key=lambda r: (r["_raised"], r["Type"], r["Description"]))
    counters: dict[tuple[str, int], int] = {}
    for row in rows:
        prefix = PREFIX.get(row["Type"], "NC")
        year = row["_raised"].year % 100
        counters[(prefix, year)] = counters.get((prefix, year), 0) + 1
        row["ID"] = f"{prefix}-{year:02d}-{counters[(prefix, year)]:03d}"
    for row in rows:
        row["Related"] = ", ".join(other["ID"] for other in row["_related"])
        for kind, rule in row["_truth"]:
            (data.defect if kind == "d" else data.near_miss)(rule, row["ID"])
    data.extra_files[PATH] = _csv(COLUMNS, [{c: row[c] for c in COLUMNS} for row in rows])
    data.extra_evidence.append(f"{{kind: tickets, adapter: action_register, path: {PATH}}}")
