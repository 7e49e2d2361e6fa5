"""ServiceNow history layouts: update history (one row per version) and sys_audit (one row per field change)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evidence_adapters import ADAPTERS
from evidence_adapters.base import Sample
from evidence_adapters.mapping import normalise_header
from evidence_adapters.servicenow import TICKET_TABLES

HISTORY_HEADER = (
    "number,sys_mod_count,sys_updated_on,sys_updated_by,opened_at,state,priority,assignment_group,"
    "short_description,resolved_at,closed_at\n"
)
# Three versions of INC1 (stored out of order, one with a two-line description), one of INC2, and a row
# with a bad sys_updated_on. Physical lines: header 1, INC1 v0 2, INC2 3, INC1 v2 4-5, INC1 v1 6, bad 7.
HISTORY = (
    HISTORY_HEADER
    + "INC1,0,2026-01-05 09:00:00,alice,2026-01-05 09:00:00,New,3 - Moderate,Service Desk,Mail down,,\n"
    + "INC2,0,2026-01-06 08:00:00,bob,2026-01-06 08:00:00,1,4,Network,VPN slow,,\n"
    + 'INC1,2,2026-01-05 12:00:00,carol,2026-01-05 09:30:00,6,2 - High,Messaging,"Mail down\nfor all",'
    + "2026-01-05 12:00:00,\n"
    + "INC1,1,2026-01-05 10:00:00,bob,2026-01-05 09:00:00,In Progress,2,Messaging,Mail down,,\n"
    + "INC3,0,05/01/2026 09:00,bob,2026-01-05 09:00:00,New,3,Network,bad date,,\n"
)

AUDIT = (
    "sys_id,tablename,documentkey,number,fieldname,oldvalue,newvalue,sys_created_on,user,record_checkpoint\n"
    "a1,incident,9d3c,INC7,state,,1,2026-02-01 08:00:00,alice,0\n"
    "a2,incident,9d3c,INC7,priority,,3 - Moderate,2026-02-01 08:00:00,alice,0\n"
    "a3,incident,9d3c,,assignment_group,,Service Desk,2026-02-01 08:00:00,alice,0\n"
    "a4,incident,9d3c,INC7,state,1,2,2026-02-01 09:00:00,bob,1\n"
    "a5,incident,9d3c,INC7,priority,3,1 - Critical,2026-02-01 09:00:00,bob,1\n"
    "a6,incident,9d3c,INC7,work_notes,,Called the user,2026-02-01 09:30:00,bob,2\n"
    "a7,incident,9d3c,INC7,state,2,Resolved,2026-02-01 11:00:00,carol,3\n"
    "a8,incident,9d3c,INC7,state,6,2,2026-02-02 10:00:00,alice,4\n"
    "a9,incident,9d3c,INC7,state,2,6,2026-02-02 12:00:00,carol,5\n"
    "a10,incident,9d3c,INC7,state,6,7,2026-02-05 12:00:00,system,6\n"
    "a11,sys_user,77aa,,name,,Bob,2026-02-01 09:00:00,admin,0\n"
    "a12,change_request,c0ff,,state,-4,-1,2026-02-03 10:00:00,dan,4\n"
    "a13,change_request,c0ff,,state,-5,-4,2026-02-02 10:00:00,dan,3\n"
    "a14,incident,9d3c,INC7,opened_at,,yesterday,2026-02-01 08:00:00,alice,0\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(adapter: str, path: Path, **options):
    return ADAPTERS.get(adapter)().load(path, path.name, options)


def values(frame: pd.DataFrame, columns: list[str]) -> list[list]:
    """Rows as lists, missing values as None."""
    part = frame[columns].astype(object)
    return part.where(part.notna(), None).values.tolist()


def sample_of(path: Path) -> Sample:
    text = path.read_text(encoding="utf-8")[:65536]
    header = tuple(cell.strip() for cell in text.split("\n", 1)[0].split(","))
    return Sample(path, path.suffix.lower(), text, header, frozenset(normalise_header(h) for h in header))


# --- servicenow_history ------------------------------------------------------------------------


def test_history_collapses_versions_to_one_snapshot_per_ticket(tmp_path):
    result = load("servicenow_history", write(tmp_path, "incident_history.csv", HISTORY))
    tickets = result.tables["tickets"].set_index("id")
    assert list(tickets.index) == ["INC1", "INC2"]
    inc1 = tickets.loc["INC1"]
    assert inc1["status"] == "resolved"  # latest version (sys_mod_count 2), although not the last line
    assert inc1["priority"] == 2
    assert inc1["assignment_group"] == "Messaging"
    assert inc1["short_description"] == "Mail down\nfor all"
    assert inc1["opened_at"] == pd.Timestamp("2026-01-05 09:00:00")  # first opened_at, not the latest
    assert inc1["resolved_at"] == pd.Timestamp("2026-01-05 12:00:00")
    assert pd.isna(inc1["closed_at"])
    assert inc1["record_type"] == "incident"
    assert inc1["_source_line"] == 4 and inc1["_source_file"] == "incident_history.csv"
    assert tickets.loc["INC2", "status"] == "new" and tickets.loc["INC2", "_source_line"] == 3
    assert not {"sys_updated_on", "sys_mod_count", "sys_updated_by"} & set(result.tables["tickets"].columns)


def test_history_events_list_exactly_the_changed_fields(tmp_path):
    result = load("servicenow_history", write(tmp_path, "incident_history.csv", HISTORY))
    events = result.tables["ticket_events"]
    assert values(events, ["id", "ticket_id", "field", "old_value", "new_value", "actor", "_source_line"]) == [
        ["INC1#0:created", "INC1", "created", None, "new", "alice", 2],
        ["INC1#1:status", "INC1", "status", "new", "in_progress", "bob", 6],
        ["INC1#1:priority", "INC1", "priority", "3", "2", "bob", 6],
        ["INC1#1:assignment_group", "INC1", "assignment_group", "Service Desk", "Messaging", "bob", 6],
        ["INC1#2:status", "INC1", "status", "in_progress", "resolved", "carol", 4],
        ["INC1#2:short_description", "INC1", "short_description", "Mail down", "Mail down\nfor all", "carol", 4],
        ["INC1#2:opened_at", "INC1", "opened_at", "2026-01-05 09:00:00", "2026-01-05 09:30:00", "carol", 4],
        ["INC1#2:resolved_at", "INC1", "resolved_at", None, "2026-01-05 12:00:00", "carol", 4],
        ["INC2#0:created", "INC2", "created", None, "new", "bob", 3],
    ]
    # '2 - High' and '2' are the same canonical priority: no event for version 2's priority.
    assert list(events["at"].astype(str)[:2]) == ["2026-01-05 09:00:00", "2026-01-05 10:00:00"]
    assert events["id"].is_unique
    assert set(events["_source_file"]) == {"incident_history.csv"}


def test_history_rejects_bad_dates_with_line_and_column(tmp_path):
    result = load("servicenow_history", write(tmp_path, "incident_history.csv", HISTORY))
    assert result.rows_read == 5
    assert result.rows_accepted == 4
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    [rejection] = result.rejections
    assert rejection.line == 7 and rejection.column == "sys_updated_on" and "not a date" in rejection.reason
    assert "INC3" not in set(result.tables["tickets"]["id"])
    assert result.details["versions"] == 4


def test_history_empty_update_time_is_rejected_and_table_comes_from_numbers(tmp_path):
    text = (
        "number,sys_mod_count,sys_updated_on,state,opened_at\n"
        "CHG1,0,2026-03-01 10:00:00,-5,2026-03-01 10:00:00\n"
        "CHG1,1,,-4,2026-03-01 10:00:00\n"
        "CHG1,1,2026-03-02 10:00:00,Scheduled,2026-03-01 10:00:00\n"
    )
    result = load("servicenow_history", write(tmp_path, "export.csv", text))
    assert result.details["table"] == "change_request"
    assert [(r.line, r.column) for r in result.rejections] == [(3, "sys_updated_on")]
    assert result.rows_read == result.rows_accepted + result.rows_rejected == 3
    tickets = result.tables["tickets"]
    assert tickets[["id", "record_type", "status"]].values.tolist() == [["CHG1", "change", "scheduled"]]
    events = result.tables["ticket_events"]
    assert values(events, ["id", "old_value", "new_value"]) == [
        ["CHG1#0:created", None, "new"],
        ["CHG1#1:status", "new", "scheduled"],
    ]


def test_history_values_normalise_like_the_servicenow_adapter(tmp_path):
    plain = (
        "number,opened_at,priority,state,impact,urgency,type,risk,approval,approval_set,work_start,backout_plan\n"
        "CHG9,2026-01-05 9:05:00,1 - Critical,Implement,1 - High,2,Emergency,High,Approved,2026-01-05 10:00:00,"
        "2026-01-06 20:00:00,Roll back\n"
        "CHG8,2026-01-05 09:00:00,4,-5,3,3,Normal,Moderate,Rejected,2026-01-05 11:00:00,,\n"
    )
    header, *records = plain.splitlines(keepends=True)
    history = "sys_mod_count,sys_updated_on," + header + "".join(f"0,2026-01-07 08:00:00,{r}" for r in records)
    expected = load("servicenow", write(tmp_path, "change_request.csv", plain)).tables["tickets"]
    got = load("servicenow_history", write(tmp_path, "change_request_history.csv", history)).tables["tickets"]
    columns = [c for c in expected.columns if c not in ("id", "_source_file", "_source_line")]
    assert "approved_at" in columns and "priority" in columns and "backout_plan" in columns
    pd.testing.assert_frame_equal(
        got.set_index("id").sort_index()[columns], expected.set_index("id").sort_index()[columns], check_dtype=False
    )


# --- servicenow_audit --------------------------------------------------------------------------


def test_sys_audit_rebuilds_snapshot_and_events(tmp_path):
    result = load("servicenow_audit", write(tmp_path, "sys_audit.csv", AUDIT))
    tickets = result.tables["tickets"].set_index("id")
    assert list(tickets.index) == ["INC7", "c0ff"]  # number where exported, else the documentkey
    inc = tickets.loc["INC7"]
    assert inc["record_type"] == "incident"
    assert inc["status"] == "closed"
    assert inc["priority"] == 1
    assert inc["assignment_group"] == "Service Desk"
    assert inc["opened_at"] == pd.Timestamp("2026-02-01 08:00:00")
    assert inc["resolved_at"] == pd.Timestamp("2026-02-01 11:00:00")  # first time it became resolved
    assert inc["closed_at"] == pd.Timestamp("2026-02-05 12:00:00")
    assert inc["_source_line"] == 11  # the latest event of the document
    change = tickets.loc["c0ff"]
    assert change["record_type"] == "change" and change["status"] == "implement"  # -1, latest by time
    assert pd.isna(change["resolved_at"]) and pd.isna(change["closed_at"])

    events = result.tables["ticket_events"]
    assert len(events) == result.rows_accepted == 12
    inc_events = events[events["ticket_id"] == "INC7"]
    assert values(inc_events.head(6), ["field", "old_value", "new_value", "_source_line"]) == [
        ["status", None, "new", 2],
        ["priority", None, "3", 3],
        ["assignment_group", None, "Service Desk", 4],
        ["status", "new", "in_progress", 5],
        ["priority", "3", "1", 6],
        ["work_notes", None, "Called the user", 7],
    ]
    assert list(inc_events["id"])[:2] == ["INC7#0:status", "INC7#0:priority"]
    assert list(inc_events["actor"])[-1] == "system"
    assert list(events[events["ticket_id"] == "c0ff"]["_source_line"]) == [14, 13]  # ordered by time
    assert events["id"].is_unique


def test_sys_audit_rejects_other_tables_and_bad_values(tmp_path):
    result = load("servicenow_audit", write(tmp_path, "sys_audit.csv", AUDIT))
    assert result.rows_read == 14
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    by_line = {r.line: r for r in result.rejections}
    assert sorted(by_line) == [12, 15]
    assert by_line[12].column == "tablename" and "sys_user" in by_line[12].reason
    assert by_line[15].column == "newvalue" and "not a date" in by_line[15].reason
    assert "opened_at" in by_line[15].reason


def test_sys_audit_without_number_or_tablename_uses_documentkey_and_the_file_name(tmp_path):
    text = (
        "documentkey,fieldname,oldvalue,newvalue,sys_created_on,user\n"
        "p1,problem_state,,101,2026-01-01 08:00:00,ann\n"
        "p1,problem_state,101,Resolved,2026-01-03 08:00:00,ann\n"
        "p1,problem_state,106,107,2026-01-04 08:00:00,ann\n"
    )
    result = load("servicenow_audit", write(tmp_path, "problem_audit.csv", text))
    tickets = result.tables["tickets"]
    assert tickets[["id", "record_type", "status"]].values.tolist() == [["p1", "problem", "closed"]]
    assert tickets["resolved_at"][0] == pd.Timestamp("2026-01-03 08:00:00")
    assert tickets["closed_at"][0] == pd.Timestamp("2026-01-04 08:00:00")
    assert list(result.tables["ticket_events"]["id"]) == ["p1#0:status", "p1#1:status", "p1#2:status"]


def test_sys_audit_requested_items_are_service_requests(tmp_path):
    if "sc_req_item" not in TICKET_TABLES:
        pytest.skip("the servicenow adapter declares no sc_req_item spec")
    text = (
        "tablename,documentkey,fieldname,oldvalue,newvalue,sys_created_on\n"
        "sc_req_item,r1,state,,Open,2026-01-01 08:00:00\n"
        "sc_req_item,r1,state,1,Closed Complete,2026-01-02 08:00:00\n"
        ",r2,state,,1,2026-01-01 08:00:00\n"
    )
    result = load("servicenow_audit", write(tmp_path, "sys_audit.csv", text))
    tickets = result.tables["tickets"]
    assert values(tickets, ["id", "record_type", "status", "closed_at"]) == [
        ["r1", "service_request", "closed", pd.Timestamp("2026-01-02 08:00:00")]
    ]
    [rejection] = result.rejections
    assert rejection.line == 4 and rejection.column == "tablename" and "is empty" in rejection.reason
    assert list(result.tables["ticket_events"]["new_value"])[-1] == "closed"


# --- detection and a whole scan ----------------------------------------------------------------


def test_detect_claims_each_layout(tmp_path):
    history = ADAPTERS.get("servicenow_history")
    audit = ADAPTERS.get("servicenow_audit")
    history_sample = sample_of(write(tmp_path, "incident_history.csv", HISTORY))
    audit_sample = sample_of(write(tmp_path, "sys_audit.csv", AUDIT))
    plain_sample = sample_of(write(tmp_path, "incident.csv", "number,state\nINC1,New\n"))

    claim = history.detect(history_sample)
    assert claim is not None and claim.score >= 0.9 and claim.options == {"table": "incident"}
    assert audit.detect(audit_sample) is not None and audit.detect(audit_sample).score >= 0.9
    assert history.detect(audit_sample) is None
    assert audit.detect(history_sample) is None
    assert history.detect(plain_sample) is None and audit.detect(plain_sample) is None
    single = sample_of(write(tmp_path, "incident_single.csv", HISTORY_HEADER + "INC1,0,2026-01-05 09:00:00,a,,,,,,,\n"))
    assert history.detect(single).score < claim.score  # a list export that merely carries sys_mod_count


def test_auto_detection_picks_the_history_adapters(tmp_path):
    detect = pytest.importorskip("evidence_adapters.detect")
    history = write(tmp_path, "incident_history.csv", HISTORY)
    single = write(tmp_path, "incident.csv", HISTORY_HEADER + "INC1,0,2026-01-05 09:00:00,a,,,,,,,\n")
    audit = write(tmp_path, "sys_audit.csv", AUDIT)
    assert detect.detect_adapter(history, history.name).adapter == "servicenow_history"
    assert detect.detect_adapter(single, single.name).adapter == "servicenow_history"
    assert detect.detect_adapter(audit, audit.name).adapter == "servicenow_audit"


def test_history_tickets_can_be_scanned(tmp_path):
    from sms_audit import load_config, scan

    write(tmp_path, "incident_history.csv", HISTORY)
    write(
        tmp_path,
        "sms-audit.yaml",
        'organisation: "History Test Ltd"\n'
        "audit:\n"
        '  period: {from: "2026-01-01", to: "2026-06-30"}\n'
        "evidence:\n"
        "  - {kind: tickets, adapter: servicenow_history, path: incident_history.csv}\n",
    )
    result = scan(load_config(tmp_path / "sms-audit.yaml"))
    assert result.results
    assert result.evidence.counts()["tickets"] == 2
    assert result.evidence.counts()["ticket_events"] == 9
    [manifest] = result.report["evidence"]["files"]
    assert manifest["adapter"] == "servicenow_history"
    assert (manifest["rows_read"], manifest["rows_accepted"], manifest["rows_rejected"]) == (5, 4, 1)
