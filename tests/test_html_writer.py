"""Tests for the HTML report writer: escaping, content, determinism, self-containment, strictness."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

# The project is not necessarily installed and pytest's default import mode puts tests/ (not the
# repository root) on sys.path, so make `reports` importable from a plain checkout.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from reports.html_writer import MAX_ROWS, TEMPLATE_NAME, make_environment, render_html  # noqa: E402

XSS = "<script>alert(1)</script>"


def _record(rec_id: str, line: int, reason: str | None = "missing resolved_at") -> dict[str, Any]:
    return {"id": rec_id, "file": "evidence/incidents.csv", "line": line, "reason": reason}


def make_report() -> dict[str, Any]:
    """A small hand-made report: 2 findings, 3 rule results, a short clause tree, 1 evidence file."""
    finding_rate = {
        "id": "F-1a2b3c4d5e6f",
        "rule": "INC-001",
        "title": "Incidents closed without a resolution record",
        "clauses": ["8.6.1"],
        "requirement_keys": ["8.6.1-c-record-resolution"],
        "requirement": "Incidents are recorded, resolved and the resolution is recorded.",
        "grade": "minor",
        "measure": "rate",
        "measured": 0.125,
        "threshold": 0.05,
        "population": 16,
        "records_total": 2,
        "records": [_record(f"INC0001{XSS}", 2), _record("INC0002", 3, None)],
        "explanation": "2 of 16 closed incidents have no resolution notes.",
        "remediation": "Require resolution notes before an incident can be closed.",
    }
    finding_count = {
        "id": "F-abcdef012345",
        "rule": "CHG-004",
        "title": "Emergency changes without authorisation",
        "clauses": ["8.5.1.3"],
        "requirement_keys": ["8.5.1.3-a-authorise"],
        "requirement": "Emergency changes are authorised by a defined authority.",
        "grade": "major",
        "measure": "count",
        "measured": 3,
        "threshold": 0,
        "population": 40,
        "records_total": 3,
        "records": [
            _record("CHG1", 5, "no approver"),
            _record("CHG2", 6, "no approver"),
            _record("CHG3", 7, "x"),
        ],
        "explanation": "3 emergency changes carry no approval.",
        "remediation": "Record the approving authority for every emergency change.",
    }

    def result(finding: dict[str, Any], status: str) -> dict[str, Any]:
        keys = (
            "rule",
            "title",
            "clauses",
            "requirement_keys",
            "requirement",
            "grade",
            "measure",
            "measured",
            "threshold",
            "population",
            "records_total",
            "records",
            "explanation",
            "remediation",
        )
        out = {key: finding[key] for key in keys}
        out.update(kind="completeness", status=status, comparison=">", reason=None, rationale="Why it matters.")
        return out

    passing = result(finding_rate, "pass")
    passing.update(
        rule="SLM-002",
        title="SLA targets recorded",
        clauses=["8.3.3"],
        grade=None,
        measured=0.0,
        records_total=0,
        records=[],
    )
    return {
        "schema_version": "1.0",
        "run": {
            "scan_id": "scan-0001",
            "started_at": "2024-05-01T10:00:00+00:00",
            "finished_at": "2024-05-01T10:00:03+00:00",
            "duration_seconds": 3.25,
            "tool_version": "0.1.0",
            "host": "audit-box",
            "python": "3.11.7",
        },
        "audit": {
            "organisation": "Example & Sons Ltd",
            "period": {"from": "2024-01-01", "to": "2024-03-31"},
            "as_of": "2024-04-01",
            "edition": "2018",
            "standard": "ISO/IEC 20000-1:2018",
            "scope": {"services": ["Email", "Payroll"]},
        },
        "rule_packs": [{"id": "core-2018", "version": "1.2.0", "edition": "2018", "rules": 3}],
        "summary": {
            "results": {"pass": 1, "fail": 2, "evidence_insufficient": 0, "not_applicable": 0},
            "findings_by_grade": {"major": 1, "minor": 1, "observation": 0, "ofi": 0},
            "clauses_by_verdict": {
                "conforming": 1,
                "nonconforming_major": 1,
                "nonconforming_minor": 1,
                "not_evaluated": 3,
            },
        },
        "evidence": {
            "files": [
                {
                    "path": "evidence/incidents.csv",
                    "sha256": "0123456789abcdef" * 4,
                    "bytes": 2048,
                    "adapter": "servicenow_csv",
                    "tables": {"incident": 16},
                    "rows_read": 17,
                    "rows_accepted": 16,
                    "rows_rejected": 1,
                    "rejections": [
                        {"file": "evidence/incidents.csv", "line": 9, "column": None, "reason": "short row"},
                    ],
                }
            ],
            "tables": {"incident": 16},
        },
        "results": [result(finding_count, "fail"), result(finding_rate, "fail"), passing],
        "findings": [finding_count, finding_rate],
        "integration": {"reference": None, "nodes": [], "edges": [], "summary": {}, "cmdb": {"available": False}},
        "clauses": [
            {
                "id": "8",
                "title": "Operation of the SMS",
                "parent": None,
                "heading": True,
                "verdict": "not_evaluated",
                "rules": [],
            },
            {
                "id": "8.3",
                "title": "Relationship and agreement",
                "parent": "8",
                "heading": True,
                "verdict": "not_evaluated",
                "rules": [],
            },
            {
                "id": "8.3.3",
                "title": "Service level management",
                "parent": "8.3",
                "heading": False,
                "verdict": "conforming",
                "rules": ["SLM-002"],
            },
            {
                "id": "8.5.1.3",
                "title": "Emergency changes",
                "parent": "8.5.1",
                "heading": False,
                "verdict": "nonconforming_major",
                "rules": ["CHG-004"],
            },
            {
                "id": "8.6.1",
                "title": "Incident management",
                "parent": "8.6",
                "heading": False,
                "verdict": "nonconforming_minor",
                "rules": ["INC-001"],
            },
        ],
    }


@pytest.fixture()
def report() -> dict[str, Any]:
    return make_report()


@pytest.fixture()
def html(report: dict[str, Any]) -> str:
    return render_html(report)


def test_autoescape_is_on_for_the_j2_template() -> None:
    env = make_environment()
    assert env.autoescape(TEMPLATE_NAME) is True
    assert env.get_template(TEMPLATE_NAME).render is not None


def test_untrusted_text_is_escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Example &amp; Sons Ltd" in html


def test_page_shows_findings_clauses_and_percentages(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    for finding_id in ("F-1a2b3c4d5e6f", "F-abcdef012345"):
        assert finding_id in html
    for clause_id in ("8.3.3", "8.5.1.3", "8.6.1"):
        assert f'id="clause-{clause_id}"' in html
    assert "12.5%" in html  # measured 0.125 as a rate
    assert "5.0%" in html  # threshold 0.05 as a rate
    assert "ISO/IEC 20000-1:2018" in html
    assert "2024-01-01" in html and "2024-03-31" in html
    assert "core-2018" in html
    assert '<th scope="col">' in html


def test_findings_keep_the_given_order(html: str) -> None:
    assert html.index("F-abcdef012345") < html.index("F-1a2b3c4d5e6f")


def test_clause_tree_is_indented_by_depth_and_headings_bold(html: str) -> None:
    assert re.search(r'<tr id="clause-8" class="heading">', html)
    assert 'padding-left: 0.5em">8<' in html
    assert 'padding-left: 3.0em">8.6.1<' in html
    assert 'padding-left: 4.25em">8.5.1.3<' in html


def test_badges_and_sha_prefix(html: str) -> None:
    assert 'class="badge badge-major"' in html
    assert 'class="badge badge-minor"' in html
    assert 'class="badge badge-nonconforming_major"' in html
    sha = "0123456789abcdef" * 4
    assert f'<code title="{sha}">{sha[:12]}</code>' in html


def test_rendering_is_deterministic(report: dict[str, Any]) -> None:
    first = render_html(report)
    second = render_html(copy.deepcopy(report))
    assert first == second


def test_no_external_references(html: str) -> None:
    assert "http://" not in html
    assert "https://" not in html
    targets = re.findall(r"""\b(?:src|href|action)\s*=\s*["']([^"']*)""", html)
    assert targets and all(target.startswith("#") for target in targets)
    assert "url(" not in html and "@import" not in html
    assert "<link" not in html


def test_long_record_lists_are_truncated(report: dict[str, Any]) -> None:
    finding = report["findings"][0]
    finding["records"] = [_record(f"CHG{i:04d}", i) for i in range(MAX_ROWS + 7)]
    finding["records_total"] = MAX_ROWS + 7
    html = render_html(report)
    assert f"CHG{MAX_ROWS - 1:04d}" in html
    assert f"CHG{MAX_ROWS:04d}" not in html
    assert "… and 7 more in report.json" in html


def test_missing_key_is_an_error(report: dict[str, Any]) -> None:
    del report["findings"][0]["remediation"]
    with pytest.raises(UndefinedError):
        render_html(report)


def test_rejected_rows_are_listed_and_truncated(report: dict[str, Any]) -> None:
    html = render_html(report)
    assert "short row" in html and "Rejected rows (1)" in html
    rejection = report["evidence"]["files"][0]["rejections"][0]
    report["evidence"]["files"][0]["rejections"] = [dict(rejection, line=i) for i in range(MAX_ROWS + 3)]
    html = render_html(report)
    assert f"Rejected rows ({MAX_ROWS + 3})" in html
    assert "… and 3 more in report.json" in html
