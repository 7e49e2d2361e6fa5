"""The 2018 process-interface reference graph: schema, integrity, clause and rule references, source coverage."""

from __future__ import annotations

import json
import re
from collections import Counter

import jsonschema
import pytest

from rules import CATALOGUE_DIR, RULES_ROOT, SCHEMAS_DIR
from sms_audit.rules import load_packs
from sms_audit.safe_yaml import load_yaml_file, plain

GRAPH_PATH = RULES_ROOT / "integration" / "interfaces-2018.yaml"
SCHEMA_PATH = SCHEMAS_DIR / "interfaces.schema.json"
CATALOGUE_PATH = CATALOGUE_DIR / "iso20000-1-2018.yaml"

# The interface notes number their edges 1..122 (2011 clause numbering).
SOURCE_EDGES = range(1, 123)

# Source notes starred as interfaces Part 1 refers to; every graph edge drawn from one of them is mandatory,
# and every mandatory edge comes from one of them.
STARRED = {
    int(n)
    for n in """
    1 2 3 12 14 15 16 27 29 40 41 42 43 44 51 52 53 54 55 61 62 63 64 69
    75 76 77 83 89 92 93 94 95 96 97 100 101 102 103 104 107 108 109 110 111 119
    """.split()
}

# Source notes deliberately left out of the graph, with the reason. Keep this small.
EXCLUDED: dict[int, str] = {}

# Edges with no source note: interfaces the 2018 edition makes explicit that the 2011-based notes do not list.
NEW_IN_2018 = {
    "SLM-INC": "8.6.1 resolves incidents against agreed service level targets",
    "SLM-SR": "8.6.2 fulfils service requests against agreed service level targets",
    "CAT-SR": "8.2.4 catalogue now a separate process; requests are made for catalogue items",
    "ASSET-CFG": "8.2.5 asset management split from configuration management; the two records must agree",
}

EDGE_ID = re.compile(r"^(?P<frm>[A-Z][A-Z0-9]*)-(?P<to>[A-Z][A-Z0-9]*)(-(?P<n>[0-9]+))?$")


@pytest.fixture(scope="module")
def graph() -> dict:
    return plain(load_yaml_file(GRAPH_PATH))


@pytest.fixture(scope="module")
def nodes(graph) -> dict[str, dict]:
    return {node["id"]: node for node in graph["nodes"]}


@pytest.fixture(scope="module")
def catalogue() -> dict[str, dict]:
    data = load_yaml_file(CATALOGUE_PATH)
    return {str(clause["id"]): clause for clause in data["clauses"]}


@pytest.fixture(scope="module")
def pack_rules() -> dict:
    (pack,) = load_packs(("iso20000-1-2018",))
    return {rule.id: rule for rule in pack.rules}


def test_graph_validates_against_the_schema(graph):
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(graph), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_graph_is_for_the_2018_edition(graph):
    assert graph["edition"] == "2018"


def test_node_ids_are_unique(graph):
    dupes = [i for i, n in Counter(node["id"] for node in graph["nodes"]).items() if n > 1]
    assert not dupes


def test_edge_ids_are_unique(graph):
    dupes = [i for i, n in Counter(edge["id"] for edge in graph["edges"]).items() if n > 1]
    assert not dupes


def test_every_edge_end_is_a_node(graph, nodes):
    dangling = [(e["id"], end) for e in graph["edges"] for end in (e["from"], e["to"]) if end not in nodes]
    assert not dangling


def test_edge_ids_name_their_ends(graph):
    wrong = []
    for edge in graph["edges"]:
        m = EDGE_ID.match(edge["id"])
        if not m or (m["frm"], m["to"]) != (edge["from"], edge["to"]) or m["n"] in ("0", "1"):
            wrong.append(edge["id"])
    assert not wrong, f"edge id must be FROM-TO (or FROM-TO-n, n >= 2): {wrong}"


def test_second_interfaces_on_a_pair_are_numbered_in_order(graph):
    by_pair: dict[tuple[str, str], list[str]] = {}
    for edge in graph["edges"]:
        by_pair.setdefault((edge["from"], edge["to"]), []).append(edge["id"])
    for (frm, to), ids in by_pair.items():
        expected = [f"{frm}-{to}"] + [f"{frm}-{to}-{n}" for n in range(2, len(ids) + 1)]
        assert sorted(ids) == sorted(expected), (frm, to, ids)


