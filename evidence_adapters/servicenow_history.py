"""ServiceNow history exports: record versions and ``sys_audit`` field changes.

Two layouts, two adapters, both giving ``tickets`` (one snapshot per ticket) and
``ticket_events`` (one row per change of a field, for time-in-state and SLA clocks):

``servicenow_history``
    A list export with one row per *version* of a record: the columns of an
    ordinary incident / change_request / problem export plus ``sys_updated_on``
    and ``sys_mod_count`` (``sys_updated_by`` is used as the actor when present).
    Versions are ordered by (``sys_mod_count``, ``sys_updated_on``, line). The
    snapshot holds the latest version's values, the first ``opened_at`` and the
    ``resolved_at`` / ``closed_at`` of the latest version that has them; its
    provenance is the line of the latest version. Events: one ``created`` event
    per ticket (at its first version; ``new_value`` is the initial status) and,
    for each consecutive pair of versions, one event per canonical field whose
    canonical value changed (``old_value`` / ``new_value`` as text). Each event
    carries the line of the version it came from.

``servicenow_audit``
    The field-level ``sys_audit`` layout (``tablename, documentkey, fieldname,
    oldvalue, newvalue, sys_created_on, user``, optionally ``record_checkpoint``
    and ``number``). Every row is one event. The ticket id is ``number`` when the
    export carries it, else the ``documentkey`` (a sys_id). The snapshot holds the
    latest ``newvalue`` of every audited field, ``opened_at`` = the first event,
    ``resolved_at`` / ``closed_at`` = when the state first became resolved / closed.

Values go through the ``servicenow`` adapter's field specs and
:func:`evidence_adapters.mapping.map_fields`, so priorities, states and dates
normalise exactly as in a plain list export. Everything is vectorised; the only
per-record Python work is the CSV reader shared with the other adapters.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Rejection, Sample
from evidence_adapters.csv_source import read_delimited
from evidence_adapters.mapping import Field, MissingColumnError, map_fields, normalise_header, token
from evidence_adapters.servicenow import _COMMON, TICKET_TABLES, _links_from_columns, _table_from_name
from sms_audit.errors import EvidenceError

# The ticket tables both layouts know: the servicenow adapter's (incident, change_request, problem and,
# where it declares them, sc_req_item), with its field specs and state vocabularies.
HISTORY_TABLES: dict[str, dict[str, Any]] = TICKET_TABLES
RECORD_TYPES = {table: spec["record_type"] for table, spec in HISTORY_TABLES.items()}
_NUMBER_PREFIXES = {"INC": "incident", "CHG": "change_request", "PRB": "problem", "RITM": "sc_req_item"}

# Version bookkeeping of the history layout (not ticket columns; dropped from the snapshot).
VERSION_FIELDS = (
    Field("sys_updated_on", ("sys_updated_on",), "datetime"),
    Field("sys_mod_count", ("sys_mod_count",), "integer"),
    Field("sys_updated_by", ("sys_updated_by",)),
)
_VERSION_COLUMNS = tuple(f.target for f in VERSION_FIELDS)

# Columns of the sys_audit layout, as text (values are converted per field name later).
AUDIT_FIELDS = (
    Field("documentkey", ("documentkey",), required=True),
    Field("tablename", ("tablename",)),
    Field("fieldname", ("fieldname",)),
    Field("oldvalue", ("oldvalue",)),
    Field("newvalue", ("newvalue",)),
    Field("sys_created_on", ("sys_created_on",), "datetime"),
    Field("user", ("user", "sys_created_by")),
    Field("record_checkpoint", ("record_checkpoint",), "integer"),
    Field("number", ("number",)),
)

# Ticket columns the sys_audit snapshot derives from event times rather than audited values.
_DERIVED = ("opened_at", "resolved_at", "closed_at")
EVENT_COLUMNS = ("id", "ticket_id", "at", "field", "old_value", "new_value", "actor", "_source_file", "_source_line")
CREATED = "created"

Values = tuple[np.ndarray, pd.Series, pd.Series]  # row positions, old values, new values (canonical dtypes)


def ticket_fields(table: str) -> list[Field]:
    """The servicenow adapter's fields for a ticket table, with the table's state vocabulary."""
    spec = HISTORY_TABLES[table]
    status = Field("status", ("state", "incident_state", "problem_state"), "token", spec["states"])
    return [status if f.target == "status" else f for f in _COMMON] + list(spec["fields"])


# ---------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------


def _as_text(values: pd.Series) -> pd.Series:
    """Canonical values as event text: dates ``yyyy-MM-dd HH:mm:ss``, booleans true/false, numbers."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values.dt.strftime("%Y-%m-%d %H:%M:%S")
    elif pd.api.types.is_bool_dtype(values.dtype):
        out = values.astype("string").str.lower()
    else:
        out = values
    return out.astype("string").reset_index(drop=True)


