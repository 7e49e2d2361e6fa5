"""Jira Service Management CSV exports ("CSV (all fields)" and "CSV (current fields)").

What is mapped to ``tickets``:

* ``Issue key`` -> ``id`` (required); ``Summary`` -> ``short_description``; ``Assignee`` -> ``assigned_to``.
* ``Issue Type`` -> ``record_type``: Incident -> incident; Service request, Service request with
  approvals, Request -> service_request; Problem -> problem; Change (also Normal/Standard/Emergency
  change) -> change; Release -> release. Other issue types (Task, Story, ...) keep their own token
  (``task``), which no rule selects. ``options.record_type`` sets it for exports without Issue Type.
* ``Status`` -> ``status`` (Open -> new, Work in progress -> in_progress, Waiting for customer /
  Pending -> on_hold, Awaiting CAB approval -> authorize, Awaiting implementation -> scheduled,
  Implementing -> implement, Resolved -> resolved, Done / Completed / Closed -> closed, Canceled /
  Declined -> cancelled, ...). A status outside this list (or a missing ``Status`` column) falls back
  to the ``Status Category`` (To Do -> new, In Progress -> in_progress, Done -> closed) when exported.
* ``Priority`` -> ``priority``: Highest 1, High 2, Medium 3, Low 4, Lowest 5; the older Jira scheme
  Blocker 1, Critical 2, Major 3, Minor 4, Trivial 5; ``P1``..``P5`` and ``1 - Critical`` by their
  number. ``options.priority_map`` ({name: number}) adds or overrides names.
* ``Custom field (Impact)`` (Extensive / Widespread 1 ... Minor / Localized 4) and ``Custom field
  (Urgency)`` (Critical 1 ... Low 4) -> ``impact`` / ``urgency``.
* ``Created`` -> ``opened_at``, ``Resolved`` -> ``resolved_at``, ``Custom field ([CHART] Date of First
  Response)`` -> ``responded_at``, ``Resolution`` -> ``close_code``.
* When exported: Category (else the first ``Component/s``) -> ``category``; Affected services ->
  ``service``; Configuration item / Affected hardware / Assets -> ``ci_id``; Assignment group / Team
  -> ``assignment_group``; Change type, Change risk, Change start date, Change completion date,
  Backout plan, Test plan, Root cause, Workaround -> the change and problem columns.

Issue links become ``links`` rows (``id`` = from>type>to): every ``Outward issue link (T)`` cell
gives row -> cell, every ``Inward issue link (T)`` cell gives cell -> row, with the link type ``T``
as a token (``Relates`` -> ``relates``), so a link exported on both issues is one row. JSM's
``Problem/Incident`` type (the problem "causes" the incident) becomes incident ->
``related_problem`` -> problem, as ServiceNow's ``problem_id`` does. ``Linked Issues`` cells (keys
separated by commas or spaces) give row -> ``linked`` -> key.

Quirks handled: UTF-8 BOM, CRLF, multi-line quoted cells, repeated headers for multi-valued fields
(``Component/s``, ``Component/s.1`` ...), ``dd/MMM/yy h:mm a`` dates (``05/Jan/26 9:03 AM``; override
with ``options.date_formats``), localised headers (``options.columns`` maps canonical column ->
header; ``options.header_aliases`` maps {foreign header: English header}; "Campo personalizado (X)"
is read as "Custom field (X)", "Clave de incidencia" as "Issue key" and "Creada" as "Created").

Left out, because the canonical model has no column for them: the SLA fields ``Time to
resolution`` and ``Time to first response`` (hh:mm remaining, a leading ``-`` means breached) are
summarised in ``details["sla"]`` (breached issue keys per SLA) instead; the ``Approvals`` field,
which Jira exports as a Java object name, gives no approval evidence.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Sample
from evidence_adapters.csv_source import read_delimited, unique_names
from evidence_adapters.mapping import Field, MissingColumnError, map_fields, normalise_header, token
from sms_audit.errors import EvidenceError

DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%Y %H:%M",
    "%d/%b/%y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
)

ISSUE_TYPES = {
    "incident": "incident",
    "service_request": "service_request",
    "service_request_with_approvals": "service_request",
    "request": "service_request",
    "problem": "problem",
    "change": "change",
    "normal_change": "change",
    "standard_change": "change",
    "emergency_change": "change",
    "release": "release",
}

STATUSES = {
    "open": "new",
    "new": "new",
    "to_do": "new",
    "backlog": "new",
    "waiting_for_triage": "new",
    "waiting_for_support": "in_progress",
    "in_progress": "in_progress",
    "work_in_progress": "in_progress",
    "escalated": "in_progress",
    "reopened": "in_progress",
    "investigating": "in_progress",
    "waiting_for_customer": "on_hold",
    "pending": "on_hold",
    "on_hold": "on_hold",
    "under_investigation": "root_cause_analysis",
    "planning": "assess",
    "under_review": "review",
    "peer_review": "review",
    "review": "review",
    "waiting_for_approval": "authorize",
    "awaiting_approval": "authorize",
    "awaiting_cab_approval": "authorize",
    "awaiting_implementation": "scheduled",
    "implementing": "implement",
    "resolved": "resolved",
    "done": "closed",
    "completed": "closed",
    "closed": "closed",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "declined": "cancelled",
    "rejected": "cancelled",
}
STATUS_CATEGORIES = {"to_do": "new", "new": "new", "in_progress": "in_progress", "done": "closed"}

PRIORITIES = {
    "highest": "1",
    "high": "2",
    "medium": "3",
    "low": "4",
    "lowest": "5",
    "blocker": "1",
    "critical": "2",
    "major": "3",
    "minor": "4",
    "trivial": "5",
}
IMPACTS = {
    "extensive / widespread": "1",
    "extensive/widespread": "1",
    "significant / large": "2",
    "significant/large": "2",
    "moderate / limited": "3",
    "moderate/limited": "3",
    "minor / localized": "4",
    "minor/localized": "4",
    "high": "1",
    "medium": "2",
    "low": "3",
}
URGENCIES = {"critical": "1", "high": "2", "medium": "3", "low": "4"}
RISKS = {"critical": "very_high", "very_high": "very_high", "high": "high", "medium": "moderate", "low": "low"}

# Headers of localised exports that the reference documents (Spanish); more through options.header_aliases.
BUILTIN_ALIASES = {"Clave de incidencia": "Issue key", "Creada": "Created"}
_LOCALISED_CUSTOM_FIELD = re.compile(r"^\s*Campo personalizado\s*\(", re.IGNORECASE)

_LINK_HEADER = re.compile(r"^\s*(inward|outward) issue link\s*\((.+)\)\s*$", re.IGNORECASE)
_LINKED_ISSUES = "linked_issues"
_KEY_SPLIT = re.compile(r"[\s,;]+")
SLA_FIELDS = {"time_to_resolution": "Time to resolution", "time_to_first_response": "Time to first response"}


def _cf(name: str) -> tuple[str, str]:
    """A JSM field exported as ``Custom field (name)`` on "all fields", as ``name`` on current fields."""
    return (f"Custom field ({name})", name)


def _fields(priority_map: dict[str, str]) -> list[Field]:
    return [
        Field("id", ("Issue key",), required=True),
        Field("_issue_type", ("Issue Type",), "token", ISSUE_TYPES),
        Field("status", ("Status",), "token", STATUSES),
        Field("_status_category", ("Status Category",), "token", STATUS_CATEGORIES),
        Field("priority", ("Priority",), "leading_int", {**PRIORITIES, **priority_map}),
        Field("impact", _cf("Impact"), "leading_int", IMPACTS),
        Field("urgency", _cf("Urgency"), "leading_int", URGENCIES),
        Field("category", (*_cf("Category"), "Component/s", "Components")),
        Field("service", (*_cf("Affected services"), *_cf("Affected service"))),
        Field("ci_id", (*_cf("Configuration item"), *_cf("Affected hardware"), *_cf("Assets"))),
        Field("assignment_group", (*_cf("Assignment group"), *_cf("Team"))),
        Field("assigned_to", ("Assignee",)),
        Field("short_description", ("Summary",)),
        Field("opened_at", ("Created",), "datetime"),
        Field("responded_at", (*_cf("[CHART] Date of First Response"), "Date of First Response"), "datetime"),
        Field("resolved_at", ("Resolved",), "datetime"),
        Field("close_code", ("Resolution",), "token"),
        Field("change_type", _cf("Change type"), "token"),
        Field("risk", _cf("Change risk"), "token", RISKS),
        Field("planned_start", _cf("Change start date"), "datetime"),
        Field("planned_end", _cf("Change completion date"), "datetime"),
        Field("backout_plan", (*_cf("Backout plan"), *_cf("Rollback plan")), "present"),
        Field("test_plan", _cf("Test plan"), "present"),
        Field("root_cause", _cf("Root cause")),
        Field("workaround", _cf("Workaround")),
    ]


def english_header(header: list[str], aliases: dict[str, str] | None) -> list[str]:
    """Translate localised headers to the English ones the field list knows (matched loosely)."""
    table = {normalise_header(k): v for k, v in {**BUILTIN_ALIASES, **(aliases or {})}.items()}
    out = []
    for name in header:
        name = _LOCALISED_CUSTOM_FIELD.sub("Custom field (", name)
        out.append(table.get(normalise_header(name), name))
    return out


def _resolve_header(columns: list[str], target: str, sources: tuple[str, ...], options: dict) -> str | None:
    """The header map_fields will read for ``target`` (options.columns first, else the first source present)."""
    by_norm: dict[str, str] = {}
    for name in columns:
        by_norm.setdefault(normalise_header(name), name)
    overrides = options.get("columns") or {}
    candidates = (overrides[target],) if target in overrides else sources
    return next((by_norm[normalise_header(c)] for c in candidates if normalise_header(c) in by_norm), None)


@ADAPTERS.register("jira")
class JiraAdapter:
    name = "jira"
    description = "Jira Service Management CSV export (all or current fields; dd/MMM/yy h:mm a dates)"

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        header = english_header([h.lstrip("\ufeff") for h in sample.header], None)
        norm = {normalise_header(h) for h in header}
        if "issue_key" not in norm:
            return None
        matched = ["Issue key"]
        score = 0.5
        for column, label, weight in (
            ("issue_type", "Issue Type", 0.2),
            ("summary", "Summary", 0.1),
            ("project_key", "Project key", 0.05),
            ("issue_id", "Issue id", 0.05),
        ):
            if column in norm:
                matched.append(label)
                score += weight
        extras = [h for h in header if _LINK_HEADER.match(h) or h.lower().startswith("custom field (")]
        if extras:
            matched.append(extras[0])
            score += 0.1
        return Detection(round(min(score, 1.0), 2), "Jira columns: " + ", ".join(matched))

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        text = read_delimited(path, display_path, options.get("delimiter"))
        aliases = options.get("header_aliases")
        header = english_header(text.header, aliases)
        frame = text.frame.copy()
        frame.columns = unique_names(header)
        columns = {k: english_header([str(v)], aliases)[0] for k, v in (options.get("columns") or {}).items()}
        options = {**options, "columns": columns, "date_formats": options.get("date_formats") or DATE_FORMATS}
        priority_map = {str(k).strip().lower(): str(v) for k, v in (options.get("priority_map") or {}).items()}
        fields = _fields(priority_map)
        priority_header = _resolve_header(list(frame.columns), "priority", ("Priority",), options)
        if priority_header is not None:
            # 'P1' and 'P1 - Critical' carry their number after the P.
            frame[priority_header] = frame[priority_header].str.replace(r"^\s*[Pp](?=\d)", "", regex=True)
        try:
            mapped = map_fields(frame, text.lines, fields, display_path, options)
        except MissingColumnError as exc:
            raise EvidenceError(f"{display_path}: Jira export: {exc}") from None
        tickets = mapped.frame
        provided = set(mapped.provided)
        if "_issue_type" in tickets:
            tickets["record_type"] = tickets.pop("_issue_type")
            provided = (provided - {"_issue_type"}) | {"record_type"}
        elif options.get("record_type"):
            tickets["record_type"] = str(options["record_type"])
            provided.add("record_type")
        if "_status_category" in tickets:
            category = tickets.pop("_status_category")
            provided.discard("_status_category")
            if "status" in tickets:
                known = set(STATUSES.values())
                fallback = ~tickets["status"].isin(known).fillna(False).astype(bool) & category.notna()
                tickets.loc[fallback, "status"] = category[fallback]
            else:
                tickets["status"] = category
                provided.add("status")
        accepted = text.lines.isin(set(tickets["_source_line"].tolist())).to_numpy()
        links = _links(frame[accepted], text.lines[accepted].to_numpy(), header, mapped.mapping["id"], display_path)
        details: dict[str, Any] = {
            "columns": mapped.mapping,
            "encoding": text.encoding,
            "delimiter": text.delimiter,
            "sla": _sla(frame[accepted], tickets["id"].to_numpy()),
        }
        tables = {"tickets": tickets}
        provided_columns = {"tickets": provided}
        if any(_LINK_HEADER.match(h) or normalise_header(h) == _LINKED_ISSUES for h in header):
            # Only an export that can carry links provides the links table (else rules on it lack evidence).
            tables["links"] = links
            provided_columns["links"] = {"id", "from_id", "to_id", "link_type"}
        return AdapterResult(
            tables,
            text.rows_read,
            text.rejections + mapped.rejections,
            details,
            provided_columns,
        )


def _links(source: pd.DataFrame, lines, header: list[str], key_column: str, display: str) -> pd.DataFrame:
    keys = source[key_column].str.strip().to_numpy()
    rows: list[tuple[str, str, str, int]] = []
    for position, name in enumerate(header):
        column = source.columns[position]
        match = _LINK_HEADER.match(name)
        if match is None and normalise_header(name) != _LINKED_ISSUES:
            continue
        for key, cell, line in zip(keys, source[column].to_numpy(), lines, strict=True):
            if not isinstance(cell, str) or not cell.strip():
                continue
            for other in (k for k in _KEY_SPLIT.split(cell.strip()) if k):
                rows.append(_link(key, other, match, int(line)))
    links = pd.DataFrame(rows, columns=["from_id", "to_id", "link_type", "_source_line"])
    links["_source_file"] = display
    links["id"] = links["from_id"] + ">" + links["link_type"] + ">" + links["to_id"]
    # A link exported on both issues (outward on one, inward on the other) is one link.
    links = links.drop_duplicates("id", keep="first").reset_index(drop=True)
    return links[["id", "from_id", "to_id", "link_type", "_source_file", "_source_line"]]


def _link(key: str, other: str, match: re.Match | None, line: int) -> tuple[str, str, str, int]:
    if match is None:
        return key, other, "linked", line
    direction = match.group(1).lower()
    link_type = token(pd.Series([match.group(2)], dtype="string")).iloc[0]
    if link_type == "problem_incident":
        # The problem "causes" (outward) the incident; stored as incident -> related_problem -> problem.
        incident, problem = (other, key) if direction == "outward" else (key, other)
        return incident, problem, "related_problem", line
    if direction == "outward":
        return key, other, link_type, line
    return other, key, link_type, line


def _sla(source: pd.DataFrame, keys) -> dict[str, dict[str, Any]]:
    """SLA cells hold the time remaining (hh:mm); a leading '-' means the SLA was breached."""
    by_norm: dict[str, str] = {}
    for name in source.columns:
        by_norm.setdefault(normalise_header(name), name)
    out: dict[str, dict[str, Any]] = {}
    for name, label in SLA_FIELDS.items():
        header = by_norm.get(normalise_header(f"Custom field ({label})")) or by_norm.get(name)
        if header is None:
            continue
        cells = source[header].str.strip()
        breached = cells.str.startswith("-").fillna(False).astype(bool).to_numpy()
        recorded = (cells.notna() & (cells != "")).to_numpy()
        out[name] = {
            "header": header,
            "breached": sorted(str(k) for k in keys[breached]),
            "not_breached": int((recorded & ~breached).sum()),
            "no_sla": int((~recorded).sum()),
        }
    return out