def test_no_self_loops_and_no_edges_between_external_parties(graph, nodes):
    assert not [e["id"] for e in graph["edges"] if e["from"] == e["to"]]
    external = [e["id"] for e in graph["edges"] if nodes[e["from"]]["kind"] == nodes[e["to"]]["kind"] == "external"]
    assert not external, "an interface needs at least one end inside the SMS"


def test_node_clauses_fit_their_kind(nodes):
    for node in nodes.values():
        clauses = node.get("clauses", [])
        if node["kind"] == "external":
            assert clauses == [], node["id"]
        else:
            assert clauses, f"{node['id']} names no clause"
        if node["kind"] == "process":
            assert all(c.split(".")[0] in {"8", "9", "10"} for c in clauses), node["id"]
        if node["kind"] == "sms":
            assert all(c.split(".")[0] in {"4", "5", "6", "7"} for c in clauses), node["id"]


def test_every_clause_named_exists_in_the_catalogue_and_is_not_a_heading(graph, catalogue):
    named = [(n["id"], c) for n in graph["nodes"] for c in n.get("clauses", [])]
    named += [(e["id"], c) for e in graph["edges"] for c in e["clauses"]]
    unknown = [(owner, c) for owner, c in named if c not in catalogue]
    assert not unknown, f"clauses not in {CATALOGUE_PATH.name}: {unknown}"
    headings = [(owner, c) for owner, c in named if catalogue[c].get("heading")]
    assert not headings, f"name the requirement-bearing subclause, not the heading: {headings}"


def test_edge_clauses_belong_to_one_of_its_ends(graph, nodes):
    stray = []
    for edge in graph["edges"]:
        ends = set(nodes[edge["from"]].get("clauses", [])) | set(nodes[edge["to"]].get("clauses", []))
        if not ends & set(edge["clauses"]):
            stray.append(edge["id"])
    assert not stray, f"edges whose clauses belong to neither end: {stray}"


def test_every_process_node_has_an_edge(graph, nodes):
    used = {end for e in graph["edges"] for end in (e["from"], e["to"])}
    lonely = sorted(n for n, node in nodes.items() if node["kind"] == "process" and n not in used)
    assert not lonely
    assert set(nodes) <= used, f"nodes without any edge: {sorted(set(nodes) - used)}"


def test_evidence_rules_exist_and_are_automated(graph, pack_rules):
    missing, manual = [], []
    for edge in graph["edges"]:
        for rule_id in edge.get("evidence", {}).get("rules", []):
            rule = pack_rules.get(rule_id)
            if rule is None:
                missing.append((edge["id"], rule_id))
            elif not rule.check.automated:
                manual.append((edge["id"], rule_id))
    assert not missing, f"evidence rules not in the built-in pack: {missing}"
    assert not manual, f"evidence rules must be automated: {manual}"


def test_evidence_rules_cite_a_clause_of_their_edge(graph, pack_rules):
    unrelated = [
        (edge["id"], rule_id)
        for edge in graph["edges"]
        for rule_id in edge.get("evidence", {}).get("rules", [])
        if rule_id in pack_rules and not set(pack_rules[rule_id].clauses) & set(edge["clauses"])
    ]
    assert not unrelated


def test_edges_without_evidence_say_what_to_ask_for(graph):
    for edge in graph["edges"]:
        if "evidence" not in edge:
            assert len(edge.get("manual", "").split()) >= 6, edge["id"]


def test_every_source_edge_is_mapped_or_excluded(graph):
    covered = {n for e in graph["edges"] for n in e.get("source", [])}
    assert covered <= set(SOURCE_EDGES), f"unknown source numbers: {sorted(covered - set(SOURCE_EDGES))}"
    assert not covered & set(EXCLUDED), f"excluded yet mapped: {sorted(covered & set(EXCLUDED))}"
    assert all(reason.strip() for reason in EXCLUDED.values())
    missing = sorted(set(SOURCE_EDGES) - covered - set(EXCLUDED))
    assert not missing, f"source edges neither mapped nor excluded: {missing}"


def test_edges_without_a_source_are_documented(graph):
    unsourced = {e["id"] for e in graph["edges"] if not e.get("source")}
    assert unsourced == set(NEW_IN_2018)


def test_source_lists_have_no_repeats(graph):
    assert not [e["id"] for e in graph["edges"] if len(set(e.get("source", []))) != len(e.get("source", []))]


def test_mandatory_follows_the_starred_source_edges(graph):
    wrong = [e["id"] for e in graph["edges"] if e["mandatory"] != bool(set(e.get("source", [])) & STARRED)]
    assert not wrong, f"mandatory must be true exactly when a source edge is starred: {wrong}"
