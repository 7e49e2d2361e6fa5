"""Process-mining event logs (one row per activity of a case), e.g. helpdesk logs.

Every row becomes a ``ticket_events`` row (field ``activity``); each case also
collapses to one ``tickets`` snapshot: opened at its first event, resolved at
its last resolving activity, closed at its last closing activity, reassigned
once per extra hand-over activity. Which activities mean what is configurable:

    options:
      case_column: Case ID            # defaults are matched by name
      activity_column: Activity
      timestamp_column: Complete Timestamp
      resource_column: Resource
      record_type: incident
      resolved_activities: [Resolve ticket, RESOLVED]
      closed_activities: [Closed]
      assignment_activities: [Take in charge ticket]
      attributes: {service: service_level, category: product}   # last value per case
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Rejection, Sample
from evidence_adapters.csv_source import read_delimited
from evidence_adapters.mapping import normalise_header, parse_datetimes
from sms_audit.errors import EvidenceError
from sms_audit.model import RECORD_TYPES

DEFAULTS = {
    "case_column": ("case_id", "case", "caseid", "case_concept_name", "ticket_id"),
    "activity_column": ("activity", "concept_name", "event", "activity_name"),
    "timestamp_column": ("complete_timestamp", "timestamp", "time_timestamp", "time", "event_time"),
    "resource_column": ("resource", "org_resource", "user"),
}
RESOLVED = ("resolve ticket", "resolved", "resolve", "solved")
CLOSED = ("closed", "close ticket", "close")
ASSIGNMENT = ("take in charge ticket", "assign", "assigned", "reassign")
DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
)


def _column(frame: pd.DataFrame, options: dict[str, Any], key: str, required: bool, display: str) -> str | None:
    by_norm = {normalise_header(c): c for c in reversed(frame.columns)}
    wanted = [options[key]] if options.get(key) else list(DEFAULTS[key])
    for name in wanted:
        if normalise_header(name) in by_norm:
            return by_norm[normalise_header(name)]
    if required:
        raise EvidenceError(
            f"{display}: event log: no {key.replace('_column', '')} column; set options.{key} "
            f"(looked for {', '.join(wanted)})"
        )
    return None


@ADAPTERS.register("event_log")
class EventLogAdapter:
    name = "event_log"
    description = "Process-mining event log (case, activity, timestamp, resource) -> ticket events and tickets"

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        cols = sample.normalised
        found = [key for key, names in DEFAULTS.items() if cols & set(names)]
        if {"case_column", "activity_column", "timestamp_column"} <= set(found):
            return Detection(0.85, "event log: case, activity and timestamp columns")
        return None

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        text = read_delimited(path, display_path, options.get("delimiter"))
        frame, lines = text.frame, text.lines
        case = _column(frame, options, "case_column", True, display_path)
        activity = _column(frame, options, "activity_column", True, display_path)
        stamp = _column(frame, options, "timestamp_column", True, display_path)
        resource = _column(frame, options, "resource_column", False, display_path)
        record_type = options.get("record_type", "incident")
        if record_type not in RECORD_TYPES:
            raise EvidenceError(f"{display_path}: options.record_type must be one of {', '.join(RECORD_TYPES)}")
        at = parse_datetimes(frame[stamp], options.get("date_formats") or DATE_FORMATS)
        case_ids = frame[case].str.strip()
        bad_time = at.isna().to_numpy()
        bad_case = (case_ids.isna() | (case_ids == "")).to_numpy()
        rejections = [
            Rejection(
                display_path,
                int(line),
                case if no_case else stamp,
                f"{case} is empty" if no_case else f"{stamp}: not a date/time in the known formats",
            )
            for line, no_case in zip(lines[bad_time | bad_case], bad_case[bad_time | bad_case], strict=True)
        ]
        keep = ~(bad_time | bad_case)
        events = pd.DataFrame(
            {
                "ticket_id": case_ids[keep].to_numpy(),
                "at": at[keep].to_numpy(),
                "field": "activity",
                "new_value": frame.loc[keep, activity].str.strip().to_numpy(),
                "actor": frame.loc[keep, resource].to_numpy() if resource else None,
                "_source_file": display_path,
                "_source_line": lines[keep].to_numpy(),
            }
        )
        events = events.sort_values(["ticket_id", "at", "_source_line"], kind="mergesort").reset_index(drop=True)
        events["old_value"] = events.groupby("ticket_id")["new_value"].shift(1)
        events["id"] = events["ticket_id"] + "#" + events.groupby("ticket_id").cumcount().astype(str)
        tickets = self._snapshots(events, frame.loc[keep], case_ids[keep], options, record_type)
        provided = {
            "ticket_events": {"id", "ticket_id", "at", "field", "old_value", "new_value"}
            | ({"actor"} if resource else set()),
            "tickets": {"id", "record_type", "status", "opened_at", "resolved_at", "closed_at", "reassignment_count"}
            | set((options.get("attributes") or {}).keys()),
        }
        details = {
            "encoding": text.encoding,
            "delimiter": text.delimiter,
            "cases": int(len(tickets)),
            "columns": {"ticket_id": case, "new_value": activity, "at": stamp, "actor": resource},
        }
        return AdapterResult(
            {"ticket_events": events, "tickets": tickets},
            text.rows_read,
            text.rejections + rejections,
            details,
            provided,
        )

    @staticmethod
    def _snapshots(
        events: pd.DataFrame, source: pd.DataFrame, case_ids: pd.Series, options: dict[str, Any], record_type: str
    ) -> pd.DataFrame:
        activity = events["new_value"].str.lower()
        resolved_set = {a.lower() for a in options.get("resolved_activities", RESOLVED)}
        closed_set = {a.lower() for a in options.get("closed_activities", CLOSED)}
        assign_set = {a.lower() for a in options.get("assignment_activities", ASSIGNMENT)}
        grouped = events.groupby("ticket_id", sort=True)
        tickets = pd.DataFrame(
            {
                "opened_at": grouped["at"].min(),
                "resolved_at": events[activity.isin(resolved_set)].groupby("ticket_id")["at"].max(),
                "closed_at": events[activity.isin(closed_set)].groupby("ticket_id")["at"].max(),
                "reassignment_count": (events[activity.isin(assign_set)].groupby("ticket_id").size() - 1).clip(lower=0),
                "_source_line": grouped["_source_line"].min(),
            }
        )
        tickets["reassignment_count"] = tickets["reassignment_count"].fillna(0).astype("Int64")
        tickets["status"] = "in_progress"
        tickets.loc[tickets["resolved_at"].notna(), "status"] = "resolved"
        tickets.loc[tickets["closed_at"].notna(), "status"] = "closed"
        attributes = options.get("attributes") or {}
        if attributes:
            by_case = source.assign(_case=case_ids.to_numpy()).groupby("_case", sort=True)
            for canonical, column in attributes.items():
                if column not in source.columns:
                    raise EvidenceError(f"options.attributes.{canonical}: no column {column!r} in the event log")
                tickets[canonical] = by_case[column].last()
        tickets["record_type"] = record_type
        tickets["_source_file"] = events["_source_file"].iloc[0] if len(events) else None
        return tickets.rename_axis("id").reset_index()
