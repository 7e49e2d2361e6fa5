"""Internal audit programme on the demo: the issue's "done when", end to end."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import icalendar
import jsonschema
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from sms_audit.catalogue import load_catalogue
from sms_audit.cli import cli
from sms_audit.config import load_config
from sms_audit.programme import Options, make_programme, write_programme
from sms_audit.programme.areas import areas_for
from sms_audit.programme.inputs import load_roster
from sms_audit.programme.run import CATALOGUE_ID
from sms_audit.programme.worksheets import load_manual_results
from sms_audit.scanner import scan

REPORT_SCHEMA = Path(__file__).resolve().parents[1] / "reports" / "schemas" / "report.schema.json"


@pytest.fixture(scope="module")
def config(demo_dir):
    return load_config(demo_dir / "sms-audit.yaml")


@pytest.fixture(scope="module")
def programme(config, demo_dir, demo_scan):
    return make_programme(config, Options(), demo_dir=demo_dir, result=demo_scan)


@pytest.fixture(scope="module")
def written(programme, tmp_path_factory):
    out = tmp_path_factory.mktemp("programme")
    write_programme(programme, out)
    return out


def _first_starts(programme) -> dict[str, str]:
    first: dict[str, str] = {}
    for audit in programme["audits"]:
        first.setdefault(audit["processes"][0], audit["start"])
    return first


def test_every_requirement_bearing_clause_is_audited_in_the_window(programme):
    coverage = programme["coverage"]
    assert coverage["missing"] == []
    assert coverage["covered"] == coverage["requirement_bearing"] > 50
    assert all(coverage["clauses"][c] for c in coverage["clauses"])
    window = programme["programme"]["window"]
    assert window == {"start": "2026-07-01", "end": "2027-06-30", "months": 12}  # the day after the period
    for audit in programme["audits"]:
        assert window["start"] <= audit["start"] <= audit["end"] <= window["end"]
    assert programme["findings"] == []


def test_nobody_audits_their_own_process_and_leads_are_competent(programme, demo_dir):
    area_ids = {a.id for a in areas_for(load_catalogue(CATALOGUE_ID))}
    roster = {a.name: a for a in load_roster(demo_dir / "programme" / "roster.yaml", area_ids)}
    for audit in programme["audits"]:
        assert audit["auditors"], audit["id"]
        for name in audit["auditors"]:
            for area in audit["processes"]:
                assert not roster[name].involved_in(area), f"{name} audits {area} in {audit['id']}"
        assert all(roster[audit["lead"]].competences.get(a, 0) >= 2 for a in audit["processes"])


def test_nobody_is_double_booked_or_over_their_monthly_days(programme, demo_dir):
    area_ids = {a.id for a in areas_for(load_catalogue(CATALOGUE_ID))}
    roster = {a.name: a for a in load_roster(demo_dir / "programme" / "roster.yaml", area_ids)}
    booked: set[tuple[str, str]] = set()
    per_month: dict[tuple[str, str], int] = {}
    for audit in programme["audits"]:
        for name in audit["auditors"]:
            for day in audit["dates"]:
                assert (name, day) not in booked
                booked.add((name, day))
                per_month[(name, day[:7])] = per_month.get((name, day[:7]), 0) + 1
                assert roster[name].available_on(dt.date.fromisoformat(day))
    assert all(n <= roster[name].days_per_month for (name, _), n in per_month.items())


def test_nonconforming_areas_come_before_conforming_ones(programme):
    first = _first_starts(programme)
    bad = {a["id"] for a in programme["areas"] if a["risk"]["verdict"].startswith("nonconforming")}
    good = set(first) - bad
    assert bad and all(area in first for area in bad)
    for b in bad:
        for g in good:
            assert first[b] < first[g], f"{b} ({first[b]}) should come before {g} ({first[g]})"
    # and higher risk first among the nonconforming ones
    ordered = [a["id"] for a in programme["areas"] if a["id"] in bad]
    assert [first[a] for a in ordered] == sorted(first[a] for a in ordered)


def test_high_risk_areas_are_audited_more_often(programme):
    for area in programme["areas"]:
        expected = 2 if area["risk"]["band"] == "high" else 1
        assert len(area["audits"]) == expected, area["id"]
        assert area["risk"]["score"] == round(min(100, sum(area["risk"]["parts"].values())), 1)


def test_same_seed_gives_identical_samples(programme, config, demo_dir, demo_scan):
    again = make_programme(config, Options(), demo_dir=demo_dir, result=demo_scan)
    assert [a["samples"] for a in again["audits"]] == [a["samples"] for a in programme["audits"]]
    other = make_programme(config, Options(seed=1), demo_dir=demo_dir, result=demo_scan)
    assert other["programme"]["seed"] == 1
    assert [a["samples"] for a in other["audits"]] != [a["samples"] for a in programme["audits"]]
    samples = [s for a in programme["audits"] for s in a["samples"]]
    assert samples
    for sample in samples:
        assert sample["seed"] == 20000
        assert sample["size"] == len(sample["ids"]) <= sample["population_size"]
        assert {"population", "size", "seed", "method", "ids"} <= set(sample)
    assert any(s["oversampled"] for s in samples)  # records flagged by findings are added


def test_follow_up_items_come_from_open_audit_log_entries(programme):
    refs = {item["ref"]: audit["processes"][0] for audit in programme["audits"] for item in audit["follow_up"]}
    assert refs.get("IA-2025-01") == "CHG"  # open minor on change management
    assert refs.get("IA-2026-03") == "AVC"
    assert "IA-2025-02" not in refs  # closed


def test_outputs_are_written_and_deterministic(programme, written, tmp_path):
    data = json.loads((written / "programme.json").read_text())
    assert data == json.loads(json.dumps(programme))
    for audit in data["audits"]:
        assert {"id", "title", "clauses", "processes", "start", "end", "auditors", "methods", "risk", "samples"} <= set(
            audit
        )
        assert (written / "worksheets" / f"{audit['id']}.xlsx").is_file()
        assert (written / "worksheets" / f"{audit['id']}.csv").is_file()
    rows = list(csv.DictReader((written / "programme.csv").open(encoding="utf-8")))
    assert [r["id"] for r in rows] == [a["id"] for a in data["audits"]]
    write_programme(programme, tmp_path)
    for path in sorted(written.rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / path.relative_to(written)).read_bytes(), path.name


def test_programme_ics_parses_with_icalendar(programme, written):
    raw = (written / "programme.ics").read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(programme["audits"])
    for event, audit in zip(events, programme["audits"], strict=True):
        assert event.decoded("DTSTART") == dt.date.fromisoformat(audit["start"])
        assert event.decoded("DTEND") == dt.date.fromisoformat(audit["end"]) + dt.timedelta(days=1)
        assert audit["title"] in str(event["SUMMARY"])
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_html_shows_the_calendar_and_the_plans(programme, written):
    html = (written / "programme.html").read_text()
    assert 'id="calendar"' in html
    assert "July 2026" in html and "June 2027" in html
    for audit in programme["audits"]:
        assert f'href="#{audit["id"]}"' in html and f'id="{audit["id"]}"' in html
    assert "Documents to request" in html and "Samples" in html and "ln(1 - confidence)" in html


def test_filled_worksheet_turns_manual_items_into_the_auditors_verdict(programme, written, config, tmp_path):
    audit = next(a for a in programme["audits"] if len(a["manual_items"]) >= 2)
    book = load_workbook(written / "worksheets" / f"{audit['id']}.xlsx")
    sheet = book["Worksheet"]
    header = [c.value for c in sheet[1]]
    verdicts = {}
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=True))
        if cells["kind"].value == "manual" and len(verdicts) < 2:
            verdict = "conforming" if not verdicts else "minor"
            cells["result"].value = verdict
            cells["auditor"].value = "Elena Petrova"
            cells["date"].value = "2026-10-28"
            cells["notes"].value = "Checked the minutes of three meetings"
            cells["evidence_ref"].value = "EV-17"
            verdicts[cells["item"].value] = verdict
    filled = tmp_path / f"{audit['id']}-done.xlsx"
    book.save(filled)
    rows = load_manual_results([filled])
    assert {r.item for r in rows} == set(verdicts)
    report = scan(config, manual_results=rows).report
    results = {r["rule"]: r for r in report["results"]}
    for rule, verdict in verdicts.items():
        result = results[rule]
        assert result["status"] == ("pass" if verdict == "conforming" else "fail")
        assert result["grade"] == (None if verdict == "conforming" else verdict)
        assert "Elena Petrova" in result["explanation"]
        assert result["manual"]["auditor_result"]["auditors"] == ["Elena Petrova"]
        assert result["manual"]["auditor_result"]["evidence_ref"] == "EV-17"
    others = [r for r in report["results"] if r["kind"] == "manual" and r["rule"] not in verdicts]
    assert others and all(r["status"] == "not_evaluated" for r in others)
    minor_rule = next(rule for rule, v in verdicts.items() if v == "minor")
    assert any(f["rule"] == minor_rule and f["grade"] == "minor" for f in report["findings"])
    schema = json.loads(REPORT_SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(report)))


def test_cli_programme_from_a_saved_scan(demo_dir, demo_scan, tmp_path):
    report = tmp_path / "scans" / "report.json"
    report.parent.mkdir()
    report.write_text(json.dumps(demo_scan.report))
    out = tmp_path / "out"
    args = [
        "programme", "--config", str(demo_dir / "sms-audit.yaml"), "--scan", str(report),
        "--roster", str(demo_dir / "programme" / "roster.yaml"),
        "--audit-log", str(demo_dir / "programme" / "audit-log.csv"),
        "--start", "2026-09-01", "--months", "6", "--seed", "7", "--out", str(out),
    ]
    result = CliRunner().invoke(cli, args)
    data = json.loads((out / "programme.json").read_text())
    assert data["programme"]["window"] == {"start": "2026-09-01", "end": "2027-02-28", "months": 6}
    assert data["programme"]["seed"] == 7
    assert data["programme"]["sources"]["scan"]["scan_id"] == demo_scan.report["run"]["scan_id"]
    assert result.exit_code in (0, 1), result.output
    assert (result.exit_code == 1) == bool(data["findings"])
    assert "requirement-bearing clauses covered" in result.output


def test_cli_reports_a_bad_roster_with_its_location(demo_dir, tmp_path):
    roster = tmp_path / "roster.yaml"
    roster.write_text("auditors:\n  - name: Ann\n    competences: {CHG: 7}\n")
    result = CliRunner().invoke(
        cli,
        ["programme", "--scan", str(tmp_path / "missing.json"), "--roster", str(roster), "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 3
    assert "roster.yaml:3: auditors.0.competences" in result.output
