"""HP Service Manager exports (the layout of Rabobank's BPIC 2014 data): incidents, changes, activities.

The table comes from ``options.table`` (``incident``, ``change`` or ``activity``) or from the header
(``Change ID`` -> change, ``IncidentActivity_Number`` -> activity, ``Incident ID`` -> incident).

Incidents (``tickets``, record_type incident): ``Incident ID`` -> ``id``; ``Status`` -> ``status``
(Open -> new, Work In Progress -> in_progress, Pending ... / Suspended -> on_hold, Resolved, Closed,
Cancelled); ``Impact``, ``Urgency``, ``Priority`` (1..5, 1 highest, also ``5 - Very Low``);
``Category``; ``Service Component WBS (aff)`` -> ``service``; ``CI Name (aff)`` -> ``ci_id``;
``Assignment Group``; ``# Reassignments`` -> ``reassignment_count``; ``Open Time`` / ``Resolved Time``
/ ``Close Time`` -> ``opened_at`` / ``resolved_at`` / ``closed_at``; ``Reopen Time`` ->
``reopen_count`` (1 when a reopen time is recorded: the export keeps only the last one, so "at least
once"; 0 when empty); ``Closure Code`` -> ``close_code``.

Changes (``tickets``, record_type change): ``Change ID`` -> ``id``; ``Change Type`` ->
``change_type``, replaced by ``emergency`` when ``Emergency Change`` is Y; ``Risk Assessment`` ->
``risk``; ``Planned Start/End``, ``Actual Start/End``; ``Change record Open/Close Time`` ->
``opened_at`` / ``closed_at``; the affected CI and service as for incidents.

Activities (``ticket_events``): ``Incident ID`` -> ``ticket_id``, ``DateStamp`` -> ``at``,
``IncidentActivity_Type`` -> ``new_value`` (``field`` = ``activity``), ``Assignment Group`` ->
``actor``, ``IncidentActivity_Number`` -> ``id``.

Links: the CIs after the first in a ``CI Name (aff)`` cell -> ``affects_ci``; ``CI Name (CBy)`` ->
``caused_by_ci``; ``Related Change`` -> ``related_change``; ``Related Interaction`` ->
``related_interaction``.

Quirks handled: ``;`` separator; day-first dates ``dd-mm-yyyy hh:mm:ss``, ``dd/mm/yyyy hh:mm:ss``,
with or without seconds (override with ``options.date_formats``); decimal commas (``Handle Time
(Hours)`` = ``0,25``) stay inside their cell; Y/N flags; trailing empty rows, and trailing empty
columns when the header has them too. ``#MULTIVALUE`` marks a cell holding several values: the
values (separated by line breaks, commas, ``|`` or further markers) are split, the first is the
record's value and the rest become links. A cell that is only ``#MULTIVALUE`` (the export withheld
the values) gives no value; its lines are listed in ``details["multivalue_withheld"]``.

Left out (no canonical column): CI type/subtype, KM number, alert status, handle time, the counts of
related records, and ``CAB-approval needed``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Sample
from evidence_adapters.csv_source import read_delimited
from evidence_adapters.mapping import (
    Field,
    MissingColumnError,
    headers_by_norm,
    map_fields,
    normalise_header,
    resolve_header,
)
from sms_audit.errors import EvidenceError

DATE_FORMATS = (
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)

STATUSES = {
    "open": "new",
    "new": "new",
    "accepted": "in_progress",
    "assigned": "in_progress",
    "work_in_progress": "in_progress",
    "in_progress": "in_progress",
    "pending_customer": "on_hold",
    "pending_vendor": "on_hold",
    "pending_other": "on_hold",
    "pending_change": "on_hold",
    "suspended": "on_hold",
    "resolved": "resolved",
    "closed": "closed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "rejected": "cancelled",
}

MULTIVALUE = "#MULTIVALUE"
_MULTI_SPLIT = re.compile(r"(?:#MULTIVALUE|[\r\n,|])+", re.IGNORECASE)

_SHARED = (
    Field("service", ("Service Component WBS (aff)", "ServiceComp WBS (aff)")),
    Field("ci_id", ("CI Name (aff)",)),
    Field("assignment_group", ("Assignment Group",)),
    Field("status", ("Status",), "token", STATUSES),
)

TABLES: dict[str, dict[str, Any]] = {
    "incident": {
        "record_type": "incident",
        "fields": (
            Field("id", ("Incident ID", "IncidentID"), required=True),
            *_SHARED,
            Field("impact", ("Impact",), "leading_int"),
            Field("urgency", ("Urgency",), "leading_int"),
            Field("priority", ("Priority",), "leading_int"),
            Field("category", ("Category",)),
            Field("reassignment_count", ("# Reassignments", "Reassignments"), "integer"),
            Field("opened_at", ("Open Time",), "datetime"),
            Field("_reopened_at", ("Reopen Time",), "datetime"),
            Field("resolved_at", ("Resolved Time",), "datetime"),
            Field("closed_at", ("Close Time",), "datetime"),
            Field("close_code", ("Closure Code",), "token"),
        ),
        "links": {
            "CI Name (CBy)": "caused_by_ci",
            "Related Change": "related_change",
            "Related Interaction": "related_interaction",
        },
    },
    "change": {
        "record_type": "change",
        "fields": (
            Field("id", ("Change ID",), required=True),
            *_SHARED,
            Field("change_type", ("Change Type",), "token"),
            Field("_emergency", ("Emergency Change",), "bool"),
            Field("risk", ("Risk Assessment",), "token"),
            Field("planned_start", ("Planned Start",), "datetime"),
            Field("planned_end", ("Planned End",), "datetime"),
            Field("actual_start", ("Actual Start",), "datetime"),
            Field("actual_end", ("Actual End",), "datetime"),
            Field("opened_at", ("Change record Open Time", "Open Time"), "datetime"),
            Field("closed_at", ("Change record Close Time", "Close Time"), "datetime"),
        ),
        "links": {},
    },
}

ACTIVITY_FIELDS = (
    Field("ticket_id", ("Incident ID", "IncidentID"), required=True),
    Field("at", ("DateStamp",), "datetime"),
    Field("id", ("IncidentActivity_Number",)),
    Field("new_value", ("IncidentActivity_Type",)),
    Field("actor", ("Assignment Group",)),
)

_ID_COLUMNS = {"incident_id": "incident", "incidentid": "incident", "change_id": "change"}
_SIGNATURE = (
    "CI Name (aff)",
    "Service Component WBS (aff)",
    "Open Time",
    "Resolved Time",
    "Close Time",
    "Closure Code",
    "# Reassignments",
    "Handle Time (Hours)",
    "KM number",
    "Change record Open Time",
    "Risk Assessment",
    "IncidentActivity_Number",
    "IncidentActivity_Type",
    "DateStamp",
)


def _table_from_header(normalised: set[str]) -> str | None:
    if "change_id" in normalised:
        return "change"
    if "incidentactivity_number" in normalised or "incidentactivity_type" in normalised:
        return "activity"
    if "incident_id" in normalised or "incidentid" in normalised:
        return "incident"
    return None


def split_multivalue(cell: object) -> tuple[list[str], bool]:
    """Values of a cell; the flag is True for a bare ``#MULTIVALUE`` whose values were withheld."""
    if not isinstance(cell, str) or not cell.strip():
        return [], False
    if MULTIVALUE.lower() not in cell.lower():
        return [cell.strip()], False
    values = [v.strip() for v in _MULTI_SPLIT.split(cell) if v.strip()]
    return values, not values


