"""The process-interface graph: reference, observed rates, judgement, CMDB graph and the exports."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import networkx as nx
import pytest

from reports.integration_graph import artefacts, svg
from sms_audit.config import load_config
from sms_audit.errors import RuleError
from sms_audit.integration.reference import load_reference
from sms_audit.rules import load_packs
from sms_audit.scanner import scan, write_outputs
from tests.rule_fixtures import make_evidence

PACK = load_packs(("iso20000-1-2018",))[0]


def test_the_pack_carries_its_reference_graph():
    reference = PACK.interfaces
    assert reference is not None and reference.edition == "2018"
    assert len({edge.id for edge in reference.edges}) == len(reference.edges) >= 100
    assert {n.kind for n in reference.nodes} == {"process", "sms", "external"}
    assert all(edge.manual for edge in reference.edges if not edge.observable)


def test_every_reference_edge_is_in_the_demo_report(demo_scan):
    integration = demo_scan.report["integration"]
    reference = PACK.interfaces
    assert [e["id"] for e in integration["edges"]] == [e.id for e in reference.edges]
    for edge in integration["edges"]:
        if edge["observable"]:
            assert edge["status"] in ("ok", "weak", "missing", "no_candidates")
            assert edge["candidates"] >= edge["linked"] >= 0
            if edge["candidates"]:
                assert edge["rate"] == pytest.approx(edge["linked"] / edge["candidates"], abs=1e-6)
        else:
            assert edge["status"] == "not_observable" and edge["rate"] is None and edge["manual"]
    broken = {record for edge in integration["edges"] for record in edge["examples"]}
    assert integration["summary"]["records_breaking_interfaces"] >= len(broken)


def test_integration_rules_agree_with_the_integration_section(demo_scan):
    integration = demo_scan.report["integration"]
    results = {r["rule"]: r for r in demo_scan.report["results"]}
    expected = {
        "INT-001": sorted(e["id"] for e in integration["edges"] if e["status"] == "missing" and e["mandatory"]),
        "INT-002": sorted(e["id"] for e in integration["edges"] if e["status"] == "weak"),
        "INT-003": sorted(integration["summary"]["isolated_processes"]),
    }
    for rule_id, ids in expected.items():
        assert results[rule_id]["status"] in ("pass", "fail"), results[rule_id]["explanation"]
        assert sorted(r["id"] for r in results[rule_id]["records"]) == ids
    assert expected["INT-002"], "the demo shows at least one weak interface"


def _drop_problem_links(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
    path = target / "exports" / "incident.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(dict(row, problem_id=""))
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_without_incident_problem_links_the_interface_is_missing(demo_dir, tmp_path):
    _drop_problem_links(demo_dir, tmp_path / "demo")
    report = scan(load_config(tmp_path / "demo" / "sms-audit.yaml")).report
    edge = next(e for e in report["integration"]["edges"] if e["id"] == "INC-PRB")
    assert (edge["mandatory"], edge["linked"], edge["status"]) == (True, 0, "missing") and edge["candidates"] > 0
    assert "INC-PRB" in report["integration"]["summary"]["missing_mandatory"]
    finding = next(f for f in report["findings"] if f["rule"] == "INT-001")
    assert "INC-PRB" in [r["id"] for r in finding["records"]]
    assert {"8.1", "8.6.1", "8.6.3"} <= set(finding["clauses"])
    assert finding["grade"] == "major"
    record = next(r for r in finding["records"] if r["id"] == "INC-PRB")
    assert record["file"].endswith("interfaces-2018.yaml") and record["line"] > 1
    assert "candidates: " in record["reason"] and "linked: 0" in record["reason"]
    verdicts = {c["id"]: c["verdict"] for c in report["clauses"]}
    assert verdicts["8.6.3"] == "nonconforming_major"


CIS = [
    {"id": "Shop", "name": "Shop", "ci_class": "Business Service", "status": "installed", "service": "Shop"},
    {"id": "shop-app", "name": "shop-app", "ci_class": "Linux Server", "status": "installed", "service": "Shop"},
    {"id": "shop-db", "name": "shop-db", "ci_class": "Database", "status": "installed", "service": "Shop"},
    {"id": "shop-cache", "name": "shop-cache", "ci_class": "Linux Server", "status": "installed", "service": "Shop"},
    {"id": "lonely", "name": "lonely", "ci_class": "Linux Server", "status": "installed", "service": "Shop"},
]
RELATIONS = [
    {"id": "r1", "parent_id": "Shop", "child_id": "shop-app", "relation_type": "Depends on::Used by"},
    {"id": "r2", "parent_id": "shop-app", "child_id": "shop-db", "relation_type": "Depends on::Used by"},
    {"id": "r3", "parent_id": "shop-db", "child_id": "shop-app", "relation_type": "Depends on::Used by"},
    {"id": "r4", "parent_id": "shop-app", "child_id": "shop-cache", "relation_type": "Connects to::Connected by"},
    {"id": "r5", "parent_id": "shop-cache", "child_id": "shop-app", "relation_type": "Connects to::Connected by"},
    {"id": "r6", "parent_id": "shop-app", "child_id": "ghost-01", "relation_type": "Depends on::Used by"},
]


def test_cmdb_graph_finds_the_cycle_the_dangling_relation_and_the_orphan():
    from sms_audit.integration.cmdb import enrich_cis
    from tests.rule_fixtures import offending_ids, run_rule

    evidence = make_evidence(cis=CIS, ci_relations=RELATIONS, services=[{"id": "SVC-SHOP", "name": "Shop"}])
    summary = enrich_cis(evidence)
    assert summary["cycles"] == [["shop-app", "shop-db"]]  # connections both ways are not a loop
    assert summary["critical_cis"][0] == {"id": "shop-app", "dependent_services": 1, "service": "Shop"}
    assert offending_ids(run_rule("CI-005", evidence)) == ["shop-app", "shop-db"]
    assert offending_ids(run_rule("CI-002", evidence)) == ["r6"]
    assert offending_ids(run_rule("CI-003", evidence)) == ["lonely"]


def test_cmdb_rules_need_the_relations_table():
    from sms_audit.integration.cmdb import enrich_cis
    from tests.rule_fixtures import run_rule

    evidence = make_evidence(cis=CIS)
    assert enrich_cis(evidence) == {"available": False, "reason": "needs both the CMDB items and their relations"}
    result = run_rule("CI-005", evidence)
    assert result.status == "evidence_insufficient"
    assert "no column for in_cycle, relations" in result.explanation


def test_graph_exports_parse_and_agree_with_the_report(demo_scan, tmp_path):
    written = {p.name for p in write_outputs(demo_scan, tmp_path, ["json", "html", "graph"])}
    assert {"integration-reference.graphml", "integration-observed.graphml"} <= written
    integration = demo_scan.report["integration"]
    reference = nx.read_graphml(tmp_path / "integration-reference.graphml")
    observed = nx.read_graphml(tmp_path / "integration-observed.graphml")
    assert reference.number_of_edges() == len(integration["edges"])
    assert observed.number_of_edges() == integration["summary"]["observable"]
    dot = (tmp_path / "integration-observed.dot").read_text()
    assert dot.startswith("digraph") and dot.count(" -> ") == integration["summary"]["observable"]
    html = (tmp_path / "report.html").read_text()
    assert html.count("<svg") >= 2 and 'id="integration"' in html
    assert artefacts(demo_scan.report) == artefacts(json.loads((tmp_path / "report.json").read_text()))


def test_svg_marks_missing_edges_and_isolated_processes(demo_scan):
    integration = json.loads(json.dumps(demo_scan.report["integration"]))
    edge = next(e for e in integration["edges"] if e["id"] == "INC-PRB")
    edge.update(status="missing", linked=0, rate=0.0)
    next(n for n in integration["nodes"] if n["id"] == "PRB")["isolated"] = True
    drawing = svg(integration, "observed")
    assert "INC-PRB: " in drawing and "missing (no record carries it)" in drawing
    assert 'stroke="#c62828" stroke-width="2.5"' in drawing


def test_reference_graph_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "graph.yaml"
    bad.write_text(
        "id: broken\nedition: '2018'\nnodes:\n  - {id: INC, title: Incidents, kind: process, clauses: ['8.6.1']}\n"
        "edges:\n  - {id: INC-PRB, from: INC, to: PRB, flows: x, mandatory: true, clauses: ['8.6.1'],"
        " evidence: {rules: [NOPE-1], shows: y}}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError) as error:
        load_reference(bad, {"8.6.1"}, {"LNK-001"}, {"NOPE-1"})
    message = str(error.value)
    assert f"{bad}:6: edge INC-PRB: unknown node 'PRB'" in message
    assert "evidence rule 'NOPE-1' is a manual item, not an automated rule" in message


def test_a_trimmed_pack_turns_interfaces_without_their_rules_into_manual_items(tmp_path):
    graph = tmp_path / "graph.yaml"
    graph.write_text(
        "id: small\nedition: '2018'\nnodes:\n  - {id: INC, title: Incidents, kind: process, clauses: ['8.6.1']}\n"
        "  - {id: PRB, title: Problems, kind: process, clauses: ['8.6.3']}\n"
        "edges:\n  - {id: INC-PRB, from: INC, to: PRB, flows: x, mandatory: true, clauses: ['8.6.1'],"
        " evidence: {rules: [LNK-001], shows: majors linked to a problem}}\n",
        encoding="utf-8",
    )
    reference = load_reference(graph, {"8.6.1", "8.6.3"}, set())
    edge = reference.edges[0]
    assert (edge.observable, edge.manual) == (
        False,
        "Sample records and check that they show this: majors linked to a problem.",
    )
    assert reference.dropped == (f"{graph}:7: edge INC-PRB: rule LNK-001 is not in the pack; not used as evidence",)
    from sms_audit.integration.report import integration_section

    section = integration_section(reference, [], {"available": False}, 0.8)
    assert section["reference"]["notes"] == list(reference.dropped)
