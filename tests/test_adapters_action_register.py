"""Nonconformity / improvement register (CAPA log) adapter: CSV and XLSX, synonyms, vocabulary, rejections,
detection next to the document register."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from evidence_adapters import ADAPTERS
from evidence_adapters.detect import detect_adapter, make_sample
from sms_audit.errors import EvidenceError
from tests.conftest import shared_file

openpyxl = pytest.importorskip("openpyxl")

HEADER = (
    "ID,Type,Source,Clause,Description,Raised On,Raised By,Owner,Priority,Root Cause,Correction,"
    "Corrective Action,Due Date,Status,Closed On,Verified By,Verified On,Effective,Decision,Decision Date,"
    "Acknowledged On,Benefit Evaluation,Related\n"
)


def load(path: Path, **options):
    return ADAPTERS.get("action_register")().load(path, path.name, options)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def claim(adapter: str, path: Path):
    return ADAPTERS.get(adapter).detect(make_sample(path))


def workbook(tmp_path: Path, sheets: dict[str, list[list]], name: str = "capa.xlsx") -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def register(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        "improvement_register.csv",
        "Nonconformity and Improvement Register\nLast updated: 2026-06-28\n"
        + HEADER
        + "NC-25-001,Nonconformity (major),Internal audit,8.5.1.3 Change management,Emergency changes not reviewed,"
        "2025-08-04,Ava,Liam,,No review step,Backlog reviewed,Workflow step added,2025-09-30,Closed,2025-10-20,"
        "Mei,2025-10-15,Yes,,,,,\n"
        + "NC-25-002,Minor NC,Surveillance audit,Cl. 7.5.3,Old procedure published,15.08.2025,Auditor,Mei,,,,,"
        '31/10/2025,In progress,,,,N/A,,,,,"NC-25-001; OBS-25-001"\n'
        + "OBS-25-001,Observation,Internal audit,9.1,KPI definitions differ,2025-09-01,Ava,Priya,,,,,,Closed,"
        "2025-10-01,,,,,,,,\n"
        + "OFI-25-001,Opportunity for improvement (OFI),Management review,,Automate the SLA report,2025-09-02,Ava,"
        "Priya,High,,,Build report,2025-12-31,Implemented,,,,,Approved,2025-09-20,,,\n"
        + "CMP-25-001,Customer complaint,Complaint,,Invoice portal down,2025-10-06,Desk,Sofia,,,,,,Closed,"
        "2025-10-20,,,,,,2025-10-07,,\n"
        + "NC-25-003,Nonconformity,Incident review,Service continuity,Test not reported,2025-10-10,Omar,Noah,,,,,,"
        "Closed - not effective,2025-12-01,Zara,2025-11-30,Partially,,,,,\n",
    )


def test_csv_register_maps_types_sources_statuses_and_links(tmp_path):
    result = load(register(tmp_path))
    assert (result.rows_read, result.rows_rejected) == (6, 0)
    assert result.details["header_line"] == 3
    tickets = result.tables["tickets"].set_index("id")
    assert list(tickets["record_type"]) == [
        "nonconformity",
        "nonconformity",
        "observation",
        "improvement",
        "complaint",
        "nonconformity",
    ]
    assert tickets.loc["NC-25-001", "severity"] == "major" and tickets.loc["NC-25-002", "severity"] == "minor"
    assert pd.isna(tickets.loc["NC-25-003", "severity"])
    assert tickets.loc["NC-25-001", "source"] == "internal_audit"
    assert tickets.loc["NC-25-002", "source"] == "external_audit"
    assert tickets.loc["OFI-25-001", "source"] == "management_review"
    assert tickets.loc["NC-25-003", "source"] == "incident_review"
    assert list(tickets["clause_ref"].fillna("-")) == ["8.5.1.3", "7.5.3", "9.1", "-", "-", "Service continuity"]
    assert list(tickets["status"]) == ["closed", "in_progress", "closed", "implemented", "closed", "closed"]
    assert tickets.loc["NC-25-001", "effective"] == True  # noqa: E712 - pandas boolean NA-aware value
    assert pd.isna(tickets.loc["NC-25-002", "effective"])
    assert tickets.loc["NC-25-003", "effective"] == False  # noqa: E712
    assert tickets.loc["NC-25-002", "opened_at"] == pd.Timestamp("2025-08-15")
    assert tickets.loc["NC-25-002", "due_at"] == pd.Timestamp("2025-10-31")
    assert tickets.loc["NC-25-001", "verified_at"] == pd.Timestamp("2025-10-15")
    assert tickets.loc["NC-25-001", "verified_by"] == "Mei" and tickets.loc["NC-25-001", "assigned_to"] == "Liam"
    assert tickets.loc["NC-25-001", "raised_by"] == "Ava"
    assert tickets.loc["OFI-25-001", "approval"] == "approved" and tickets.loc["OFI-25-001", "priority"] == 2
    assert tickets.loc["OFI-25-001", "approved_at"] == pd.Timestamp("2025-09-20")
    assert tickets.loc["CMP-25-001", "acknowledged_at"] == pd.Timestamp("2025-10-07")
    assert tickets.loc["NC-25-001", "root_cause"] == "No review step"
    assert tickets.loc["NC-25-001", "corrective_action"] == "Workflow step added"
    assert list(tickets["_source_line"]) == [4, 5, 6, 7, 8, 9]
    links = result.tables["links"]
    assert sorted(zip(links["from_id"], links["to_id"], strict=True)) == [
        ("NC-25-002", "NC-25-001"),
        ("NC-25-002", "OBS-25-001"),
    ]
    assert set(links["link_type"]) == {"related"} and list(links["_source_line"]) == [5, 5]
    provided = result.provided_columns["tickets"]
    assert {"record_type", "severity", "due_at", "verified_by", "effective", "clause_ref"} <= provided
    assert "related" not in provided


def test_synonyms_and_column_overrides(tmp_path):
    path = write(
        tmp_path,
        "capa.csv",
        "CAPA No,Finding Type,Origin,ISO Clause,Finding,Date Raised,Action Owner,RCA,Containment,Action Plan,"
        "Target Date,State,Completion Date,Checked By,Verification Date,Effectiveness,Benefits Realised,Sponsor\n"
        "C-1,Major NC,Certification audit,10.1,Actions overdue,2026-01-05,Ava,Backlog,Chased,Monthly review,"
        "2026-03-31,Done,2026-03-01,Mei,2026-03-20,Effective,,Omar\n",
    )
    tickets = load(path, columns={"assigned_to": "Sponsor"}).tables["tickets"].iloc[0]
    assert (tickets["id"], tickets["record_type"], tickets["severity"]) == ("C-1", "nonconformity", "major")
    assert (tickets["source"], tickets["clause_ref"], tickets["status"]) == ("external_audit", "10.1", "implemented")
    assert tickets["assigned_to"] == "Omar" and tickets["root_cause"] == "Backlog"
    assert tickets["correction"] == "Chased" and tickets["corrective_action"] == "Monthly review"
    assert tickets["due_at"] == pd.Timestamp("2026-03-31") and tickets["closed_at"] == pd.Timestamp("2026-03-01")
    assert tickets["verified_by"] == "Mei" and bool(tickets["effective"]) is True


def test_register_without_type_column_uses_the_configured_record_type(tmp_path):
    path = write(tmp_path, "ofi.csv", "Ref,Description,Owner,Due Date,Benefit\nI-1,Chatbot,Ava,2026-09-01,\n")
    assert load(path).tables["tickets"]["record_type"].tolist() == ["nonconformity"]
    assert load(path, record_type="improvement").tables["tickets"]["record_type"].tolist() == ["improvement"]
    with pytest.raises(EvidenceError, match="options.record_type"):
        load(path, record_type="incident")


def test_rejected_rows_name_line_column_and_reason(tmp_path):
    path = write(
        tmp_path,
        "register.csv",
        HEADER
        + "NC-1,Nonconformity,Internal audit,8.6.1,ok,2026-01-05,,,,,,,,Open,,,,,,,,,\n"
        + "NC-2,Widget,Internal audit,8.6.1,bad type,2026-01-05,,,,,,,,Open,,,,,,,,,\n"
        + "NC-3,,Internal audit,8.6.1,no type,2026-01-05,,,,,,,,Open,,,,,,,,,\n"
        + "NC-1,Observation,Internal audit,8.6.1,same id,2026-01-06,,,,,,,,Open,,,,,,,,,\n"
        + "NC-4,Nonconformity,Internal audit,8.6.1,odd result,2026-01-05,,,,,,,,Closed,,,,Maybe,,,,,\n"
        + "NC-5,Nonconformity,Internal audit,8.6.1,bad date,2026-13-45,,,,,,,,Open,,,,,,,,,\n"
        + ",Nonconformity,Internal audit,8.6.1,no id,2026-01-05,,,,,,,,Open,,,,,,,,,\n"
        + "NC-6,Nonconformity,Internal audit,8.6.1,shifted,2026-01-05,,,,,,,,Open,,,,,,,,,,extra\n",
    )
    result = load(path)
    assert (result.rows_read, result.rows_rejected) == (8, 7)
    assert result.tables["tickets"]["id"].tolist() == ["NC-1"]
    found = {r.line: (r.column, r.reason) for r in result.rejections}
    assert sorted(found) == [3, 4, 5, 6, 7, 8, 9]
    assert found[3][0] == "Type" and "'widget' is not a known entry type" in found[3][1]
    assert found[4] == ("Type", "Type is empty (expected nonconformity, observation, improvement, complaint)")
    assert found[5][0] == "ID" and "repeats the entry on line 2" in found[5][1]
    assert found[6][0] == "Effective" and "'maybe'" in found[6][1]
    assert found[7][0] == "Raised On" and "not a date/time" in found[7][1]
    assert found[8][0] == "ID" and "is empty" in found[8][1]
    assert found[9][0] is None and "fields" in found[9][1]


def test_xlsx_register_with_title_rows_date_cells_and_serials(tmp_path):
    header = HEADER.strip().split(",")
    row = dict.fromkeys(header)
    row.update(
        {
            "ID": "NC-26-001",
            "Type": "Nonconformity (minor)",
            "Source": "Internal audit",
            "Clause": "8.2.6",
            "Raised On": dt.datetime(2026, 2, 3),
            "Owner": "Liam",
            "Due Date": 46142,  # Excel serial for 2026-04-30
            "Status": "Closed",
            "Closed On": dt.date(2026, 4, 20),
            "Verified By": "Mei",
            "Verified On": "2026-04-25",
            "Effective": "yes",
        }
    )
    bad = dict(row, ID="NC-26-002", Effective="sometimes")
    path = workbook(
        tmp_path,
        {"Cover": [["Quality records"]], "NC log": [["CAPA log 2026"], header, list(row.values()), list(bad.values())]},
    )
    found = claim("action_register", path)
    assert found is not None and found.options == {"sheet": "NC log"}
    result = load(path)
    assert result.details["sheet"] == "NC log" and result.details["header_row"] == 2
    tickets = result.tables["tickets"].iloc[0]
    assert tickets["opened_at"] == pd.Timestamp("2026-02-03") and tickets["due_at"] == pd.Timestamp("2026-04-30")
    assert tickets["closed_at"] == pd.Timestamp("2026-04-20") and bool(tickets["effective"]) is True
    assert tickets["_source_line"] == 3
    assert [(r.line, r.column) for r in result.rejections] == [("NC log!4", "Effective")]
    with pytest.raises(EvidenceError, match="no sheet named"):
        load(path, sheet="Missing")
    with pytest.raises(EvidenceError, match="no sheet has a nonconformity"):
        load(workbook(tmp_path, {"Cover": [["Quality records"]]}, "empty.xlsx"))


def test_missing_id_column_is_an_error(tmp_path):
    path = write(tmp_path, "log.csv", "Finding,Root Cause,Due Date\nx,y,2026-01-01\n")
    with pytest.raises(EvidenceError, match="no column for 'id'"):
        load(path)


# --- detection -----------------------------------------------------------------------------------


def test_auto_detection_picks_the_action_register_and_leaves_document_registers_alone(tmp_path):
    capa = register(tmp_path)
    assert detect_adapter(capa, capa.name).adapter == "action_register"
    assert claim("document_register", capa) is None
    docs = write(
        tmp_path,
        "documents.csv",
        "Doc ID,Title,Type,Version,Status,Owner,Approved by,Last Review,Next Review,Review due date\n"
        "POL-001,Policy,Policy,1.0,Approved,Ava,Omar,2026-01-01,2027-01-01,2027-01-01\n",
    )
    assert claim("action_register", docs) is None
    assert detect_adapter(docs, docs.name).adapter == "document_register"
    xlsx = workbook(tmp_path, {"Docs": [["Doc ID", "Title", "Version", "Status", "Next Review"]]}, "docs.xlsx")
    assert claim("action_register", xlsx) is None
    incidents = write(tmp_path, "incident.csv", "number,state,priority,short_description,due_date\nINC1,New,1,x,\n")
    assert claim("action_register", incidents) is None


def test_shared_document_register_is_still_a_document_register():
    path = shared_file("document-register-apex-bank", "document_register.csv")
    assert claim("action_register", path) is None
    assert detect_adapter(path, path.name).adapter == "document_register"


def test_demo_register_loads_without_rejections(tmp_path):
    from sms_audit.demo import DemoData
    from sms_audit.demo_plants_improvement import PATH, plant

    data = DemoData(__import__("random").Random(7), 600)
    plant(data, None)
    path = write(tmp_path, "improvement_register.csv", data.extra_files[PATH])
    assert detect_adapter(path, path.name).adapter == "action_register"
    result = load(path)
    assert result.rows_rejected == 0 and result.rows_read == len(result.tables["tickets"])
    assert set(result.tables["tickets"]["record_type"]) == {"nonconformity", "observation", "improvement", "complaint"}
    assert not result.details.get("unrecognised_statuses")
