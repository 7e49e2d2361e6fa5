"""Hand-written fixtures for the process-integration and CMDB-graph rules (INT-001..003, CI-003, CI-005).

The INT rules judge tables the scan derives from the reference interface graph; here those tables
are written by hand, so each rule's logic is tested apart from the observation that feeds it.
"""

from __future__ import annotations

import pytest

from tests.rule_fixtures import assert_rule_finds, make_evidence, run_rule

EDGE = {
    "from_node": "INC",
    "to_node": "PRB",
    "flows": "incidents needing root-cause work",
    "mandatory": True,
    "observable": True,
    "candidates": 10,
    "linked": 9,
    "rate": 0.9,
    "status": "ok",
    "clauses": "8.6.1,8.6.3",
    "rules": "LNK-001",
    "examples": "INC1",
}
NODE = {"title": "Incident management", "node_kind": "process", "clauses": "8.6.1", "observable_edges": 1}
CI = {"ci_class": "Linux Server", "status": "installed", "service": "Shop", "relations": 2}


def edges(*rows: dict) -> list[dict]:
    return [dict(EDGE, **row) for row in rows]


def nodes(*rows: dict) -> list[dict]:
    return [dict(NODE, **row) for row in rows]


def cis(*rows: dict) -> list[dict]:
    return [dict(CI, name=row["id"], **row) for row in rows]


RULE_CASES = {
    "INT-001": (
        {
            "interfaces": edges(
                {"id": "INC-PRB"},
                {"id": "PRB-CHG", "linked": 0, "rate": 0.0, "status": "missing"},
                {"id": "CHG-CFG", "linked": 0, "rate": 0.0, "mandatory": False},  # recommended only
                {"id": "CFG-INC", "linked": 0, "candidates": 0, "rate": None},  # nothing could carry it
                {"id": "SLM-BRM", "observable": False, "candidates": 0, "linked": 0},
            )
        },
        ["PRB-CHG"],
    ),
    "INT-002": (
        {
            "interfaces": edges(
                {"id": "INC-PRB", "linked": 8, "rate": 0.8},  # exactly the minimum rate
                {"id": "PRB-CHG", "linked": 7, "rate": 0.7},
                {"id": "CHG-CFG", "linked": 0, "rate": 0.0},  # missing, not weak: INT-001's case
            )
        },
        ["PRB-CHG"],
    ),
    "INT-003": (
        {
            "processes": nodes(
                {"id": "INC", "candidates": 12},
                {"id": "PRB", "candidates": 4},
                {"id": "CONT", "candidates": 3},
                {"id": "BA", "candidates": 0},  # nothing to observe: not judged
                {"id": "TOP", "candidates": 5, "node_kind": "sms"},
            ),
            "links": [{"id": "INC-PRB>interface", "from_id": "INC", "to_id": "PRB", "link_type": "interface"}],
        },
        ["CONT"],
    ),
    "CI-003": (
        {
            "cis": cis(
                {"id": "app-01"},
                {"id": "orphan-01", "relations": 0},
                {"id": "old-01", "relations": 0, "status": "retired"},
                {"id": "no-service", "relations": 0, "service": None},
                {"id": "Shop", "ci_class": "Business Service", "relations": 0},
            )
        },
        ["orphan-01"],
    ),
    "CI-005": (
        {
            "cis": cis(
                {"id": "app-01", "in_cycle": True},
                {"id": "db-01", "in_cycle": True},
                {"id": "web-01", "in_cycle": False},
                {"id": "lonely", "in_cycle": False, "relations": 0},
            )
        },
        ["app-01", "db-01"],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fixture(rule_id):
    assert_rule_finds(rule_id, RULE_CASES)


def test_interface_findings_count_against_the_interface_clauses():
    tables, _ = RULE_CASES["INT-001"]
    result = run_rule("INT-001", make_evidence(**tables))
    assert result.clauses == ("8.1", "4.4", "8.6.1", "8.6.3")
    assert "candidates: 10; linked: 0" in result.records[0]["reason"]
