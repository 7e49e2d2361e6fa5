"""Format detection, the mapped adapter, event logs, plugins, the quality gate and the evidence CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import evidence_adapters
from evidence_adapters import ADAPTERS
from evidence_adapters.detect import detect_adapter
from sms_audit.cli import cli
from sms_audit.config import load_config
from sms_audit.errors import EvidenceError
from sms_audit.scanner import scan
from tests.conftest import shared_file

FOREIGN = (
    "Ticket ID;Created;Prio;Status;Team;Summary\n"
    "T-1;31/12/2025 23:30;Urgent;Open;Desk;printer jammed\n"
    "T-2;01/01/2026 08:00;?;Solved;Desk;vpn down\n"
    "T-3;13/31/2026 08:00;High;Open;Desk;bad date\n"
)
MAPPING = """table: tickets
record_type: incident
day_first: true
timezone: Europe/Berlin
missing: ["?"]
columns:
  id: Ticket ID
  opened_at: Created
  priority: Prio
  status: Status
  assignment_group: Team
values:
  priority: {Urgent: 1, High: 2}
  status: {Open: new, Solved: resolved}
"""


def test_auto_detects_servicenow_tables_from_the_header(demo_dir):
    choice = detect_adapter(demo_dir / "exports" / "change_request.csv", "change_request.csv")
    assert choice.adapter == "servicenow" and choice.detection.options == {"table": "change_request"}
    assert "CHG" in choice.detection.reason
    rel = detect_adapter(demo_dir / "exports" / "cmdb_rel_ci.csv", "rel.csv")
    assert rel.detection.options == {"table": "cmdb_rel_ci"}


def test_unknown_format_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("colour,shape\nred,round\n")
    with pytest.raises(EvidenceError, match="no adapter recognises this file"):
        detect_adapter(path, "notes.csv")


def test_ambiguous_format_names_both_candidates(tmp_path):
    class Twin:
        name = "twin"
        description = "claims everything"

        @staticmethod
        def detect(sample):
            return evidence_adapters.Detection(0.91, "twin claim")

    ADAPTERS.register("zz_twin")(Twin)
    try:
        with pytest.raises(EvidenceError, match="ambiguous between") as info:
            detect_adapter(shared_file("servicenow-pdi-demo-exports", "incident.csv"), "incident.csv")
        assert "servicenow" in str(info.value) and "zz_twin" in str(info.value)
    finally:
        ADAPTERS._entries.pop("zz_twin")


def test_mapped_adapter_reads_a_foreign_layout(tmp_path):
    (tmp_path / "export.csv").write_text(FOREIGN)
    (tmp_path / "mapping.yaml").write_text(MAPPING)
    result = ADAPTERS.get("mapped")().load(
        tmp_path / "export.csv", "export.csv", {"mapping": tmp_path / "mapping.yaml"}
    )
    tickets = result.tables["tickets"]
    assert list(tickets["id"]) == ["T-1", "T-2"]
    assert str(tickets["opened_at"][0]) == "2025-12-31 22:30:00"  # Berlin local time, stored as UTC
    assert tickets["priority"][0] == 1
    assert tickets["priority"].isna().tolist() == [False, True]  # "?" means no value
    assert list(tickets["status"]) == ["new", "resolved"]
    assert [(r.line, r.column) for r in result.rejections] == [(4, "Created")]
    assert result.rows_read == 3 and result.rows_accepted == 2


def test_invalid_mapping_names_the_key(tmp_path):
    (tmp_path / "export.csv").write_text(FOREIGN)
    (tmp_path / "mapping.yaml").write_text("table: tickets\ncolumns: {idd: Ticket ID}\n")
    with pytest.raises(EvidenceError, match="idd"):
        ADAPTERS.get("mapped")().load(tmp_path / "export.csv", "export.csv", {"mapping": tmp_path / "mapping.yaml"})


def test_evidence_map_writes_a_usable_starting_mapping(tmp_path):
    (tmp_path / "export.csv").write_text(
        "Ticket ID,Created,Priority,Status,Resolved\nT-1,2026-01-02 10:00:00,1,Open,\n"
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["evidence", "map", str(tmp_path / "export.csv"), "--out", str(tmp_path / "m.yaml")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "m.yaml").read_text()
    assert "table: tickets" in text and 'id: "Ticket ID"' in text and 'opened_at: "Created"' in text
    loaded = ADAPTERS.get("mapped")().load(tmp_path / "export.csv", "export.csv", {"mapping": tmp_path / "m.yaml"})
    assert list(loaded.tables["tickets"]["id"]) == ["T-1"]


def test_evidence_inspect_json_contract(demo_dir):
    result = CliRunner().invoke(
        cli, ["evidence", "inspect", str(demo_dir / "exports" / "incident.csv"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    entry = report["files"][0]
    for key in (
        "path",
        "sha256",
        "adapter",
        "encoding",
        "delimiter",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "rejections",
    ):
        assert key in entry
    assert entry["adapter"] == "servicenow" and entry["detection"]["score"] > 0.5
    assert report["tables"]["tickets"] == entry["rows_accepted"]
    assert entry["profile"]["tickets"]["priority"]["filled"] > 0


def test_evidence_inspect_table_shows_rejections(tmp_path):
    (tmp_path / "incident.csv").write_text("number,opened_at,state\nINC1,not a date,New\n")
    result = CliRunner().invoke(cli, ["evidence", "inspect", str(tmp_path / "incident.csv")])
    assert result.exit_code == 0
    assert "rejected  line 2: opened_at" in result.stdout


def test_helpdesk_event_log_loads_every_row():
    path = shared_file("helpdesk-event-log", "helpdesk.csv")
    result = ADAPTERS.get("event_log")().load(path, "helpdesk.csv", {})
    assert (result.rows_read, result.rows_rejected) == (21348, 0)
    assert len(result.tables["ticket_events"]) == 21348
    assert len(result.tables["tickets"]) == 4580
    assert detect_adapter(path, "helpdesk.csv").adapter == "event_log"


def test_event_log_collapses_cases(tmp_path):
    (tmp_path / "log.csv").write_text(
        "Case ID,Activity,Resource,Complete Timestamp\n"
        "C1,Take in charge ticket,A,2026/01/02 10:00:00.000\n"
        "C1,Take in charge ticket,B,2026/01/02 11:00:00.000\n"
        "C1,Resolve ticket,B,2026/01/03 09:00:00.000\n"
        "C1,Closed,B,2026/01/04 09:00:00.000\n"
        "C2,Take in charge ticket,A,yesterday\n"
    )
    result = ADAPTERS.get("event_log")().load(tmp_path / "log.csv", "log.csv", {})
    ticket = result.tables["tickets"].set_index("id").loc["C1"]
    assert (ticket["status"], ticket["reassignment_count"]) == ("closed", 1)
    assert str(ticket["resolved_at"]) == "2026-01-03 09:00:00"
    assert [(r.line, r.column) for r in result.rejections] == [(6, "Complete Timestamp")]
    assert result.rows_read == result.rows_accepted + result.rows_rejected == 5


def test_installed_plugin_adapter_is_loaded_and_used(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "tiny_adapter_plugin").mkdir(parents=True)
    (site / "tiny_adapter_plugin" / "__init__.py").write_text(
        "import pandas as pd\n"
        "from evidence_adapters.base import AdapterResult\n"
        "class TinyAdapter:\n"
        "    name = 'tiny'\n"
        "    description = 'one CI per line'\n"
        "    def load(self, path, display_path, options):\n"
        "        names = [l.strip() for l in path.read_text().splitlines() if l.strip()]\n"
        "        cis = pd.DataFrame({'id': names, 'name': names, '_source_file': display_path,\n"
        "                            '_source_line': range(1, len(names) + 1)})\n"
        "        return AdapterResult({'cis': cis}, len(names), [], {}, {'cis': {'id', 'name'}})\n"
    )
    dist = site / "tiny_adapter_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-adapter-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[sms_audit.adapters]\ntiny = tiny_adapter_plugin:TinyAdapter\n")
    monkeypatch.syspath_prepend(str(site))
    try:
        assert evidence_adapters.load_plugins() == ["tiny"]
        (tmp_path / "cis.txt").write_text("web-01\nweb-02\n")
        (tmp_path / "sms-audit.yaml").write_text(
            'organisation: Plugin test\naudit: {period: {from: "2026-01-01", to: "2026-06-30"}}\n'
            "evidence:\n  - {adapter: tiny, path: cis.txt}\n"
        )
        result = scan(load_config(tmp_path / "sms-audit.yaml"))
        assert result.report["evidence"]["files"][0]["adapter"] == "tiny"
        assert result.report["evidence"]["tables"] == {"cis": 2}
    finally:
        ADAPTERS._entries.pop("tiny", None)
        sys.modules.pop("tiny_adapter_plugin", None)


def _config(tmp_path: Path, demo_dir: Path, period: tuple[str, str]) -> Path:
    text = (demo_dir / "sms-audit.yaml").read_text()
    text = text.replace('from: "2025-07-01", to: "2026-06-30"', f'from: "{period[0]}", to: "{period[1]}"')
    text = text.replace('as_of: "2026-06-30"', f'as_of: "{period[1]}"').replace("exports/", f"{demo_dir}/exports/")
    text = text.replace("registers/", f"{demo_dir}/registers/")
    (tmp_path / "sms-audit.yaml").write_text(text)
    return tmp_path / "sms-audit.yaml"


def test_stale_evidence_is_insufficient_not_nonconforming(tmp_path, demo_dir):
    config = _config(tmp_path, demo_dir, ("2026-01-01", "2027-06-30"))
    result = scan(load_config(config))
    quality = result.report["evidence"]["quality"]["tickets"]
    assert quality["status"] == "fail"
    failed = {c["check"] for c in quality["checks"] if c["status"] == "fail"}
    assert {"freshness", "period_coverage"} <= failed
    statuses = {r["rule"]: r for r in result.report["results"]}
    assert statuses["CHG-001"]["status"] == "evidence_insufficient"
    assert "quality gate" in statuses["CHG-001"]["reason"]
    assert statuses["CI-001"]["status"] in ("pass", "fail")  # the CMDB is still judged


def test_duplicate_ids_fail_the_gate_for_tickets_and_warn_for_cis(tmp_path):
    (tmp_path / "incident.csv").write_text(
        "number,opened_at,state\nINC1,2026-01-02 10:00:00,New\nINC1,2026-06-20 10:00:00,New\n"
        "INC2,2026-06-25 10:00:00,New\n"
    )
    (tmp_path / "cmdb_ci.csv").write_text(
        "name,sys_class_name,install_status,owned_by\na,Server,Installed,Ann\na,Server,Installed,Bob\n"
        "a,Database,Installed,Cy\nb,Server,Installed,\n"
    )
    (tmp_path / "sms-audit.yaml").write_text(
        'organisation: Dup test\naudit: {period: {from: "2026-01-01", to: "2026-06-30"}}\n'
        "evidence:\n  - {path: incident.csv}\n  - {path: cmdb_ci.csv}\n"
    )
    result = scan(load_config(tmp_path / "sms-audit.yaml"))
    quality = result.report["evidence"]["quality"]
    tickets = {c["check"]: c for c in quality["tickets"]["checks"]}
    assert tickets["duplicate_ids"]["status"] == "fail" and "INC1" in tickets["duplicate_ids"]["detail"]
    cis = {c["check"]: c for c in quality["cis"]["checks"]}
    assert cis["duplicate_ids"]["status"] == "warning" and "a|Server" in cis["duplicate_ids"]["detail"]
    results = {r["rule"]: r for r in result.report["results"]}
    assert results["INC-004"]["status"] == "evidence_insufficient"
    assert results["CI-001"]["status"] == "fail"
    assert [r["id"] for r in results["CI-001"]["records"]] == ["b"]
    ids = sorted(r["id"] for r in result.evidence.table("cis").to_dict("records"))
    assert ids == ["a|Database", "a|Server", "a|Server", "b"]


@pytest.mark.parametrize(
    ("parts", "adapter", "tables"),
    [
        (("servicenow-pdi-demo-exports", "cmdb_ci.csv"), "servicenow", {"cis": 2784}),
        (("servicenow-pdi-demo-exports", "incident.csv"), "servicenow", {"tickets": 66}),
        (("document-register-apex-bank", "document_register.csv"), "document_register", {"documents": 226}),
        (("helpdesk-event-log", "helpdesk.csv"), "event_log", {"ticket_events": 21348, "tickets": 4580}),
    ],
)
def test_shared_exports_load_with_auto_detection_and_nothing_lost(parts, adapter, tables):
    from sms_audit.evidence import load_file

    path = shared_file(*parts)
    manifest, result = load_file("auto", path, path.name, {})
    assert manifest.adapter == adapter and manifest.details["detection"]["score"] >= 0.5
    assert manifest.rows_rejected == 0 and manifest.rows_read == manifest.rows_accepted
    assert {name: len(frame) for name, frame in result.tables.items() if name in tables} == tables


def test_itop_sample_loads_with_auto_detection():
    from sms_audit.evidence import load_file

    folder = shared_file("itop-sample-data", "README.md").parent
    files = sorted(folder.rglob("*.xml"))
    assert files
    cis = relations = 0
    for path in files:
        manifest, result = load_file("auto", path, path.name, {})
        assert manifest.adapter == "itop_xml"
        assert manifest.rows_read == manifest.rows_accepted + manifest.rows_rejected
        cis += len(result.tables.get("cis", []))
        relations += len(result.tables.get("ci_relations", []))
    assert (cis, relations) == (31, 9)


def test_utf16_export_is_read_and_its_encoding_recorded(tmp_path):
    path = tmp_path / "incident.csv"
    path.write_bytes("number,opened_at,state\r\nINC1,2026-01-02 10:00:00,Neu – offen\r\n".encode("utf-16"))
    from sms_audit.evidence import load_file

    manifest, result = load_file("auto", path, "incident.csv", {})
    assert manifest.to_dict()["encoding"] == "utf-16"
    assert result.tables["tickets"]["status"][0] == "neu_offen"
