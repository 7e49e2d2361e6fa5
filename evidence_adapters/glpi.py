"""GLPI ticket, change and problem exports: database dumps (``glpi_tickets`` columns) or UI CSV exports.

The table is ``options.table`` (``ticket``, ``change`` or ``problem``), else taken from the file name
(``glpi_changes.csv`` -> change), else ``ticket``. Columns are found by their database name or their
English or French label (``status`` / ``Status`` / ``Statut``); ``options.columns`` maps others.

Codes and how they map to the canonical vocabulary:

* ``status``: 1 New -> new; 2 Processing (assigned) and 3 Processing (planned) -> in_progress;
  4 Pending -> on_hold; 5 Solved (Applied, for changes) -> resolved; 6 Closed -> closed. Changes:
  7 Accepted -> scheduled, 8 Review (observed) -> review, 9 Evaluation -> assess, 10 Approval ->
  authorize, 11 Test and 12 Qualification -> implement. Problems: 7 Accepted -> assess, 8 Under
  observation -> review. Labels (New, Solved, Nouveau, Résolu ...) map alike; other codes stay as they are.
* ``type`` (tickets): 1 Incident -> record_type incident, 2 Request -> service_request
  (``options.record_type`` sets it for exports without the column).
* ``priority``, ``impact``, ``urgency``: GLPI counts up (1 very low ... 5 very high, 6 major);
  canonical levels count down from 1 (most urgent), so 5 very high -> 1, 4 high -> 2, 3 medium -> 3,
  2 low -> 4, 1 very low -> 5, and 6 major -> 1. ``major_incident`` is true exactly when the GLPI
  priority is 6 (Major). A value outside the scale rejects its record.
* ``global_validation``: 1 not subject to approval -> not_requested, 2 waiting -> requested,
  3 granted -> approved, 4 refused -> rejected.
* ``is_deleted`` = 1 (the ticket is in GLPI's trash) rejects the record with that reason.

Other columns: ``id`` -> ``id``; ``name`` -> ``short_description``; ``date`` -> ``opened_at``;
``solvedate`` -> ``resolved_at``; ``closedate`` -> ``closed_at``; ``takeintoaccountdate`` ->
``responded_at``; ``itilcategories_id`` (or the Category label) -> ``category``; technician and
group labels -> ``assigned_to`` / ``assignment_group``; associated items -> ``ci_id`` (several items
in one cell, separated by line breaks or GLPI's ``$$##$$``: the first is ``ci_id``, the rest
``affects_ci`` links); changes: ``backoutplancontent`` -> ``backout_plan``; problems:
``causecontent`` -> ``root_cause``.

Quirks handled: ``NULL``, ``\\N`` and the zero date ``0000-00-00 00:00:00`` of SQL dumps mean no
value; dates ``yyyy-MM-dd HH:mm[:ss]`` and day-first ``dd-MM-yyyy HH:mm`` (set ``options.date_formats``
for month-first installations).

Left out (no canonical column): the SLA deadlines. ``time_to_resolve`` against ``solvedate`` and
``time_to_own`` against ``takeintoaccountdate`` are summarised in ``details["sla"]`` (breached ids).
Services (GLPI has none on tickets; entities are organisational units) must come from
``options.columns``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Rejection, Sample
from evidence_adapters.csv_source import read_delimited
from evidence_adapters.mapping import (
    Field,
    MissingColumnError,
    headers_by_norm,
    map_fields,
    normalise_header,
    parse_datetimes,
    resolve_header,
)
from sms_audit.errors import EvidenceError

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y",
    "%d/%m/%Y",
)
NULLS = {"NULL", "null", "\\N", "0000-00-00 00:00:00", "0000-00-00"}

_COMMON_STATUSES = {
    "1": "new",
    "2": "in_progress",
    "3": "in_progress",
    "4": "on_hold",
    "5": "resolved",
    "6": "closed",
    "new": "new",
    "nouveau": "new",
    "processing (assigned)": "in_progress",
    "processing (planned)": "in_progress",
    "en cours (attribué)": "in_progress",
    "en cours (planifié)": "in_progress",
    "pending": "on_hold",
    "en attente": "on_hold",
    "solved": "resolved",
    "résolu": "resolved",
    "applied": "resolved",
    "appliqué": "resolved",
    "closed": "closed",
    "clos": "closed",
}
STATUSES = {
    "ticket": _COMMON_STATUSES,
    "change": {
        **_COMMON_STATUSES,
        "7": "scheduled",
        "8": "review",
        "9": "assess",
        "10": "authorize",
        "11": "implement",
        "12": "implement",
        "accepted": "scheduled",
        "accepté": "scheduled",
        "review": "review",
        "evaluation": "assess",
        "évaluation": "assess",
        "approval": "authorize",
        "test": "implement",
        "qualification": "implement",
    },
    "problem": {
        **_COMMON_STATUSES,
        "7": "assess",
        "8": "review",
        "accepted": "assess",
        "accepté": "assess",
        "under observation": "review",
        "observed": "review",
        "en observation": "review",
    },
}
RECORD_TYPES = {"change": "change", "problem": "problem"}
TYPES = {
    "1": "incident",
    "2": "service_request",
    "incident": "incident",
    "request": "service_request",
    "demande": "service_request",
}
APPROVALS = {
    "1": "not_requested",
    "2": "requested",
    "3": "approved",
    "4": "rejected",
    "none": "not_requested",
    "not subject to approval": "not_requested",
    "non soumis à validation": "not_requested",
    "waiting for approval": "requested",
    "en attente de validation": "requested",
    "granted": "approved",
    "accordée": "approved",
    "refused": "rejected",
    "refusée": "rejected",
}
# GLPI levels count up (5 very high, 6 major); canonical levels count down from 1.
LEVELS = {
    "1": 5,
    "2": 4,
    "3": 3,
    "4": 2,
    "5": 1,
    "6": 1,
    "very low": 5,
    "très basse": 5,
    "low": 4,
    "basse": 4,
    "medium": 3,
    "moyenne": 3,
    "high": 2,
    "haute": 2,
    "very high": 1,
    "très haute": 1,
    "major": 1,
    "majeure": 1,
}
MAJOR = {"6", "major", "majeure"}
_ITEM_SPLIT = re.compile(r"(?:\$\$##\$\$|\$#\$|[\r\n])+")

_COMMON = (
    Field("id", ("id", "ID"), required=True),
    Field("short_description", ("name", "Title", "Titre")),
    Field("priority", ("priority", "Priority", "Priorité")),
    Field("impact", ("impact", "Impact")),
    Field("urgency", ("urgency", "Urgency", "Urgence")),
    Field("category", ("itilcategories_id", "Category", "Catégorie")),
    Field(
        "assignment_group",
        (
            "Assigned to - Group",
            "Assigned to - Technician group",
            "Technician group",
            "Attribué à - Groupe",
            "Attribué à - Groupe de techniciens",
            "Groupe de techniciens",
        ),
    ),
    Field("assigned_to", ("users_id_assign", "Assigned to - Technician", "Technician", "Attribué à - Technicien")),
    Field("ci_id", ("Associated elements", "Associated element", "Éléments associés", "Élément associé")),
    Field("opened_at", ("date", "Opening date", "Date d'ouverture", "date_creation"), "datetime"),
    Field("resolved_at", ("solvedate", "Resolution date", "Date de résolution"), "datetime"),
    Field("closed_at", ("closedate", "Closing date", "Close date", "Date de clôture"), "datetime"),
    Field("approval", ("global_validation", "Approval", "Validation"), "token", APPROVALS),
    Field("_deleted", ("is_deleted",), "bool"),
)
TABLE_FIELDS = {
    "ticket": (
        Field("_type", ("type", "Type"), "token", TYPES),
        Field("responded_at", ("takeintoaccountdate",), "datetime"),
    ),
    "change": (Field("backout_plan", ("backoutplancontent", "Backup plan", "Plan de retour arrière"), "present"),),
    "problem": (Field("root_cause", ("causecontent", "Causes")),),
}
_LEVEL_COLUMNS = ("priority", "impact", "urgency")
_ID_HEADERS = {"id"}
_TITLE_HEADERS = {normalise_header(h) for h in ("name", "Title", "Titre")}
_STATUS_HEADERS = {normalise_header(h) for h in ("status", "Status", "Statut")}
_SIGNATURE = tuple(
    normalise_header(h)
    for h in (
        "itilcategories_id",
        "solvedate",
        "closedate",
        "time_to_resolve",
        "time_to_own",
        "global_validation",
        "entities_id",
        "users_id_recipient",
        "requesttypes_id",
        "takeintoaccount_delay_stat",
        "Opening date",
        "Date d'ouverture",
        "Urgence",
        "Priorité",
        "Date de résolution",
    )
)
_STATUS_LABELS = {normalise_header(k) for k in _COMMON_STATUSES if not k.isdigit()}


def _table(path: Path, display: str, options: dict) -> str:
    table = options.get("table")
    if table:
        name = str(table).lower().removeprefix("glpi_").rstrip("s")
        if name not in STATUSES:
            raise EvidenceError(
                f"{path.name}: options.table {table!r} is not a GLPI table; use ticket, change or problem"
            )
        return name
    stem = path.stem.lower()
    return "change" if "change" in stem else "problem" if "problem" in stem else "ticket"


def _sample_status_values(sample: Sample, status_header: str) -> list[str]:
    lines = [line for line in sample.text.lstrip("\ufeff").splitlines() if line.strip()]
    if len(lines) < 2:
        return []
    first = lines[0]
    delimiter = max(",;\t|", key=lambda d: (first.count(d), d == ","))
    try:
        rows = list(csv.reader(lines[:51], delimiter=delimiter))
    except csv.Error:
        return []
    header = [normalise_header(c) for c in rows[0]]
    if status_header not in header:
        return []
    position = header.index(status_header)
    return [row[position].strip() for row in rows[1:] if len(row) > position and row[position].strip()]


@ADAPTERS.register("glpi")
class GlpiAdapter:
    name = "glpi"
    description = "GLPI tickets, changes or problems (SQL dump or UI export; numeric status and level codes)"

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        by_norm = {normalise_header(h.lstrip("\ufeff")): h for h in sample.header}
        title = next((by_norm[h] for h in by_norm if h in _TITLE_HEADERS), None)
        status = next((h for h in by_norm if h in _STATUS_HEADERS), None)
        if "id" not in by_norm or title is None or status is None:
            return None
        matched = [by_norm["id"], title, by_norm[status]]
        score = 0.35
        signature = [by_norm[h] for h in _SIGNATURE if h in by_norm]
        score += min(0.1 * len(signature), 0.4)
        matched += signature[:4]
        reason = "GLPI columns: " + ", ".join(matched)
        values = _sample_status_values(sample, status)
        if values and all(v.isdigit() and 1 <= int(v) <= 12 for v in values):
            score += 0.25
            reason += f"; numeric {by_norm[status]} codes 1-12"
        elif values and all(normalise_header(v) in _STATUS_LABELS for v in values):
            score += 0.2
            reason += f"; GLPI {by_norm[status]} labels"
        return Detection(round(min(score, 1.0), 2), reason)

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        table = _table(path, display_path, options)
        text = read_delimited(path, display_path, options.get("delimiter"))
        frame = text.frame.copy()
        if len(frame.columns):
            stripped = frame.apply(lambda column: column.str.strip())
            frame = frame.mask(stripped.isin(NULLS).fillna(False), "")
        options = {**options, "date_formats": options.get("date_formats") or DATE_FORMATS}
        status = Field("status", ("status", "Status", "Statut"), "token", STATUSES[table])
        fields = (*_COMMON, status, *TABLE_FIELDS[table])
        ci_header = resolve_header(
            frame.columns, "ci_id", next(f.sources for f in _COMMON if f.target == "ci_id"), options
        )
        extra_items: list[list[str]] = [[] for _ in range(len(frame))]
        if ci_header is not None:
            firsts = []
            for position, cell in enumerate(frame[ci_header].to_numpy()):
                values = [v.strip() for v in _ITEM_SPLIT.split(cell) if v.strip()] if isinstance(cell, str) else []
                firsts.append(values[0] if values else "")
                extra_items[position] = values[1:]
            frame[ci_header] = pd.array(firsts, dtype="string")
        try:
            mapped = map_fields(frame, text.lines, fields, display_path, options)
        except MissingColumnError as exc:
            raise EvidenceError(f"{display_path}: GLPI {table} export: {exc}") from None
        tickets, provided, late = self._recode(mapped, display_path)
        record_type = RECORD_TYPES.get(table) or options.get("record_type")
        if record_type and "record_type" not in tickets:
            tickets["record_type"] = str(record_type)
            provided.add("record_type")
        accepted = text.lines.isin(set(tickets["_source_line"].tolist())).to_numpy()
        links = _links(
            tickets["id"].to_numpy(),
            [items for items, keep in zip(extra_items, accepted, strict=True) if keep],
            tickets["_source_line"].to_numpy(),
            display_path,
        )
        details = {
            "table": table,
            "columns": mapped.mapping,
            "encoding": text.encoding,
            "delimiter": text.delimiter,
            "sla": _sla(frame[accepted], tickets, options["date_formats"]),
        }
        tables = {"tickets": tickets}
        provided_columns = {"tickets": provided}
        if ci_header is not None:
            # Only an export that can carry links provides the links table (else rules on it lack evidence).
            tables["links"] = links
            provided_columns["links"] = {"id", "from_id", "to_id", "link_type"}
        return AdapterResult(
            tables,
            text.rows_read,
            text.rejections + mapped.rejections + late,
            details,
            provided_columns,
        )

    @staticmethod
    def _recode(mapped, display: str) -> tuple[pd.DataFrame, set[str], list[Rejection]]:
        """GLPI levels and types to the canonical vocabulary; trashed or off-scale records are rejected."""
        tickets = mapped.frame
        provided = set(mapped.provided)
        reasons = pd.Series("", index=tickets.index, dtype="string")
        first = pd.Series(pd.NA, index=tickets.index, dtype="string")

        def note(mask: pd.Series, column: str, reason: pd.Series | str) -> None:
            mask = mask.fillna(False).astype(bool)
            if not mask.any():
                return
            text = reason[mask] if isinstance(reason, pd.Series) else reason
            reasons[mask] = reasons[mask].where(reasons[mask] == "", reasons[mask] + "; ") + text
            first[mask & first.isna()] = column

        if "_deleted" in tickets:
            deleted = tickets.pop("_deleted")
            provided.discard("_deleted")
            note(deleted, mapped.mapping["_deleted"], "the record is in GLPI's trash (is_deleted = 1)")
        for column in _LEVEL_COLUMNS:
            if column not in tickets:
                continue
            header = mapped.mapping[column]
            raw = tickets[column].str.strip().str.lower()
            key = raw.str.extract(r"^(\d+)\b", expand=False).fillna(raw)
            codes = key.map(lambda v: LEVELS.get(v) if isinstance(v, str) else None)
            bad = raw.notna() & codes.isna()
            note(
                bad,
                header,
                header + ": '" + tickets[column] + "' is not a GLPI level (1 very low … 5 very high, 6 major)",
            )
            tickets[column] = pd.array(codes.tolist(), dtype="Int64")
            if column == "priority":
                tickets["major_incident"] = key.isin(MAJOR).astype("boolean").mask(raw.isna())
                provided.add("major_incident")
        if "_type" in tickets:
            tickets["record_type"] = tickets.pop("_type")
            provided = (provided - {"_type"}) | {"record_type"}
        rejected = (reasons != "").to_numpy()
        rejections = [
            Rejection(display, int(line), str(column), str(reason))
            for line, column, reason in zip(
                tickets["_source_line"][rejected], first[rejected], reasons[rejected], strict=True
            )
        ]
        return tickets[~rejected].reset_index(drop=True), provided, rejections


def _links(ids, extras: list[list[str]], lines, display: str) -> pd.DataFrame:
    rows = [
        (key, item, "affects_ci", int(line))
        for key, items, line in zip(ids, extras, lines, strict=True)
        for item in items
    ]
    links = pd.DataFrame(rows, columns=["from_id", "to_id", "link_type", "_source_line"])
    links["_source_file"] = display
    links["id"] = links["from_id"] + ">" + links["link_type"] + ">" + links["to_id"]
    links = links.drop_duplicates("id", keep="first").reset_index(drop=True)
    return links[["id", "from_id", "to_id", "link_type", "_source_file", "_source_line"]]


def _sla(source: pd.DataFrame, tickets: pd.DataFrame, formats) -> dict[str, dict[str, Any]]:
    """Deadlines met or missed: breached when the event came after the deadline."""
    by_norm = headers_by_norm(source.columns)
    out: dict[str, dict[str, Any]] = {}
    for deadline, event in (("time_to_resolve", "solvedate"), ("time_to_own", "takeintoaccountdate")):
        if deadline not in by_norm or event not in by_norm:
            continue
        due = parse_datetimes(source[by_norm[deadline]].astype("string"), formats).to_numpy()
        done = parse_datetimes(source[by_norm[event]].astype("string"), formats).to_numpy()
        has_due = ~np.isnat(due)
        has_done = ~np.isnat(done)
        breached = has_due & has_done & (done > due)
        out[deadline] = {
            "breached": sorted(str(k) for k in tickets["id"].to_numpy()[breached]),
            "met": int((has_due & has_done & ~breached).sum()),
            "open": int((has_due & ~has_done).sum()),
            "no_sla": int((~has_due).sum()),
        }
    return out
