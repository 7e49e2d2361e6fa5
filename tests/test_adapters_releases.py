"""ServiceNow Release Management exports (rm_release) as canonical release tickets and typed links."""

from __future__ import annotations

from pathlib import Path

from evidence_adapters import ADAPTERS
from evidence_adapters.detect import detect_adapter

HEADER = (
    "number,short_description,release_type,state,priority,business_service,cmdb_ci,assignment_group,assigned_to,"
    "opened_at,approval,approval_set,u_accepted_by,start_date,end_date,work_start,work_end,u_deployment_outcome,"
    "u_backout_plan,u_test_results,u_change_requests,u_known_errors,closed_at\n"
)
ROWS = (
    # Display values, two changes (one listed twice) and one known error.
    "RLSE0001001,ERP 4.2,Major,Closed Complete,2 - High,ERP Finance,erp-app-01,Enterprise Apps,Mei Tanaka,"
    "2026-01-05 09:00:00,Approved,2026-01-12 16:00:00,Omar Farouk,2026-01-14 20:00:00,2026-01-14 23:00:00,"
    "2026-01-14 20:05:00,2026-01-14 21:10:00,Successful,Redeploy 4.1 package,UAT signed off,"
    '"CHG0030011, CHG0030012,CHG0030011",PRB0040007,2026-01-16 09:00:00\n'
    # Raw codes; acceptance rejected (its date is not an acceptance); rolled back.
    "RLSE0001002,Shop hotfix,emergency,4,1,Customer Web Shop,shop-app-01,Digital Channels,Ava Brennan,"
    "2026-02-01 08:00:00,rejected,2026-02-01 09:00:00,,2026-02-01 10:00:00,2026-02-01 11:00:00,"
    "2026-02-01 10:00:00,2026-02-01 10:40:00,Rolled back,,,CHG0030020,,2026-02-02 08:00:00\n"
    # Still in testing: nothing deployed, no links.
    "RLSE0001003,HR portal 2.0,Minor,10,3,HR Self-Service Portal,hr-app-01,Enterprise Apps,Liam Okafor,"
    "2026-03-01 08:00:00,requested,,,2026-03-20 20:00:00,2026-03-20 22:00:00,,,,Rollback runbook,,,,\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path, **options):
    return ADAPTERS.get("servicenow")().load(path, path.name, options)


def test_release_fields_normalise(tmp_path):
    result = load(write(tmp_path, "rm_release.csv", HEADER + ROWS))
    tickets = result.tables["tickets"].set_index("id")
    assert result.details["table"] == "rm_release"
    assert set(tickets["record_type"]) == {"release"}
    assert tickets["status"].tolist() == ["closed", "closed_incomplete", "testing"]
    assert tickets["change_type"].tolist() == ["major", "emergency", "minor"]
    assert tickets["approval"].tolist() == ["approved", "rejected", "requested"]
    # approval_set is kept only for an acceptance; a rejection's date is not one.
    assert tickets["approved_at"].isna().tolist() == [False, True, True]
    assert tickets.loc["RLSE0001001", "approved_by"] == "Omar Farouk"
    assert tickets["outcome"].fillna("").tolist() == ["successful", "rolled_back", ""]
    assert tickets["backout_plan"].tolist() == [True, False, True]
    assert tickets["test_plan"].tolist() == [True, False, False]
    assert str(tickets.loc["RLSE0001001", "actual_start"]) == "2026-01-14 20:05:00"
    assert str(tickets.loc["RLSE0001003", "planned_end"]) == "2026-03-20 22:00:00"
    assert tickets.loc["RLSE0001002", "priority"] == 1
    assert "approved_by" in result.provided_columns["tickets"]


def test_release_list_fields_become_one_link_per_value(tmp_path):
    links = load(write(tmp_path, "rm_release.csv", HEADER + ROWS)).tables["links"]
    got = sorted(zip(links["from_id"], links["link_type"], links["to_id"], links["_source_line"], strict=True))
    assert got == [
        ("RLSE0001001", "fixes_known_error", "PRB0040007", 2),
        ("RLSE0001001", "release_contains_change", "CHG0030011", 2),
        ("RLSE0001001", "release_contains_change", "CHG0030012", 2),
        ("RLSE0001002", "release_contains_change", "CHG0030020", 3),
    ]
    assert links["id"].is_unique


def test_release_state_display_values(tmp_path):
    text = (
        "number,state,opened_at,short_description\n"
        "RLSE1,Draft,2026-01-01 08:00:00,a\n"
        "RLSE2,Work in Progress,2026-01-01 08:00:00,b\n"
        "RLSE3,Closed Skipped,2026-01-01 08:00:00,c\n"
        "RLSE4,-5,2026-01-01 08:00:00,d\n"
    )
    tickets = load(write(tmp_path, "rm_release.csv", text)).tables["tickets"]
    assert tickets["status"].tolist() == ["draft", "in_progress", "cancelled", "pending"]


def test_release_export_is_detected_by_its_numbers(tmp_path):
    path = write(tmp_path, "release_list_2026.csv", HEADER + ROWS)
    choice = detect_adapter(path, path.name)
    assert choice.adapter == "servicenow"
    assert choice.detection.options == {"table": "rm_release"}
    assert "RLSE" in choice.detection.reason
    loaded = load(path, **choice.detection.options)
    assert loaded.tables["tickets"]["record_type"].tolist() == ["release"] * 3


def test_other_ticket_tables_are_still_detected(tmp_path):
    samples = {
        "incident": "number,state,opened_at,short_description\nINC0010001,New,2026-01-01 08:00:00,x\n",
        "change_request": "number,state,opened_at,type\nCHG0030001,Closed,2026-01-01 08:00:00,Normal\n",
        "problem": "number,state,opened_at,known_error\nPRB0040001,Closed,2026-01-01 08:00:00,false\n",
    }
    for table, text in samples.items():
        path = write(tmp_path, f"export_{table}.csv", text)
        choice = detect_adapter(path, path.name)
        assert (choice.adapter, choice.detection.options) == ("servicenow", {"table": table})
    # A file named after the table is read as that table without detection.
    path = write(tmp_path, "rm_release.csv", "number,state,opened_at\nR-1,3,2026-01-01 08:00:00\n")
    assert load(path).tables["tickets"]["record_type"].tolist() == ["release"]


def test_change_links_are_not_split(tmp_path):
    # Only list fields are split: a problem's single reference keeps its whole value.
    text = "number,state,opened_at,rfc\nPRB1,Closed,2026-01-01 08:00:00,CHG1\n"
    links = load(write(tmp_path, "problem.csv", text)).tables["links"]
    assert links[["from_id", "to_id", "link_type"]].values.tolist() == [["PRB1", "CHG1", "resolved_by_change"]]
