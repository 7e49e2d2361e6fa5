"""Nonconformity and improvement registers (CAPA logs), CSV or XLSX, as ``tickets``.

Organisations keep nonconformities, audit observations, opportunities for improvement and service
complaints in one spreadsheet: an id, a type, where the entry came from (internal or external audit,
management review, complaint, incident review), the clause concerned, the root cause, the correction
and corrective action, a due date, the owner, status and closure, and who verified the effect and
whether the action worked. Each row becomes one canonical ticket:

* **record_type** from the *Type* column: ``nonconformity`` (Nonconformity, NC, NCR, Major/Minor NC,
  "Nonconformity (major)", Corrective action, CAPA), ``observation`` (Observation, Area of concern),
  ``improvement`` (Opportunity for improvement, OFI, Improvement, Suggestion, Preventive action) and
  ``complaint`` (Complaint, Customer complaint). A type that names a grade ("Major NC") also sets
  ``severity`` (``major`` / ``minor``) unless a Severity / Grade / Classification column gives one.
  Without a Type column every row is ``options.record_type`` (default ``nonconformity``); an empty or
  unknown type rejects its row with the reason.
* **source** (tokenised, common words mapped): ``internal_audit``, ``external_audit`` (certification,
  surveillance, customer audits), ``management_review``, ``complaint``, ``incident_review`` (post-incident
  reviews, PIR), ``problem_review``, ``service_review``, ``self_assessment``, ``staff_suggestion``,
  ``monitoring``; other words are kept tokenised.
* **clause_ref** is the leading clause number of the *Clause* cell ("8.5.1.3 Change management" ->
  ``8.5.1.3``; "Cl. 10.1" -> ``10.1``); a cell without a number is kept as written.
* **status**: ``open``, ``in_progress``, ``on_hold``, ``implemented`` (done, awaiting verification),
  ``closed``, ``cancelled``, ``rejected``; other words are kept tokenised and counted in
  ``details["unrecognised_statuses"]``.
* **effective** (boolean) from Effective / Effectiveness: Yes, Effective, Confirmed are true; No, Not
  effective, Ineffective, Partially are false; N/A, Pending, TBD and blank are unknown. Any other word
  rejects the row.
* **approval** (improvements' decision): ``approved``, ``rejected``, ``deferred`` or ``pending``.
* **priority**: a number, or Critical/High/Medium/Low as 1/2/3/4 (the ticket tools' scale).
* **links**: a *Related* / *Linked to* / *Repeat of* column lists other entries (or tickets) separated
  by commas, semicolons or spaces; each becomes a ``related`` link from the row.

Other columns: Description -> ``short_description``; Raised on -> ``opened_at``; Raised by -> ``raised_by``;
Owner -> ``assigned_to``; Root cause; Correction (containment); Corrective action; Due / Target date ->
``due_at``; Closed on -> ``closed_at``; Verified by / on; Benefit / Evaluation -> ``evaluation``;
Acknowledged on (complaints) -> ``acknowledged_at``; Decision date -> ``approved_at``; Service; Team ->
``assignment_group``; Category. ``options.columns`` (canonical column -> your header) overrides synonyms.

Shape, dates and provenance work as in the document register: the header row is found among the first
20 non-blank rows (title rows above it are skipped), ``options.sheet`` names the XLSX sheet (otherwise the
first sheet with a register header), ISO and day-first dates, Excel date cells and serial numbers.
``_source_line`` is the CSV line where the record starts or the sheet row; rejections name ``"Sheet!row"``
in XLSX. A repeated id rejects the later row.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Rejection, Sample
from evidence_adapters.document_register import (
    DATE_FORMATS,
    _csv_records,
    _date_text,
    _Grid,
    _header_names,
    _is_xlsx,
    _open_workbook,
    _read_csv,
    _sheet_rows,
    _sniff,
    _text,
    best_header_row,
    read_register_xlsx,
)
from evidence_adapters.mapping import Field, MissingColumnError, map_fields, normalise_header
from sms_audit.errors import EvidenceError

RECORD_TYPES = ("nonconformity", "observation", "improvement", "complaint")

# Type word (tokenised) -> (record_type, severity implied by the word or None).
TYPES: dict[str, tuple[str, str | None]] = {
    **{
        w: ("nonconformity", None)
        for w in (
            "nonconformity",
            "non_conformity",
            "nonconformance",
            "non_conformance",
            "nc",
            "ncr",
            "corrective_action",
            "capa",
            "audit_finding",
            "finding",
        )
    },
    **{
        w: ("nonconformity", "major")
        for w in (
            "major",
            "major_nc",
            "major_ncr",
            "major_nonconformity",
            "major_non_conformity",
            "nonconformity_major",
            "non_conformity_major",
            "nc_major",
        )
    },
    **{
        w: ("nonconformity", "minor")
        for w in (
            "minor",
            "minor_nc",
            "minor_ncr",
            "minor_nonconformity",
            "minor_non_conformity",
            "nonconformity_minor",
            "non_conformity_minor",
            "nc_minor",
        )
    },
    **{w: ("observation", None) for w in ("observation", "obs", "area_of_concern", "concern", "audit_observation")},
    **{
        w: ("improvement", None)
        for w in (
            "improvement",
            "ofi",
            "opportunity_for_improvement",
            "improvement_opportunity",
            "opportunity",
            "continual_improvement",
            "improvement_suggestion",
            "suggestion",
            "preventive_action",
        )
    },
    **{w: ("complaint", None) for w in ("complaint", "customer_complaint", "service_complaint")},
}

SEVERITIES = {
    "major": "major",
    "major_nc": "major",
    "major_nonconformity": "major",
    "significant": "major",
    "minor": "minor",
    "minor_nc": "minor",
    "minor_nonconformity": "minor",
}

SOURCES = {
    "internal_audit": "internal_audit",
    "audit_internal": "internal_audit",
    "ia": "internal_audit",
    "first_party_audit": "internal_audit",
    "external_audit": "external_audit",
    "audit_external": "external_audit",
    "certification_audit": "external_audit",
    "surveillance_audit": "external_audit",
    "recertification_audit": "external_audit",
    "stage_2_audit": "external_audit",
    "customer_audit": "external_audit",
    "second_party_audit": "external_audit",
    "third_party_audit": "external_audit",
    "management_review": "management_review",
    "management_review_meeting": "management_review",
    "mr": "management_review",
    "complaint": "complaint",
    "customer_complaint": "complaint",
    "incident_review": "incident_review",
    "major_incident_review": "incident_review",
    "post_incident_review": "incident_review",
    "pir": "incident_review",
    "problem_review": "problem_review",
    "problem_management": "problem_review",
    "service_review": "service_review",
    "sla_review": "service_review",
    "customer_review": "service_review",
    "self_assessment": "self_assessment",
    "staff_suggestion": "staff_suggestion",
    "employee_suggestion": "staff_suggestion",
    "suggestion": "staff_suggestion",
    "monitoring": "monitoring",
    "kpi_review": "monitoring",
    "measurement": "monitoring",
}

CANONICAL_STATUSES = ("open", "in_progress", "on_hold", "implemented", "closed", "cancelled", "rejected")
STATUSES = {
    "new": "open",
    "raised": "open",
    "logged": "open",
    "registered": "open",
    "submitted": "open",
    "proposed": "open",
    "approved": "open",
    "ongoing": "in_progress",
    "in_work": "in_progress",
    "wip": "in_progress",
    "work_in_progress": "in_progress",
    "assigned": "in_progress",
    "planned": "in_progress",
    "action_planned": "in_progress",
    "under_investigation": "in_progress",
    "investigating": "in_progress",
    "deferred": "on_hold",
    "parked": "on_hold",
    "hold": "on_hold",
    "completed": "implemented",
    "complete": "implemented",
    "done": "implemented",
    "resolved": "implemented",
    "actions_completed": "implemented",
    "awaiting_verification": "implemented",
    "pending_verification": "implemented",
    "verification_pending": "implemented",
    "verified": "closed",
    "closed_effective": "closed",
    "closed_not_effective": "closed",
    "withdrawn": "cancelled",
    "duplicate": "cancelled",
    "void": "cancelled",
    "canceled": "cancelled",
    "declined": "rejected",
    "not_approved": "rejected",
}

EFFECTIVE = {
    **dict.fromkeys(("yes", "y", "true", "1", "effective", "confirmed", "effective_yes"), True),
    **dict.fromkeys(
        ("no", "n", "false", "0", "not_effective", "ineffective", "partially", "partly", "partially_effective"), False
    ),
    **dict.fromkeys(("n_a", "na", "pending", "tbd", "not_yet", "not_verified", "to_be_verified", "open"), None),
}

APPROVALS = {
    "approved": "approved",
    "accepted": "approved",
    "yes": "approved",
    "go": "approved",
    "agreed": "approved",
    "rejected": "rejected",
    "declined": "rejected",
    "not_approved": "rejected",
    "no": "rejected",
    "deferred": "deferred",
    "on_hold": "deferred",
    "parked": "deferred",
    "backlog": "deferred",
    "pending": "pending",
    "under_evaluation": "pending",
    "proposed": "pending",
    "to_be_decided": "pending",
    "tbd": "pending",
}

PRIORITIES = {"critical": "1", "urgent": "1", "high": "2", "medium": "3", "moderate": "3", "normal": "3", "low": "4"}

FIELDS = (
    Field(
        "id",
        (
            "id",
            "ref",
            "ref no",
            "reference",
            "nc id",
            "nc no",
            "nc number",
            "nc ref",
            "ncr no",
            "ncr number",
            "capa id",
            "capa no",
            "capa number",
            "action id",
            "finding id",
            "finding no",
            "finding ref",
            "issue id",
            "entry id",
            "item id",
            "log id",
            "register id",
            "nc/ofi id",
        ),
        required=True,
    ),
    Field(
        "record_type",
        ("type", "entry type", "finding type", "record type", "nc type", "issue type", "type of finding"),
        "token",
    ),
    Field("severity", ("severity", "grade", "nc grade", "classification", "finding grade"), "token", SEVERITIES),
    Field("source", ("source", "origin", "finding source", "source of finding", "raised from", "source type"), "token"),
    Field(
        "clause_ref",
        ("clause", "clause ref", "clause reference", "iso clause", "standard clause", "requirement", "clause no"),
    ),
    Field(
        "short_description",
        (
            "description",
            "finding",
            "details",
            "summary",
            "subject",
            "title",
            "issue",
            "description of nonconformity",
            "finding description",
        ),
    ),
    Field("category", ("category", "process", "area", "process area")),
    Field("service", ("service", "affected service", "service affected")),
    Field("assignment_group", ("team", "department", "function", "responsible team")),
    Field(
        "opened_at",
        (
            "raised on",
            "date raised",
            "raised",
            "date opened",
            "opened",
            "opened on",
            "date identified",
            "identified on",
            "date reported",
            "reported on",
            "date logged",
            "logged on",
            "date received",
            "received on",
            "created",
        ),
        "datetime",
    ),
    Field("raised_by", ("raised by", "reported by", "identified by", "originator", "logged by", "auditor")),
    Field(
        "assigned_to",
        ("owner", "action owner", "responsible", "responsible person", "assigned to", "accountable", "actionee"),
    ),
    Field("priority", ("priority",), "leading_int", PRIORITIES),
    Field(
        "root_cause",
        ("root cause", "root causes", "cause", "root cause analysis", "rca", "cause analysis", "underlying cause"),
    ),
    Field(
        "correction",
        ("correction", "immediate action", "immediate correction", "containment", "containment action"),
    ),
    Field(
        "corrective_action",
        (
            "corrective action",
            "corrective actions",
            "corrective / preventive action",
            "action",
            "actions",
            "action plan",
            "planned action",
            "action taken",
            "actions taken",
            "improvement action",
        ),
    ),
    Field(
        "due_at",
        (
            "due date",
            "due",
            "due by",
            "target date",
            "target completion date",
            "target completion",
            "deadline",
            "planned completion",
        ),
        "datetime",
    ),
    Field("status", ("status", "state", "action status"), "token", STATUSES),
    Field(
        "closed_at",
        (
            "closed on",
            "date closed",
            "closed",
            "closure date",
            "closed date",
            "completed on",
            "completion date",
            "date completed",
        ),
        "datetime",
    ),
    Field("verified_by", ("verified by", "verifier", "effectiveness verified by", "checked by")),
    Field(
        "verified_at",
        (
            "verified on",
            "verification date",
            "date verified",
            "effectiveness check date",
            "effectiveness review date",
            "effectiveness verified on",
        ),
        "datetime",
    ),
    Field(
        "effective",
        ("effective", "effective?", "effective (y/n)", "effectiveness", "action effective", "effectiveness result"),
        "token",
    ),
    Field(
        "evaluation",
        (
            "benefit",
            "benefits",
            "benefit evaluation",
            "evaluation",
            "evaluation of benefit",
            "benefit realised",
            "benefits realised",
            "measured benefit",
            "benefit review",
        ),
    ),
    Field("approval", ("decision", "approval", "approval decision", "approved?"), "token", APPROVALS),
    Field("approved_at", ("decision date", "decided on", "date of decision"), "datetime"),
    Field(
        "acknowledged_at",
        ("acknowledged on", "acknowledged", "date acknowledged", "acknowledgement date", "ack date"),
        "datetime",
    ),
    Field("related", ("related", "related id", "related ids", "related to", "linked to", "links", "repeat of")),
)

# Columns only an action register has: two of them (with an id) make a file ours.
_SPECIFIC = {"root_cause", "correction", "corrective_action", "due_at", "verified_by", "verified_at", "effective"}
_SYNONYMS = {spec.target: {normalise_header(s) for s in spec.sources} for spec in FIELDS}
_DATE_TARGETS = {spec.target for spec in FIELDS if spec.convert == "datetime"}
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_HEADER_SCAN_ROWS = 20
_CLAUSE = re.compile(r"(\d+(?:\.\d+)*)")
_RELATED_SPLIT = re.compile(r"[,;\s]+")


def _matches(cells: list[Any], overrides: dict[str, str] | None = None) -> dict[str, str]:
    wanted = {normalise_header(str(h)): t for t, h in (overrides or {}).items()}
    found: dict[str, str] = {}
    for cell in cells:
        if not isinstance(cell, str) or not cell.strip():
            continue
        norm = normalise_header(cell)
        target = wanted.get(norm) or next((t for t, synonyms in _SYNONYMS.items() if norm in synonyms), None)
        if target is not None:
            found.setdefault(target, cell.strip())
    return found


def _find_header(rows: list[tuple[int, list[Any]]], overrides: dict[str, str] | None = None) -> tuple[int, dict]:
    return best_header_row(rows, lambda cells: _matches(cells, overrides))


def _recognisable(found: dict[str, str]) -> bool:
    return "id" in found and len(found.keys() & _SPECIFIC) >= 2


def _read_xlsx(path: Path, display_path: str, options: dict[str, Any]) -> _Grid:
    overrides = options.get("columns") or {}
    return read_register_xlsx(
        path,
        display_path,
        options,
        lambda rows: _recognisable(_find_header(rows, overrides)[1]),
        "nonconformity / improvement register header (looked for an ID column and two of Root cause, "
        "Correction, Corrective action, Due date, Verified by, Verified on, Effective)",
    )


def _lookup(values: pd.Series, table: dict) -> pd.Series:
    return values.map(lambda v: table.get(v, v) if isinstance(v, str) else v)


_TYPE_PREFIXES = sorted(TYPES, key=len, reverse=True)


def entry_type(word: str | None) -> tuple[str | None, str | None]:
    """A tokenised Type cell to (record_type, implied severity); a known word followed by more words counts
    ("opportunity_for_improvement_ofi", "complaint_billing"); (None, None) when unknown."""
    if not isinstance(word, str):
        return None, None
    if word in TYPES:
        return TYPES[word]
    prefix = next((p for p in _TYPE_PREFIXES if word.startswith(p + "_")), None)
    return TYPES[prefix] if prefix else (None, None)


@ADAPTERS.register("action_register")
class ActionRegisterAdapter:
    name = "action_register"
    description = (
        "Nonconformity / corrective action / improvement / complaint register (CAPA log), CSV or XLSX, as tickets"
    )

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        if sample.suffix not in (".csv", ".tsv", ".txt", *_XLSX_SUFFIXES):
            return None
        options: dict[str, Any] = {}
        try:
            if sample.suffix in _XLSX_SUFFIXES:
                workbook = _open_workbook(sample.path, str(sample.path))
                try:
                    found, sheet = {}, None
                    for name in workbook.sheetnames:
                        found = _find_header(_sheet_rows(workbook[name], _HEADER_SCAN_ROWS))[1]
                        if _recognisable(found):
                            sheet = name
                            break
                finally:
                    workbook.close()
                if sheet is None:
                    return None
                options["sheet"] = sheet
            else:
                records, _, _ = _csv_records(sample.text, _sniff(sample.text))
                found = _find_header(records)[1]
        except Exception:  # an unreadable file is simply not ours
            return None
        if not _recognisable(found):
            return None
        specific = len(found.keys() & _SPECIFIC)
        score = min(0.95, 0.6 + 0.05 * specific + (0.05 if "record_type" in found else 0))
        named = ", ".join(f"{header} -> {target}" for target, header in found.items())
        where = f" on sheet {options['sheet']!r}" if "sheet" in options else ""
        return Detection(score, f"nonconformity / improvement register columns{where}: {named}", options)

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        if path.suffix.lower() in (".xls", ".ods"):
            raise EvidenceError(
                f"{display_path}: {path.suffix} workbooks are not read; save the register as .xlsx or .csv"
            )
        rejections: list[Rejection] = []
        if _is_xlsx(path):
            grid = _read_xlsx(path, display_path, options)
        else:
            grid, rejections = _read_csv(path, display_path, options)
        opts = dict(options)
        opts.setdefault("date_formats", list(DATE_FORMATS))
        overrides = dict(opts.get("columns") or {})

        header_index, found = _find_header(grid.rows, overrides)
        if "id" not in found:
            header_index = 0
        header_line, header_cells = grid.rows[header_index] if grid.rows else (0, [])
        names = _header_names(header_cells)
        details = dict(grid.details)
        details["header_row" if grid.sheet else "header_line"] = header_line

        lines: list[int] = []
        raw_rows: list[list[Any]] = []
        for line, cells in grid.rows[header_index + 1 :]:
            extra = [c for c in cells[len(names) :] if not (c is None or str(c).strip() == "")]
            if extra and grid.sheet is None:
                rejections.append(
                    Rejection(display_path, line, None, f"record has {len(cells)} fields, header has {len(names)}")
                )
                continue
            raw_rows.append((cells + [None] * len(names))[: len(names)])
            lines.append(line)
        rows_read = len(lines) + len(rejections)

        by_norm: dict[str, str] = {}
        for name in names:
            by_norm.setdefault(normalise_header(name), name)
        date_headers = set()
        for spec in FIELDS:
            if spec.target in _DATE_TARGETS:
                candidates = (overrides[spec.target],) if spec.target in overrides else spec.sources
                header = next(
                    (by_norm[normalise_header(c)] for c in candidates if normalise_header(c) in by_norm), None
                )
                if header is not None:
                    date_headers.add(header)
        columns = {
            name: [_date_text(row[pos], grid.epoch) if name in date_headers else _text(row[pos]) for row in raw_rows]
            for pos, name in enumerate(names)
        }
        frame = pd.DataFrame({n: pd.Series(v, dtype="string") for n, v in columns.items()}, index=range(len(lines)))
        try:
            mapped = map_fields(frame, pd.Series(lines, dtype="Int64"), FIELDS, display_path, opts)
        except MissingColumnError as exc:
            where = f"sheet {grid.sheet!r} row {header_line}" if grid.sheet else f"line {header_line}"
            raise EvidenceError(
                f"{display_path}: nonconformity / improvement register: {exc} (header taken from {where}: "
                f"{', '.join(n for n in names if not n.startswith('column '))})"
            ) from None
        rejections += mapped.rejections
        tickets, more = _finish(mapped.frame, mapped.mapping, display_path, opts, details)
        rejections += more
        links = _links(tickets, display_path)
        tickets = tickets.drop(columns=["related"], errors="ignore")

        rejections.sort(key=lambda r: r.line if isinstance(r.line, int) else 0)
        if grid.sheet is not None:
            rejections = [replace(r, line=f"{grid.sheet}!{r.line}") for r in rejections]
        details["columns"] = mapped.mapping
        details.setdefault("encoding", None)
        details.setdefault("delimiter", None)
        provided = (mapped.provided - {"related"}) | {"record_type", "severity"}
        tables = {"tickets": tickets}
        provided_columns = {"tickets": provided}
        if "related" in mapped.provided:
            tables["links"] = links
            provided_columns["links"] = {"id", "from_id", "to_id", "link_type"}
        return AdapterResult(tables, rows_read, rejections, details, provided_columns)


def _finish(
    frame: pd.DataFrame, mapping: dict[str, str], display: str, options: dict[str, Any], details: dict[str, Any]
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Type, severity, source, clause, status, effective and approval to the canonical vocabulary."""
    problems = pd.Series("", index=frame.index, dtype="string")
    first = pd.Series(pd.NA, index=frame.index, dtype="string")

    def note(mask: pd.Series, column: str, reason: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        text = reason[mask] if isinstance(reason, pd.Series) else reason
        problems[mask] = problems[mask].where(problems[mask] == "", problems[mask] + "; ") + text
        first[mask & first.isna()] = column

    if "record_type" in frame:
        raw = frame["record_type"]
        kinds = [entry_type(v) for v in raw.astype(object)]
        known = pd.Series([k[0] is not None for k in kinds], index=frame.index)
        header = mapping["record_type"]
        note(raw.isna(), header, f"{header} is empty (expected {', '.join(RECORD_TYPES)})")
        note(
            raw.notna() & ~known,
            header,
            f"{header}: '" + raw.fillna("") + f"' is not a known entry type (expected {', '.join(RECORD_TYPES)})",
        )
        frame["record_type"] = pd.Series([k[0] for k in kinds], index=frame.index, dtype="string")
        implied = pd.Series([k[1] for k in kinds], index=frame.index, dtype="string")
    else:
        default = str(options.get("record_type", "nonconformity"))
        if default not in RECORD_TYPES:
            raise EvidenceError(f"{display}: options.record_type must be one of {', '.join(RECORD_TYPES)}")
        frame["record_type"] = pd.Series(default, index=frame.index, dtype="string")
        implied = pd.Series(pd.NA, index=frame.index, dtype="string")
    severity = frame["severity"] if "severity" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    frame["severity"] = severity.fillna(implied).astype("string")

    if "source" in frame:
        frame["source"] = _lookup(frame["source"], SOURCES).astype("string")
    if "clause_ref" in frame:
        number = frame["clause_ref"].str.extract(_CLAUSE, expand=False)
        frame["clause_ref"] = number.fillna(frame["clause_ref"]).astype("string")
    if "status" in frame:
        unknown = Counter(v for v in frame["status"].dropna() if v not in CANONICAL_STATUSES)
        if unknown:
            details["unrecognised_statuses"] = dict(sorted(unknown.items()))
    if "effective" in frame:
        raw = frame["effective"]
        header = mapping["effective"]
        known = raw.isin(list(EFFECTIVE)).fillna(False).astype(bool)
        note(
            raw.notna() & ~known,
            header,
            f"{header}: '" + raw.fillna("") + "' is not yes, no, partially or n/a",
        )
        frame["effective"] = pd.Series(
            [EFFECTIVE.get(v) if isinstance(v, str) else None for v in raw.astype(object)],
            index=frame.index,
            dtype="boolean",
        )

    ids = frame["id"].str.strip()
    repeated = ids.duplicated(keep="first") & ids.notna()
    if repeated.any():
        first_line = frame.groupby(ids, sort=False)["_source_line"].transform("first").astype("string")
        note(
            repeated, mapping["id"], mapping["id"] + " '" + ids.fillna("") + "' repeats the entry on line " + first_line
        )

    rejected = (problems != "").to_numpy()
    rejections = [
        Rejection(display, int(line), None if pd.isna(col) else str(col), str(reason))
        for line, col, reason in zip(frame["_source_line"][rejected], first[rejected], problems[rejected], strict=True)
    ]
    return frame[~rejected].reset_index(drop=True), rejections


def _links(tickets: pd.DataFrame, display: str) -> pd.DataFrame:
    """The Related column as ``related`` links from each entry."""
    columns = ["id", "from_id", "to_id", "link_type", "_source_file", "_source_line"]
    if "related" not in tickets or tickets.empty:
        return pd.DataFrame(columns=columns)
    related = tickets["related"].str.strip().str.split(_RELATED_SPLIT)
    pairs = pd.DataFrame(
        {"from_id": tickets["id"].str.strip(), "to_id": related, "_source_line": tickets["_source_line"]}
    ).explode("to_id")
    pairs = pairs[pairs["to_id"].notna() & (pairs["to_id"].astype("string") != "")]
    pairs = pairs.assign(to_id=pairs["to_id"].astype("string"), link_type="related", _source_file=display).reset_index(
        drop=True
    )
    pairs["id"] = pairs["from_id"] + ">related>" + pairs["to_id"]
    return pairs.drop_duplicates("id").reset_index(drop=True)[columns]
