"""``timeliness``: response or resolution within the SLA target for the ticket's service and priority.

Spec::

    check:
      kind: timeliness
      measure: resolution            # or response
      targets: {table: sla_targets}  # optional; the table of targets (default sla_targets)
      until: [resolved_at]           # optional; end columns, first non-empty wins
      pause_states: [on_hold]        # optional; statuses in which the clock stops
      calendar: office               # optional; calendar for targets that name none (default: 24x7)

**Clock.** It starts at ``opened_at`` and stops at ``resolved_at`` (resolution) or ``responded_at``
(response), or at the first non-empty column of ``until`` (e.g. ``[resolved_at, closed_at]`` for
requests that are closed without a resolution time; with one column the engine requires it, with
several at least one must be provided). For response, a resolved ticket without a recorded response
counts as responded at its resolution. Time is counted on the target's calendar
(``sla_targets.calendar``, else the spec's ``calendar``, else around the clock): only the calendar's
weekly working windows, in its time zone, skipping its holidays (tables ``calendars`` and
``holidays``; they are optional evidence, read when provided). When ``ticket_events`` is provided, the intervals
in which the ticket's status (events whose field is ``status``, ``state`` or ``created``) is one of
``pause_states`` -- until the next status event -- are left out; states compare case-insensitively
with punctuation as ``_`` (``Awaiting Caller`` = ``awaiting_caller``).

**Matching targets.** A ticket's ``service`` is compared with ``sla_targets.service`` (the service
id), trimmed and case-insensitively; when it matches no target service and the ``services`` table
gives names, it is read as a service *name* and mapped to that service's id (ServiceNow exports carry
the display name). Then ``(service, priority)`` selects the target; its ``<measure>_minutes`` is the
target. When two targets share a service and priority, the first (by source file and line) applies.

**Who is judged.** Tickets that ended by ``as_of`` are judged on their end time. Open tickets (and
tickets ending after ``as_of``) are judged at ``as_of``: overdue when the business time elapsed by
then already exceeds the target, otherwise not yet due and left out of the population. Tickets are
*not judged*, and never offending, when they have no target for their service and priority, their
calendar is not in the evidence, they have no opening time, they ended (closed, resolved or a
terminal status) without the end time, or they end before they open; the explanation counts them
and names the first few. When no ticket has a target the result is ``evidence_insufficient``; when
tickets have targets but none can be judged yet, ``not_applicable``.

**Result.** The measured figure is the rate of judged tickets over target; the breakdown gives it
per (priority, service), the service being the id of the matched target (so a service recorded by id
on some tickets and by name on others is one group). Each offending record says what stopped the
clock, how long it ran, the target (in the same unit: minutes below one hour, else hours) and the due
time (naive UTC, like the evidence): ``resolved after 6.5 business hours, target 4 (due 2026-01-05
10:30)``; ``unresolved at <as_of> after ...`` for an open ticket; ``(1.5 paused, not counted)`` when
a pause applied. Everything is vectorised over tickets (see :mod:`sms_audit.calendars`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sms_audit.calendars import (
    US_PER_MINUTE,
    BusinessClock,
    Calendar,
    Pauses,
    calendars_from_tables,
    due,
    elapsed,
    from_us,
    to_us,
)
from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome
from sms_audit.expressions import EvalContext
from sms_audit.quality import failure_reason

TERMINAL_STATUSES = frozenset(
    {
        "resolved",
        "closed",
        "cancelled",
        "canceled",
        "closed_complete",
        "closed_incomplete",
        "closed_skipped",
        "completed",
        "done",
        "fulfilled",
        "rejected",
    }
)
STATUS_FIELDS = ("status", "state", "created")
END_COLUMN = {"resolution": "resolved_at", "response": "responded_at"}
VERBS = {"resolved_at": "resolved", "responded_at": "responded", "closed_at": "closed", "actual_end": "completed"}
EXAMPLES = 5

# Why a ticket was not judged, in the order they are tested; the text follows the count.
NOT_JUDGED = {
    "no_target": "without a target for their service and priority",
    "no_calendar": "whose calendar is not in the evidence",
    "no_start": "without an opening time",
    "no_end": "ended without {end}",
    "disordered": "with an end before the opening time",
    "not_yet_due": "open and not yet due",
}


def _token(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    return text.str.replace(r"[^0-9a-z]+", "_", regex=True).str.strip("_")


def _key(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.casefold()


def _number(values: np.ndarray) -> pd.Series:
    """Numbers as short text: 6.5, 4, 0.25 (two decimals at most)."""
    return pd.Series(np.round(values, 2)).astype("string").str.replace(r"\.0$", "", regex=True)


@CHECK_KINDS.register("timeliness")
class TimelinessCheck(CheckKind):
    kind = "timeliness"
    description = (
        "Response or resolution within the SLA target for the ticket's service and priority, counted in "
        "business hours of the target's calendar with paused states left out."
    )
    schema = {
        "type": "object",
        "required": ["kind", "measure"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "timeliness"},
            "measure": {
                "enum": ["resolution", "response"],
                "description": "resolution: opened_at to resolved_at; response: opened_at to responded_at",
            },
            "targets": {
                "type": "object",
                "required": ["table"],
                "additionalProperties": False,
                "properties": {
                    "table": {
                        "type": "string",
                        "description": "Table of targets: service, priority, <measure>_minutes, calendar",
                    }
                },
            },
            "pause_states": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "uniqueItems": True,
                "description": "Ticket statuses in which the clock stops (needs ticket_events)",
            },
            "until": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "uniqueItems": True,
                "description": "Ticket columns that stop the clock, first non-empty wins "
                "(default: resolved_at for resolution, responded_at for response)",
            },
            "calendar": {
                "type": ["string", "null"],
                "description": "Calendar for targets that name none; null or absent: around the clock",
            },
        },
    }
    default_grading = Grading("rate", "higher_is_worse", {"minor": 0.1, "observation": 0.05})

    @property
    def measure(self) -> str:
        return self.spec["measure"]

    @property
    def targets_table(self) -> str:
        return (self.spec.get("targets") or {}).get("table", "sla_targets")

    @property
    def target_column(self) -> str:
        return f"{self.measure}_minutes"

    @property
    def until(self) -> list[str]:
        return list(self.spec.get("until") or [END_COLUMN[self.measure]])

    def needs(self) -> dict[str, set[str]]:
        # With several end columns any one will do; evaluate() checks that one is provided.
        ends = set(self.until) if len(self.until) == 1 else set()
        return {
            self.table: {"opened_at", "priority", "service", *ends},
            self.targets_table: {"service", "priority", self.target_column},
        }

    # --- evaluation --------------------------------------------------------------------------

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        n = len(population)
        ends = [c for c in self.until if c in evidence.provided.get(self.table, set())]
        if not ends:
            reason = f"the evidence for '{self.table}' has no column for any of {', '.join(self.until)}"
            return Outcome(
                population,
                pd.Series(False, index=population.index),
                pd.Series(pd.NA, index=population.index, dtype="string"),
                reason,
                status="evidence_insufficient",
            )
        target = self._targets(population, evidence)
        calendars, unavailable = self._calendars(evidence)
        cal_name = target["calendar"].astype("string")
        if self.spec.get("calendar"):
            cal_name = cal_name.fillna(self.spec["calendar"])
        minutes = target["minutes"].to_numpy(dtype="float64", na_value=np.nan)

        start = to_us(population["opened_at"])
        resolved = to_us(population["resolved_at"])
        end, source = np.full(n, np.nan), np.full(n, "", dtype=object)
        for column in ends:
            values = to_us(population[column])
            take = np.isnan(end) & ~np.isnan(values)
            end[take], source[take] = values[take], column
        fallback = np.zeros(n, dtype=bool)
        if self.measure == "response":
            fallback = np.isnan(end) & ~np.isnan(resolved)
            end = np.where(fallback, resolved, end)
        as_of = float(to_us(ctx.as_of)[0])
        status = _token(population["status"]).fillna("")
        ended = (
            ~np.isnan(resolved)
            | population["closed_at"].notna().to_numpy()
            | status.isin(TERMINAL_STATUSES).to_numpy(dtype=bool)
        )

        why = pd.Series(pd.NA, index=range(n), dtype="string")
        checks = [
            ("no_target", np.isnan(minutes)),
            ("no_calendar", (cal_name.notna() & ~cal_name.isin(list(calendars))).to_numpy(dtype=bool)),
            ("no_start", np.isnan(start)),
            ("no_end", ended & np.isnan(end)),
            ("disordered", end < start),
        ]
        for label, failed in checks:
            why = why.mask(why.isna() & failed, label)
        candidate = why.isna().to_numpy(dtype=bool)
        closed = candidate & ~np.isnan(end) & (end <= as_of)
        judge_at = np.where(closed, end, as_of)

        worked, paused, due_at = self._clock(
            population, evidence, calendars, cal_name, candidate, start, judge_at, minutes
        )
        target_us = minutes * US_PER_MINUTE
        late = candidate & (worked > target_us)
        judged = closed | (candidate & late)
        why = why.mask(candidate & ~judged, "not_yet_due")
        offending = judged & late

        labels = why.fillna("").to_numpy(dtype=object)
        record_ids = population["id"].astype("string").fillna("").to_numpy(dtype=object)
        not_judged = {label: sorted(record_ids[labels == label]) for label in NOT_JUDGED}
        extra: dict[str, Any] = {"not_judged": {k: v for k, v in not_judged.items() if v}}
        if unavailable:
            extra["calendars_unavailable"] = unavailable

        status_override = self._status_without_judgement(n, not_judged, judged, unavailable)
        if status_override is not None:
            state, reason = status_override
            frame = population if state == "evidence_insufficient" else population.iloc[0:0]
            empty = pd.Series(False, index=frame.index)
            return Outcome(
                frame, empty, pd.Series(pd.NA, index=frame.index, dtype="string"), reason, extra=extra, status=state
            )

        reasons = self._reasons(offending, closed, source, fallback, worked, paused, minutes, due_at, cal_name, ctx)
        kept = population[judged]
        summary = self._summary(not_judged, bool(cal_name.notna().to_numpy(dtype=bool)[judged].any()), evidence)
        return Outcome(
            kept,
            pd.Series(offending[judged], index=kept.index),
            pd.Series(reasons[judged].to_numpy(), index=kept.index, dtype="string"),
            summary,
            extra=extra,
            breakdown=_breakdown(kept["priority"], target["target_service"][judged], offending[judged]),
        )

    # --- pieces ------------------------------------------------------------------------------

    def _targets(self, population: pd.DataFrame, evidence) -> pd.DataFrame:
        """Per ticket (positionally): target minutes, target calendar, matched service id."""
        table = evidence.table(self.targets_table)
        table = table.sort_values(["_source_file", "_source_line"], kind="mergesort", na_position="last")
        targets = pd.DataFrame(
            {
                "key": _key(table["service"]),
                "target_service": table["service"].astype("string"),
                "priority": table["priority"].astype("Int64"),
                "minutes": table[self.target_column].astype("Float64"),
                "calendar": table["calendar"].astype("string") if "calendar" in table else pd.NA,
            }
        )
        targets = targets.dropna(subset=["key", "priority"]).drop_duplicates(["key", "priority"], keep="first")
        key = _key(population["service"]).reset_index(drop=True)
        if evidence.has_table("services") and "name" in evidence.provided.get("services", set()):
            services = evidence.table("services").dropna(subset=["id", "name"])
            by_name = dict(zip(_key(services["name"]), _key(services["id"]), strict=True))
            key = key.where(key.isin(set(targets["key"])), key.map(by_name).astype("string"))
        tickets = pd.DataFrame({"key": key, "priority": population["priority"].astype("Int64").reset_index(drop=True)})
        matched = tickets.merge(targets, on=["key", "priority"], how="left", sort=False)
        return matched.reset_index(drop=True)

    def _calendars(self, evidence) -> tuple[dict[str, Calendar], dict[str, str]]:
        """Usable calendars by name, and why the others (or all) are not usable."""
        if not evidence.has_table("calendars"):
            return {}, {}
        failed = failure_reason(evidence.quality, "calendars") or (
            failure_reason(evidence.quality, "holidays") if evidence.has_table("holidays") else None
        )
        if failed:
            return {}, {"*": failed}
        holidays = evidence.table("holidays") if evidence.has_table("holidays") else None
        invalid: dict[str, str] = {}
        return calendars_from_tables(evidence.table("calendars"), holidays, invalid), invalid

    def _pauses(self, population: pd.DataFrame, evidence) -> Pauses:
        states = {str(s) for s in _token(pd.Series(self.spec.get("pause_states") or [], dtype="string")).dropna() if s}
        if not states or not evidence.has_table("ticket_events"):
            return Pauses.empty()
        events = evidence.table("ticket_events")
        events = events[
            _token(events["field"]).isin(STATUS_FIELDS).fillna(False).to_numpy(dtype=bool)
            & events["at"].notna().to_numpy()
        ]
        owners = pd.DataFrame(
            {"ticket_id": population["id"].astype("string").to_numpy(), "pos": np.arange(len(population))}
        )
        events = events.assign(ticket_id=events["ticket_id"].astype("string")).merge(owners, on="ticket_id")
        events = events.sort_values(["pos", "at", "_source_line"], kind="mergesort")
        following = events.groupby("pos", sort=False)["at"].shift(-1)
        paused = _token(events["new_value"]).isin(states).fillna(False).to_numpy(dtype=bool)
        owner = events["pos"].to_numpy(dtype="int64")[paused]
        return Pauses(owner, to_us(events["at"])[paused], to_us(following)[paused])

    def _clock(self, population, evidence, calendars, cal_name, candidate, start, judge_at, minutes):
        """Elapsed business µs at ``judge_at``, paused business µs, and the due time (µs), per candidate."""
        n = len(population)
        worked, paused, due_at = np.full(n, np.nan), np.zeros(n), np.full(n, np.nan)
        if not candidate.any():
            return worked, paused, due_at
        pauses = self._pauses(population, evidence)
        names = cal_name.fillna("").to_numpy(dtype=object)
        for name in sorted(set(names[candidate])):  # one clock per calendar (a handful)
            positions = np.flatnonzero(candidate & (names == name))
            clock = BusinessClock(calendars.get(name), origin=float(np.nanmin(start[positions])))
            own = pauses.subset(positions, n)
            s, j = start[positions], judge_at[positions]
            capped = Pauses(own.owner, own.start, np.fmin(np.where(np.isnan(own.end), np.inf, own.end), j[own.owner]))
            worked[positions], paused[positions] = elapsed(clock, s, j, capped)
            due_at[positions] = due(clock, s, minutes[positions] * US_PER_MINUTE, capped)
        return worked, paused, due_at

    def _reasons(self, offending, closed, source, fallback, worked, paused, minutes, due_at, cal_name, ctx):
        n = len(offending)
        reasons = pd.Series(pd.NA, index=range(n), dtype="string")
        if not offending.any():
            return reasons
        idx = np.flatnonzero(offending)
        small = minutes[idx] < 60
        scale = np.where(small, US_PER_MINUTE, 60 * US_PER_MINUTE).astype("float64")
        took = _number(np.ceil(worked[idx] / scale * 100) / 100)
        target = _number(minutes[idx] / (scale / US_PER_MINUTE))
        business = np.where(cal_name.isna().to_numpy()[idx], "", "business ")
        unit = pd.Series(business, dtype="string") + pd.Series(np.where(small, "minutes", "hours"), dtype="string")
        stop = pd.Series(np.round(paused[idx] / scale, 2))
        paused_text = (" (" + _number(stop.to_numpy()) + " paused, not counted)").where(stop.gt(0).to_numpy(), "")
        done = pd.Series(source[idx], dtype="string").map(VERBS).fillna("ended").astype("string") + " after "
        if self.measure == "resolution":
            open_text = f"unresolved at {ctx.as_of:%Y-%m-%d %H:%M} after "
        else:
            open_text = f"no response by {ctx.as_of:%Y-%m-%d %H:%M} after "
        head = np.where(closed[idx], done.to_numpy(dtype=object), open_text)
        head = np.where(fallback[idx] & closed[idx], "no response recorded; resolved after ", head)
        due_text = pd.Series(from_us(due_at[idx]).strftime("%Y-%m-%d %H:%M"), dtype="string").fillna("unknown")
        text = (
            pd.Series(head, dtype="string")
            + took
            + " "
            + unit
            + paused_text
            + ", target "
            + target
            + " (due "
            + due_text
            + ")"
        )
        reasons.iloc[idx] = text.to_numpy()
        return reasons

    def _status_without_judgement(self, n, not_judged, judged, unavailable) -> tuple[str, str] | None:
        if judged.any():
            return None
        with_target = n - len(not_judged["no_target"])
        if with_target == 0:
            examples = ", ".join(not_judged["no_target"][:EXAMPLES])
            return (
                "evidence_insufficient",
                f"no ticket matches a {self.measure} target in {self.targets_table} on (service, priority); "
                f"{n} tickets without a target (e.g. {examples})",
            )
        usable = with_target - len(not_judged["no_calendar"])
        if usable == 0:
            detail = "; ".join(f"{k}: {v}" for k, v in sorted(unavailable.items())) or "no calendars table"
            return (
                "evidence_insufficient",
                f"the calendars named by the {self.targets_table} of these tickets are not in the evidence ({detail})",
            )
        if len(not_judged["not_yet_due"]) == usable:
            return ("not_applicable", f"no ticket can be judged yet: {usable} open and not yet due at as_of")
        return ("evidence_insufficient", "no ticket can be judged: " + self._not_judged_text(not_judged))

    def _not_judged_text(self, not_judged: dict[str, list[str]]) -> str:
        parts = []
        for label, ids in not_judged.items():
            if not ids:
                continue
            text = NOT_JUDGED[label].format(end=" or ".join(self.until))
            shown = ", ".join(ids[:EXAMPLES]) + (" …" if len(ids) > EXAMPLES else "")
            parts.append(f"{len(ids)} {text} ({shown})" if label != "not_yet_due" else f"{len(ids)} {text}")
        return "; ".join(parts)

    def _summary(self, not_judged: dict[str, list[str]], on_calendars: bool, evidence) -> str:
        if self.measure == "response":
            done = "responded to"
        else:
            done = "resolved" if self.until == [END_COLUMN["resolution"]] else "completed"
        if on_calendars:
            clock = "counted in the business hours of the targets' calendars"
        else:
            clock = "counted around the clock: no calendar"
        if self.spec.get("pause_states"):
            if evidence.has_table("ticket_events"):
                clock += f"; time in {', '.join(self.spec['pause_states'])} not counted"
            else:
                clock += "; no status history to stop the clock"
        text = f"tickets {done} later than their SLA {self.measure} target ({clock}"
        rest = self._not_judged_text(not_judged)
        return text + (f"; not judged: {rest})" if rest else ")")


def _breakdown(priority: pd.Series, service: pd.Series, offending: np.ndarray) -> list[dict[str, Any]]:
    """One entry per (priority, service id of the matched target), sorted by priority then service."""
    frame = pd.DataFrame(
        {
            "priority": priority.astype("Int64").to_numpy(),
            "service": service.astype("string").to_numpy(),
            "offending": offending.astype(int),
        }
    )
    grouped = frame.groupby(["priority", "service"], dropna=False, sort=False)["offending"].agg(["size", "sum"])
    out = []
    for (priority, service), row in grouped.iterrows():  # one entry per (priority, service): a handful
        size = int(row["size"])
        out.append(
            {
                "group": {
                    "priority": None if pd.isna(priority) else int(priority),
                    "service": None if pd.isna(service) else str(service),
                },
                "population": size,
                "offending": int(row["sum"]),
                "measured": round(int(row["sum"]) / size, 6) if size else 0.0,
            }
        )
    out.sort(
        key=lambda e: (
            e["group"]["priority"] is None,
            e["group"]["priority"] or 0,
            e["group"]["service"] is None,
            e["group"]["service"] or "",
        )
    )
    return out