def _differs(current: pd.Series, previous: pd.Series) -> np.ndarray:
    """Elementwise 'value changed', with missing == missing and missing != value."""
    both_missing = (current.isna() & previous.isna()).to_numpy()
    not_equal = (current != previous).fillna(True).to_numpy(dtype=bool)
    return not_equal & ~both_missing


def _group_edges(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First / last row of each run of equal codes (codes sorted)."""
    n = len(codes)
    first = np.ones(n, dtype=bool)
    last = np.ones(n, dtype=bool)
    if n > 1:
        first[1:] = codes[1:] != codes[:-1]
        last[:-1] = first[1:]
    return first, last


def _ordinal(first: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... within each run that starts where ``first`` is True."""
    positions = np.arange(len(first))
    return positions - np.maximum.accumulate(np.where(first, positions, 0))


def _datetime_key(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[us]").astype("int64")


def _rejections(display: str, lines: Any, column: str | None, reason: str) -> list[Rejection]:
    return [Rejection(display, int(line), column, reason) for line in np.asarray(lines)]


def _sorted_rejections(rejections: list[Rejection]) -> list[Rejection]:
    """In file order (numeric lines first, then 'sheet!row' style lines)."""
    return sorted(rejections, key=lambda r: (0, r.line, "") if isinstance(r.line, int) else (1, 0, str(r.line)))


def _unique_ids(ids: pd.Series) -> pd.Series:
    """Event ids are the key of ticket_events: a repeated id gets '.1', '.2' ... in order."""
    if not ids.duplicated().any():
        return ids
    rank = ids.groupby(ids, sort=False).cumcount().to_numpy()
    suffix = pd.Series(np.where(rank > 0, "." + rank.astype(str), ""), dtype="string")
    return (ids + suffix).astype("string")


def _version_labels(mod_count: pd.Series | None, first: np.ndarray) -> pd.Series:
    """sys_mod_count (or record_checkpoint) as text; the ordinal within the ticket where there is none."""
    ordinal = pd.Series(_ordinal(first)).astype("string")
    if mod_count is None:
        return ordinal
    labels = mod_count.astype("string").reset_index(drop=True)
    return labels.fillna("~" + ordinal)


def _events_frame(
    *,
    ticket: pd.Series,
    labels: pd.Series,
    at: pd.Series,
    actor: pd.Series | None,
    lines: np.ndarray,
    rows: np.ndarray,
    field: pd.Series,
    old: pd.Series,
    new: pd.Series,
    display: str,
) -> pd.DataFrame:
    """Events from row positions and aligned field / old / new text."""
    ticket_ids = ticket.iloc[rows].reset_index(drop=True).astype("string")
    field = field.reset_index(drop=True).astype("string")
    ids = ticket_ids + "#" + labels.iloc[rows].reset_index(drop=True) + ":" + field
    events = pd.DataFrame(
        {
            "id": _unique_ids(ids.astype("string")),
            "ticket_id": ticket_ids,
            "at": at.iloc[rows].reset_index(drop=True),
            "field": field,
            "old_value": old.reset_index(drop=True).astype("string"),
            "new_value": new.reset_index(drop=True).astype("string"),
            "actor": (
                actor.iloc[rows].reset_index(drop=True).astype("string")
                if actor is not None
                else pd.Series(pd.NA, index=range(len(rows)), dtype="string")
            ),
            "_source_file": display,
            "_source_line": lines[rows],
        }
    )
    events["_source_line"] = events["_source_line"].astype("Int64")
    return events


# ---------------------------------------------------------------------------------------------
# Which table
# ---------------------------------------------------------------------------------------------


def _table_from_numbers(numbers: pd.Series) -> str | None:
    """The table whose number prefix (INC, CHG, PRB, RITM) most ids carry."""
    prefixes = numbers.dropna().str.extract(r"^([A-Za-z]+)", expand=False).str.upper()
    counts = prefixes.map(_NUMBER_PREFIXES).value_counts()
    return str(counts.index[0]) if len(counts) else None


def _history_table(path: Path, frame: pd.DataFrame, options: dict[str, Any], display: str) -> str:
    table = options.get("table") or _table_from_name(path)
    if table is None:
        by_norm = {normalise_header(str(c)): c for c in frame.columns}
        if "sys_class_name" in by_norm:
            classes = frame[by_norm["sys_class_name"]].str.strip().dropna().unique()
            if len(classes) == 1 and classes[0] in HISTORY_TABLES:
                table = str(classes[0])
        if table is None and "number" in by_norm:
            table = _table_from_numbers(frame[by_norm["number"]].str.strip())
    if table not in HISTORY_TABLES:
        raise EvidenceError(
            f"{display}: cannot tell which ServiceNow table this history is of; set options.table to one of "
            f"{', '.join(HISTORY_TABLES)}"
        )
    return table


# ---------------------------------------------------------------------------------------------
# (a) update history: one row per version
# ---------------------------------------------------------------------------------------------


@ADAPTERS.register("servicenow_history")
class ServiceNowHistoryAdapter:
    name = "servicenow_history"
    description = (
        "ServiceNow update history (CSV list export, one row per version: sys_updated_on, sys_mod_count); "
        "latest snapshot per ticket plus field-change events"
    )

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        if not {"number", "sys_updated_on", "sys_mod_count"} <= sample.normalised:
            return None
        options = {}
        table = _table_from_name(sample.path)
        if table in HISTORY_TABLES:
            options["table"] = table
        # A plain list export may carry sys_mod_count too; repeated numbers make it a history.
        if _numbers_repeat(sample):
            return Detection(0.9, "number, sys_updated_on and sys_mod_count with repeated numbers", options)
        # Still ours, clearly: one version per ticket loads to the same tickets as the servicenow adapter
        # (which scores such files 0.5 and defers to this one).
        return Detection(0.65, "number, sys_updated_on and sys_mod_count (no repeated number in the sample)", options)

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        text = read_delimited(path, display_path, options.get("delimiter"))
        table = _history_table(path, text.frame, options, display_path)
        spec = HISTORY_TABLES[table]
        fields = ticket_fields(table)
        try:
            mapped = map_fields(text.frame, text.lines, [*fields, *VERSION_FIELDS], display_path, options)
        except MissingColumnError as exc:
            raise EvidenceError(f"{display_path}: ServiceNow {table} history export: {exc}") from None
        if "sys_updated_on" not in mapped.provided:
            raise EvidenceError(
                f"{display_path}: a ServiceNow history export needs a sys_updated_on column (when each version "
                "was saved); map it with options.columns.sys_updated_on"
            )
        rejections = [*text.rejections, *mapped.rejections]
        versions = mapped.frame
        undated = versions["sys_updated_on"].isna().to_numpy()
        if undated.any():
            column = mapped.mapping["sys_updated_on"]
            reason = f"{column} is empty (needed to order the versions of the record)"
            rejections += _rejections(display_path, versions["_source_line"].to_numpy()[undated], column, reason)
            versions = versions[~undated].reset_index(drop=True)

        versions, codes = _order_versions(versions, "sys_mod_count" in mapped.provided)
        first, last = _group_edges(codes)
        compare = [f.target for f in fields if f.target in mapped.provided and f.target != "id"]
        tickets = _history_snapshot(versions, codes, last, table)
        events = _history_events(versions, first, compare, mapped.provided, display_path)

        tables = {"tickets": tickets, "ticket_events": events}
        provided = {
            "tickets": (mapped.provided - set(_VERSION_COLUMNS)) | {"record_type"},
            "ticket_events": set(EVENT_COLUMNS) - ({"actor"} if "sys_updated_by" not in mapped.provided else set()),
        }
        links = _links_from_columns(text.frame, text.lines, SimpleNamespace(frame=tickets), spec["links"], display_path)
        if links is not None:
            tables["links"] = links
            provided["links"] = {"from_id", "to_id", "link_type"}
        details = {
            "layout": "history",
            "table": table,
            "encoding": text.encoding,
            "delimiter": text.delimiter,
            "columns": mapped.mapping,
            "versions": len(versions),
            "tickets": len(tickets),
            "events": len(events),
        }
        return AdapterResult(tables, text.rows_read, _sorted_rejections(rejections), details, provided)


def _numbers_repeat(sample: Sample) -> bool:
    """Whether the sample's first rows repeat a ticket number (a sign of one row per version)."""
    header = next((h for h in sample.header if normalise_header(h) == "number"), None)
    if header is None or not sample.text:
        return False
    first_line = sample.text.split("\n", 1)[0]
    delimiter = max(",;\t|", key=first_line.count)
    try:
        frame = pd.read_csv(io.StringIO(sample.text), sep=delimiter, dtype=str, usecols=[header], on_bad_lines="skip")
    except (ValueError, pd.errors.ParserError):
        return False
    return bool(frame[header].dropna().str.strip().duplicated().any())


def _order_versions(versions: pd.DataFrame, has_mod_count: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """Sort by ticket (in order of first appearance), sys_mod_count, sys_updated_on, line."""
    codes, _ = pd.factorize(versions["id"])
    if has_mod_count:
        mod_key = versions["sys_mod_count"].fillna(-1).to_numpy(dtype="int64")
    else:
        mod_key = np.zeros(len(versions), dtype="int64")
    updated_key = _datetime_key(versions["sys_updated_on"])
    line_key = versions["_source_line"].to_numpy(dtype="int64")
    order = np.lexsort((line_key, updated_key, mod_key, codes))
    return versions.take(order).reset_index(drop=True), codes[order]


def _history_snapshot(versions: pd.DataFrame, codes: np.ndarray, last: np.ndarray, table: str) -> pd.DataFrame:
    """Latest version per ticket; first opened_at; resolved_at / closed_at of the latest version having them."""
    tickets = versions[last].reset_index(drop=True)
    grouped = versions.groupby(codes, sort=True)
    if "opened_at" in versions:
        tickets["opened_at"] = grouped["opened_at"].min().to_numpy()
    for column in ("resolved_at", "closed_at"):
        if column in versions:
            tickets[column] = grouped[column].last().to_numpy()  # last() skips missing values
    tickets = tickets.drop(columns=[c for c in _VERSION_COLUMNS if c in tickets])
    tickets["record_type"] = RECORD_TYPES[table]
    if table == "change_request" and "approval" in tickets and "approved_at" in tickets:
        # As in the servicenow adapter: approval_set is stamped when the approval is decided either way.
        tickets["approved_at"] = tickets["approved_at"].where(tickets["approval"] == "approved")
    return tickets


def _history_events(
    versions: pd.DataFrame, first: np.ndarray, compare: list[str], provided: set[str], display: str
) -> pd.DataFrame:
    """A 'created' event per ticket plus one event per canonical field changed between consecutive versions."""
    rows_parts = [np.flatnonzero(first)]
    order_parts = [np.full(len(rows_parts[0]), -1)]
    field_parts = [pd.Series(CREATED, index=range(len(rows_parts[0])), dtype="string")]
    old_parts = [pd.Series(pd.NA, index=range(len(rows_parts[0])), dtype="string")]
    if "status" in versions:
        new_parts = [_as_text(versions["status"].iloc[rows_parts[0]])]
    else:
        new_parts = [pd.Series(pd.NA, index=range(len(rows_parts[0])), dtype="string")]
    later = ~first
    for position, column in enumerate(compare):
        current = versions[column]
        previous = current.shift(1)
        rows = np.flatnonzero(later & _differs(current, previous))
        if not len(rows):
            continue
        rows_parts.append(rows)
        order_parts.append(np.full(len(rows), position))
        field_parts.append(pd.Series(column, index=range(len(rows)), dtype="string"))
        old_parts.append(_as_text(previous.iloc[rows]))
        new_parts.append(_as_text(current.iloc[rows]))
    rows = np.concatenate(rows_parts)
    order = np.lexsort((np.concatenate(order_parts), rows))
    rows = rows[order]
    labels = _version_labels(versions["sys_mod_count"] if "sys_mod_count" in provided else None, first)
    return _events_frame(
        ticket=versions["id"],
        labels=labels,
        at=versions["sys_updated_on"],
        actor=versions["sys_updated_by"] if "sys_updated_by" in provided else None,
        lines=versions["_source_line"].to_numpy(dtype="int64"),
        rows=rows,
        field=pd.concat(field_parts, ignore_index=True).iloc[order],
        old=pd.concat(old_parts, ignore_index=True).iloc[order],
        new=pd.concat(new_parts, ignore_index=True).iloc[order],
        display=display,
    )


# ---------------------------------------------------------------------------------------------
# (b) sys_audit: one row per field change
# ---------------------------------------------------------------------------------------------


@ADAPTERS.register("servicenow_audit")
class ServiceNowAuditAdapter:
    name = "servicenow_audit"
    description = (
        "ServiceNow sys_audit export (CSV: tablename, documentkey, fieldname, oldvalue, newvalue, sys_created_on); "
        "field-change events plus a reconstructed snapshot per record"
    )

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        names = sample.normalised
        if {"documentkey", "fieldname"} <= names and names & {"oldvalue", "newvalue"}:
            return Detection(0.95, "documentkey, fieldname and oldvalue/newvalue (sys_audit layout)")
        return None

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        text = read_delimited(path, display_path, options.get("delimiter"))
        try:
            mapped = map_fields(text.frame, text.lines, AUDIT_FIELDS, display_path, options)
        except MissingColumnError as exc:
            raise EvidenceError(f"{display_path}: ServiceNow sys_audit export: {exc}") from None
        for needed in ("fieldname", "newvalue", "sys_created_on"):
            if needed not in mapped.provided:
                raise EvidenceError(
                    f"{display_path}: a ServiceNow sys_audit export needs a {needed} column; "
                    f"map it with options.columns.{needed}"
                )
        rows = mapped.frame
        rejections = [*text.rejections, *mapped.rejections]
        default_table = options.get("table") or _table_from_name(path)
        if default_table is not None and default_table not in HISTORY_TABLES:
            default_table = None
        if "tablename" not in mapped.provided and default_table is None:
            raise EvidenceError(
                f"{display_path}: the sys_audit export has no tablename column; set options.table to one of "
                f"{', '.join(HISTORY_TABLES)}"
            )
        table = rows["tablename"] if "tablename" in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
        rows["tablename"] = table.fillna(default_table) if default_table else table

        rows, bad = _screen_audit_rows(rows, mapped.mapping, display_path)
        rejections += bad
        rows, codes = _order_audit_rows(rows, "record_checkpoint" in mapped.provided)
        converted, bad, keep = _convert_audit_values(rows, display_path, options)
        rejections += bad
        if not keep.all():
            new_position = np.cumsum(keep) - 1
            converted = {target: (new_position[pos], old, new) for target, (pos, old, new) in converted.items()}
            rows = rows[keep].reset_index(drop=True)
            codes = codes[keep]
        first, last = _group_edges(codes)
        ticket = _ticket_ids(rows, codes)
        events = _audit_events(rows, ticket, first, converted, mapped.provided, display_path)
        tickets = _audit_snapshot(rows, ticket, codes, first, last, converted, display_path)

        targets = set(converted) - set(_DERIVED)
        derived = {"opened_at"} | ({"resolved_at", "closed_at"} if "status" in converted else set())
        provided = {
            "tickets": {"id", "record_type"} | targets | derived,
            "ticket_events": set(EVENT_COLUMNS) - ({"actor"} if "user" not in mapped.provided else set()),
        }
        details = {
            "layout": "sys_audit",
            "tables": sorted(pd.unique(rows["tablename"]).tolist()),
            "encoding": text.encoding,
            "delimiter": text.delimiter,
            "columns": mapped.mapping,
            "ticket_id": "number" if "number" in mapped.provided else "documentkey",
            "events": len(events),
            "tickets": len(tickets),
        }
        return AdapterResult(
            {"tickets": tickets, "ticket_events": events},
            text.rows_read,
            _sorted_rejections(rejections),
            details,
            provided,
        )


def _screen_audit_rows(
    rows: pd.DataFrame, mapping: dict[str, str], display: str
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Reject rows without a field name or time, or of a table that is not a ticket table."""
    rejections: list[Rejection] = []
    lines = rows["_source_line"].to_numpy()
    no_field = rows["fieldname"].isna().to_numpy()
    no_time = rows["sys_created_on"].isna().to_numpy() & ~no_field
    table = rows["tablename"].str.strip().str.lower()
    rows["tablename"] = table
    other_table = ~table.isin(list(HISTORY_TABLES)).fillna(False).to_numpy(dtype=bool) & ~no_field & ~no_time
    if no_field.any():
        column = mapping["fieldname"]
        rejections += _rejections(display, lines[no_field], column, f"{column} is empty (which field changed?)")
    if no_time.any():
        column = mapping["sys_created_on"]
        reason = f"{column} is empty (needed to order the changes of the record)"
        rejections += _rejections(display, lines[no_time], column, reason)
    if other_table.any():
        column = mapping.get("tablename", "tablename")
        for name in pd.unique(table[other_table].fillna("")):
            hit = other_table & (table.fillna("") == name).to_numpy()
            if name:
                reason = f"table {name!r} is not a ticket table ({', '.join(HISTORY_TABLES)})"
            else:
                reason = f"{column} is empty (set options.table to say which table such rows are of)"
            rejections += _rejections(display, lines[hit], column, reason)
    keep = ~(no_field | no_time | other_table)
    return rows[keep].reset_index(drop=True), rejections


def _order_audit_rows(rows: pd.DataFrame, has_checkpoint: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """Sort by document (first appearance), time, record_checkpoint, line."""
    codes, _ = pd.factorize(rows["documentkey"])
    if has_checkpoint:
        checkpoint = rows["record_checkpoint"].fillna(-1).to_numpy(dtype="int64")
    else:
        checkpoint = np.zeros(len(rows), dtype="int64")
    order = np.lexsort(
        (rows["_source_line"].to_numpy(dtype="int64"), checkpoint, _datetime_key(rows["sys_created_on"]), codes)
    )
    return rows.take(order).reset_index(drop=True), codes[order]


def _field_groups(rows: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """Row positions for each (table, normalised field name), found with one sort."""
    if rows.empty:
        return {}
    name_codes, names = pd.factorize(rows["fieldname"])
    table_codes, tables = pd.factorize(rows["tablename"])
    normalised = token(pd.Series(names, dtype="string")).to_numpy()
    key = table_codes.astype("int64") * max(len(names), 1) + name_codes
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    groups: dict[tuple[str, str], list[np.ndarray]] = {}
    for k, start, end in zip(keys, starts, ends, strict=True):
        table, name = divmod(int(k), max(len(names), 1))
        groups.setdefault((str(tables[table]), str(normalised[name])), []).append(order[start:end])
    return {k: np.sort(np.concatenate(v)) for k, v in groups.items()}


def _convert_audit_values(
    rows: pd.DataFrame, display: str, options: dict[str, Any]
) -> tuple[dict[str, Values], list[Rejection], np.ndarray]:
    """Convert old/new values of every field the servicenow specs know, per table, through map_fields.

    Returns, per canonical column, (row positions, old values, new values) parts; the rejections of
    values that do not convert; and the mask of rows kept.
    """
    overrides = options.get("columns") or {}
    convert_options = {k: v for k, v in options.items() if k != "columns"}
    groups = _field_groups(rows)
    lines = rows["_source_line"].to_numpy(dtype="int64")
    keep = np.ones(len(rows), dtype=bool)
    rejections: list[Rejection] = []
    parts: dict[str, list[Values]] = {}
    for table in pd.unique(rows["tablename"]):
        for spec in ticket_fields(str(table)):
            if spec.target == "id":
                continue  # 'number' changes stay events under their own name
            candidates = (overrides[spec.target],) if spec.target in overrides else spec.sources
            positions = next(
                (groups[(table, normalise_header(c))] for c in candidates if (table, normalise_header(c)) in groups),
                None,
            )
            if positions is None:
                continue
            source = pd.DataFrame(
                {
                    "oldvalue": rows["oldvalue"].to_numpy()[positions] if "oldvalue" in rows else pd.NA,
                    "newvalue": rows["newvalue"].to_numpy()[positions],
                },
                dtype="string",
            )
            value_fields = [replace(spec, target="new", sources=("newvalue",), required=False)]
            value_fields.append(replace(spec, target="old", sources=("oldvalue",), required=False))
            result = map_fields(source, pd.Series(positions), value_fields, display, convert_options)
            for rejection in result.rejections:
                row = int(rejection.line)
                name = rows["fieldname"].iat[row]
                keep[row] = False
                rejections.append(
                    Rejection(display, int(lines[row]), rejection.column, f"{rejection.reason} (field {name})")
                )
            if result.frame.empty:
                continue
            accepted = result.frame["_source_line"].to_numpy(dtype="int64")
            new = result.frame["new"]
            old = result.frame["old"] if "old" in result.frame else pd.Series(pd.NA, index=new.index, dtype=new.dtype)
            parts.setdefault(spec.target, []).append((accepted, old, new))
    return {target: _merge(found) for target, found in parts.items()}, rejections, keep


def _merge(parts: list[Values]) -> Values:
    """Parts of one canonical column (several tables or spellings) as one, in row order."""
    positions = np.concatenate([p for p, _, _ in parts])
    order = np.argsort(positions, kind="stable")
    old = pd.concat([o for _, o, _ in parts], ignore_index=True).iloc[order].reset_index(drop=True)
    new = pd.concat([n for _, _, n in parts], ignore_index=True).iloc[order].reset_index(drop=True)
    return positions[order], old, new


def _ticket_ids(rows: pd.DataFrame, codes: np.ndarray) -> pd.Series:
    """The document's number when the export carries one (first non-empty per document), else the documentkey."""
    documentkey = rows["documentkey"].astype("string")
    if "number" not in rows:
        return documentkey
    number = rows["number"].astype("string").groupby(codes).transform("first")
    return number.fillna(documentkey).astype("string")


def _audit_events(
    rows: pd.DataFrame,
    ticket: pd.Series,
    first: np.ndarray,
    converted: dict[str, Values],
    provided: set[str],
    display: str,
) -> pd.DataFrame:
    """One event per row; fields the specs know get their canonical name and value text."""
    field = rows["fieldname"].astype("string").copy()
    old = (rows["oldvalue"] if "oldvalue" in rows else pd.Series(pd.NA, index=rows.index)).astype("string").copy()
    new = rows["newvalue"].astype("string").copy()
    for target, (positions, old_values, new_values) in converted.items():
        field.iloc[positions] = target
        old.iloc[positions] = _as_text(old_values).to_numpy()
        new.iloc[positions] = _as_text(new_values).to_numpy()
    checkpoint = rows["record_checkpoint"] if "record_checkpoint" in provided else None
    return _events_frame(
        ticket=ticket,
        labels=_version_labels(checkpoint, first),
        at=rows["sys_created_on"],
        actor=rows["user"] if "user" in provided else None,
        lines=rows["_source_line"].to_numpy(dtype="int64"),
        rows=np.arange(len(rows)),
        field=field,
        old=old,
        new=new,
        display=display,
    )


def _audit_snapshot(
    rows: pd.DataFrame,
    ticket: pd.Series,
    codes: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    converted: dict[str, Values],
    display: str,
) -> pd.DataFrame:
    """One ticket per document: latest value of each audited field; times derived from the events."""
    n = int(first.sum())
    at = rows["sys_created_on"]
    tickets = pd.DataFrame(
        {
            "id": ticket[first].to_numpy(),
            "record_type": rows["tablename"][first].map(RECORD_TYPES).to_numpy(),
            "opened_at": at[first].to_numpy(),
        }
    )
    for target, (positions, _, values) in converted.items():
        if target in _DERIVED:
            continue
        documents = codes[positions]
        _, latest = _group_edges(documents)
        latest_values = values[latest].set_axis(documents[latest]).reindex(range(n))
        tickets[target] = latest_values.to_numpy()
        tickets[target] = tickets[target].astype(values.dtype)
    if "status" in converted:
        positions, _, status = converted["status"]
        for column, state in (("resolved_at", "resolved"), ("closed_at", "closed")):
            hit = positions[(status == state).fillna(False).to_numpy(dtype=bool)]
            documents = codes[hit]
            became, _ = _group_edges(documents)
            times = pd.Series(at.to_numpy()[hit][became], index=documents[became])
            tickets[column] = times.reindex(range(n)).to_numpy(dtype="datetime64[us]")
    if "approval" in tickets and "approved_at" in tickets:
        is_change = (tickets["record_type"] == "change").to_numpy()
        tickets["approved_at"] = tickets["approved_at"].where(~is_change | (tickets["approval"] == "approved"))
    tickets["_source_line"] = rows["_source_line"].to_numpy(dtype="int64")[last]
    tickets["_source_file"] = display
    return tickets
