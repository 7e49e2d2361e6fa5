"""Document register (CSV, XLSX) and service catalogue (YAML, CSV, calendars) adapters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from evidence_adapters import ADAPTERS
from evidence_adapters.base import Sample
from evidence_adapters.document_register import split_title_and_id
from evidence_adapters.mapping import normalise_header
from evidence_adapters.service_catalogue import duration_minutes
from sms_audit.errors import EvidenceError
from tests.conftest import shared_file

openpyxl = pytest.importorskip("openpyxl")


def load(adapter: str, path: Path, **options):
    return ADAPTERS.get(adapter)().load(path, path.name, options)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def workbook(tmp_path: Path, sheets: dict[str, list[list]], name: str = "register.xlsx") -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def sample(path: Path) -> Sample:
    suffix = path.suffix.lower()
    text = "" if suffix == ".xlsx" else path.read_text(encoding="utf-8")[:65536]
    first = next((line for line in text.splitlines() if line.strip()), "")
    header = tuple(cell.strip() for cell in first.split(",")) if first else ()
    return Sample(path, suffix, text, header, frozenset(normalise_header(h) for h in header))


def detect(adapter: str, path: Path):
    return ADAPTERS.get(adapter).detect(sample(path))


HEADER = ["Doc ID", "Title", "Type", "Version", "Status", "Effective Date", "Next Review", "Process Owner"]


# --- document register: XLSX ---------------------------------------------------------------------


def test_xlsx_title_rows_above_header_excel_dates_and_serials(tmp_path):
    path = workbook(
        tmp_path,
        {
            "Register": [
                ["Example Ltd - Document Control Register"],
                ["Last updated", dt.datetime(2026, 3, 1)],
                [],
                HEADER,
                ["POL-001", "SMS Policy", "Policy", 3, "Released", dt.datetime(2026, 1, 15), 46402, "Ava"],
                ["SOP-007", "Incident Procedure", "Procedure", "2.1", "Approved", "15.01.2026", "2027-01-15", "Ben"],
                [None, None, None, None, None, None, None, None],
                ["REC-1", "Management Review Minutes Q1", "Management Review Minutes", None, "Final", "2026-03-31"],
            ]
        },
    )
    result = load("document_register", path)
    docs = result.tables["documents"]
    assert (result.rows_read, result.rows_rejected) == (3, 0)  # title rows and the blank row are not counted
    assert list(docs["id"]) == ["POL-001", "SOP-007", "REC-1"]
    assert list(docs["_source_line"]) == [5, 6, 8]  # sheet row numbers
    assert str(docs["approved_at"][0]) == "2026-01-15 00:00:00"  # Excel date cell
    assert str(docs["next_review"][0]) == "2027-01-15 00:00:00"  # Excel serial number 46402
    assert str(docs["approved_at"][1]) == "2026-01-15 00:00:00"  # day-first text
    assert list(docs["version"][:2]) == ["3", "2.1"] and docs["version"].isna()[2]
    assert list(docs["status"]) == ["approved", "approved", "approved"]
    assert list(docs["doc_type"]) == ["policy", "procedure", "management_review_minutes"]
    assert result.details["sheet"] == "Register"
    assert result.details["header_row"] == 4


def test_xlsx_sheet_option_and_first_recognisable_sheet(tmp_path):
    path = workbook(
        tmp_path,
        {
            "Cover": [["Document register"], ["Owner", "QA"]],
            "Policies": [HEADER, ["POL-001", "Policy", "Policy", "1", "Approved", "2026-01-01", "2027-01-01", "Ava"]],
            "Records": [
                ["Record ID", "Title", "Record Type", "Status", "Approval Date"],
                ["AR-2025", "Internal audit report 2025", "Audit Report", "Final", "2025-11-30"],
                ["MR-2025", "Management review minutes 2025", "Management Review Minutes", "Approved", "2025-12-15"],
            ],
        },
    )
    default = load("document_register", path)
    assert default.details["sheet"] == "Policies"
    assert list(default.tables["documents"]["id"]) == ["POL-001"]
    records = load("document_register", path, sheet="Records")
    assert list(records.tables["documents"]["doc_type"]) == ["audit_report", "management_review_minutes"]
    assert list(records.tables["documents"]["_source_line"]) == [2, 3]
    with pytest.raises(EvidenceError, match="no sheet named 'Missing'.*Cover, Policies, Records"):
        load("document_register", path, sheet="Missing")


def test_xlsx_rejections_name_sheet_and_row(tmp_path):
    path = workbook(
        tmp_path,
        {
            "Register": [
                ["Document register"],
                HEADER,
                ["POL-001", "Policy", "Policy", "1", "Approved", "2026-01-01", "2027-01-01", "Ava"],
                [None, "No id", "Policy", "1", "Approved", "2026-01-01", "2027-01-01", "Ava"],
                ["POL-003", "Bad date", "Policy", "1", "Approved", "next spring", "2027-01-01", "Ava"],
            ]
        },
    )
    result = load("document_register", path)
    assert result.rows_read == 3 and result.rows_accepted == 1
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    by_line = {r.line: r for r in result.rejections}
    assert sorted(by_line) == ["Register!4", "Register!5"]
    assert "record id is required" in by_line["Register!4"].reason
    assert by_line["Register!5"].column == "Effective Date" and "not a date" in by_line["Register!5"].reason


def test_xlsx_without_register_sheet_is_a_clear_error(tmp_path):
    path = workbook(tmp_path, {"Sheet1": [["Name", "Amount"], ["x", 1]]})
    with pytest.raises(EvidenceError, match="no sheet has a document register header"):
        load("document_register", path)


# --- document register: CSV ----------------------------------------------------------------------


def test_combined_title_doc_id_cells_are_split(tmp_path):
    path = write(
        tmp_path,
        "document-list.csv",
        "Document List QMS,,,,,,\n"
        "Title / Doc-ID,Doc Type,Version,Release Date,Last Review,Next Review,Process Owner\n"
        "Incident Management Procedure / SOP-007,SOP,2,15.01.2021,10.01.2022,10.01.2023,Ava\n"
        "SOP-008 – Change Management Procedure,SOP,1,2021-02-01,,,Ben\n"
        "Problem Management Procedure (SOP-009),SOP,1,01.03.2021,,,Cy\n"
        "Quality Manual,Manual,1,01.03.2021,,,Dee\n",
    )
    result = load("document_register", path)
    docs = result.tables["documents"]
    assert list(docs["id"]) == ["SOP-007", "SOP-008", "SOP-009"]
    assert list(docs["title"]) == [
        "Incident Management Procedure",
        "Change Management Procedure",
        "Problem Management Procedure",
    ]
    assert list(docs["_source_line"]) == [3, 4, 5]
    assert str(docs["last_reviewed"][0]) == "2022-01-10 00:00:00"
    assert result.details["combined_column"] == "Title / Doc-ID"
    assert result.details["header_line"] == 2
    (rejection,) = result.rejections
    assert (rejection.line, rejection.column) == (6, "Title / Doc-ID")
    assert "no document id found in 'Quality Manual'" in rejection.reason
    assert result.rows_read == 4


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Incident Management Procedure / SOP-007", ("SOP-007", "Incident Management Procedure")),
        ("SOP-007 – Incident Management Procedure", ("SOP-007", "Incident Management Procedure")),
        ("SOP-007: Incident Management", ("SOP-007", "Incident Management")),
        ("SOP-007 Incident Management", ("SOP-007", "Incident Management")),
        ("Incident Management Procedure/SOP-007", ("SOP-007", "Incident Management Procedure")),
        ("[QMS-PR-01] Document control", ("QMS-PR-01", "Document control")),
        ("QMS/PR/01", ("QMS/PR/01", None)),
        ("Quality Manual", None),
    ],
)
def test_split_title_and_id(cell, expected):
    assert split_title_and_id(cell) == expected


def test_title_column_with_ids_is_split_when_there_is_no_id_column(tmp_path):
    path = write(
        tmp_path,
        "register.csv",
        "Title,Version,Status\nSOP-001 Document Control,1,Approved\nSOP-002 – Records,1,Approved\n",
    )
    docs = load("document_register", path).tables["documents"]
    assert list(docs["id"]) == ["SOP-001", "SOP-002"]
    assert list(docs["title"]) == ["Document Control", "Records"]


def test_plain_titles_without_ids_report_the_missing_id_column(tmp_path):
    path = write(tmp_path, "register.csv", "Title,Version,Status\nAudit Report 2021,1,Approved\n")
    with pytest.raises(EvidenceError, match="no column for 'id'"):
        load("document_register", path)


def test_status_vocabulary_is_normalised(tmp_path):
    statuses = [
        ("Released", "approved"),
        ("Final", "approved"),
        ("Effective", "approved"),
        ("Frozen", "approved"),
        ("Approved for Document Reservation", "approved"),
        ("In Review", "under_review"),
        ("Pending approval", "under_review"),
        ("Under Review", "under_review"),
        ("Retired", "obsolete"),
        ("Archived", "obsolete"),
        ("Superseded by D-1", "superseded"),
        ("Withdrawn", "withdrawn"),
        ("Draft", "draft"),
        ("Final draft", "final_draft"),
    ]
    rows = "".join(f"D-{i},{raw}\n" for i, (raw, _) in enumerate(statuses))
    result = load("document_register", write(tmp_path, "register.csv", "Document ID,Status\n" + rows))
    assert list(result.tables["documents"]["status"]) == [want for _, want in statuses]
    assert result.details["unrecognised_statuses"] == {"final_draft": 1}


def test_day_first_dates_serials_and_synonyms_in_csv(tmp_path):
    path = write(
        tmp_path,
        "register.csv",
        "Reference;Rev;Issue Date;Review Due;Document Owner;Approved by;Author;Type/Category;Last Review\n"
        "D-1;3;15.01.2021;15/01/2022;Ava;Board;Cy;Policy;2021-06-30\n"
        "D-2;1;44211;15 Jan 2022;Ben;CIO;Dee;Record;\n",
    )
    result = load("document_register", path)
    docs = result.tables["documents"]
    assert result.rows_rejected == 0
    assert [str(d) for d in docs["approved_at"]] == ["2021-01-15 00:00:00", "2021-01-15 00:00:00"]
    assert [str(d) for d in docs["next_review"]] == ["2022-01-15 00:00:00", "2022-01-15 00:00:00"]
    assert list(docs["version"]) == ["3", "1"]
    assert list(docs["approver"]) == ["Board", "CIO"]
    assert list(docs["author"]) == ["Cy", "Dee"]
    assert list(docs["owner"]) == ["Ava", "Ben"]
    assert list(docs["doc_type"]) == ["policy", "record"]
    assert result.details["delimiter"] == ";"
    assert set(result.details["columns"]) >= {"id", "version", "approved_at", "next_review", "last_reviewed"}


def test_csv_blank_rows_skipped_and_shifted_rows_rejected(tmp_path):
    path = write(
        tmp_path,
        "register.csv",
        "Doc ID,Title,Version\nD-1,One,1\n,,\n\nD-2,Two,1,extra\nD-3,Three\n",
    )
    result = load("document_register", path)
    assert (result.rows_read, result.rows_rejected) == (3, 1)
    assert result.rejections[0].line == 5 and "fields" in result.rejections[0].reason
    assert list(result.tables["documents"]["id"]) == ["D-1", "D-3"]


def test_apex_register_loads_completely_with_detection():
    path = shared_file("document-register-apex-bank", "document_register.csv")
    result = load("document_register", path)
    assert (result.rows_read, result.rows_rejected, len(result.tables["documents"])) == (226, 0, 226)
    assert set(result.tables["documents"]["status"]) == {"approved"}
    claim = detect("document_register", path)
    assert claim is not None and "document_id -> id" in claim.reason


# --- document register: detect -------------------------------------------------------------------


def test_document_register_detect_claims_registers_only(tmp_path):
    csv_path = write(tmp_path, "docs.csv", "Register\nDoc ID,Title,Version,Next Review\nD-1,x,1,2027-01-01\n")
    claim = detect("document_register", csv_path)
    assert claim is not None and 0 < claim.score <= 1
    assert "Doc ID -> id" in claim.reason and "Version -> version" in claim.reason
    xlsx = workbook(tmp_path, {"Cover": [["x"]], "Docs": [["Title"], HEADER]})
    claim = detect("document_register", xlsx)
    assert claim is not None and claim.options == {"sheet": "Docs"} and "'Docs'" in claim.reason
    incidents = write(tmp_path, "incident.csv", "number,state,priority,short_description\nINC1,New,1,x\n")
    assert detect("document_register", incidents) is None
    cmdb = write(tmp_path, "cmdb_ci.csv", "sys_id,name,owned_by,operational_status\n1,erp,x,1\n")
    assert detect("document_register", cmdb) is None


# --- service catalogue ---------------------------------------------------------------------------


def test_services_csv_with_hours_and_minutes(tmp_path):
    path = write(
        tmp_path,
        "services.csv",
        "Service ID,Service Name,Owner,Criticality,Priority,Response minutes,Resolution hours,Calendar\n"
        "SVC-MAIL,Email,Messaging,high,P1,15,4,always\n"
        'SVC-MAIL,,,,2 - High,30,"1,5",office\n'
        "SVC-ERP,ERP,Finance IT,critical,1,,8,office\n"
        "SVC-ERP,ERP,Finance IT,critical,1,10,8,office\n"
        "SVC-ERP,ERP,Finance IT,critical,urgent-ish,10,8,office\n"
        ",Nameless,,,3,10,8,\n"
        "SVC-WIKI,Wiki,Collab,low,,,,\n",
    )
    result = load("service_catalogue", path)
    services = result.tables["services"]
    targets = result.tables["sla_targets"]
    assert list(services["id"]) == ["SVC-MAIL", "SVC-ERP", "SVC-WIKI"]
    assert services.set_index("id").loc["SVC-MAIL", "name"] == "Email"
    assert list(targets["id"]) == ["SVC-MAIL/P1", "SVC-MAIL/P2", "SVC-ERP/P1"]
    assert list(targets["response_minutes"][:2]) == [15.0, 30.0] and targets["response_minutes"].isna()[2]
    assert list(targets["resolution_minutes"]) == [240.0, 90.0, 480.0]
    assert list(targets["calendar"]) == ["always", "office", "office"]
    assert list(targets["_source_line"]) == [2, 3, 4]
    assert result.rows_read == 7 and result.rows_read == result.rows_accepted + result.rows_rejected
    by_line = {r.line: r for r in result.rejections}
    assert "duplicate SLA target SVC-ERP/P1 (first on line 4)" in by_line[5].reason
    assert by_line[6].column == "Priority" and "not a priority" in by_line[6].reason
    assert by_line[7].column == "Service ID" and "service id is required" in by_line[7].reason
    assert result.provided_columns["sla_targets"] >= {"response_minutes", "resolution_minutes", "calendar"}


def test_services_csv_unit_columns_and_conflicts(tmp_path):
    path = write(
        tmp_path,
        "sla.csv",
        "Service,Priority,Response time,Resolution time,Resolution minutes\n"
        "S1,1,30 min,4 h,240\n"
        "S1,2,1:30,8h,400\n"
        "S1,3,45,1 day,\n",
    )
    result = load("service_catalogue", path)
    targets = result.tables["sla_targets"]
    assert list(targets["id"]) == ["S1/P1"]
    assert (targets["response_minutes"][0], targets["resolution_minutes"][0]) == (30.0, 240.0)
    by_line = {r.line: r.reason for r in result.rejections}
    assert "given twice with different values" in by_line[3]
    assert "has no unit" in by_line[4]


@pytest.mark.parametrize(
    ("text", "unit", "minutes"),
    [("30", "min", 30.0), ("4", "h", 240.0), ("1,5", "h", 90.0), ("1,440", "min", 1440.0), ("2 hrs", None, 120.0)],
)
def test_duration_minutes(text, unit, minutes):
    assert duration_minutes(text, unit) == minutes


CATALOGUE = """\
calendars:
  office:
    timezone: Europe/London
    hours:
      mon-fri: "08:00-12:00, 13:00-18:00"
      sat: ["09:00-12:00"]
    holidays:
      - 2026-12-25
      - {date: "2026-12-26", name: Boxing Day}
      - 01.01.2027
  always:
    hours: 24x7
