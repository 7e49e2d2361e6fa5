"""ServiceNow incident exports with Major Incident Management fields (workflow state, promotion time) and the
custom fields for the post-incident review and the notice to top management."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evidence_adapters import ADAPTERS

MIM_COLUMNS = {"major_incident_state", "promoted_at", "major_review_at", "management_notified_at"}
HEADER = (
    "number,opened_at,state,priority,short_description,major_incident,major_incident_state,promoted_on,"
    "u_pir_date,u_mgmt_notified_on,resolved_at\n"
)
ROWS = (
    "INC1,2026-01-05 09:00:00,Closed,1 - Critical,ERP down,TRUE,Accepted,2026-01-05 09:20:00,"
    "2026-01-09 14:00:00,2026-01-05 10:05:00,2026-01-05 12:00:00\n"
    "INC2,2026-01-06 08:00:00,In Progress,1,Mail slow,false,proposed,,,,\n"
    "INC3,2026-01-07 08:00:00,New,3,Printer,,,,,,\n"
)


def load(tmp_path: Path, text: str, name: str = "incident.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return ADAPTERS.get("servicenow")().load(path, path.name, {})


def test_major_incident_fields_map_to_canonical_columns(tmp_path):
    result = load(tmp_path, HEADER + ROWS)
    tickets = result.tables["tickets"].set_index("id")
    assert not result.rejections
    assert MIM_COLUMNS <= result.provided_columns["tickets"]
    assert tickets.loc["INC1", "major_incident_state"] == "accepted"
    assert tickets.loc["INC2", "major_incident_state"] == "proposed"
    assert pd.isna(tickets.loc["INC3", "major_incident_state"])
    assert tickets.loc["INC1", "promoted_at"] == pd.Timestamp("2026-01-05 09:20:00")
    assert tickets.loc["INC1", "major_review_at"] == pd.Timestamp("2026-01-09 14:00:00")
    assert tickets.loc["INC1", "management_notified_at"] == pd.Timestamp("2026-01-05 10:05:00")
    assert pd.isna(tickets.loc["INC2", "promoted_at"]) and pd.isna(tickets.loc["INC2", "major_review_at"])
    assert bool(tickets.loc["INC1", "major_incident"])


def test_alternative_custom_field_names(tmp_path):
    text = (
        "number,opened_at,state,u_promoted_on,u_post_incident_review_date,u_management_notified_on\n"
        "INC9,2026-02-01 08:00:00,Resolved,2026-02-01 08:30:00,2026-02-04 10:00:00,2026-02-01 09:00:00\n"
    )
    tickets = load(tmp_path, text).tables["tickets"].set_index("id")
    assert tickets.loc["INC9", "promoted_at"] == pd.Timestamp("2026-02-01 08:30:00")
    assert tickets.loc["INC9", "major_review_at"] == pd.Timestamp("2026-02-04 10:00:00")
    assert tickets.loc["INC9", "management_notified_at"] == pd.Timestamp("2026-02-01 09:00:00")


def test_exports_without_the_fields_do_not_provide_them(tmp_path):
    result = load(tmp_path, "number,opened_at,state,priority\nINC5,2026-01-05 09:00:00,New,3\n")
    assert not MIM_COLUMNS & result.provided_columns["tickets"]


def test_bad_review_date_rejects_the_record(tmp_path):
    text = HEADER + "INC7,2026-01-05 09:00:00,Closed,1,ERP down,TRUE,accepted,,next week,,2026-01-05 12:00:00\n"
    result = load(tmp_path, text)
    assert len(result.tables["tickets"]) == 0
    assert [r.column for r in result.rejections] == ["u_pir_date"]
