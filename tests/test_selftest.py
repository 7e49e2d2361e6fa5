"""sms-audit selftest: per-rule precision and recall against freshly planted ground truth."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sms_audit.cli import cli


def test_selftest_reports_every_automated_rule_exact(tmp_path):
    result = CliRunner().invoke(cli, ["selftest", "--out", str(tmp_path), "--seed", "3", "--tickets", "300"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "selftest.json").read_text())
    rules = report["rules"]
    assert rules and all(r["precision"] == 1.0 and r["recall"] == 1.0 and r["ok"] for r in rules)
    assert all(r["planted"] > 0 for r in rules if r["truth"] == "planted")
    assert {r["rule"] for r in rules if r["truth"] != "planted"} == {"INT-001", "INT-002", "INT-003"}
    assert report["rule_packs"][0]["id"] == "iso20000-1-2018" and report["tool_version"]
    assert report["summary"]["perfect"] == report["summary"]["rules"] == len(rules)
    assert "precision and recall 1.0" in (tmp_path / "selftest.html").read_text()


def test_selftest_flags_a_rule_that_reports_the_wrong_records(tmp_path, monkeypatch):
    import sms_audit.selftest as selftest

    real_scan = selftest.scan

    def broken_scan(config):
        result = real_scan(config)
        for entry in result.report["results"]:
            if entry["rule"] == "CHG-001":
                entry["records"] = entry["records"][1:]  # one planted defect missed
        return result

    monkeypatch.setattr(selftest, "scan", broken_scan)
    report = selftest.run_selftest([3], 300)
    row = next(r for r in report["rules"] if r["rule"] == "CHG-001")
    assert row["recall"] < 1.0 and row["false_negatives"] == 1 and not row["ok"]
    assert report["summary"]["perfect"] == report["summary"]["rules"] - 1
