"""Planted cases for the rules on incidents, major incidents, service requests and SLA targets (SVO-001..017).

``plant`` adds incidents of its own: major incidents with and without a post-incident review, a notice to
top management and a proper promotion, critical incidents never considered for major handling, a run of
high-priority incidents on one service without a problem, incidents on retired or not yet live services,
incidents caused by changes recorded as successful and incidents whose response is stamped after their
resolution. Each sits on a CI of its own (no CI carries more than two of them, so no repeat series forms
on a CI) and gets fixed response and resolution times well inside its SLA targets. A second catalogue
file, the internal technical services, carries the SLA target defects. ``plant_requests`` runs once every
incident and request exists: it fills the Major Incident Management fields of every other major incident
with clean values, clamps responses that other generators stamped after the resolution, plants the request
cases and links the remaining runs of high-priority incidents to problems. Defects and near-misses are
recorded when they are made; defects other plants made that these rules also see are recorded at the end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from sms_audit.checks.recurrence import series_members
from sms_audit.demo import AS_OF, FMT, PEOPLE, PERIOD_FROM, PERIOD_TO, PRIORITY_LABEL, SERVICES, DemoData, _ts
from sms_audit.demo_process import Numbers, new_incident, new_problem, problems_in_period

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
PERIOD_START = dt.datetime.combine(PERIOD_FROM, dt.time())
PERIOD_END = dt.datetime.combine(PERIOD_TO, dt.time()) + DAY
LEVEL = {1: "1 - High", 2: "2 - Medium", 3: "3 - Low"}
IMPACT_URGENCY = {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (3, 3)}
# Minutes to first response and to resolution of the incidents made here: well inside every SLA target.
RESPONSE = {1: 5, 2: 10, 3: 30, 4: 60}
RESOLUTION = {1: 120, 2: 180, 3: 180, 4: 300}
REVIEW_DAYS = 10  # parameter major_incident_review_days
NOTIFY_HOURS = 2  # parameter major_incident_notify_hours
REPEAT_COUNT, REPEAT_DAYS = 3, 30  # parameters repeat_incident_min_count / repeat_incident_window_days
OLD_UPDATE = "2025-03-18 03:00:00"  # CI records made here were last updated before the period (CON-001)
INTERNAL = "registers/service_catalogue_internal.yaml"
RETIRED = ("SVC-FAX", "Fax Gateway")
PIPELINE = ("SVC-VIDEO", "Video Conferencing")
INTERNAL_LIVE = [("SVC-IAM", "Identity and Access"), ("SVC-BACKUP", "Backup and Restore"), ("SVC-MON", "Monitoring")]
DECIDED = ("rejected", "canceled", "cancelled")  # major incident proposals decided against


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.strptime(value, FMT) if value else None


def _priority(row: dict) -> int | None:
    head = str(row.get("priority") or "").split(" ")[0]
    return int(head) if head.isdigit() else None


def _slot(n: int) -> dt.datetime:
    """The n-th Tuesday from October 2025, 10:00: one opening time per planted incident."""
    return dt.datetime(2025, 10, 7, 10, 0, 0) + dt.timedelta(days=7 * (n // 3), hours=2 * (n % 3))


class _Planter:
    """Incidents on CIs of their own, with fixed clean times; every one is marked used."""

    def __init__(self, data: DemoData, numbers: Numbers) -> None:
        self.data = data
        self.numbers = numbers
        self.cis: dict[str, tuple[str, int]] = {}  # service -> (current CI, incidents on it)
        self.count = 0
        self.slot = 0

    def next_slot(self) -> dt.datetime:
        self.slot += 1
        return _slot(self.slot)

    def ci(self, service: str) -> str:
        current = self.cis.get(service)
        if current and current[1] < 2:
            self.cis[service] = (current[0], current[1] + 1)
            return current[0]
        self.count += 1
        sid, _name, team, _crit = next(s for s in SERVICES if s[1] == service)
        name = f"{sid.split('-')[1].lower()}-cluster-{self.count:02d}"
        self.data.cis.append(
            {
                "name": name,
                "sys_class_name": "Linux Server",
                "install_status": "Installed",
                "operational_status": "Operational",
                "owned_by": PEOPLE[self.count % len(PEOPLE)],
                "support_group": team,
                "business_service": service,
                "sys_updated_on": OLD_UPDATE,
            }
        )
        self.data.relations.append({"parent": service, "type": "Depends on::Used by", "child": name})
        self.cis[service] = (name, 1)
        return name

    def incident(self, service: str, priority: int, opened: dt.datetime | None = None, **fields: Any) -> dict:
        opened = opened or self.next_slot()
        impact, urgency = IMPACT_URGENCY[priority]
        row = new_incident(
            self.data,
            self.numbers,
            opened,
            self.ci(service),
            service,
            priority=PRIORITY_LABEL[priority],
            impact=LEVEL[impact],
            urgency=LEVEL[urgency],
            category="software",
        )
        resolved = opened + RESOLUTION[priority] * MINUTE
        closed = resolved + DAY
        row.update(
            {
                "u_responded_at": _ts(opened + RESPONSE[priority] * MINUTE),
                "resolved_at": _ts(resolved),
                "closed_at": _ts(closed) if closed < AS_OF else "",
                "state": "Closed" if closed < AS_OF else "Resolved",
            }
        )
        row.update(fields)
        self.data.used.add(row["number"])  # later plants must not move its times
        return row

    def major(self, service: str, priority: int = 1, opened: dt.datetime | None = None, **fields: Any) -> dict:
        """A major incident handled by the book: linked to a problem, promoted, notified and reviewed."""
        opened = opened or self.next_slot()
        row = self.incident(service, priority, opened, major_incident="TRUE", problem_id=_problem_before(self, opened))
        _clean_major(self.data, row, promoted=10, notified=40, review=3 * DAY)
        row.update(fields)
        return row


def _problem_before(planter: _Planter, when: dt.datetime) -> str:
    """A problem that already existed when the incident was raised (LNK-001 accepts it)."""
    data = planter.data
    pool = sorted(p["number"] for p in data.problems if p["opened_at"] and _parse(p["opened_at"]) <= when)
    if pool:
        return data.rng.choice(pool)
    problem = new_problem(data, planter.numbers, when - DAY, "erp-db-01", "ERP Finance")
    data.used.add(problem["number"])
    return problem["number"]


def _clean_major(data: DemoData, row: dict, promoted: int, notified: int, review: dt.timedelta) -> None:
    """Accepted promotion ``promoted`` minutes after opening, management told ``notified`` minutes after
    that, and the review ``review`` after resolution (left empty while it would lie after the audit date)."""
    opened = _parse(row["opened_at"])
    promoted_on = opened + promoted * MINUTE
    resolved = _parse(row["resolved_at"])
    pir = resolved + review if resolved else None
    row.update(
        {
            "major_incident_state": "accepted",
            "promoted_on": _ts(promoted_on),
            "u_mgmt_notified_on": _ts(promoted_on + notified * MINUTE),
            "u_pir_date": _ts(pir) if pir and pir < AS_OF else "",
        }
    )


def _mark(data: DemoData, rule: str, record: str, kind: str) -> None:
    (data.defect if kind == "defect" else data.near_miss)(rule, record)


# --------------------------------------------------------------------------- plant


def plant(data: DemoData, numbers: Numbers) -> None:
    data.extra_files[INTERNAL] = _internal_catalogue(data.clean)
    data.extra_evidence.append(f"{{kind: services, adapter: service_catalogue, path: {INTERNAL}}}")
    _add_retired_cis(data)
    if data.clean:
        return
    for rule, record, kind in [
        ("SVO-013", "SVC-BACKUP", "defect"),  # no priority 3 and 4 targets
        ("SVO-013", RETIRED[0], "near"),  # retired and pipeline services need no targets
        ("SVO-013", PIPELINE[0], "near"),
        ("SVO-014", "SVC-BACKUP/P2", "defect"),  # resolution only
        ("SVO-014", "SVC-MON/P4", "defect"),
        ("SVO-014", "SVC-IAM/P2", "near"),  # given in hours: both present
        ("SVO-015", "SVC-MON/P1", "defect"),  # swapped
        ("SVO-015", "SVC-MON/P3", "defect"),  # equal
        ("SVO-015", "SVC-MON/P2", "near"),  # one minute shorter
        ("SVO-016", "SVC-MON/P3", "defect"),  # calendar defined nowhere
        ("SVO-016", "SVC-MON/P4", "defect"),  # no calendar
        ("SVO-016", "SVC-IAM/P3", "near"),  # calendar defined in the main catalogue
    ]:
        _mark(data, rule, record, kind)
    planter = _Planter(data, numbers)
    _plant_major_incidents(data, planter)
    _plant_critical_not_major(data, planter)
    _plant_high_priority_run(data, planter)
    _plant_services(data, planter)
    _plant_change_causes(data, planter)
    _plant_response_after_resolution(data, planter)
    _plant_missing_cis(data)


def _internal_catalogue(clean: bool) -> str:
    """The internal technical services (catalogue annex CAT-001-A) with their SLA targets."""
    if clean:
        backup = [
            "      - {priority: 1, response_minutes: 30, resolution_minutes: 480, calendar: always}",
            "      - {priority: 2, response_minutes: 60, resolution_minutes: 960, calendar: always}",
            "      - {priority: 3, response_minutes: 240, resolution_minutes: 2880, calendar: service-desk}",
            "      - {priority: 4, response_minutes: 480, resolution_minutes: 4320, calendar: service-desk}",
        ]
        monitoring = [
            "      - {priority: 1, response_minutes: 15, resolution_minutes: 120, calendar: always}",
            "      - {priority: 2, response_minutes: 30, resolution_minutes: 480, calendar: always}",
            "      - {priority: 3, response_minutes: 120, resolution_minutes: 1440, calendar: service-desk}",
            "      - {priority: 4, response_minutes: 480, resolution_minutes: 4320, calendar: service-desk}",
        ]
    else:
        backup = [  # no priority 3 and 4 targets (SVO-013); priority 2 without a response time (SVO-014)
            "      - {priority: 1, response_minutes: 30, resolution_minutes: 480, calendar: always}",
            "      - {priority: 2, resolution_minutes: 960, calendar: always}",
        ]
        monitoring = [
            # response and resolution swapped (SVO-015)
            "      - {priority: 1, response_minutes: 120, resolution_minutes: 15, calendar: always}",
            # one minute apart: still shorter (SVO-015 near-miss)
            "      - {priority: 2, response_minutes: 479, resolution_minutes: 480, calendar: always}",
            # equal targets (SVO-015) on a calendar nobody defined (SVO-016)
            "      - {priority: 3, response_minutes: 1440, resolution_minutes: 1440, calendar: extended-hours}",
            # no calendar at all (SVO-016); resolution only (SVO-014)
            "      - {priority: 4, resolution_minutes: 4320}",
        ]
    lines = [
        "# Service catalogue annex CAT-001-A: internal technical services, SLA targets per priority.",
        "# Calendars are defined in the main catalogue (service_catalogue.yaml).",
        "services:",
        "  - id: SVC-IAM",
        "    name: Identity and Access",
        "    owner: Security Operations",
        "    criticality: high",
        "    status: live",
        "    sla:",
        "      - {priority: 1, response_minutes: 15, resolution_minutes: 240, calendar: always}",
        "      - {priority: 2, response_hours: 0.5, resolution_hours: 8, calendar: always}",
        "      - {priority: 3, response_minutes: 120, resolution_minutes: 1440, calendar: service-desk}",
        "      - {priority: 4, response_minutes: 480, resolution_minutes: 4320, calendar: service-desk}",
        "  - id: SVC-BACKUP",
        "    name: Backup and Restore",
        "    owner: Infrastructure Operations",
        "    criticality: high",
        "    status: live",
        "    sla:",
        *backup,
        "  - id: SVC-MON",
        "    name: Monitoring",
        "    owner: Infrastructure Operations",
        "    criticality: medium",
        "    status: live",
        "    sla:",
        *monitoring,
        f"  - id: {RETIRED[0]}",
        f"    name: {RETIRED[1]}",
        "    owner: Network Operations",
        "    criticality: low",
        "    status: retired",
        f"  - id: {PIPELINE[0]}",
        f"    name: {PIPELINE[1]}",
        "    owner: End User Computing",
        "    criticality: medium",
        "    status: pipeline",
    ]
    return "\n".join(lines) + "\n"


def _add_retired_cis(data: DemoData) -> None:
    """The fax gateway (retired service) and the video bridge (service not yet live) in the CMDB."""
    for name, ci_class, service, team, status in [
        ("fax-gw-01", "Linux Server", RETIRED[1], "Network Operations", "Retired"),
        ("video-mcu-01", "Linux Server", PIPELINE[1], "End User Computing", "Installed"),
    ]:
        data.cis.append(
            {
                "name": name,
                "sys_class_name": ci_class,
                "install_status": status,
                "operational_status": "Operational" if status == "Installed" else "Non-Operational",
                "owned_by": PEOPLE[2],
                "support_group": team,
                "business_service": service,
                "sys_updated_on": OLD_UPDATE,
            }
        )


def _plant_major_incidents(data: DemoData, planter: _Planter) -> None:
    """SVO-001 (review), SVO-002 (notice), SVO-003 (priority), SVO-005 (promotion), SVO-009 (person)."""
    erp, shop, net, email = "ERP Finance", "Customer Web Shop", "Corporate Network", "Email and Collaboration"

    # SVO-001: no review at all, a review two weeks after resolution, one exactly ten days after.
    row = planter.major(erp)
    row["u_pir_date"] = ""
    data.defect("SVO-001", row["number"])
    row = planter.major(shop)
    row["u_pir_date"] = _ts(_parse(row["resolved_at"]) + 14 * DAY)
    data.defect("SVO-001", row["number"])
    row = planter.major(net)
    row["u_pir_date"] = _ts(_parse(row["resolved_at"]) + REVIEW_DAYS * DAY)
    data.near_miss("SVO-001", row["number"])
    # Resolved a week ago: its review is not due yet.
    row = planter.major(email, opened=AS_OF - 7 * DAY + 9 * HOUR)
    row["u_pir_date"] = ""
    data.near_miss("SVO-001", row["number"])

    # SVO-002: management never told, told five hours after promotion, told exactly two hours after.
    row = planter.major(net)
    row["u_mgmt_notified_on"] = ""
    data.defect("SVO-002", row["number"])
    for hours, kind in [(5, "defect"), (NOTIFY_HOURS, "near")]:
        row = planter.major(erp)
        row["u_mgmt_notified_on"] = _ts(_parse(row["promoted_on"]) + hours * HOUR)
        _mark(data, "SVO-002", row["number"], kind)

    # SVO-003: a major incident left at moderate priority; one at high priority is fine.
    row = planter.major(shop, priority=3)
    data.defect("SVO-003", row["number"])
    row = planter.major(email, priority=2)
    data.near_miss("SVO-003", row["number"])

    # SVO-005: flagged major while the promotion is only proposed, or with no promotion at all;
    # management was told from the opening time. One promoted in the minute it was raised is fine.
    for state in ("proposed", ""):
        row = planter.major(erp)
        opened = _parse(row["opened_at"])
        row.update({"major_incident_state": state, "promoted_on": "", "u_mgmt_notified_on": _ts(opened + 40 * MINUTE)})
        data.defect("SVO-005", row["number"])
    row = planter.major(net)
    opened = _parse(row["opened_at"])
    row.update({"promoted_on": row["opened_at"], "u_mgmt_notified_on": _ts(opened + 40 * MINUTE)})
    data.near_miss("SVO-005", row["number"])

    # SVO-009: nobody named to lead the major incident.
    row = planter.major(shop, assigned_to="")
    data.defect("SVO-009", row["number"])


def _plant_critical_not_major(data: DemoData, planter: _Planter) -> None:
    """SVO-004: priority 1 incidents with no major decision, or a proposal left undecided; a rejected
    proposal is a decision (and, not being major, needs no named lead for SVO-009)."""
    for state, kind in [("", "defect"), ("proposed", "defect"), ("rejected", "near")]:
        opened = planter.next_slot()
        row = planter.incident(
            "Corporate Network",
            1,
            opened,
            major_incident="FALSE",
            major_incident_state=state,
            problem_id=_problem_before(planter, opened),
        )
        _mark(data, "SVO-004", row["number"], kind)
        if kind == "near":
            row["assigned_to"] = ""
            data.near_miss("SVO-009", row["number"])


def _plant_high_priority_run(data: DemoData, planter: _Planter) -> None:
    """SVO-008: three high-priority incidents on the email service within seventeen days, none linked to a
    problem; three moderate ones on workplace devices within ten days are not judged."""
    start = dt.datetime(2025, 11, 11, 8, 30, 0)
    for offset in (0, 6, 17):
        row = planter.incident("Email and Collaboration", 2, start + offset * DAY)
        data.defect("SVO-008", row["number"])
    start = dt.datetime(2026, 2, 3, 11, 0, 0)
    for offset in (0, 3, 10):
        row = planter.incident("Workplace Devices", 3, start + offset * DAY)
        data.near_miss("SVO-008", row["number"])


def _plant_services(data: DemoData, planter: _Planter) -> None:
    """SVO-010: incidents on the retired fax gateway and the video service not yet live; one naming its
    service by the catalogue id is fine."""
    for (_sid, name), ci, team in [
        (RETIRED, "fax-gw-01", "Network Operations"),
        (PIPELINE, "video-mcu-01", "End User Computing"),
    ]:
        row = planter.incident("Workplace Devices", 3)
        row.update({"business_service": name, "cmdb_ci": ci, "assignment_group": team})
        row["short_description"] = f"{name}: not working"
        data.defect("SVO-010", row["number"])
    row = planter.incident("ERP Finance", 3)
    row["business_service"] = "SVC-ERP"
    data.near_miss("SVO-010", row["number"])


def _plant_change_causes(data: DemoData, planter: _Planter) -> None:
    """SVO-007: incidents caused by two changes closed as successful; one closed as successful with issues."""

    def done(c: dict, codes: tuple[str, ...]) -> bool:
        end = _parse(c["work_end"])
        return (
            c["close_code"] in codes
            and end is not None
            and PERIOD_START + 5 * DAY <= end <= AS_OF - 10 * DAY
            and c["business_service"] in {s[1] for s in SERVICES}
        )

    successful = data.pick(data.changes, 2, "number", lambda c: done(c, ("successful",)))
    issues = data.pick(data.changes, 1, "number", lambda c: done(c, ("successful_issues",)))
    if not issues:
        issues = data.pick(data.changes, 1, "number", lambda c: done(c, ("successful",)) and c not in successful)
        for change in issues:
            change["close_code"] = "successful_issues"
    for change, kind in [*((c, "defect") for c in successful), *((c, "near") for c in issues)]:
        opened = _parse(change["work_end"]) + 3 * HOUR
        row = planter.incident(change["business_service"], 3, opened, caused_by=change["number"])
        row["short_description"] = f"{change['business_service']}: errors since the change last night"
        _mark(data, "SVO-007", change["number"], kind)


def _plant_response_after_resolution(data: DemoData, planter: _Planter) -> None:
    """SVO-017: first responses stamped twenty minutes after the resolution; one in the same second."""
    for delay, kind in [(20, "defect"), (20, "defect"), (0, "near")]:
        row = planter.incident("HR Self-Service Portal", 3)
        resolved = _parse(row["opened_at"]) + 40 * MINUTE
        row["resolved_at"] = _ts(resolved)
        row["u_responded_at"] = _ts(resolved + delay * MINUTE)
        _mark(data, "SVO-017", row["number"], kind)


def _plant_missing_cis(data: DemoData) -> None:
    """SVO-006: incidents planted for INC-001 without a CI fail here too once resolved; when fewer than two
    of them exist, two more INC-001 defects (already incomplete) also lose their CI. Those with an unknown
    CI (INC-003's defects) do name one: near-misses."""

    def ended(r: dict) -> bool:
        return r["state"] in ("Resolved", "Closed")

    inc001 = set(data.truth.get("INC-001", []))
    rows = [r for r in data.incidents if r["number"] in inc001 and ended(r)]
    missing = [r for r in rows if not r["cmdb_ci"].strip()]
    frame = pd.DataFrame(data.incidents)
    members = series_members(frame["cmdb_ci"], pd.to_datetime(frame["opened_at"]), REPEAT_COUNT, REPEAT_DAYS)
    in_series = set(frame["number"][members["member"].to_numpy(dtype=bool)])

    def justifies_a_change(r: dict) -> bool:
        opened = _parse(r["opened_at"])
        return any(
            c["type"] == "Emergency"
            and c["cmdb_ci"] == r["cmdb_ci"]
            and opened <= _parse(c["opened_at"]) <= opened + DAY
            for c in data.changes
        )

    spare = [r for r in rows if r["cmdb_ci"].strip() and r["number"] not in in_series and not justifies_a_change(r)]
    for r in sorted(spare, key=lambda r: r["number"])[: max(0, 2 - len(missing))]:
        r["cmdb_ci"] = ""
        missing.append(r)
    if len(missing) < 2:
        # Large demos: every INC-001 case sits in a repeat series. Blank the CI of untouched incidents
        # instead; a missing CI is a completeness gap, so they are INC-001 cases too.
        fresh = [
            r
            for r in data.incidents
            if ended(r)
            and r["cmdb_ci"].strip()
            and r["number"] not in data.used
            and r["number"] not in in_series
            and not justifies_a_change(r)
        ]
        for r in sorted(fresh, key=lambda r: r["number"])[: 2 - len(missing)]:
            r["cmdb_ci"] = ""
            data.defect("INC-001", r["number"])
            missing.append(r)
    if len(missing) < 2:
        raise RuntimeError("too few incidents to plant SVO-006")
    for r in missing:
        data.defect("SVO-006", r["number"])
    for number in data.truth.get("INC-003", []):
        row = next(r for r in data.incidents if r["number"] == number)
        if ended(row):
            data.near_miss("SVO-006", number)


# --------------------------------------------------------------------------- after every plant


def plant_requests(data: DemoData, requests: list[dict[str, Any]]) -> None:
    _fill_major_fields(data)
    _clamp_responses(data)
    if not data.clean:
        _plant_requests(data, requests)
    _judge(data, requests)
    _settle_high_priority_runs(data)


def _fill_major_fields(data: DemoData) -> None:
    """Every other major incident was handled by the book; other critical incidents had their major
    incident proposal rejected."""
    rng = data.rng
    for row in data.incidents:
        if "major_incident_state" in row:
            continue
        if row["major_incident"] == "TRUE":
            _clean_major(data, row, rng.randint(5, 30), rng.randint(10, 90), dt.timedelta(hours=rng.randint(24, 168)))
        elif _priority(row) == 1:
            row.update(
                {"major_incident_state": "rejected", "promoted_on": "", "u_pir_date": "", "u_mgmt_notified_on": ""}
            )


def _planted(data: DemoData) -> set[str]:
    return {i for ids in [*data.truth.values(), *data.near.values()] for i in ids}


def _clamp_responses(data: DemoData) -> None:
    """Incidents built on a business-hours clock elsewhere can show a response after a quick resolution;
    records no rule planted anything on are given the resolution time as their response."""
    planted = set() if data.clean else _planted(data)
    for row in data.incidents:
        responded, resolved = _parse(row.get("u_responded_at")), _parse(row.get("resolved_at"))
        if responded and resolved and responded > resolved and row["number"] not in planted:
            row["u_responded_at"] = row["resolved_at"]


def _plant_requests(data: DemoData, requests: list[dict[str, Any]]) -> None:
    """SVO-011 (service of a request unknown to the catalogue) and SVO-012 (closed without a fulfiller)."""
    for r, service, kind in zip(
        data.pick(requests, 4, "number", lambda r: bool(r["business_service"])),
        ("Print Services", "Intranet", RETIRED[1], "SVC-HR"),
        ("defect", "defect", "near", "near"),
        strict=False,
    ):
        r["business_service"] = service  # a retired service and a service id are known to the catalogue
        _mark(data, "SVO-011", r["number"], kind)
    for r in data.pick(requests, 2, "number", lambda r: r["state"] == "Closed Complete" and bool(r["closed_at"])):
        r["assigned_to"] = ""
        data.defect("SVO-012", r["number"])
    open_requests = data.pick(requests, 1, "number", lambda r: r["state"] == "Work in Progress")
    if not open_requests:
        template = next(r for r in requests if r["number"] not in data.used and r["business_service"])
        number = max(int(r["number"][4:]) for r in requests) + 1
        row = dict(
            template,
            number=f"RITM{number:07d}",
            opened_at=_ts(AS_OF - 2 * DAY + 9 * HOUR),
            state="Work in Progress",
            closed_at="",
        )
        requests.append(row)
        open_requests = [row]
    for r in open_requests:  # not closed yet: nobody has had to take it on
        r["assigned_to"] = ""
        data.near_miss("SVO-012", r["number"])


def _in_period(row: dict) -> bool:
    opened = _parse(row.get("opened_at"))
    ended = _parse(row.get("closed_at")) or _parse(row.get("resolved_at"))
    return not (opened and opened >= PERIOD_END) and not (ended and ended < PERIOD_START)


def _judge(data: DemoData, requests: list[dict[str, Any]]) -> None:
    """Defects other plants made that these rules see too (after every plant, so the truth stays exact)."""
    live = {v for s in SERVICES for v in s[:2]} | {v for s in INTERNAL_LIVE for v in s}
    known = live | set(RETIRED) | set(PIPELINE)
    successful = {c["number"] for c in data.changes if c["close_code"] == "successful"}
    found: dict[str, set[str]] = {}

    def flag(rule: str, row: dict) -> None:
        found.setdefault(rule, set()).add(row["number"])

    for row in (r for r in data.incidents if _in_period(r)):
        opened = _parse(row["opened_at"])
        resolved, responded = _parse(row["resolved_at"]), _parse(row.get("u_responded_at"))
        priority, major = _priority(row), row["major_incident"] == "TRUE"
        if row["state"] in ("Resolved", "Closed") and not row["cmdb_ci"].strip():
            flag("SVO-006", row)
        if responded and resolved and responded > resolved:
            flag("SVO-017", row)
        if row["business_service"].strip() and row["business_service"].strip() not in live:
            flag("SVO-010", row)
        if row.get("caused_by") in successful:
            found.setdefault("SVO-007", set()).add(row["caused_by"])
        if priority == 1 and not major and row.get("major_incident_state") not in DECIDED:
            flag("SVO-004", row)
        if not major:
            continue
        promoted, notified = _parse(row.get("promoted_on")), _parse(row.get("u_mgmt_notified_on"))
        review = _parse(row.get("u_pir_date"))
        if priority is None or priority > 2:
            flag("SVO-003", row)
        if not row["assigned_to"].strip():
            flag("SVO-009", row)
        if not (row.get("major_incident_state") == "accepted" and promoted and promoted >= opened):
            flag("SVO-005", row)
        if not (notified and notified - (promoted or opened) <= NOTIFY_HOURS * HOUR):
            flag("SVO-002", row)
        if resolved and AS_OF - resolved >= REVIEW_DAYS * DAY:
            if not (review and resolved <= review <= resolved + REVIEW_DAYS * DAY):
                flag("SVO-001", row)
    for row in (r for r in requests if _in_period(r)):
        if row["business_service"].strip() and row["business_service"].strip() not in known:
            flag("SVO-011", row)
        if row["state"] == "Closed Complete" and not row["assigned_to"].strip():
            flag("SVO-012", row)
    for rule, ids in sorted(found.items()):
        for number in sorted(ids - set(data.truth.get(rule, []))):
            data.defect(rule, number)


def _settle_high_priority_runs(data: DemoData) -> None:
    """SVO-008: every run of high-priority incidents on one service is linked to a problem, except the
    planted run; unlinked members other plants made (and must keep as they are) are defects here too."""
    rows = [r for r in data.incidents if _in_period(r) and (_priority(r) or 9) <= 2]
    frame = pd.DataFrame(
        {
            "service": [r["business_service"] for r in rows],
            "opened": pd.to_datetime([r["opened_at"] for r in rows]),
        }
    )
    members = series_members(frame["service"], frame["opened"], REPEAT_COUNT, REPEAT_DAYS)["member"].to_numpy()
    planted = set() if data.clean else _planted(data)
    keep = set(data.truth.get("SVO-008", []))
    opened_at = {p["number"]: _parse(p["opened_at"]) for p in problems_in_period(data) if p["opened_at"]}
    problems = sorted(opened_at)
    for row, member in zip(rows, members, strict=True):
        if not member or row["problem_id"] or row["number"] in keep:
            continue
        if row["number"] in planted:  # another rule's case: it stays as planted
            data.defect("SVO-008", row["number"])
            continue
        opened = _parse(row["opened_at"])
        earlier = [p for p in problems if opened_at[p] <= opened]  # LNK-001 accepts a problem that existed
        row["problem_id"] = data.rng.choice(earlier or problems)
