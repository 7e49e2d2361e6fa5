"""ServiceNow list exports (CSV): incident, change_request, problem, cmdb_ci, cmdb_rel_ci.

Headers are field names (ServiceNow's CSV default); values may be display values
('1 - Critical', 'In Progress') or raw codes ('1', '2'); both normalise to the
same canonical vocabulary. Dates are ``yyyy-MM-dd HH:mm:ss`` (also the
single-digit hours a spreadsheet leaves behind).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Sample
from evidence_adapters.csv_source import read_delimited
from evidence_adapters.mapping import Field, MissingColumnError, map_fields, normalise_header
from sms_audit.errors import EvidenceError

INCIDENT_STATES = {
    "1": "new",
    "2": "in_progress",
    "3": "on_hold",
    "6": "resolved",
    "7": "closed",
    "8": "cancelled",
    "canceled": "cancelled",
    "active": "in_progress",
    "awaiting_user_info": "on_hold",
    "awaiting_caller": "on_hold",
    "awaiting_vendor": "on_hold",
    "awaiting_problem": "on_hold",
    "awaiting_change": "on_hold",
    "awaiting_evidence": "on_hold",
}
CHANGE_STATES = {
    "-5": "new",
    "-4": "assess",
    "-3": "authorize",
    "-2": "scheduled",
    "-1": "implement",
    "0": "review",
    "3": "closed",
    "4": "cancelled",
    "canceled": "cancelled",
    "closed_complete": "closed",
    "closed_incomplete": "closed",
    "closed_skipped": "cancelled",
    "open": "new",
    "work_in_progress": "implement",
}
PROBLEM_STATES = {
    "101": "new",
    "102": "assess",
    "103": "root_cause_analysis",
    "104": "fix_in_progress",
    "106": "resolved",
    "107": "closed",
    "canceled": "cancelled",
}
LEVELS = {"high": "1", "medium": "2", "low": "3", "critical": "1", "moderate": "3", "planning": "5"}
CHANGE_RISK = {"1": "very_high", "2": "high", "3": "moderate", "4": "low"}
APPROVAL = {"not_yet_requested": "not_requested", "requested": "requested"}
CLOSE_CODES = {"successful_with_issues": "successful_issues"}

_COMMON = (
    Field("id", ("number",), required=True),
    Field("status", ("state", "incident_state", "problem_state"), "token"),
    Field("priority", ("priority",), "leading_int", LEVELS),
    Field("impact", ("impact",), "leading_int", LEVELS),
    Field("urgency", ("urgency",), "leading_int", LEVELS),
    Field("category", ("category",)),
    Field("subcategory", ("subcategory",)),
    Field("service", ("business_service", "service_offering", "u_service", "service")),
    Field("ci_id", ("cmdb_ci", "configuration_item")),
    Field("assignment_group", ("assignment_group",)),
    Field("assigned_to", ("assigned_to",)),
    Field("short_description", ("short_description",)),
    Field("opened_at", ("opened_at", "opened", "sys_created_on", "created"), "datetime"),
    Field("resolved_at", ("resolved_at", "resolved"), "datetime"),
    Field("closed_at", ("closed_at", "closed"), "datetime"),
    Field("reassignment_count", ("reassignment_count",), "integer"),
)

TICKET_TABLES: dict[str, dict[str, Any]] = {
    "incident": {
        "record_type": "incident",
        "states": INCIDENT_STATES,
        "fields": (
            Field("responded_at", ("u_responded_at", "responded_at", "work_start"), "datetime"),
            Field("major_incident", ("major_incident", "u_major_incident"), "bool"),
            # Major Incident Management: workflow state and promotion time, plus the usual custom
            # fields for the post-incident review and the notice to top management.
            Field("major_incident_state", ("major_incident_state",), "token"),
            Field("promoted_at", ("promoted_on", "u_promoted_on"), "datetime"),
            Field("major_review_at", ("u_pir_date", "u_post_incident_review_date", "u_major_review_date"), "datetime"),
            Field(
                "management_notified_at",
                ("u_mgmt_notified_on", "u_management_notified_on", "u_management_notified_at"),
                "datetime",
            ),
            Field("reopen_count", ("reopen_count",), "integer"),
            Field("close_code", ("close_code",), "token"),
        ),
        "links": {"problem_id": "related_problem", "rfc": "resolved_by_change", "caused_by": "caused_by_change"},
    },
    "change_request": {
        "record_type": "change",
        "states": CHANGE_STATES,
        "fields": (
            Field("change_type", ("type", "chg_model"), "token"),
            Field("risk", ("risk",), "token", CHANGE_RISK),
            Field("approval", ("approval",), "token", APPROVAL),
            Field("approved_at", ("approval_set", "u_approved_at"), "datetime"),
            Field("planned_start", ("start_date", "planned_start", "planned_start_date"), "datetime"),
            Field("planned_end", ("end_date", "planned_end", "planned_end_date"), "datetime"),
            Field("actual_start", ("work_start", "actual_start", "actual_start_date"), "datetime"),
            Field("actual_end", ("work_end", "actual_end", "actual_end_date"), "datetime"),
            Field("outcome", ("close_code",), "token", CLOSE_CODES),
            Field("backout_plan", ("backout_plan",), "present"),
            Field("test_plan", ("test_plan",), "present"),
        ),
        "links": {},
    },
    "problem": {
        "record_type": "problem",
        "states": PROBLEM_STATES,
        "fields": (
            Field("root_cause", ("cause_notes", "u_root_cause", "root_cause")),
            Field("known_error", ("known_error",), "bool"),
            Field("workaround", ("workaround",)),
            Field("close_code", ("resolution_code", "close_code"), "token"),
        ),
        "links": {"rfc": "resolved_by_change"},
    },
}

REQUEST_ITEM_STATES = {
    "-5": "pending",
    "1": "open",
    "2": "in_progress",
    "3": "closed",
    "4": "closed_incomplete",
    "7": "cancelled",
    "work_in_progress": "in_progress",
    "closed_complete": "closed",
    "closed_skipped": "cancelled",
}
TICKET_TABLES["sc_req_item"] = {
    "record_type": "service_request",
    "states": REQUEST_ITEM_STATES,
    "fields": (Field("category", ("cat_item", "item", "category")),),
    "links": {},
}
# Release Management (rm_release, a planned task): states follow the table's default state categories
# (-5 pending, 1 open, 2 and 10 work in progress, 3 closed complete, 4 closed incomplete, 7 skipped).
# Read as a deployment record: start_date/end_date are the planned deployment window and
# work_start/work_end the actual deployment; acceptance is the task approval (approval, approval_set)
# with the acceptor in a custom field. The changes a release deploys and the known errors it fixes
# are list fields (comma-separated numbers in a list export) and become typed links.
RELEASE_STATES = {
    "-5": "pending",
    "1": "draft",
    "2": "in_progress",
    "10": "testing",
    "3": "closed",
    "4": "closed_incomplete",
    "7": "cancelled",
    "open": "draft",
    "work_in_progress": "in_progress",
    "closed_complete": "closed",
    "closed_skipped": "cancelled",
    "canceled": "cancelled",
}
RELEASE_OUTCOMES = {
    "successful_with_issues": "successful_issues",
    "failed": "unsuccessful",
    "backed_out": "rolled_back",
    "rolled_back": "rolled_back",
}
TICKET_TABLES["rm_release"] = {
    "record_type": "release",
    "states": RELEASE_STATES,
    "fields": (
        Field("change_type", ("release_type", "u_release_type", "type"), "token"),
        Field("approval", ("approval",), "token", APPROVAL),
        Field("approved_at", ("approval_set", "u_accepted_on", "u_approved_at"), "datetime"),
        Field("approved_by", ("u_accepted_by", "u_approved_by", "approved_by")),
        Field("planned_start", ("start_date", "planned_start", "planned_start_date"), "datetime"),
        Field("planned_end", ("end_date", "planned_end", "planned_end_date"), "datetime"),
        Field("actual_start", ("work_start", "actual_start", "actual_start_date"), "datetime"),
        Field("actual_end", ("work_end", "actual_end", "actual_end_date"), "datetime"),
        Field("outcome", ("u_deployment_outcome", "u_outcome", "close_code"), "token", RELEASE_OUTCOMES),
        Field("backout_plan", ("backout_plan", "u_backout_plan", "u_rollback_plan"), "present"),
        Field("test_plan", ("test_plan", "u_test_plan", "u_test_results"), "present"),
    ),
    "links": {"u_change_requests": "release_contains_change", "u_known_errors": "fixes_known_error"},
    "list_columns": ("u_change_requests", "u_known_errors"),
}
# Number prefixes of ServiceNow's default numbering, used to recognise a list export's table.
NUMBER_PREFIXES = {"INC": "incident", "CHG": "change_request", "PRB": "problem", "RITM": "sc_req_item"}
NUMBER_PREFIXES["RLSE"] = "rm_release"

CI_FIELDS = (
    Field("id", ("sys_id",)),
    Field("name", ("name",), required=True),
    Field("ci_class", ("sys_class_name", "class")),
    Field(
        "status",
        ("install_status",),
        "token",
        {
            "0": "implementing",
            "1": "installed",
            "2": "on_order",
            "3": "in_maintenance",
            "4": "pending_install",
            "5": "pending_repair",
            "6": "in_stock",
            "7": "retired",
            "8": "stolen",
            "100": "absent",
        },
    ),
    Field(
        "operational_status",
        ("operational_status",),
        "token",
        {
            "1": "operational",
            "2": "non_operational",
            "3": "repair_in_progress",
            "4": "dr_standby",
            "5": "ready",
            "6": "retired",
            "7": "pipeline",
            "8": "catalog",
        },
    ),
    Field("owner", ("owned_by", "managed_by", "assigned_to")),
    Field("support_group", ("support_group", "assignment_group")),
    Field("service", ("business_service", "u_service")),
    Field("criticality", ("business_criticality", "u_criticality", "criticality"), "token"),
    Field("updated_at", ("sys_updated_on", "updated"), "datetime"),
)

REL_FIELDS = (
    Field("id", ("sys_id",)),
    Field("parent_id", ("parent",), required=True),
    Field("child_id", ("child",), required=True),
    Field("relation_type", ("type",)),
)

SERVICENOW_TABLES = (*TICKET_TABLES, "cmdb_ci", "cmdb_rel_ci")


def name_identity(cis: pd.DataFrame) -> pd.Series:
    """Identity of CIs exported without sys_id.

    Tickets and relations refer to CIs by display name, so a CI whose name is unique is
    identified by its name; names that repeat (the same software on many computers) get
    ``name|class``. Rows still equal after that are reported as ambiguous, never merged.
    """
    repeated = cis["name"].duplicated(keep=False)
    with_class = cis["name"] + "|" + cis["ci_class"].fillna("") if "ci_class" in cis else cis["name"]
    return cis["name"].where(~repeated, with_class)


def _table_from_name(path: Path) -> str | None:
    stem = path.stem.lower()
    for table in sorted(SERVICENOW_TABLES, key=len, reverse=True):
        if stem == table or stem.startswith(table):
            return table
    return "cmdb_ci" if stem.startswith("cmdb_ci") else None


_TICKET_MARKERS = ("state", "opened_at", "opened", "short_description", "assignment_group", "priority", "caller_id")


def _first_value(sample: Sample, column: str) -> str | None:
    """The first data cell of ``column`` in the sample (used for number prefixes and relation types)."""
    import csv

    lines = [line for line in sample.text.splitlines() if line.strip()]
    if len(lines) < 2 or column not in sample.normalised:
        return None
    delimiter = "," if sample.text.count(",") >= sample.text.count(";") else ";"
    rows = list(csv.reader(lines[:2], delimiter=delimiter))
    header = [normalise_header(h) for h in rows[0]]
    return rows[1][header.index(column)].strip() if len(rows) > 1 and len(rows[1]) == len(header) else None


def detect_table(sample: Sample) -> tuple[str | None, str]:
    """Which ServiceNow table a list export holds, and why."""
    cols = sample.normalised
    if {"parent", "child", "type"} <= cols:
        return "cmdb_rel_ci", "columns parent, child, type"
    if "name" in cols and cols & {"sys_class_name", "class"} and cols & {"install_status", "operational_status"}:
        return "cmdb_ci", "columns name, class and install/operational status"
    if "number" in cols:
        number = _first_value(sample, "number") or ""
        prefix = next((p for p in sorted(NUMBER_PREFIXES, key=len, reverse=True) if number.upper().startswith(p)), None)
        if prefix:
            return NUMBER_PREFIXES[prefix], f"record numbers start with {prefix} ({number})"
        by_name = _table_from_name(sample.path)
        if by_name:
            return by_name, f"file name {sample.path.name}"
    return None, ""


@ADAPTERS.register("servicenow")
class ServiceNowAdapter:
    name = "servicenow"
    description = "ServiceNow list export (CSV, field-name headers, display or raw values)"

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        if sample.suffix not in (".csv", ".txt"):
            return None
        table, why = detect_table(sample)
        if table is None:
            return None
        if table in TICKET_TABLES:
            markers = [m for m in _TICKET_MARKERS if m in sample.normalised]
            if not markers:
                return None
            score = min(0.95, 0.55 + 0.06 * len(markers))
            if {"sys_mod_count", "sys_updated_on"} <= sample.normalised:
                score = 0.5  # an update-history export: the history adapter reads it better
            return Detection(score, f"ServiceNow {table} export: {why}; fields {', '.join(markers)}", {"table": table})
        if table == "cmdb_rel_ci":
            kind = _first_value(sample, "type") or ""
            score = 0.95 if "::" in kind else 0.6
            detail = f"; relation type {kind!r} uses ServiceNow's parent::child form" if "::" in kind else ""
            return Detection(score, f"ServiceNow cmdb_rel_ci export: {why}{detail}", {"table": table})
        return Detection(0.9, f"ServiceNow cmdb_ci export: {why}", {"table": table})

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        table = options.get("table") or _table_from_name(path)
        if table not in SERVICENOW_TABLES:
            raise EvidenceError(
                f"{display_path}: cannot tell which ServiceNow table this is; set options.table to one of "
                f"{', '.join(SERVICENOW_TABLES)}"
            )
        text = read_delimited(path, display_path, options.get("delimiter"))
        try:
            if table in TICKET_TABLES:
                result = self._tickets(table, text.frame, text.lines, display_path, options)
            elif table == "cmdb_ci":
                result = self._cis(text.frame, text.lines, display_path, options)
            else:
                result = self._relations(text.frame, text.lines, display_path, options)
        except MissingColumnError as exc:
            raise EvidenceError(f"{display_path}: ServiceNow {table} export: {exc}") from None
        result.rows_read = text.rows_read
        result.rejections = text.rejections + result.rejections
        result.details.update({"table": table, "encoding": text.encoding, "delimiter": text.delimiter})
        return result

    def _tickets(self, table: str, frame: pd.DataFrame, lines: pd.Series, display: str, options: dict) -> AdapterResult:
        spec = TICKET_TABLES[table]
        status = Field("status", ("state", "incident_state", "problem_state"), "token", spec["states"])
        fields = [status if f.target == "status" else f for f in _COMMON] + list(spec["fields"])
        mapped = map_fields(frame, lines, fields, display, options)
        tickets = mapped.frame
        tickets["record_type"] = spec["record_type"]
        if table in ("change_request", "rm_release") and "approval" in tickets and "approved_at" in tickets:
            # approval_set is stamped when the approval is decided, rejected or not.
            tickets["approved_at"] = tickets["approved_at"].where(tickets["approval"] == "approved")
        links = _links_from_columns(frame, lines, mapped, spec["links"], display, spec.get("list_columns", ()))
        provided = {"tickets": mapped.provided | {"record_type"}}
        tables = {"tickets": tickets}
        if links is not None:
            tables["links"] = links
            provided["links"] = {"from_id", "to_id", "link_type"}
        return AdapterResult(tables, 0, mapped.rejections, {"columns": mapped.mapping}, provided)

    def _cis(self, frame: pd.DataFrame, lines: pd.Series, display: str, options: dict) -> AdapterResult:
        mapped = map_fields(frame, lines, CI_FIELDS, display, options)
        cis = mapped.frame
        derived = name_identity(cis)
        cis["id"] = cis["id"].fillna(derived) if "id" in cis else derived
        ambiguous = int(cis["id"].duplicated(keep=False).sum())
        details = {
            "columns": mapped.mapping,
            "identity": "sys_id" if "id" in mapped.provided else "name, or name|class where names repeat",
            "ambiguous_identities": ambiguous,
        }
        return AdapterResult({"cis": cis}, 0, mapped.rejections, details, {"cis": mapped.provided | {"id"}})

    def _relations(self, frame: pd.DataFrame, lines: pd.Series, display: str, options: dict) -> AdapterResult:
        mapped = map_fields(frame, lines, REL_FIELDS, display, options)
        rel = mapped.frame
        derived = rel["parent_id"] + "|" + rel["relation_type"].fillna("") + "|" + rel["child_id"]
        rel["id"] = rel["id"].fillna(derived) if "id" in rel else derived
        return AdapterResult(
            {"ci_relations": rel},
            0,
            mapped.rejections,
            {"columns": mapped.mapping},
            {"ci_relations": mapped.provided | {"id"}},
        )


def _links_from_columns(
    frame: pd.DataFrame,
    lines: pd.Series,
    mapped,
    link_columns: dict[str, str],
    display: str,
    list_columns: tuple[str, ...] = (),
) -> pd.DataFrame | None:
    """Reference fields on a ticket (problem_id, rfc, caused_by) become typed links.

    ``list_columns`` are list fields (a release's changes): comma-separated values, one link each.
    """
    present = [c for c in link_columns if c in frame.columns]
    if not present:
        return None
    accepted = lines.isin(set(mapped.frame["_source_line"].tolist())).to_numpy()
    source = frame[accepted]
    source_lines = lines[accepted].to_numpy()
    parts = []
    for column in present:
        targets = source[column].str.strip()
        from_ids = source["number"].str.strip()
        row_lines = pd.Series(source_lines, index=source.index)
        if column in list_columns:
            targets = targets.str.split(",").explode().str.strip()
            from_ids, row_lines = from_ids.reindex(targets.index), row_lines.reindex(targets.index)
        keep = (targets.notna() & (targets != "")).to_numpy()
        if not keep.any():
            continue
        part = pd.DataFrame(
            {
                "from_id": from_ids.to_numpy()[keep],
                "to_id": targets.to_numpy()[keep],
                "link_type": link_columns[column],
                "_source_line": row_lines.to_numpy()[keep],
                "_source_file": display,
            }
        )
        parts.append(part.drop_duplicates(["from_id", "to_id"]) if column in list_columns else part)
    if not parts:
        return pd.DataFrame(columns=["id", "from_id", "to_id", "link_type", "_source_file", "_source_line"])
    links = pd.concat(parts, ignore_index=True)
    links["id"] = links["from_id"] + ">" + links["link_type"] + ">" + links["to_id"]
    return links