@ADAPTERS.register("hpsm")
class HpsmAdapter:
    name = "hpsm"
    description = "HP Service Manager export (';' separated, dd-mm-yyyy dates, #MULTIVALUE cells)"

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        normalised = {normalise_header(h.lstrip("\ufeff")) for h in sample.header}
        id_columns = [h for h in sample.header if normalise_header(h) in _ID_COLUMNS]
        matched = [c for c in _SIGNATURE if normalise_header(c) in normalised]
        if not id_columns or not matched:
            return None
        score = 0.4 + min(0.1 * len(matched), 0.4)
        reason = f"HP Service Manager columns: {', '.join([id_columns[0], *matched[:5]])}"
        first_line = sample.text.lstrip("\ufeff").split("\n", 1)[0]
        if first_line.count(";") > first_line.count(","):
            score += 0.2
            reason += "; ';' separated"
        return Detection(round(min(score, 1.0), 2), reason)

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        text = read_delimited(path, display_path, options.get("delimiter"))
        table = options.get("table") or _table_from_header({normalise_header(h) for h in text.header})
        if table not in (*TABLES, "activity"):
            raise EvidenceError(
                f"{display_path}: cannot tell which HP Service Manager table this is (no Incident ID or Change ID "
                f"column); set options.table to one of incident, change, activity"
            )
        options = {**options, "date_formats": options.get("date_formats") or DATE_FORMATS}
        try:
            if table == "activity":
                result = self._activities(text, display_path, options)
            else:
                result = self._tickets(table, text, display_path, options)
        except MissingColumnError as exc:
            raise EvidenceError(f"{display_path}: HP Service Manager {table} export: {exc}") from None
        result.rows_read = text.rows_read
        result.rejections = text.rejections + result.rejections
        result.details.update({"table": table, "encoding": text.encoding, "delimiter": text.delimiter})
        return result

    def _tickets(self, table: str, text, display: str, options: dict) -> AdapterResult:
        spec = TABLES[table]
        frame = text.frame.copy()
        lines = text.lines
        ci_header = resolve_header(frame.columns, "ci_id", ("CI Name (aff)",), options)
        extra_cis: list[list[str]] = [[] for _ in range(len(frame))]
        withheld: list[dict[str, Any]] = []
        if ci_header is not None:
            firsts = []
            for position, (cell, line) in enumerate(zip(frame[ci_header].to_numpy(), lines, strict=True)):
                values, bare = split_multivalue(cell)
                firsts.append(values[0] if values else "")
                extra_cis[position] = values[1:]
                if bare:
                    withheld.append({"line": int(line), "column": ci_header})
            frame[ci_header] = pd.array(firsts, dtype="string")
        mapped = map_fields(frame, lines, spec["fields"], display, options)
        tickets = mapped.frame
        provided = set(mapped.provided)
        tickets["record_type"] = spec["record_type"]
        provided.add("record_type")
        if "_reopened_at" in tickets:
            tickets["reopen_count"] = tickets.pop("_reopened_at").notna().astype("Int64")
            provided = (provided - {"_reopened_at"}) | {"reopen_count"}
        if "_emergency" in tickets:
            emergency = tickets.pop("_emergency").fillna(False).astype(bool)
            provided.discard("_emergency")
            if "change_type" not in tickets:
                tickets["change_type"] = pd.Series(pd.NA, index=tickets.index, dtype="string")
            tickets.loc[emergency, "change_type"] = "emergency"
            provided.add("change_type")
        accepted = lines.isin(set(tickets["_source_line"].tolist())).to_numpy()
        ids = frame.loc[accepted, mapped.mapping["id"]].str.strip().to_numpy()
        accepted_lines = lines[accepted].to_numpy()
        rows: list[tuple[str, str, str, int]] = []
        accepted_extras = [extras for extras, keep in zip(extra_cis, accepted, strict=True) if keep]
        for key, extras, line in zip(ids, accepted_extras, accepted_lines, strict=True):
            rows.extend((key, ci, "affects_ci", int(line)) for ci in extras)
        link_headers = []
        for header_name, link_type in spec["links"].items():
            header = headers_by_norm(frame.columns).get(normalise_header(header_name))
            if header is None:
                continue
            link_headers.append(header)
            for key, cell, line in zip(ids, frame.loc[accepted, header].to_numpy(), accepted_lines, strict=True):
                values, bare = split_multivalue(cell)
                if bare:
                    withheld.append({"line": int(line), "column": header})
                rows.extend((key, value, link_type, int(line)) for value in values)
        links = _links_frame(rows, display)
        withheld = [w for w in withheld if w["line"] in set(accepted_lines.tolist())]
        details = {"columns": mapped.mapping, "multivalue_withheld": sorted(withheld, key=lambda w: w["line"])}
        tables = {"tickets": tickets}
        provided_columns = {"tickets": provided}
        if ci_header is not None or link_headers:
            # Only an export that can carry links provides the links table (else rules on it lack evidence).
            tables["links"] = links
            provided_columns["links"] = {"id", "from_id", "to_id", "link_type"}
        return AdapterResult(
            tables,
            0,
            mapped.rejections,
            details,
            provided_columns,
        )

    def _activities(self, text, display: str, options: dict) -> AdapterResult:
        mapped = map_fields(text.frame, text.lines, ACTIVITY_FIELDS, display, options)
        events = mapped.frame
        events["field"] = "activity"
        fallback = events["ticket_id"] + "#" + events["_source_line"].astype("string")
        events["id"] = events["id"].fillna(fallback) if "id" in events else fallback
        provided = mapped.provided | {"id", "field"}
        return AdapterResult(
            {"ticket_events": events}, 0, mapped.rejections, {"columns": mapped.mapping}, {"ticket_events": provided}
        )


def _links_frame(rows: list[tuple[str, str, str, int]], display: str) -> pd.DataFrame:
    links = pd.DataFrame(rows, columns=["from_id", "to_id", "link_type", "_source_line"])
    links["_source_file"] = display
    links["id"] = links["from_id"] + ">" + links["link_type"] + ">" + links["to_id"]
    links = links.drop_duplicates("id", keep="first").reset_index(drop=True)
    return links[["id", "from_id", "to_id", "link_type", "_source_file", "_source_line"]]