services:
  - id: SVC-MAIL
    name: Email
    owner: Messaging
    criticality: high
    calendar: office
    sla:
      - {priority: 1, response_minutes: 15, resolution_hours: 4, calendar: always}
      - {priority: 2, response_minutes: 30, resolution_minutes: 480}
"""


def test_yaml_calendars_with_holidays(tmp_path):
    result = load("service_catalogue", write(tmp_path, "catalogue.yaml", CATALOGUE))
    assert result.rows_rejected == 0 and result.rows_read == 5  # 2 calendars, 1 service, 2 targets
    targets = result.tables["sla_targets"]
    assert list(targets["calendar"]) == ["always", "office"]
    assert list(targets["resolution_minutes"]) == [240.0, 480.0]
    office = result.details["calendars"]["office"]
    assert office["timezone"] == "Europe/London"
    assert office["hours"]["mon"] == [["08:00", "12:00"], ["13:00", "18:00"]]
    assert office["hours"]["sat"] == [["09:00", "12:00"]]
    assert office["hours"]["sun"] == []
    assert office["holidays"] == ["2026-12-25", "2026-12-26", "2027-01-01"]
    assert office["holiday_names"] == {"2026-12-26": "Boxing Day"}
    assert office["line"] == 3
    assert result.details["calendars"]["always"]["hours"]["sun"] == [["00:00", "24:00"]]


@pytest.mark.parametrize(
    ("calendar", "column", "reason"),
    [
        ('{timezone: Mars/Olympus, hours: {mon: "08:00-18:00"}}', "calendars.office.timezone", "unknown time zone"),
        ('{hours: {mon: "18:00-08:00"}}', "calendars.office.hours.mon", "ends before it starts"),
        ('{hours: {mon: "8-18"}}', "calendars.office.hours.mon", "not a time range"),
        ('{hours: {funday: "08:00-18:00"}}', "calendars.office.hours.funday", "not a day"),
        ('{hours: {mon-fri: "08:00-18:00", fri: "08:00-12:00"}}', "calendars.office.hours.fri", "more than once"),
        ('{hours: {mon: "08:00-12:00, 11:00-13:00"}}', "calendars.office.hours.mon", "overlap"),
        ('{hours: {mon: "08:00-25:00"}}', "calendars.office.hours.mon", "outside 00:00-24:00"),
        ('{hours: {mon: "08:00-18:00"}, holidays: [someday]}', "calendars.office.holidays", "not a date"),
        ("{hours: {mon: closed}}", "calendars.office.hours", "every day is closed"),
        ('{hour: {mon: "08:00-18:00"}}', "calendars.office.hour", "unknown key 'hour'"),
        ("{timezone: UTC}", "calendars.office.hours", "hours are required"),
    ],
)
def test_bad_calendar_is_rejected_with_line_and_reason(tmp_path, calendar, column, reason):
    text = (
        "services:\n"
        "  - id: S1\n"
        "    sla:\n"
        "      - {priority: 1, response_minutes: 15, calendar: office}\n"
        "      - {priority: 2, response_minutes: 30, calendar: nowhere}\n"
        "      - {priority: 3, response_minutes: 60}\n"
        "calendars:\n"
        f"  office: {calendar}\n"
    )
    result = load("service_catalogue", write(tmp_path, "catalogue.yaml", text))
    assert result.rows_read == 5 and result.rows_read == result.rows_accepted + result.rows_rejected
    by_line = {r.line: r for r in result.rejections}
    assert by_line[8].column == column and reason in by_line[8].reason
    assert by_line[8].reason.startswith("calendar 'office': ")
    assert "calendar 'office' is invalid (see the rejection on line 8)" in by_line[4].reason
    assert "calendar 'nowhere' is not defined" in by_line[5].reason
    assert list(result.tables["sla_targets"]["id"]) == ["S1/P3"]
    assert result.details["calendars"] == {}


def test_yaml_catalogue_keeps_its_original_layout(tmp_path):
    text = (
        "services:\n"
        "  - id: SVC-A\n    name: A\n    sla:\n"
        "      - {priority: 1, response_minutes: 15, resolution_minutes: 240}\n"
        "      - {priority: one, response_minutes: 15}\n"
        "      - {priority: 1, response_minutes: 20}\n"
        "  - name: no id\n"
        "  - id: SVC-A\n"
    )
    result = load("service_catalogue", write(tmp_path, "catalogue.yaml", text))
    assert list(result.tables["services"]["id"]) == ["SVC-A"]
    assert list(result.tables["sla_targets"]["calendar"].astype(object)) == [None]
    reasons = {r.line: r.reason for r in result.rejections}
    assert "integer priority" in reasons[6]
    assert "duplicate SLA target SVC-A/P1" in reasons[7]
    assert "without an id" in reasons[8]
    assert "duplicate service id" in reasons[9]
    assert result.rows_read == 6


def test_service_catalogue_detect(tmp_path):
    yaml_claim = detect("service_catalogue", write(tmp_path, "catalogue.yaml", CATALOGUE))
    assert yaml_claim is not None and "'services'" in yaml_claim.reason and "'calendars'" in yaml_claim.reason
    csv_claim = detect(
        "service_catalogue", write(tmp_path, "sla.csv", "Service ID,Priority,Resolution hours\nS1,1,4\n")
    )
    assert csv_claim is not None and "Service ID -> id" in csv_claim.reason
    assert "Resolution hours -> resolution_hours" in csv_claim.reason
    incidents = write(tmp_path, "incident.csv", "number,service,priority,state\nINC1,S1,1,New\n")
    assert detect("service_catalogue", incidents) is None
    assert detect("service_catalogue", write(tmp_path, "rules.yaml", "rules: []\n")) is None
