"""Any delimited export, read through a mapping file (YAML, ``rules/schemas/mapping.schema.json``).

The mapping names the canonical table, which header carries each canonical
column, value maps, date formats (day-first or month-first), the time zone of
local timestamps and the markers that mean "no value". ``sms-audit evidence map
FILE`` writes a starting mapping from a file's header.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult
from evidence_adapters.csv_source import read_delimited
from evidence_adapters.mapping import DEFAULT_DATE_FORMATS, Field, MissingColumnError, map_fields, normalise_header
from rules import SCHEMAS_DIR
from sms_audit.errors import EvidenceError, UnsafeYamlError
from sms_audit.model import RECORD_TYPES, table_spec, table_specs
from sms_audit.safe_yaml import load_yaml_file, plain

TOKEN_COLUMNS = {
    "status",
    "record_type",
    "change_type",
    "risk",
    "approval",
    "outcome",
    "close_code",
    "doc_type",
    "criticality",
    "operational_status",
    "link_type",
    "relation_type",
}
_CONVERT = {"datetime": "datetime", "integer": "leading_int", "boolean": "bool", "number": "integer"}
DAY_FIRST_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y",
)
MONTH_FIRST_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m/%d/%Y %I:%M %p", "%m-%d-%Y %H:%M:%S")

# Header words that usually carry a canonical column, for starting mappings.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": (
        "id",
        "key",
        "number",
        "ticket_id",
        "ticket",
        "ref",
        "reference",
        "incident_id",
        "change_id",
        "doc_id",
        "document_id",
        "ci_id",
        "case_id",
        "issue_key",
    ),
    "status": ("status", "state", "ticket_status"),
    "priority": ("priority", "prio"),
    "impact": ("impact",),
    "urgency": ("urgency",),
    "category": ("category", "type_of_request", "classification"),
    "service": ("service", "business_service", "affected_service"),
    "ci_id": ("ci", "configuration_item", "cmdb_ci", "affected_ci", "asset"),
    "assignment_group": ("assignment_group", "group", "team", "queue", "resolver_group"),
    "assigned_to": ("assigned_to", "assignee", "owner", "technician"),
    "short_description": ("short_description", "summary", "title", "subject", "description"),
    "opened_at": (
        "opened_at",
        "created",
        "created_at",
        "opened",
        "open_time",
        "date_opened",
        "submit_date",
        "reported",
        "creation_date",
    ),
    "responded_at": ("responded_at", "first_response", "acknowledged", "response_time"),
    "resolved_at": ("resolved_at", "resolved", "resolution_date", "solved", "date_resolved", "resolve_time"),
    "closed_at": ("closed_at", "closed", "close_time", "date_closed", "closure_date"),
    "reopen_count": ("reopen_count", "reopened", "times_reopened"),
    "reassignment_count": ("reassignment_count", "reassignments", "handovers"),
    "name": ("name", "ci_name", "hostname"),
    "ci_class": ("class", "ci_class", "ci_type", "type"),
    "owner": ("owner", "managed_by", "owned_by", "process_owner", "document_owner"),
    "title": ("title", "name", "document_title"),
    "doc_type": ("doc_type", "document_type", "type"),
    "version": ("version", "revision", "rev"),
    "approved_at": ("approved_at", "approval_date", "effective_date", "release_date", "issue_date"),
    "last_reviewed": ("last_reviewed", "last_review", "review_date_last"),
    "next_review": ("next_review", "review_due", "next_review_date"),
    "parent_id": ("parent", "source", "from", "parent_ci"),
    "child_id": ("child", "target", "to", "child_ci"),
    "relation_type": ("relation_type", "relationship", "type"),
}


def load_mapping(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml_file(path)
    except UnsafeYamlError as exc:
        raise EvidenceError(str(exc)) from None
    schema = json.loads((SCHEMAS_DIR / "mapping.schema.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        lines = [
            f"{path}:{getattr(data, 'line', 1)}: {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in errors
        ]
        raise EvidenceError("invalid mapping file:\n  " + "\n  ".join(lines))
    data = plain(data)
    spec = table_spec(data["table"])
    unknown = sorted(set(data["columns"]) - (set(spec.columns) - spec.derived))
    if unknown:
        raise EvidenceError(
            f"{path}: columns: {', '.join(unknown)} are not columns of table {data['table']} "
            f"(known: {', '.join(c for c in spec.columns if not c.startswith('_') and c not in spec.derived)})"
        )
    return data


def _fields(mapping: dict[str, Any]) -> list[Field]:
    spec = table_spec(mapping["table"])
    values = mapping.get("values") or {}
    fields = []
    for column, header in mapping["columns"].items():
        dtype = spec.columns[column]
        convert = _CONVERT.get(dtype, "token" if column in TOKEN_COLUMNS else "text")
        value_map = {str(k): str(v) for k, v in (values.get(column) or {}).items()}
        fields.append(Field(column, (header,), convert, value_map, required=(column == spec.key)))
    return fields


def _date_formats(mapping: dict[str, Any]) -> list[str]:
    if mapping.get("date_formats"):
        return list(mapping["date_formats"])
    numeric = DAY_FIRST_FORMATS if mapping.get("day_first", True) else MONTH_FIRST_FORMATS
    return [*DEFAULT_DATE_FORMATS, *numeric]


@ADAPTERS.register("mapped")
class MappedAdapter:
    name = "mapped"
    description = "Any delimited export read through a mapping file (options.mapping)"

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        if not options.get("mapping"):
            raise EvidenceError(
                f"{display_path}: the 'mapped' adapter needs options.mapping (a mapping YAML file); "
                f"write a starting one with: sms-audit evidence map {display_path}"
            )
        mapping = load_mapping(Path(options["mapping"]))
        text = read_delimited(path, display_path, mapping.get("delimiter") or options.get("delimiter"))
        frame = text.frame
        missing = {m.strip().lower() for m in mapping.get("missing") or []}
        if missing:
            frame = frame.apply(lambda col: col.mask(col.str.strip().str.lower().isin(missing), ""))
        if mapping.get("decimal") == ",":
            frame = frame.apply(lambda col: col.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True))
        opts = {"date_formats": _date_formats(mapping)}
        try:
            mapped = map_fields(frame, text.lines, _fields(mapping), display_path, opts)
        except MissingColumnError as exc:
            raise EvidenceError(f"{display_path}: mapping {options['mapping']}: {exc}") from None
        out = mapped.frame
        provided = set(mapped.provided)
        if mapping["table"] == "tickets" and mapping.get("record_type"):
            out["record_type"] = mapping["record_type"]
            provided.add("record_type")
        if mapping.get("timezone"):
            for column, dtype in table_spec(mapping["table"]).columns.items():
                if dtype == "datetime" and column in out:
                    out[column] = _to_utc(out[column], mapping["timezone"], display_path)
        if "record_type" in out:
            bad = out["record_type"].notna() & ~out["record_type"].isin(RECORD_TYPES)
            if bad.any():
                raise EvidenceError(
                    f"{display_path}: record types {sorted(set(out.loc[bad, 'record_type']))} are not "
                    f"one of {', '.join(RECORD_TYPES)}; map them under values.record_type"
                )
        details = {
            "columns": mapped.mapping,
            "encoding": text.encoding,
            "delimiter": text.delimiter,
            "mapping": str(options["mapping"]),
        }
        return AdapterResult(
            {mapping["table"]: out},
            text.rows_read,
            text.rejections + mapped.rejections,
            details,
            {mapping["table"]: provided},
        )


def _to_utc(values: pd.Series, zone: str, display: str) -> pd.Series:
    try:
        # Times repeated when clocks go back are read as standard time; skipped times move forward.
        local = values.dt.tz_localize(zone, ambiguous=np.zeros(len(values), dtype=bool), nonexistent="shift_forward")
    except Exception as exc:  # noqa: BLE001 - an unknown zone name is the user's to fix
        raise EvidenceError(f"{display}: timezone {zone!r} is not a known IANA zone ({exc})") from None
    return local.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")


def starting_mapping(header: list[str], table: str | None = None) -> tuple[str, dict[str, str], list[str]]:
    """Guess the table and canonical columns from a header; returns (table, columns, unmapped headers)."""
    normalised = {normalise_header(h): h for h in header if h.strip()}
    candidates = [table] if table else [
        t for t, spec in table_specs().items() if t not in ("ticket_events", "links") and not spec.derived_table
    ]
    best: tuple[int, str, dict[str, str]] = (-1, "", {})
    for name in candidates:
        columns: dict[str, str] = {}
        used: set[str] = set()
        for column in table_spec(name).columns:
            for word in (column, *SYNONYMS.get(column, ())):
                if word in normalised and normalised[word] not in used:
                    columns[column] = normalised[word]
                    used.add(normalised[word])
                    break
        score = len(columns) + (2 if "id" in columns else 0)
        if score > best[0]:
            best = (score, name, columns)
    _, chosen, columns = best
    unmapped = [h for h in header if h not in columns.values()]
    return chosen, columns, unmapped


def mapping_yaml(file_name: str, header: list[str], table: str | None = None) -> str:
    chosen, columns, unmapped = starting_mapping(header, table)
    lines = [
        f"# Starting mapping for {file_name}, written from its header by sms-audit evidence map.",
        "# Check every line; the schema is rules/schemas/mapping.schema.json.",
        f"table: {chosen}",
    ]
    if chosen == "tickets":
        lines.append("record_type: incident   # incident | service_request | problem | change | release")
    lines += [
        "day_first: true          # numeric dates such as 31/12/2025; false for 12/31/2025",
        'missing: ["?", "N/A", "-"]',
        "columns:",
    ]
    lines += [f"  {column}: {json.dumps(header)}" for column, header in columns.items()]
    spec = table_spec(chosen)
    open_columns = [c for c in spec.columns if c not in columns and not c.startswith("_")]
    if open_columns:
        lines.append(f"# not mapped yet: {', '.join(open_columns)}")
    if unmapped:
        lines.append(f"# headers not used: {', '.join(unmapped)}")
    return "\n".join(lines) + "\n"
