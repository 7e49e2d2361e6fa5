"""ServiceNow and document-register adapters on hand-made quirks and on real exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence_adapters import ADAPTERS
from sms_audit.errors import EvidenceError
from tests.conftest import shared_file


def load(adapter: str, path: Path, **options):
    return ADAPTERS.get(adapter)().load(path, path.name, options)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_incident_display_values_and_codes_normalise_alike(tmp_path):
    path = write(
        tmp_path,
        "incident.csv",
        '"number","opened_at","priority","state","impact","cmdb_ci","problem_id"\n'
        '"INC1","2026-01-05 09:00:00","1 - Critical","In Progress","1 - High","mail-01","PRB9"\n'
        '"INC2","2026-01-05 9:05:00","2","6","3","",""\n',
    )
    result = load("servicenow", path)
    tickets = result.tables["tickets"]
    assert list(tickets["id"]) == ["INC1", "INC2"]
    assert list(tickets["priority"]) == [1, 2]
    assert list(tickets["status"]) == ["in_progress", "resolved"]
    assert list(tickets["impact"]) == [1, 3]
    assert str(tickets["opened_at"][1]) == "2026-01-05 09:05:00"
    assert list(tickets["_source_line"]) == [2, 3]
    links = result.tables["links"]
    assert links[["from_id", "to_id", "link_type"]].values.tolist() == [["INC1", "PRB9", "related_problem"]]


def test_bad_rows_are_rejected_with_line_column_and_reason(tmp_path):
    path = write(
        tmp_path,
        "incident.csv",
        "number,opened_at,priority,short_description\n"
        'INC1,2026-01-05 09:00:00,3 - Moderate,"first line\nsecond line"\n'
        "INC2,05/01/2026,3,bad date\n"
        ",2026-01-05 09:00:00,3,no number\n"
        "INC4,2026-01-05 09:00:00,3,too,many\n"
        "INC5,2026-01-05 09:00:00,urgent,bad priority\n"
        "INC6,2026-01-06 10:00:00,4,fine\n",
    )
    result = load("servicenow", path)
    assert result.rows_read == 6
    assert result.rows_accepted == 2
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    by_line = {r.line: r for r in result.rejections}
    assert sorted(by_line) == [4, 5, 6, 7]  # the record on line 2 spans two physical lines
    assert by_line[4].column == "opened_at" and "not a date" in by_line[4].reason
    assert "record id is required" in by_line[5].reason
    assert "fields" in by_line[6].reason
    assert by_line[7].column == "priority"
    assert list(result.tables["tickets"]["_source_line"]) == [2, 8]


def test_change_request_fields(tmp_path):
    path = write(
        tmp_path,
        "change_request.csv",
        "number,type,risk,approval,approval_set,start_date,work_start,close_code,backout_plan,state\n"
        "CHG1,Normal,Moderate,Approved,2026-01-01 10:00:00,2026-01-02 20:00:00,2026-01-02 20:00:00,"
        "successful,Roll back,Closed\n"
        "CHG2,Emergency,High,Rejected,2026-01-01 10:00:00,,,,,-4\n",
    )
    tickets = load("servicenow", path).tables["tickets"]
    assert list(tickets["record_type"]) == ["change", "change"]
    assert list(tickets["change_type"]) == ["normal", "emergency"]
    assert tickets["approved_at"].isna().tolist() == [False, True]  # a rejection is not an approval
    assert tickets["backout_plan"].tolist() == [True, False]
    assert list(tickets["status"]) == ["closed", "assess"]


def test_bom_semicolon_and_cp1252_are_read(tmp_path):
    path = write(tmp_path, "problem.csv", "\ufeffnumber;opened_at;cause_notes\nPRB1;2026-01-01 00:00:00;Café\n")
    tickets = load("servicenow", path).tables["tickets"]
    assert tickets["root_cause"][0] == "Café"
    cp = write(
        tmp_path,
        "problem_cp.csv",
        "number,opened_at,cause_notes\nPRB2,2026-01-01 00:00:00,Caf\xe9\n",
        encoding="cp1252",
    )
    result = load("servicenow", cp, table="problem")
    assert result.tables["tickets"]["root_cause"][0] == "Café"
    assert result.details["encoding"] == "cp1252"


def test_unknown_table_is_a_clear_error(tmp_path):
    path = write(tmp_path, "export.csv", "number\nX1\n")
    with pytest.raises(EvidenceError, match="options.table"):
        load("servicenow", path)


def test_cmdb_relations_by_display_name(tmp_path):
    path = write(tmp_path, "cmdb_rel_ci.csv", "parent,type,child\nERP,Depends on::Used by,erp-db\n")
    rel = load("servicenow", path).tables["ci_relations"]
    assert rel["id"][0] == "ERP|Depends on::Used by|erp-db"


def test_document_register_synonyms_and_statuses(tmp_path):
    path = write(
        tmp_path,
        "register.csv",
        "Document Number,Title,Type,Revision,Status,Effective Date,Review Due,Process Owner\n"
        "D-1,Policy,Service Management Policy,3,Released,15.01.2026,2027-01-15,Ava\n"
        "D-2,Old,Procedure,1,Superseded,2020-01-01,,\n",
    )
    docs = load("document_register", path).tables["documents"]
    assert list(docs["id"]) == ["D-1", "D-2"]
    assert list(docs["status"]) == ["approved", "superseded"]
    assert list(docs["doc_type"]) == ["service_management_policy", "procedure"]
    assert str(docs["approved_at"][0]) == "2026-01-15 00:00:00"
    assert docs["owner"][0] == "Ava"


def test_servicenow_pdi_exports_load_completely():
    incidents = load("servicenow", shared_file("servicenow-pdi-demo-exports", "incident.csv"))
    assert (incidents.rows_read, incidents.rows_rejected) == (66, 0)
    assert len(incidents.tables["tickets"]) == 66
    assert set(incidents.tables["tickets"]["priority"].dropna()) <= {1, 2, 3, 4, 5}
    cis = load("servicenow", shared_file("servicenow-pdi-demo-exports", "cmdb_ci.csv"))
    assert (cis.rows_read, cis.rows_rejected, len(cis.tables["cis"])) == (2784, 0, 2784)
    assert cis.tables["cis"]["owner"].isna().sum() == 2012


def test_apex_document_register_loads_completely():
    result = load("document_register", shared_file("document-register-apex-bank", "document_register.csv"))
    assert (result.rows_read, result.rows_rejected) == (226, 0)
    assert set(result.tables["documents"]["status"]) == {"approved"}
