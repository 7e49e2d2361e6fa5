"""A clean demo (``demo generate --clean``): every automated rule has records to judge and passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sms_audit.cli import cli
from sms_audit.config import load_config
from sms_audit.demo import generate_demo
from sms_audit.rules import load_packs
from sms_audit.scanner import scan

AUTOMATED = [rule for pack in load_packs(("iso20000-1-2018",)) for rule in pack.rules if rule.check.automated]
# Rules on tables the scan derives (the process interfaces, INT-*) judge no generated records of their own.
DERIVED = ("interfaces", "processes")
SIZES = [(20000, 600), (1, 200), (4, 1000)]
SUMMARY_KEYS = {"out", "seed", "tickets", "defects", "rules_with_defects"}


@pytest.fixture(scope="module", params=SIZES, ids=[f"seed{seed}-{tickets}" for seed, tickets in SIZES])
def clean_demo(request, tmp_path_factory: pytest.TempPathFactory):
    seed, tickets = request.param
    out = tmp_path_factory.mktemp(f"clean-{seed}-{tickets}")
    summary = generate_demo(out, seed=seed, tickets=tickets, clean=True)
    return out, summary, scan(load_config(out / "sms-audit.yaml"))


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_clean_demo_plants_nothing(clean_demo):
    out, summary, _scan = clean_demo
    assert _json(out / "ground-truth.json") == {}
    assert _json(out / "near-misses.json") == {}
    # The same summary as a normal demo's, with nothing planted.
    assert set(summary) == SUMMARY_KEYS
    assert summary["out"] == str(out) and summary["tickets"] > 0
    assert summary["defects"] == 0 and summary["rules_with_defects"] == 0


def test_every_automated_rule_judges_records_and_passes(clean_demo):
    _out, _summary, result = clean_demo
    results = {r["rule"]: r for r in result.report["results"]}
    problems = []
    for rule in AUTOMATED:
        res = results[rule.id]
        if rule.evidence in DERIVED:
            if res["status"] not in ("pass", "not_applicable") or res["records"]:
                problems.append(f"{rule.id}: {res['status']}, {len(res['records'])} records")
            continue
        if res["status"] != "pass" or not res["population"] or res["records"]:
            problems.append(
                f"{rule.id}: {res['status']}, population {res['population']}, {len(res['records'])} records: "
                f"{res['explanation']}"
            )
    assert not problems, "\n".join(problems)
    automated = {rule.id for rule in AUTOMATED}
    assert not [f["rule"] for f in result.report["findings"] if f["rule"] in automated]


def test_cli_generates_a_clean_demo(tmp_path):
    runner = CliRunner()
    out = tmp_path / "clean"
    result = runner.invoke(cli, ["demo", "generate", "--clean", "--out", str(out), "--seed", "7", "--tickets", "250"])
    assert result.exit_code == 0, result.output
    assert "0 planted defects across 0 rules" in result.output
    assert _json(out / "ground-truth.json") == {}
    assert _json(out / "near-misses.json") == {}
    scanned = runner.invoke(
        cli, ["scan", "--config", str(out / "sms-audit.yaml"), "--out", str(tmp_path / "audit"), "--fail-on", "ofi"]
    )
    assert scanned.exit_code == 0, scanned.output
    findings = _json(tmp_path / "audit" / "report.json")["findings"]
    assert not findings, [f["rule"] for f in findings]


def test_normal_demo_still_plants_defects(tmp_path):
    summary = generate_demo(tmp_path, seed=1, tickets=200)
    assert set(summary) == SUMMARY_KEYS and summary["defects"] > 0
    assert _json(tmp_path / "ground-truth.json") and _json(tmp_path / "near-misses.json")
