"""Jira Service Management, HP Service Manager and GLPI adapters on hand-made exports with each format's quirks."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from evidence_adapters import ADAPTERS
from evidence_adapters.base import Sample
from evidence_adapters.hpsm import split_multivalue
from evidence_adapters.mapping import normalise_header
from sms_audit.errors import EvidenceError

T = pd.Timestamp


def load(adapter: str, path: Path, **options):
    return ADAPTERS.get(adapter)().load(path, path.name, options)


def rows_to_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def sample_of(path: Path) -> Sample:
    """The start of a file as the auto-detection hands it to every adapter."""
    raw = path.read_bytes()[:65536]
    text = raw[len(codecs.BOM_UTF8) :].decode("utf-8") if raw.startswith(codecs.BOM_UTF8) else raw.decode("utf-8")
    first = next(line for line in text.splitlines() if line.strip())
    delimiter = max(",;\t|", key=lambda d: (first.count(d), d == ","))
    header = tuple(cell.strip() for cell in next(csv.reader([first], delimiter=delimiter)))
    return Sample(path, path.suffix.lower(), text, header, frozenset(normalise_header(h) for h in header if h))


def records(frame: pd.DataFrame, *columns: str) -> list[list]:
    return [[None if pd.isna(v) else v for v in row] for row in frame[list(columns)].itertuples(index=False)]


# --------------------------------------------------------------------------------------------- Jira

JIRA_HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Priority",
    "Resolution",
    "Assignee",
    "Created",
    "Resolved",
    "Component/s",
    "Component/s",
    "Outward issue link (Relates)",
    "Outward issue link (Relates)",
    "Inward issue link (Relates)",
    "Inward issue link (Problem/Incident)",
    "Outward issue link (Problem/Incident)",
    "Custom field (Affected services)",
    "Custom field (Time to resolution)",
    "Custom field (Time to first response)",
    "Custom field ([CHART] Date of First Response)",
    "Status Category",
    "Description",
]


def jira_row(**cells: str) -> list[str]:
    names = {
        "summary": 0,
        "key": 1,
        "issue_id": 2,
        "type": 3,
        "status": 4,
        "priority": 5,
        "resolution": 6,
        "assignee": 7,
        "created": 8,
        "resolved": 9,
        "comp1": 10,
        "comp2": 11,
        "out_rel1": 12,
        "out_rel2": 13,
        "in_rel": 14,
        "in_pi": 15,
        "out_pi": 16,
        "service": 17,
        "ttr": 18,
        "ttfr": 19,
        "first_response": 20,
        "category": 21,
        "description": 22,
    }
    row = [""] * len(JIRA_HEADER)
    for name, value in cells.items():
        row[names[name]] = value
    return row


@pytest.fixture
def jira_export(tmp_path: Path) -> Path:
    rows = [
        JIRA_HEADER,
        # line 2-3: the description spans two physical lines
        jira_row(
            summary="Mail down",
            key="ITSM-1",
            issue_id="10001",
            type="Incident",
            status="Resolved",
            priority="Highest",
            resolution="Done",
            assignee="Alice",
            created="05/Jan/26 9:03 AM",
            resolved="05/Jan/26 1:15 PM",
            comp1="Email",
            comp2="Exchange",
            out_rel1="ITSM-2",
            out_rel2="ITSM-3",
            in_pi="ITSM-9",
            service="Email",
            ttr="-2:30",
            ttfr="0:45",
            first_response="05/Jan/26 9:20 AM",
            category="Done",
            description="first line\r\nsecond line",
        ),
        # line 4
        jira_row(
            summary="VPN access",
            key="ITSM-2",
            issue_id="10002",
            type="Service request with approvals",
            status="Waiting for customer",
            priority="Medium",
            assignee="Bob",
            created="06/Jan/26 10:00 AM",
            comp1="VPN",
            in_rel="ITSM-1",
            ttr="3:00",
            category="In Progress",
        ),
        # line 5
        jira_row(
            summary="Mail outages",
            key="ITSM-9",
            issue_id="10009",
            type="Problem",
            status="Under investigation",
            priority="P2 - High",
            created="07/Jan/26 11:30 PM",
            out_pi="ITSM-1",
            category="In Progress",
        ),
        # line 6: 31 February is no date -> rejected, and so is its link
        jira_row(summary="Bad", key="ITSM-4", type="Incident", created="31/Feb/26 9:00 AM", out_rel1="ITSM-1"),
        # line 7: a status outside the list falls back to its category
        jira_row(
            summary="Deploy",
            key="ITSM-5",
            type="Change",
            status="Deployed",
            priority="Lowest",
            created="08/Jan/26 8:00 AM",
            category="Done",
        ),
    ]
    text = rows_to_text(rows)
    text += "Short row,ITSM-7,10007\r\n"  # line 8: wrong number of fields
    text += rows_to_text(
        [jira_row(summary="Chore", key="ITSM-6", type="Task", status="To Do", created="09/Jan/26 12:05 PM")]
    )  # line 9
    return write(tmp_path, "jira.csv", text, encoding="utf-8-sig")


def test_jira_all_fields_export(jira_export: Path):
    assert jira_export.read_bytes().startswith(codecs.BOM_UTF8)
    result = load("jira", jira_export)
    tickets = result.tables["tickets"]
    assert result.rows_read == 7
    assert result.rows_accepted == 5 and result.rows_rejected == 2
    assert records(tickets, "id", "record_type", "status", "priority", "_source_line") == [
        ["ITSM-1", "incident", "resolved", 1, 2],
        ["ITSM-2", "service_request", "on_hold", 3, 4],
        ["ITSM-9", "problem", "root_cause_analysis", 2, 5],
        ["ITSM-5", "change", "closed", 5, 7],
        ["ITSM-6", "task", "new", None, 9],
    ]
    assert set(tickets["_source_file"]) == {"jira.csv"}
    first = tickets.iloc[0]
    assert first["opened_at"] == T("2026-01-05 09:03")
    assert first["resolved_at"] == T("2026-01-05 13:15")
    assert first["responded_at"] == T("2026-01-05 09:20")
    assert tickets.iloc[2]["opened_at"] == T("2026-01-07 23:30")
    assert tickets.iloc[4]["opened_at"] == T("2026-01-09 12:05")
    assert first["category"] == "Email"  # the first of the repeated Component/s columns
    assert first["service"] == "Email"
    assert first["close_code"] == "done"
    assert first["assigned_to"] == "Alice"
    assert first["short_description"] == "Mail down"


def test_jira_rejections_name_line_and_column(jira_export: Path):
    by_line = {r.line: r for r in load("jira", jira_export).rejections}
    assert sorted(by_line) == [6, 8]
    assert by_line[6].column == "Created" and "not a date" in by_line[6].reason
    assert by_line[6].file == "jira.csv"
    assert by_line[8].column is None and "fields" in by_line[8].reason


def test_jira_issue_links(jira_export: Path):
    links = load("jira", jira_export).tables["links"]
    assert records(links, "id", "from_id", "to_id", "link_type", "_source_line") == [
        ["ITSM-1>relates>ITSM-2", "ITSM-1", "ITSM-2", "relates", 2],
        ["ITSM-1>relates>ITSM-3", "ITSM-1", "ITSM-3", "relates", 2],
        ["ITSM-1>related_problem>ITSM-9", "ITSM-1", "ITSM-9", "related_problem", 2],
    ]
    assert set(links["_source_file"]) == {"jira.csv"}


def test_jira_sla_breaches_and_provided_columns(jira_export: Path):
    result = load("jira", jira_export)
    sla = result.details["sla"]
    assert sla["time_to_resolution"]["breached"] == ["ITSM-1"]
    assert sla["time_to_resolution"]["not_breached"] == 1
    assert sla["time_to_first_response"]["breached"] == []
    provided = result.provided_columns["tickets"]
    assert {"id", "record_type", "status", "priority", "opened_at", "resolved_at", "category", "service"} <= provided
    assert not {"ci_id", "assignment_group", "reopen_count", "_issue_type", "_status_category"} & provided
    assert result.provided_columns["links"] == {"id", "from_id", "to_id", "link_type"}


def test_jira_localised_headers(tmp_path: Path):
    path = write(
        tmp_path,
        "jira-es.csv",
        "Resumen;Clave de incidencia;Tipo de incidencia;Estado;Prioridad;Creada;Campo personalizado (Equipo)\r\n"
        "Correo caído;SD-1;Incident;Resolved;Urgente;05/01/2026 09:03;Mesa de ayuda\r\n"
        "Alta VPN;SD-2;Service request;Open;P3;06/01/2026 10:00;\r\n",
    )
    result = load(
        "jira",
        path,
        header_aliases={"Resumen": "Summary", "Tipo de incidencia": "Issue Type", "Estado": "Status"},
        columns={"priority": "Prioridad", "assignment_group": "Campo personalizado (Equipo)"},
        date_formats=["%d/%m/%Y %H:%M"],
        priority_map={"Urgente": 1},
    )
    assert result.rejections == []
    assert records(
        result.tables["tickets"], "id", "record_type", "status", "priority", "opened_at", "assignment_group"
    ) == [
        ["SD-1", "incident", "resolved", 1, T("2026-01-05 09:03"), "Mesa de ayuda"],
        ["SD-2", "service_request", "new", 3, T("2026-01-06 10:00"), None],
    ]
    assert result.tables["tickets"].iloc[0]["short_description"] == "Correo caído"
    assert result.details["delimiter"] == ";"
    assert "links" not in result.tables  # no link columns: the links table is not provided


def test_jira_without_issue_key_is_unusable(tmp_path: Path):
    path = write(tmp_path, "jira.csv", "Summary,Status\r\nx,Open\r\n")
    with pytest.raises(EvidenceError, match="Issue key"):
        load("jira", path)


# --------------------------------------------------------------------------------------------- HPSM

HPSM_HEADER = (
    "CI Name (aff);CI Type (aff);CI Subtype (aff);Service Component WBS (aff);Incident ID;Status;Impact;Urgency;"
    "Priority;Category;KM number;Alert Status;# Reassignments;Open Time;Reopen Time;Resolved Time;Close Time;"
    "Handle Time (Hours);Closure Code;# Related Interactions;Related Interaction;# Related Incidents;"
    "# Related Changes;Related Change;CI Name (CBy);CI Type (CBy);CI Subtype (CBy);ServiceComp WBS (CBy);"
)


@pytest.fixture
def hpsm_export(tmp_path: Path) -> Path:
    text = (
        HPSM_HEADER + "\r\n"
        # line 2
        "WBA000124;application;Web Based Application;WBS000073;IM0000004;Closed;4;4;4;incident;KM0000553;closed;"
        "26;05-02-2013 13:37:31;;04-01-2014 10:26:00;04-01-2014 10:26:00;3871,69;Other;1;SD0000007;;2;CH0000012;"
        "WBA000124;application;Web Based Application;WBS000073;\r\n"
        # lines 3-5: several CIs in one cell; the related interactions were withheld
        '"#MULTIVALUE\r\nSBA000464\r\nSBA000465";subapplication;Server Based Application;WBS000091;IM0000005;'
        "Work In Progress;5 - Very Low;3;3;incident;;open;0;07/01/2014 08:15:00;10-01-2014 09:00;;;0,25;;2;"
        "#MULTIVALUE;;0;;;;;;\r\n"
        # line 6: 31 February is no date
        "WBA000001;application;;WBS000001;IM0000006;Closed;3;3;3;incident;;closed;1;31-02-2014 10:00:00;;;;1,5;;"
        "0;;;0;;;;;;\r\n"
        # line 7: trailing empty row
        ";;;;;;;;;;;;;;;;;;;;;;;;;;;;\r\n"
    )
    return write(tmp_path, "Detail_Incident.csv", text)


def test_hpsm_incidents(hpsm_export: Path):
    result = load("hpsm", hpsm_export)
    assert result.details["table"] == "incident" and result.details["delimiter"] == ";"
    assert result.rows_read == 3 and result.rows_accepted == 2
    tickets = result.tables["tickets"]
    assert records(
        tickets, "id", "record_type", "status", "impact", "urgency", "priority", "ci_id", "service", "_source_line"
    ) == [
        ["IM0000004", "incident", "closed", 4, 4, 4, "WBA000124", "WBS000073", 2],
        ["IM0000005", "incident", "in_progress", 5, 3, 3, "SBA000464", "WBS000091", 3],
    ]
    assert list(tickets["opened_at"]) == [T("2013-02-05 13:37:31"), T("2014-01-07 08:15:00")]
    assert tickets.iloc[0]["resolved_at"] == T("2014-01-04 10:26:00")
    assert tickets.iloc[0]["closed_at"] == T("2014-01-04 10:26:00")
    assert list(tickets["reassignment_count"]) == [26, 0]
    assert list(tickets["reopen_count"]) == [0, 1]
    assert tickets.iloc[0]["close_code"] == "other"
    assert tickets.iloc[0]["category"] == "incident"
    [rejection] = result.rejections
    assert (rejection.file, rejection.line, rejection.column) == ("Detail_Incident.csv", 6, "Open Time")
    assert "not a date" in rejection.reason
    provided = result.provided_columns["tickets"]
    assert {"reopen_count", "reassignment_count", "ci_id", "service", "record_type"} <= provided
    assert "_reopened_at" not in provided and "assignment_group" not in provided


def test_hpsm_multivalue_cells_become_links(hpsm_export: Path):
    result = load("hpsm", hpsm_export)
    links = result.tables["links"].sort_values("id")
    assert records(links, "id", "from_id", "to_id", "link_type", "_source_line") == [
        ["IM0000004>caused_by_ci>WBA000124", "IM0000004", "WBA000124", "caused_by_ci", 2],
        ["IM0000004>related_change>CH0000012", "IM0000004", "CH0000012", "related_change", 2],
        ["IM0000004>related_interaction>SD0000007", "IM0000004", "SD0000007", "related_interaction", 2],
        ["IM0000005>affects_ci>SBA000465", "IM0000005", "SBA000465", "affects_ci", 3],
    ]
    assert result.details["multivalue_withheld"] == [{"line": 3, "column": "Related Interaction"}]


def test_hpsm_split_multivalue_forms():
    assert split_multivalue("CI1") == (["CI1"], False)
    assert split_multivalue("#MULTIVALUE") == ([], True)
    assert split_multivalue("#MULTIVALUE CI1, CI2") == (["CI1", "CI2"], False)
    assert split_multivalue("CI1#MULTIVALUECI2#MULTIVALUECI3") == (["CI1", "CI2", "CI3"], False)
    assert split_multivalue("") == ([], False)


def test_hpsm_changes(tmp_path: Path):
    path = write(
        tmp_path,
        "Detail_Change.csv",
        "CI Name (aff);Service Component WBS (aff);Change ID;Change Type;Risk Assessment;Emergency Change;"
        "CAB-approval needed;Planned Start;Planned End;Actual Start;Actual End;Change record Open Time;"
        "Change record Close Time\n"
        '"#MULTIVALUE,DTA000057,DTA000058";WBS000090;C00000001;Change Component;Minor Change;Y;N;'
        "01-01-2014 20:00:00;01-01-2014 22:00:00;01-01-2014 20:05:00;01-01-2014 21:30:00;20-12-2013 10:00:00;"
        "02-01-2014 09:00:00\n"
        "SBA000001;WBS000001;C00000002;Release Type;Business Change;N;Y;03-01-2014 20:00;;;;02-01-2014 10:00;\n"
        "SBA000001;WBS000001;C00000003;Release Type;Business Change;maybe;Y;;;;;02-01-2014 10:00;\n",
    )
    result = load("hpsm", path)
    assert result.details["table"] == "change"
    tickets = result.tables["tickets"]
    assert records(tickets, "id", "record_type", "change_type", "risk", "ci_id", "planned_start", "actual_end") == [
        [
            "C00000001",
            "change",
            "emergency",
            "minor_change",
            "DTA000057",
            T("2014-01-01 20:00"),
            T("2014-01-01 21:30"),
        ],
        ["C00000002", "change", "release_type", "business_change", "SBA000001", T("2014-01-03 20:00"), None],
    ]
    assert tickets.iloc[0]["opened_at"] == T("2013-12-20 10:00")
    assert records(result.tables["links"], "id", "_source_line") == [["C00000001>affects_ci>DTA000058", 2]]
    [rejection] = result.rejections
    assert (rejection.line, rejection.column) == (4, "Emergency Change")


def test_hpsm_activities_become_ticket_events(tmp_path: Path):
    path = write(
        tmp_path,
        "Detail_Incident_Activity.csv",
        "Incident ID;DateStamp;IncidentActivity_Number;IncidentActivity_Type;Assignment Group;KM number;"
        "Interaction ID\n"
        "IM0000004;07-01-2014 08:17:17;001A3689763;Reassignment;TEAM0001;KM0000553;SD0000007\n"
        "IM0000004;07-01-2014 08:18:00;001A5852941;Closed;TEAM0002;;\n",
    )
    result = load("hpsm", path)
    events = result.tables["ticket_events"]
    assert records(events, "id", "ticket_id", "at", "field", "new_value", "actor", "_source_line") == [
        ["001A3689763", "IM0000004", T("2014-01-07 08:17:17"), "activity", "Reassignment", "TEAM0001", 2],
        ["001A5852941", "IM0000004", T("2014-01-07 08:18:00"), "activity", "Closed", "TEAM0002", 3],
    ]


def test_hpsm_unknown_table_is_unusable(tmp_path: Path):
    path = write(tmp_path, "x.csv", "Foo;Bar\n1;2\n")
    with pytest.raises(EvidenceError, match="options.table"):
        load("hpsm", path)


# --------------------------------------------------------------------------------------------- GLPI

GLPI_HEADER = [
    "id",
    "entities_id",
    "name",
    "date",
    "closedate",
    "solvedate",
    "status",
    "users_id_recipient",
    "requesttypes_id",
    "content",
    "urgency",
    "impact",
    "priority",
    "itilcategories_id",
    "type",
    "global_validation",
    "time_to_resolve",
    "time_to_own",
    "takeintoaccountdate",
    "is_deleted",
]


@pytest.fixture
def glpi_export(tmp_path: Path) -> Path:
    rows = [
        GLPI_HEADER,
        # lines 2-3 (multi-line content)
        ["101", "0", "Printer jam", "2026-01-05 09:00:00", "2026-01-06 10:00:00", "2026-01-05 15:00:00", "6", "2"]
        + ["1", "<p>Paper\nstuck</p>", "3", "3", "3", "7", "1", "1", "2026-01-05 17:00:00", "2026-01-05 10:00:00"]
        + ["2026-01-05 09:30:00", "0"],
        # line 4: major priority, request, approval granted; SQL nulls and the zero date
        ["102", "0", "New laptop", "2026-01-06 08:00:00", "0000-00-00 00:00:00", "NULL", "2", "2", "1", "x"]
        + ["5", "4", "6", "12", "2", "3", "2026-01-08 08:00:00", "NULL", "\\N", "0"],
        # line 5: solved after the deadline
        ["103", "0", "VPN slow", "2026-01-07 08:00:00", "", "2026-01-09 08:00:00", "5", "2", "1", "x", "2", "2"]
        + ["4", "7", "1", "1", "2026-01-08 08:00:00", "", "", "0"],
        # line 6: in the trash
        ["104", "0", "Deleted", "2026-01-07 08:00:00", "", "", "1", "2", "1", "x", "3", "3", "3", "7", "1", "1"]
        + ["", "", "", "1"],
        # line 7: priority off the scale
        ["105", "0", "Odd", "2026-01-07 08:00:00", "", "", "1", "2", "1", "x", "3", "3", "9", "7", "1", "1"]
        + ["", "", "", "0"],
        # line 8: day-first date
        ["106", "0", "Day first", "05-01-2026 09:00", "", "", "4", "2", "1", "x", "1", "1", "1", "7", "1", "1"]
        + ["", "", "", "0"],
        # line 9: no such date
        ["107", "0", "Bad date", "2026-02-30 10:00:00", "", "", "1", "2", "1", "x", "3", "3", "3", "7", "1", "1"]
        + ["", "", "", "0"],
    ]
    return write(tmp_path, "glpi_tickets.csv", rows_to_text(rows, newline="\n"))


def test_glpi_ticket_dump(glpi_export: Path):
    result = load("glpi", glpi_export)
    assert result.details["table"] == "ticket"
    assert result.rows_read == 7 and result.rows_accepted == 4
    tickets = result.tables["tickets"]
    assert records(
        tickets, "id", "record_type", "status", "priority", "impact", "urgency", "major_incident", "_source_line"
    ) == [
        ["101", "incident", "closed", 3, 3, 3, False, 2],
        ["102", "service_request", "in_progress", 1, 2, 1, True, 4],
        ["103", "incident", "resolved", 2, 4, 4, False, 5],
        ["106", "incident", "on_hold", 5, 5, 5, False, 8],
    ]
    assert list(tickets["approval"]) == ["not_requested", "approved", "not_requested", "not_requested"]
    assert list(tickets["category"]) == ["7", "12", "7", "7"]
    first, second = tickets.iloc[0], tickets.iloc[1]
    assert (first["opened_at"], first["resolved_at"], first["closed_at"]) == (
        T("2026-01-05 09:00"),
        T("2026-01-05 15:00"),
        T("2026-01-06 10:00"),
    )
    assert first["responded_at"] == T("2026-01-05 09:30")
    assert pd.isna(second["resolved_at"]) and pd.isna(second["closed_at"]) and pd.isna(second["responded_at"])
    assert tickets.iloc[3]["opened_at"] == T("2026-01-05 09:00")
    provided = result.provided_columns["tickets"]
    assert {"record_type", "major_incident", "approval", "priority", "responded_at"} <= provided
    assert not {"_type", "_deleted", "service"} & provided
    assert "links" not in result.tables and "links" not in result.provided_columns


def test_glpi_rejections(glpi_export: Path):
    by_line = {r.line: r for r in load("glpi", glpi_export).rejections}
    assert sorted(by_line) == [6, 7, 9]
    assert by_line[6].column == "is_deleted" and "trash" in by_line[6].reason
    assert by_line[7].column == "priority" and "'9' is not a GLPI level" in by_line[7].reason
    assert by_line[9].column == "date" and "not a date" in by_line[9].reason


def test_glpi_sla_summary(glpi_export: Path):
    sla = load("glpi", glpi_export).details["sla"]
    assert sla["time_to_resolve"] == {"breached": ["103"], "met": 1, "open": 1, "no_sla": 1}
    assert sla["time_to_own"]["met"] == 1 and sla["time_to_own"]["breached"] == []


def test_glpi_french_ui_export(tmp_path: Path):
    path = write(
        tmp_path,
        "export.csv",
        "ID;Titre;Statut;Date d'ouverture;Priorité;Urgence;Catégorie;Attribué à - Technicien;Éléments associés\n"
        "1 234;Imprimante;En cours (Attribué);05-01-2026 09:00;Très haute;Haute;Matériel > Imprimante;tech1;"
        "PC-001$$##$$PC-002\n"
        "1 235;Accès;Résolu;06-01-2026 10:00;Moyenne;Basse;Logiciel;;\n",
        encoding="cp1252",
    )
    result = load("glpi", path)
    assert result.details["encoding"] == "cp1252"
    assert records(result.tables["tickets"], "id", "status", "priority", "urgency", "category", "ci_id") == [
        ["1 234", "in_progress", 1, 2, "Matériel > Imprimante", "PC-001"],
        ["1 235", "resolved", 3, 4, "Logiciel", None],
    ]
    assert records(result.tables["links"], "id", "link_type", "_source_line") == [
        ["1 234>affects_ci>PC-002", "affects_ci", 2]
    ]
    assert "record_type" not in result.provided_columns["tickets"]


def test_glpi_changes(tmp_path: Path):
    path = write(
        tmp_path,
        "glpi_changes.csv",
        "id,name,date,status,global_validation,backoutplancontent,priority\n"
        "7,Upgrade DB,2026-01-05 09:00:00,10,2,Restore snapshot,3\n"
        "8,Patch,2026-01-06 09:00:00,11,3,,5\n",
    )
    result = load("glpi", path)
    assert records(result.tables["tickets"], "id", "record_type", "status", "approval", "backout_plan") == [
        ["7", "change", "authorize", "requested", True],
        ["8", "change", "implement", "approved", False],
    ]


# --------------------------------------------------------------------------------------------- detect


@pytest.fixture
def servicenow_export(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        "incident.csv",
        '"number","opened_at","short_description","priority","state","assignment_group"\n'
        '"INC1","2026-01-05 09:00:00","x","1 - Critical","New","Desk"\n',
    )


@pytest.fixture
def document_register(tmp_path: Path) -> Path:
    return write(tmp_path, "documents.csv", "ID,Title,Status,Owner,Review Due\nPOL-1,Policy,Approved,CIO,2026-12-01\n")


def test_each_adapter_claims_its_own_format(jira_export, hpsm_export, glpi_export, servicenow_export):
    fixtures = {"jira": jira_export, "hpsm": hpsm_export, "glpi": glpi_export}
    for name, path in fixtures.items():
        sample = sample_of(path)
        own = ADAPTERS.get(name).detect(sample)
        assert own is not None and own.score >= 0.9, (name, own)
        for other in fixtures:
            if other != name:
                assert ADAPTERS.get(other).detect(sample) is None, (other, name)
    for name in fixtures:
        assert ADAPTERS.get(name).detect(sample_of(servicenow_export)) is None


def test_detect_reasons_name_the_columns(jira_export, hpsm_export, glpi_export):
    jira = ADAPTERS.get("jira").detect(sample_of(jira_export))
    assert "Issue key" in jira.reason and "Issue Type" in jira.reason
    hpsm = ADAPTERS.get("hpsm").detect(sample_of(hpsm_export))
    assert "Incident ID" in hpsm.reason and "Open Time" in hpsm.reason and "';' separated" in hpsm.reason
    glpi = ADAPTERS.get("glpi").detect(sample_of(glpi_export))
    assert "status" in glpi.reason and "solvedate" in glpi.reason and "numeric status codes" in glpi.reason


def test_detect_is_cautious_on_look_alikes(tmp_path: Path, document_register: Path):
    # A register with ID, Title and Status is not GLPI evidence on those columns alone.
    weak = ADAPTERS.get("glpi").detect(sample_of(document_register))
    assert weak is None or weak.score < 0.5
    # The HPSM columns in a comma-separated file score lower than in HPSM's own ';' layout.
    comma = write(tmp_path, "comma.csv", "Incident ID,Open Time,Status\nIM1,05-02-2013 13:37:31,Closed\n")
    semicolon = write(tmp_path, "semi.csv", "Incident ID;Open Time;Status\nIM1;05-02-2013 13:37:31;Closed\n")
    hpsm = ADAPTERS.get("hpsm")
    assert hpsm.detect(sample_of(comma)).score < hpsm.detect(sample_of(semicolon)).score
    # The French GLPI UI export is recognised by its labels.
    french = write(
        tmp_path, "fr.csv", "ID;Titre;Statut;Date d'ouverture;Priorité\n1;A;Nouveau;05-01-2026 09:00;Haute\n"
    )
    found = ADAPTERS.get("glpi").detect(sample_of(french))
    assert found is not None and found.score >= 0.7


# --------------------------------------------------------------------------------------------- end to end


def test_scan_of_a_jira_export(tmp_path: Path, jira_export: Path):
    from sms_audit import load_config, scan

    (tmp_path / "sms-audit.yaml").write_text(
        "organisation: Example Services Ltd\n"
        "audit:\n"
        "  period: {from: '2026-01-01', to: '2026-01-31'}\n"
        "evidence:\n"
        "  - {kind: tickets, adapter: jira, path: jira.csv}\n",
        encoding="utf-8",
    )
    result = scan(load_config(tmp_path / "sms-audit.yaml"))
    report = result.report
    [manifest] = report["evidence"]["files"]
    assert manifest["adapter"] == "jira"
    assert (manifest["rows_read"], manifest["rows_accepted"], manifest["rows_rejected"]) == (7, 5, 2)
    assert {r["line"] for r in manifest["rejections"]} == {6, 8}
    assert report["evidence"]["quality"]["tickets"]["status"] == "ok"
    statuses = {r["rule"]: r["status"] for r in report["results"]}
    assert {"INC-001", "INC-002", "INC-003", "INC-004", "INC-005"} <= set(statuses)
    assert statuses["INC-001"] == "evidence_insufficient"  # no configuration item or assignment group
    assert statuses["INC-002"] == "pass"  # ITSM-1 is resolved, with its resolution time
    assert statuses["INC-004"] == "evidence_insufficient"  # Jira exports no reopen count
    assert report["evidence"]["tables"]["tickets"] == 5
    assert report["evidence"]["tables"]["links"] == 3
