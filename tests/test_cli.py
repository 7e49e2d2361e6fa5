"""The command line: outputs, summary, exit codes and option precedence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sms_audit.cli import cli
from tests.conftest import shared_file


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def copy_demo(demo_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(demo_dir, target, ignore=shutil.ignore_patterns("out", "audit-out"))
    return target


def test_demo_scan_writes_reports_and_fails_on_major(runner, tmp_path):
    out = tmp_path / "audit-out"
    result = runner.invoke(cli, ["scan", "--demo", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert (out / "report.json").is_file() and (out / "report.html").is_file()
    assert sorted(p.name for p in out.iterdir()) == [
        "integration-observed.dot",
        "integration-observed.graphml",
        "integration-reference.dot",
        "integration-reference.graphml",
        "report.html",
        "report.json",
    ]
    assert "findings:" in result.stdout and "major" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["schema_version"] == "1.0"
    assert list(report)[:2] == ["schema_version", "run"]


def test_fail_on_none_exits_zero_and_env_var_is_read(runner, tmp_path, demo_dir):
    config = copy_demo(demo_dir, tmp_path) / "sms-audit.yaml"
    args = ["scan", "--config", str(config), "--out", str(tmp_path / "o"), "--format", "json"]
    assert runner.invoke(cli, [*args, "--fail-on", "none"]).exit_code == 0
    assert runner.invoke(cli, args, env={"SMS_AUDIT_FAIL_ON": "none"}).exit_code == 0
    # the command line wins over the environment
    assert runner.invoke(cli, [*args, "--fail-on", "major"], env={"SMS_AUDIT_FAIL_ON": "none"}).exit_code == 1
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["report.json"]  # --format json: nothing else


def test_usage_errors_exit_2(runner, tmp_path):
    assert runner.invoke(cli, ["scan", "--demo", "--format", "pdf", "--out", str(tmp_path)]).exit_code == 2
    assert runner.invoke(cli, ["scan", "--fail-on", "critical"]).exit_code == 2
    assert runner.invoke(cli, ["no-such-command"]).exit_code == 2


def test_missing_config_exits_3_with_advice(runner, tmp_path):
    result = runner.invoke(cli, ["scan", "--config", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 3
    assert "config not found" in result.stderr and "--demo" in result.stderr


def test_invalid_config_names_the_key(runner, tmp_path):
    config = tmp_path / "sms-audit.yaml"
    config.write_text("organisation: X\naudit:\n  period: {from: 2026-01-01, to: 30.06.2026}\nevidence: []\n")
    result = runner.invoke(cli, ["scan", "--config", str(config), "--out", str(tmp_path / "o")])
    assert result.exit_code == 3
    assert "audit.period.to" in result.stderr and "evidence" in result.stderr


def test_missing_evidence_file_exits_3(runner, tmp_path):
    config = tmp_path / "sms-audit.yaml"
    config.write_text(
        'organisation: X\naudit: {period: {from: "2026-01-01", to: "2026-06-30"}}\n'
        "evidence:\n  - {adapter: servicenow, path: exports/incident.csv}\n"
    )
    result = runner.invoke(cli, ["scan", "--config", str(config), "--out", str(tmp_path / "o")])
    assert result.exit_code == 3
    assert "exports/incident.csv" in result.stderr and "not found" in result.stderr


def test_strict_exits_4_when_evidence_is_insufficient(runner, tmp_path):
    incident = shared_file("servicenow-pdi-demo-exports", "incident.csv")
    config = tmp_path / "sms-audit.yaml"
    config.write_text(
        'organisation: ACME (PDI demo data)\naudit: {period: {from: "2018-01-01", to: "2021-12-31"}}\n'
        f"evidence:\n  - {{adapter: servicenow, path: '{incident}'}}\n"
    )
    out = tmp_path / "o"
    result = runner.invoke(cli, ["scan", "--config", str(config), "--out", str(out), "--strict", "--fail-on", "none"])
    assert result.exit_code == 4, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["evidence"]["files"][0]["rows_read"] == 66
    statuses = {r["rule"]: r["status"] for r in report["results"]}
    assert statuses["INC-003"] == "evidence_insufficient"  # no CMDB given: not a nonconformity
    assert statuses["DOC-001"] == "evidence_insufficient"
    no_strict = runner.invoke(cli, ["scan", "--config", str(config), "--out", str(out), "--fail-on", "none"])
    assert no_strict.exit_code == 0


def test_catalogue_list_json(runner):
    result = runner.invoke(cli, ["catalogue", "list", "--format", "json"])
    assert result.exit_code == 0
    entries = json.loads(result.stdout)
    assert len(entries) == 77
    assert all(set(e) == {"id", "title", "parent"} and e["title"] for e in entries)
    ids = [e["id"] for e in entries]
    assert ids.index("9.4") < ids.index("10") and ids[-1] == "10.2"
    for clause in ("8.3.4.1", "8.3.4.2", "8.5.1.1", "8.5.1.3", "8.5.2.3", "8.7.3.1", "8.7.3.3"):
        assert clause in ids


def test_catalogue_list_table(runner):
    result = runner.invoke(cli, ["catalogue", "list"])
    assert result.exit_code == 0 and "8.6.1" in result.stdout and "Incident management" in result.stdout


def test_demo_generate_writes_ground_truth(runner, tmp_path):
    result = runner.invoke(cli, ["demo", "generate", "--out", str(tmp_path / "d"), "--seed", "3", "--tickets", "200"])
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "d" / "ground-truth.json").read_text())
    assert truth and all(isinstance(v, list) for v in truth.values())
    assert (tmp_path / "d" / "sms-audit.yaml").is_file()
    assert runner.invoke(cli, ["demo", "generate", "--out", str(tmp_path / "e"), "--tickets", "5"]).exit_code == 2


def test_config_looked_up_in_current_folder(runner, tmp_path, demo_dir, monkeypatch):
    folder = copy_demo(demo_dir, tmp_path)
    monkeypatch.chdir(folder)
    result = runner.invoke(cli, ["scan", "--fail-on", "none", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert (folder / "audit-out" / "report.json").is_file()


def test_evidence_files_are_not_modified(runner, tmp_path, demo_dir):
    folder = copy_demo(demo_dir, tmp_path)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    runner.invoke(cli, ["scan", "--config", str(folder / "sms-audit.yaml"), "--out", str(tmp_path / "o")])
    assert before == {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_as_of_override(runner, tmp_path, demo_dir):
    config = copy_demo(demo_dir, tmp_path) / "sms-audit.yaml"
    out = tmp_path / "o"
    runner.invoke(cli, ["scan", "--config", str(config), "--out", str(out), "--as-of", "2027-12-31"])
    report = json.loads((out / "report.json").read_text())
    assert report["audit"]["as_of"] == "2027-12-31"
    doc007 = next(r for r in report["results"] if r["rule"] == "DOC-007")
    assert doc007["records_total"] > 10  # eighteen months later most reviews are overdue


def test_waivers_from_the_command_line(runner, tmp_path, demo_dir):
    config = copy_demo(demo_dir, tmp_path) / "sms-audit.yaml"
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - id: W-001\n    rule: CHG-001\n"
        "    justification: Retrospective approvals during the ERP cut-over were accepted by the CAB.\n"
        "    approver: Head of Service Management\n    expires: 2026-12-31\n"
        "  - id: W-002\n    clause: '8.2.6'\n"
        "    justification: CMDB clean-up project runs until spring; owners are being assigned.\n"
        "    approver: Head of Service Management\n    expires: 2026-03-31\n"
    )
    out = tmp_path / "o"
    args = ["scan", "--config", str(config), "--out", str(out), "--waivers", str(waivers), "--fail-on", "none"]
    assert runner.invoke(cli, args).exit_code == 0
    report = json.loads((out / "report.json").read_text())
    chg = next(r for r in report["results"] if r["rule"] == "CHG-001")
    assert chg["status"] == "waived" and chg["waiver"]["id"] == "W-001" and chg["records_total"] == 3
    assert "CHG-001" not in {f["rule"] for f in report["findings"]}
    expired = next(f for f in report["findings"] if f["rule"] == "WAIVER-EXPIRED")
    assert expired["records"][0]["id"] == "W-002" and expired["measured"] == 91
    assert report["waivers"]["applied"] == [{"waiver": "W-001", "rule": "CHG-001"}]
    verdicts = {c["id"]: c["verdict"] for c in report["clauses"]}
    assert verdicts["8.5.1.3"] != "conforming"  # CHG-002 still fails there
    assert verdicts["8.2.6"].startswith("nonconforming")  # the expired waiver waives nothing there
    assert not [r for r in report["results"] if "8.2.6" in r["clauses"] and r["status"] == "waived"]
    html = (out / "report.html").read_text()
    assert "Waived results" in html and "Retrospective approvals during the ERP cut-over" in html


def test_scan_reports_verdicts_in_2011_numbering(runner, tmp_path, demo_dir):
    import jsonschema

    from reports import REPORT_SCHEMA
    from sms_audit.grading import worst_verdict

    config = copy_demo(demo_dir, tmp_path) / "sms-audit.yaml"
    out_2018, out_2011 = tmp_path / "o18", tmp_path / "o11"
    runner.invoke(cli, ["scan", "--config", str(config), "--out", str(out_2018), "--format", "json"])
    result = runner.invoke(
        cli, ["scan", "--config", str(config), "--out", str(out_2011), "--edition", "2011", "--format", "json"]
    )
    assert result.exit_code == 1 and "ISO/IEC 20000-1:2011" in result.stdout
    r18 = json.loads((out_2018 / "report.json").read_text())
    r11 = json.loads((out_2011 / "report.json").read_text())
    jsonschema.validate(r11, json.loads(REPORT_SCHEMA.read_text()))
    assert (r11["audit"]["edition"], r11["rule_packs"][0]["edition"]) == ("2011", "2018")
    assert len(r11["clauses"]) == 53
    verdicts18 = {c["id"]: c["verdict"] for c in r18["clauses"]}
    for clause in r11["clauses"]:
        if clause["maps_to"] and not clause["heading"]:
            assert clause["verdict"] == worst_verdict([verdicts18[c] for c in clause["maps_to"]])
    doc001 = next(f for f in r11["findings"] if f["rule"] == "DOC-001")
    assert doc001["clauses"] == ["5.2.1", "7.5.4"] and "4.1.2" in doc001["edition_clauses"]
    assert r11["results"] == r18["results"]  # the same rules judged the same way
