"""Planted cases for the release and deployment rules (REL-001..REL-016).

The demo provider runs ServiceNow Release Management: ``exports/rm_release.csv`` is an ``rm_release``
list export read as deployment records (planned window in start_date/end_date, the deployment in
work_start/work_end, the acceptance as the task approval plus the acceptor, custom fields for the
deployment outcome, back-out plan and test results, and list fields naming the change requests the
release deploys and the known errors it fixes).

Every release deploys a change that already exists (an untouched, successful change approved before
its implementation; small demos get clean spares) and takes its times from it, so release and change
records agree unless a case says otherwise. Known errors linked to releases are existing problems
where the demo has them, new clean ones otherwise. Post-deployment incidents are added through the
repeat guard of the change plants so REC-001 and CHG-009 keep their ground truth. Defects and
near-misses are recorded as they are made.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Callable

from sms_audit.demo import AS_OF, FMT, PEOPLE, PERIOD_FROM, SERVICES, DemoData, _csv, _ts
from sms_audit.demo_plants_changes import RepeatGuard, new_change
from sms_audit.demo_process import Numbers, new_problem

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
PERIOD_START = dt.datetime.combine(PERIOD_FROM, dt.time())
DEPLOYMENT = 50 * MINUTE  # how long a deployment takes
INCIDENT_WINDOW = DAY  # release_incident_window_days
KNOWN_ERROR_DAYS = 14  # release_known_error_update_days
FILE = "exports/rm_release.csv"

RELEASE_COLUMNS = [
    "number",
    "short_description",
    "release_type",
    "state",
    "priority",
    "business_service",
    "cmdb_ci",
    "assignment_group",
    "assigned_to",
    "opened_at",
    "approval",
    "approval_set",
    "u_accepted_by",
    "start_date",
    "end_date",
    "work_start",
    "work_end",
    "u_deployment_outcome",
    "u_backout_plan",
    "u_test_results",
    "u_change_requests",
    "u_known_errors",
    "closed_at",
]
BACKOUT = "Redeploy the previous build from the release repository and restart the service"
TESTS = "Regression suite and user acceptance tests passed; results attached"


@functools.cache
def _parse(value: str) -> dt.datetime | None:
    """Cached: the same change times are read for every release the module plans."""
    return dt.datetime.strptime(value, FMT) if value else None


def plant(data: DemoData, numbers: Numbers) -> None:
    releases = _Releases(data, numbers)
    releases.population()
    if not data.clean:
        releases.plant_cases()
    releases.verify()
    data.extra_files[FILE] = _csv(RELEASE_COLUMNS, releases.rows)
    data.extra_evidence.append(f"{{kind: tickets, adapter: servicenow, path: {FILE}}}")


class _Releases:
    def __init__(self, data: DemoData, numbers: Numbers) -> None:
        self.data = data
        self.numbers = numbers
        self.rng = data.rng
        self.rows: list[dict] = []
        self.known_cis = {c["name"] for c in data.cis}
        self.services = {s[1]: s for s in SERVICES}
        self.successful_incident_hits: set[str] = set()
        self.linked: set[str] = set()  # changes a release already deploys
        self._times: dict[str, list[dt.datetime]] = {}
        self.hosts: list[str] = []  # release hosts added for large demos
        self._times_for = -1

    # ------------------------------------------------------------------ records

    def defect(self, rule: str, record_id: str) -> None:
        self.data.defect(rule, record_id)

    def near(self, rule: str, record_id: str) -> None:
        self.data.near_miss(rule, record_id)

    def _quiet(self, ci: str, start: dt.datetime) -> bool:
        """No incident on ``ci`` opened within the post-deployment window starting at ``start``."""
        opened = self._incident_times().get(ci, [])
        first = bisect.bisect_left(opened, start)
        return first == len(opened) or opened[first] > start + INCIDENT_WINDOW

    def _incident_times(self) -> dict[str, list[dt.datetime]]:
        """Opening times of the incidents per CI, sorted; rebuilt only when incidents were added."""
        if self._times_for != len(self.data.incidents):
            times: dict[str, list[dt.datetime]] = {}
            for incident in self.data.incidents:
                if incident["opened_at"]:
                    times.setdefault(incident["cmdb_ci"], []).append(_parse(incident["opened_at"]))
            self._times = {ci: sorted(values) for ci, values in times.items()}
            self._times_for = len(self.data.incidents)
        return self._times

    def _usable(self, change: dict, types: tuple[str, ...], outcome: str) -> bool:
        if not (
            change["type"] in types
            and change["close_code"] == outcome
            and change["approval"] == "Approved"
            and bool(change["work_end"])
        ):
            return False  # the cheap tests first: this runs for every change, many times
        start, approved = _parse(change["work_start"]), _parse(change["approval_set"])
        return (
            start is not None
            and approved is not None
            and approved < start <= AS_OF - 3 * DAY
            and _parse(change["opened_at"]) >= PERIOD_START
            and change["cmdb_ci"] in self.known_cis
            and change["business_service"] in self.services
        )

    def change(
        self, types: tuple[str, ...] = ("Normal", "Standard"), outcome: str = "successful", quiet: bool = True
    ) -> dict:
        """A change a release can deploy, not linked to another release (marked used).

        Successful normal and standard changes are taken untouched, with clean spares when none is left.
        Emergency and failed changes are few and all carry other rules' cases already: any of them whose
        approval came before its implementation will do, since linking a release leaves the change as it is.
        """

        def fits(c: dict) -> bool:
            return self._usable(c, types, outcome) and (not quiet or self._quiet(c["cmdb_ci"], _parse(c["work_start"])))

        reuse = outcome != "successful" or "Emergency" in types
        pool = [
            c
            for c in self.data.changes
            if c["number"] not in self.linked and (reuse or c["number"] not in self.data.used) and fits(c)
        ]
        if pool:
            found = self.rng.choice(pool)
        elif not reuse:
            found = self._spare(types[0], fits)
        else:
            raise RuntimeError(f"the demo has no {'/'.join(types)} change closed {outcome} left for a release")
        self.data.used.add(found["number"])
        self.linked.add(found["number"])
        return found

    def new_change(self, ctype: str, implemented: bool = True) -> dict:
        """A clean change on an application server of a catalogue service, deploying a release package."""
        risk = "Moderate" if ctype == "Normal" else "Low"
        row = new_change(self.data, self.numbers, ctype, risk, implemented)
        row.update(short_description=f"{row['business_service']}: deploy release package", backout_plan=BACKOUT)
        return row

    def _spare(self, ctype: str, fits: Callable[[dict], bool]) -> dict:
        for _attempt in range(30):
            spare = self.new_change(ctype)
            if fits(spare):
                return spare
            self.data.changes.remove(spare)
        raise RuntimeError("no clean spare change fits a release")

    def change_at(self, work_start: dt.datetime) -> dict:
        """A new clean normal change implemented at ``work_start`` (for releases that need exact times)."""
        for _attempt in range(30):
            row = self.new_change("Normal")
            row.update(
                opened_at=_ts(work_start - 5 * DAY),
                approval_set=_ts(work_start - 2 * DAY),
                start_date=_ts(work_start - 10 * MINUTE),
                end_date=_ts(work_start + 2 * HOUR),
                work_start=_ts(work_start),
                work_end=_ts(work_start + HOUR),
            )
            if self._quiet(row["cmdb_ci"], work_start):
                self.data.used.add(row["number"])
                self.linked.add(row["number"])
                return row
            self.data.changes.remove(row)
        # A large demo has incidents on every application server almost every day: deploy to a new
        # release host of the same service, which has no incident history.
        row["cmdb_ci"] = self._release_host(row["business_service"])
        self.data.changes.append(row)
        self.data.used.add(row["number"])
        self.linked.add(row["number"])
        return row

    def _release_host(self, service: str) -> str:
        name = f"{service.split()[0].lower()}-rel-{len(self.hosts) + 1:02d}"
        self.hosts.append(name)
        self.data.cis.append(
            {
                "name": name,
                "sys_class_name": "Linux Server",
                "install_status": "Installed",
                "operational_status": "Operational",
                "owned_by": PEOPLE[0],
                "support_group": self.services[service][2],
                "business_service": service,
                "sys_updated_on": "2025-03-15 02:00:00",  # before the period: no CMDB update to cover
            }
        )
        self.known_cis.add(name)
        self.data.used.add(name)
        return name

    def release(self, change: dict | None, **fields: str) -> dict:
        """A clean, deployed, successful release of ``change`` (times taken from the change)."""
        number = f"RLSE{10001 + len(self.rows):07d}"
        service = self.services[change["business_service"]] if change else self.rng.choice(SERVICES)
        assignee = self.rng.choice(PEOPLE)
        row = {
            "number": number,
            "short_description": f"{service[1]} release {self.rng.randint(2, 9)}.{self.rng.randint(0, 12)}",
            "release_type": "Emergency"
            if change and change["type"] == "Emergency"
            else self.rng.choice(["Minor", "Minor", "Patch", "Major"]),
            "state": "Closed Complete",
            "priority": "3 - Moderate",
            "business_service": service[1],
            "cmdb_ci": change["cmdb_ci"] if change else f"{service[0].split('-')[1].lower()}-app-01",
            "assignment_group": service[2],
            "assigned_to": assignee,
            "approval": "Approved",
            "u_accepted_by": self.rng.choice([p for p in PEOPLE if p != assignee]),
            "u_deployment_outcome": "Successful",
            "u_backout_plan": BACKOUT,
            "u_test_results": TESTS,
            "u_change_requests": change["number"] if change else "",
            "u_known_errors": "",
        }
        if change and change["work_start"]:
            approved, start = _parse(change["approval_set"]), _parse(change["work_start"])
            self.deploy(row, start, accepted=approved + (start - approved) / 2, opened=_parse(change["opened_at"]))
        row.update(fields)
        self.rows.append(row)
        self.data.used.add(number)
        return row

    def deploy(
        self,
        row: dict,
        start: dt.datetime,
        accepted: dt.datetime | None = None,
        opened: dt.datetime | None = None,
    ) -> None:
        """Set a deployed release's times around a deployment starting at ``start``."""
        accepted = (accepted or start - DAY).replace(microsecond=0)
        end = start + DEPLOYMENT
        row.update(
            opened_at=_ts(opened or accepted - 3 * DAY),
            approval_set=_ts(accepted),
            start_date=_ts(start - 10 * MINUTE),
            end_date=_ts(start + 2 * HOUR),
            work_start=_ts(start),
            work_end=_ts(end),
            closed_at=_ts(end + DAY),
        )

    def planned(self, change: dict | None = None, state: str = "Testing", **fields: str) -> dict:
        """A release not deployed yet (testing by default), planned for after the audit date."""
        row = self.release(change, state=state, approval="Requested", u_accepted_by="", u_test_results="")
        start = dt.datetime.combine(AS_OF.date(), dt.time(20)) + self.rng.randint(5, 40) * DAY
        row.update(
            opened_at=_ts(AS_OF - self.rng.randint(10, 30) * DAY),
            approval_set="",
            start_date=_ts(start),
            end_date=_ts(start + 3 * HOUR),
            work_start="",
            work_end="",
            u_deployment_outcome="",
            closed_at="",
        )
        row.update(fields)
        return row

    def scheduled_change(self) -> dict:
        """A change not implemented yet, for a release still in testing."""

        def fits(c: dict) -> bool:
            return (
                not c["work_start"]
                and c["type"] != "Emergency"  # an emergency release is REL-008's case, planted on purpose
                and c["approval"] == "Approved"
                and c["business_service"] in self.services
                and c["cmdb_ci"] in self.known_cis
            )

        found = self.data.pick(self.data.changes, 1, "number", fits)
        change = found[0] if found else self.new_change("Normal", implemented=False)
        self.data.used.add(change["number"])
        self.linked.add(change["number"])
        return change

    def failed(self, change: dict, outcome: str = "Rolled back") -> dict:
        return self.release(change, state="Closed Incomplete", u_deployment_outcome=outcome)

    # ------------------------------------------------------------------ known errors

    def _problem(self, where: Callable[[dict], bool]) -> dict | None:
        found = self.data.pick(self.data.problems, 1, "number", where)
        if found:
            self.data.used.add(found[0]["number"])
        return found[0] if found else None

    def open_known_error(self, fix: dict, before: dt.datetime) -> dict:
        """An open known error (fix in progress) raised before ``before``; ``fix`` is its fixing change."""

        def fits(p: dict) -> bool:
            return p["known_error"] == "TRUE" and p["state"] == "Fix in Progress" and _parse(p["opened_at"]) < before

        problem = self._problem(fits)
        if problem is None:
            opened = max(PERIOD_START + DAY, before - 20 * DAY)
            problem = new_problem(self.data, self.numbers, opened, fix["cmdb_ci"], fix["business_service"])
            problem.update(
                state="Fix in Progress",
                known_error="TRUE",
                workaround="Restart the application service after the nightly batch",
                resolved_at="",
                closed_at="",
                rfc=fix["number"],
            )
            self.data.used.add(problem["number"])
        return problem

    def resolved_known_error(self, earliest: dt.datetime, latest: dt.datetime) -> dict:
        """A resolved (or closed) known error whose resolution time lies between ``earliest`` and ``latest``."""

        def fits(p: dict) -> bool:
            resolved = _parse(p.get("resolved_at") or "")
            return (
                p["known_error"] == "TRUE"
                and p["state"] in ("Resolved", "Closed")
                and resolved is not None
                and earliest <= resolved <= latest
            )

        problem = self._problem(fits)
        if problem is None:
            opened = self.rng.choice([earliest, max(earliest, latest - 30 * DAY)]) - 10 * DAY
            problem = new_problem(self.data, self.numbers, opened, "erp-db-01", "ERP Finance")
            problem.update(
                known_error="TRUE",
                workaround="Rerun the failed batch step manually",
                rfc=self.change()["number"],
            )
            self.data.used.add(problem["number"])
        return problem

    # ------------------------------------------------------------------ the clean population

    def population(self) -> None:
        """Releases every demo has, clean: deployed ones, emergency, failed, testing, draft, cancelled."""
        for _n in range(max(6, self.data.tickets // 60)):
            self.release(self.change())
        for _n in range(2):
            self.release(self.change(("Emergency",)))
        for _n in range(2):
            self.failed(self.change(outcome="unsuccessful", quiet=False), self.rng.choice(["Rolled back", "Failed"]))
        self.testing = self.planned(self.scheduled_change())  # no test results yet: not deployed
        self.draft = self.planned(
            None, state="Draft", start_date="", end_date="", u_backout_plan="", u_change_requests=""
        )
        self.cancelled = self.release(
            self.change(), state="Closed Skipped", u_deployment_outcome="", work_start="", work_end=""
        )
        # A known error resolved two days after the release that fixed it went live.
        problem = self.resolved_known_error(PERIOD_START + 12 * DAY, AS_OF - 6 * DAY)
        resolved = _parse(problem["resolved_at"])
        self.release(self.change_at(resolved - 2 * DAY - DEPLOYMENT), u_known_errors=problem["number"])
        # An open known error whose release went live six days ago: still inside the fourteen days.
        fix = self.change_at(AS_OF - 6 * DAY)
        self.release(fix, u_known_errors=self.open_known_error(fix, AS_OF - 6 * DAY)["number"])

    # ------------------------------------------------------------------ the planted cases

    def plant_cases(self) -> None:
        self._acceptance()
        self._change_links()
        self._windows()
        self._classification()
        self._cis_and_plans()
        self._post_deployment_incidents()
        self._failures()
        self._known_errors()

    def _acceptance(self) -> None:
        """REL-001 (accepted before deployment) and REL-002 (accepted by someone else)."""
        row = self.release(self.change(), approval="Requested", approval_set="", u_accepted_by="")
        self.defect("REL-001", row["number"])
        row = self.release(self.change())
        row["approval_set"] = _ts(_parse(row["work_start"]) + 2 * HOUR)
        self.defect("REL-001", row["number"])
        row = self.release(self.change())
        row["approval_set"] = row["work_start"]  # accepted exactly when deployment started
        self.near("REL-001", row["number"])

        row = self.release(self.change())
        row["u_accepted_by"] = row["assigned_to"]
        self.defect("REL-002", row["number"])
        row = self.release(self.change(), u_accepted_by="")
        self.defect("REL-002", row["number"])
        # Rejected by its own implementer and then cancelled: a rejection is no acceptance.
        row = self.release(self.change(), state="Closed Skipped", approval="Rejected", u_deployment_outcome="")
        row.update(u_accepted_by=row["assigned_to"], work_start="", work_end="")
        self.near("REL-002", row["number"])

    def _change_links(self) -> None:
        """REL-003 (linked to a change) and REL-004 (a change approved before deployment)."""
        row = self.planned(self.scheduled_change(), u_change_requests="", u_test_results=TESTS)
        self.defect("REL-003", row["number"])
        row = self.release(self.change(), u_change_requests="")
        self.defect("REL-003", row["number"])
        self.defect("REL-004", row["number"])  # no change at all, so none approved in time
        self.near("REL-003", self.draft["number"])

        for lead in (DAY, 2 * HOUR, dt.timedelta()):
            change = self.change()
            start = _parse(change["approval_set"]) - lead
            for _attempt in range(20):
                if start - 5 * DAY >= PERIOD_START and self._quiet(change["cmdb_ci"], start):
                    break
                change = self.change()
                start = _parse(change["approval_set"]) - lead
            else:
                raise RuntimeError("no change fits the REL-004 case")
            row = self.release(change)
            self.deploy(row, start)
            (self.defect if lead else self.near)("REL-004", row["number"])

    def _windows(self) -> None:
        """REL-005 (inside the planned window) and REL-006 (a coherent planned window)."""
        row = self.release(self.change())
        start = _parse(row["work_start"])
        row.update(start_date=_ts(start + DAY), end_date=_ts(start + DAY + 2 * HOUR))  # a day early
        self.defect("REL-005", row["number"])
        row = self.release(self.change())
        row["work_end"] = _ts(_parse(row["end_date"]) + 30 * MINUTE)  # overran the window
        self.defect("REL-005", row["number"])
        row = self.release(self.change())
        row.update(start_date=row["work_start"], end_date=row["work_end"])  # exactly the window
        self.near("REL-005", row["number"])

        row = self.release(self.change(), start_date="", end_date="")
        self.defect("REL-006", row["number"])
        row = self.planned(self.scheduled_change())
        row["end_date"] = _ts(_parse(row["start_date"]) - 2 * HOUR)
        self.defect("REL-006", row["number"])
        self.near("REL-006", self.draft["number"])  # still a draft: no window needed yet

    def _classification(self) -> None:
        """REL-007 (a defined release type) and REL-008 (emergency releases under an emergency change)."""
        for release_type, kind in (("", "defect"), ("Hotfix", "defect"), ("Upgrade", "near")):
            row = self.release(self.change(), release_type=release_type)
            (self.defect if kind == "defect" else self.near)("REL-007", row["number"])
        for types in (("Normal",), ("Standard",)):
            row = self.release(self.change(types), release_type="Emergency")
            self.defect("REL-008", row["number"])
        emergency = self.change(("Emergency",))
        row = self.release(emergency)
        row["u_change_requests"] = f"{self.change(('Normal',))['number']}, {emergency['number']}"
        self.near("REL-008", row["number"])

    def _cis_and_plans(self) -> None:
        """REL-009 (a CI in the CMDB), REL-010 (a back-out plan) and REL-011 (test evidence)."""
        row = self.release(self.change(), cmdb_ci="shop-app-legacy-01")
        self.defect("REL-009", row["number"])
        row = self.release(self.change(), cmdb_ci="")
        self.defect("REL-009", row["number"])
        change = self.change()
        row = self.release(change, cmdb_ci=change["business_service"])  # the business service CI exists
        if not self._quiet(row["cmdb_ci"], _parse(row["work_start"])):
            raise RuntimeError("the business service CI has incidents after the release")
        self.near("REL-009", row["number"])

        row = self.release(self.change(), u_backout_plan="")
        self.defect("REL-010", row["number"])
        row = self.planned(self.scheduled_change(), u_backout_plan="")
        self.defect("REL-010", row["number"])
        self.near("REL-010", self.draft["number"])

        for _n in range(2):
            row = self.release(self.change(), u_test_results="")
            self.defect("REL-011", row["number"])
        self.near("REL-011", self.testing["number"])  # not deployed yet

    def _post_deployment_incidents(self) -> None:
        """REL-012: incidents on the released CI 3 and 20 hours after deployment; and just outside the day.

        Incidents are added at once, so releases made later look for them when they choose a quiet CI."""
        guard = RepeatGuard(self.data)
        plan = (([3 * HOUR], "defect"), ([20 * HOUR], "defect"), ([-10 * MINUTE, DAY + MINUTE], "near"))
        for offsets, kind in plan:
            for _attempt in range(30):
                row = self.release(self.change())
                times = [_parse(row["work_start"]) + offset for offset in offsets]
                ci = row["cmdb_ci"]
                if any(self._spoils_emergency_case(ci, t) or self._hits_other_release(row, t) for t in times):
                    continue  # the release stays, clean
                added = []
                for when in times:
                    added.append(guard.add(self.numbers, when, row["cmdb_ci"], row["business_service"]))
                    if added[-1] is None:
                        break  # would turn a planted incident into a repeat; an earlier one lies outside the window
                if all(added):
                    break
            else:
                raise RuntimeError(f"no release can carry the REL-012 {kind} case")
            (self.defect if kind == "defect" else self.near)("REL-012", row["number"])
            if kind == "defect":
                self.successful_incident_hits.add(row["number"])

    def _failures(self) -> None:
        """REL-013: failed releases whose changes were all closed as successful."""
        for outcome in ("Rolled back", "Failed"):
            row = self.failed(self.change(), outcome)
            self.defect("REL-013", row["number"])
        failed_change = self.change(outcome="unsuccessful", quiet=False)
        row = self.failed(failed_change, "Failed")
        row["u_change_requests"] = f"{self.change()['number']}, {failed_change['number']}"
        self.near("REL-013", row["number"])

        row = self.release(self.change(), u_deployment_outcome="")
        self.defect("REL-016", row["number"])
        row = self.failed(self.change(outcome="unsuccessful", quiet=False), "Done")
        self.defect("REL-016", row["number"])
        self.near("REL-016", self.cancelled["number"])  # never deployed

    def _known_errors(self) -> None:
        """REL-014 (open known errors whose fix went live) and REL-015 (resolved only once deployed)."""
        for _n in range(2):
            change = self.change()
            while _parse(change["work_end"]) > AS_OF - 20 * DAY:
                change = self.change()
            problem = self.open_known_error(change, _parse(change["work_start"]))
            self.release(change, u_known_errors=problem["number"])
            self.defect("REL-014", problem["number"])
        edge_end = AS_OF - KNOWN_ERROR_DAYS * DAY  # deployed exactly fourteen days before the audit date
        fix = self.change_at(edge_end - DEPLOYMENT)
        problem = self.open_known_error(fix, edge_end)
        self.release(fix, u_known_errors=problem["number"])
        self.near("REL-014", problem["number"])
        failed_change = self.change(outcome="unsuccessful", quiet=False)
        problem = self.open_known_error(failed_change, AS_OF - 30 * DAY)
        self.failed(failed_change, "Rolled back")["u_known_errors"] = problem["number"]
        self.near("REL-014", problem["number"])  # its fix failed: staying open is right

        problem = self.resolved_known_error(PERIOD_START + 12 * DAY, AS_OF - 6 * DAY)
        self.planned(self.scheduled_change(), u_known_errors=problem["number"], u_test_results=TESTS)
        self.defect("REL-015", problem["number"])
        for gap, kind in ((3 * DAY, "defect"), (dt.timedelta(), "near")):
            problem = self.resolved_known_error(PERIOD_START + 12 * DAY, AS_OF - 10 * DAY)
            end = _parse(problem["resolved_at"]) + gap
            self.release(self.change_at(end - DEPLOYMENT), u_known_errors=problem["number"])
            (self.defect if kind == "defect" else self.near)("REL-015", problem["number"])

    # ------------------------------------------------------------------ incidents and a final check

    def _spoils_emergency_case(self, ci: str, when: dt.datetime) -> bool:
        """Would an incident here justify an emergency change planted as unjustified (CHG-009)?"""
        for number in self.data.truth.get("CHG-009", []):
            change = next(c for c in self.data.changes if c["number"] == number)
            opened = _parse(change["opened_at"])
            if change["cmdb_ci"] == ci and opened - DAY <= when <= opened:
                return True
        return False

    def _hits_other_release(self, row: dict, when: dt.datetime) -> bool:
        for other in self.rows:
            if other is row or other["u_deployment_outcome"] != "Successful" or not other["work_start"]:
                continue
            start = _parse(other["work_start"])
            if other["cmdb_ci"] == row["cmdb_ci"] and start <= when <= start + INCIDENT_WINDOW:
                return True
        return False

    def verify(self) -> None:
        """Successful releases with an incident right after deployment are exactly the planted ones."""
        hits = {
            row["number"]
            for row in self.rows
            if row["u_deployment_outcome"] == "Successful"
            and row["work_start"]
            and not self._quiet(row["cmdb_ci"], _parse(row["work_start"]))
        }
        if hits != self.successful_incident_hits:
            raise RuntimeError(f"post-deployment incidents do not match the plan: {sorted(hits)}")
