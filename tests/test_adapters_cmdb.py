"""CMDB adapters: iTop XML data and generic nodes/edges (CSV, JSON), on hand-made quirks and iTop's sample."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from evidence_adapters import ADAPTERS
from evidence_adapters.detect import detect_adapter, make_sample
from evidence_adapters.generic_cmdb import GenericCmdbAdapter, derive_identity
from evidence_adapters.itop import ItopXmlAdapter
from sms_audit import load_config, scan
from sms_audit.errors import EvidenceError
from tests.conftest import SHARED_DATA

ITOP_SAMPLE = SHARED_DATA / "itop-sample-data"


def load(adapter: str, path: Path, **options):
    return ADAPTERS.get(adapter)().load(path, path.name, options)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def accounted(result) -> None:
    """Every record read is either in a frame or rejected."""
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    assert result.rows_accepted == sum(len(frame) for frame in result.tables.values())


# --- iTop XML ---------------------------------------------------------------------------------------

ITOP_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Set>
<Organization alias="Organization" id="2">
<name>Demo Corp</name>
</Organization>
<Server alias="Server" id="2">
<name>srv-01</name>
<org_id>2</org_id>
<business_criticity>high</business_criticity>
<status>production</status>
</Server>
<VirtualMachine alias="VirtualMachine" id="12">
<name>vm-01</name>
<org_id>7</org_id>
<business_criticity>low</business_criticity>
<status>Implementation</status>
</VirtualMachine>
<ApplicationSolution alias="ApplicationSolution" id="27">
<name>CRM</name>
<description>multi
line</description>
<org_id>0</org_id>
<business_criticity>medium</business_criticity>
<status>active</status>
<icon><mimetype>image/svg+xml</mimetype><data>AAAA</data></icon>
</ApplicationSolution>
<Firewall alias="Firewall" id="40">
<name>fw-01</name>
<org_id>2</org_id>
<business_criticity>high</business_criticity>
<status>production</status>
</Firewall>
<Person alias="Person" id="5">
<name>Doe</name>
</Person>
<lnkApplicationSolutionToFunctionalCI alias="lnkApplicationSolutionToFunctionalCI" id="1">
<applicationsolution_id>27</applicationsolution_id>
<functionalci_id>2</functionalci_id>
</lnkApplicationSolutionToFunctionalCI>
<lnkApplicationSolutionToFunctionalCI alias="lnkApplicationSolutionToFunctionalCI" id="2">
<applicationsolution_id>27</applicationsolution_id>
<functionalci_id>99</functionalci_id>
</lnkApplicationSolutionToFunctionalCI>
<lnkConnectableCIToNetworkDevice alias="lnkConnectableCIToNetworkDevice" id="3">
<networkdevice_id>0</networkdevice_id>
<connectableci_id>2</connectableci_id>
</lnkConnectableCIToNetworkDevice>
<lnkContactToFunctionalCI alias="lnkContactToFunctionalCI" id="4">
<contact_id>5</contact_id>
<functionalci_id>2</functionalci_id>
</lnkContactToFunctionalCI>
<Server alias="Server" id="12">
<name>duplicate key of vm-01</name>
</Server>
<Server alias="Server">
<name>no id</name>
</Server>
<lnkApplicationSolutionToFunctionalCI alias="lnkApplicationSolutionToFunctionalCI" id="6">
<applicationsolution_id>27</applicationsolution_id>
<functionalci_id>2</functionalci_id>
</lnkApplicationSolutionToFunctionalCI>
</Set>
"""


def test_itop_objects_become_cis_relations_and_counted_others(tmp_path):
    result = load("itop_xml", write(tmp_path, "data.sample.mixed.xml", ITOP_XML))
    accounted(result)
    cis = result.tables["cis"]
    assert list(cis["id"]) == ["FunctionalCI::2", "FunctionalCI::12", "FunctionalCI::27", "FunctionalCI::40"]
    assert list(cis["ci_class"]) == ["Server", "VirtualMachine", "ApplicationSolution", "Firewall"]
    assert list(cis["name"]) == ["srv-01", "vm-01", "CRM", "fw-01"]
    assert list(cis["status"]) == ["production", "implementation", "active", "production"]
    assert list(cis["criticality"]) == ["high", "low", "medium", "high"]
    # org_id: the organisation's name when it is in the file, its key otherwise, nothing for 0
    assert cis["owner"].tolist() == ["Demo Corp", "Organization::7", pd.NA, "Demo Corp"]
    assert list(cis["_source_line"]) == [6, 12, 18, 27]
    assert set(cis["_source_file"]) == {"data.sample.mixed.xml"}

    rel = result.tables["ci_relations"]
    assert rel[["parent_id", "child_id", "relation_type"]].astype(object).where(rel.notna(), None).values.tolist() == [
        ["FunctionalCI::27", "FunctionalCI::2", "lnkApplicationSolutionToFunctionalCI"],
        ["FunctionalCI::27", "FunctionalCI::99", "lnkApplicationSolutionToFunctionalCI"],  # dangling end: kept
        ["FunctionalCI::2", None, "lnkConnectableCIToNetworkDevice"],  # key 0 means none: loaded empty
    ]
    assert list(rel["id"]) == [
        "FunctionalCI::27|lnkApplicationSolutionToFunctionalCI|FunctionalCI::2",
        "FunctionalCI::27|lnkApplicationSolutionToFunctionalCI|FunctionalCI::99",
        "FunctionalCI::2|lnkConnectableCIToNetworkDevice|",
    ]
    assert list(rel["_source_line"]) == [36, 40, 44]

    # 5 Servers/VMs/solutions (2 rejected: duplicate key, missing id) + 1 Firewall + 4 CI links (1 repeated)
    assert result.rows_read == 10
    assert [(r.line, r.column) for r in result.rejections] == [(52, "id"), (55, "id"), (58, None)]
    assert "VirtualMachine at line 12" in result.rejections[0].reason
    assert "no id attribute" in result.rejections[1].reason
    assert result.rejections[2].reason.endswith("(FunctionalCI::27 -> FunctionalCI::2) is at line 36 already")
    assert result.details["other_objects"] == {"Organization": 1, "Person": 1, "lnkContactToFunctionalCI": 1}
    assert result.details["objects"] == result.rows_read + sum(result.details["other_objects"].values())
    assert result.details["ci_classes"] == {"ApplicationSolution": 1, "Firewall": 1, "Server": 3, "VirtualMachine": 1}
    assert result.details["ci_link_classes"] == {
        "lnkApplicationSolutionToFunctionalCI": 3,
        "lnkConnectableCIToNetworkDevice": 1,
    }
    assert result.details["inferred_ci_classes"] == ["Firewall"]
    assert result.provided_columns["cis"] == {"id", "name", "ci_class", "status", "owner", "criticality"}


def test_itop_file_without_cis_provides_no_table(tmp_path):
    path = write(
        tmp_path,
        "orgs.xml",
        '<?xml version="1.0"?>\n<Set>\n<Organization alias="Organization" id="1"><name>A</name></Organization>\n'
        '<lnkPersonToTeam alias="lnkPersonToTeam" id="1"><team_id>1</team_id><person_id>2</person_id>'
        "</lnkPersonToTeam>\n</Set>\n",
    )
    result = load("itop_xml", path)
    assert result.tables == {}
    assert result.rows_read == 0
    assert result.details["other_objects"] == {"Organization": 1, "lnkPersonToTeam": 1}


def test_itop_options_extend_classes_links_and_prefix_ids(tmp_path):
    path = write(
        tmp_path,
        "custom.xml",
        "<Set>\n"
        '<Gadget alias="Gadget" id="1"><name>g</name><status>active</status></Gadget>\n'
        '<Server alias="Server" id="2"><name>s</name></Server>\n'
        '<lnkGadgetToServer alias="lnkGadgetToServer" id="9"><gadget_id>1</gadget_id><server_id>2</server_id>'
        "</lnkGadgetToServer>\n</Set>\n",
    )
    options = {"ci_classes": ["Gadget"], "ci_links": {"lnkGadgetToServer": ["gadget_id", "server_id"]}}
    result = load("itop_xml", path, id_prefix="prod:", **options)
    assert list(result.tables["cis"]["id"]) == ["prod:FunctionalCI::1", "prod:FunctionalCI::2"]
    rel = result.tables["ci_relations"]
    assert rel[["id", "parent_id", "child_id"]].values.tolist() == [
        ["prod:FunctionalCI::1|lnkGadgetToServer|prod:FunctionalCI::2", "prod:FunctionalCI::1", "prod:FunctionalCI::2"]
    ]
    assert result.provided_columns["cis"] == {"id", "ci_class", "name", "status"}
    with pytest.raises(EvidenceError, match="ci_links"):
        load("itop_xml", path, ci_links={"lnkGadgetToServer": "gadget_id"})


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Set [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Set><Server alias="Server" id="1"><name>&lol3;</name></Server></Set>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE Set SYSTEM "file:///etc/passwd">
<Set><Server alias="Server" id="1"><name>x</name></Server></Set>
"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, XXE], ids=["entities", "external-dtd"])
def test_itop_refuses_doctype_and_entities(tmp_path, text):
    with pytest.raises(EvidenceError, match=r"bad\.xml:2: refused: the file contains a DOCTYPE declaration"):
        load("itop_xml", write(tmp_path, "bad.xml", text))


def test_itop_refuses_malformed_xml_and_other_roots(tmp_path):
    broken = write(tmp_path, "broken.xml", '<Set>\n<Server alias="Server" id="1">\n<name>x</nam>\n</Server></Set>')
    with pytest.raises(EvidenceError, match=r"broken\.xml:3: not well-formed XML \(line 3, column"):
        load("itop_xml", broken)
    other = write(tmp_path, "other.xml", "<?xml version='1.0'?>\n<itop_design><classes/></itop_design>")
    with pytest.raises(EvidenceError, match=r"other\.xml:2: the root element is <itop_design>, not <Set>"):
        load("itop_xml", other)


def test_itop_detect_scores(tmp_path):
    cis = make_sample(write(tmp_path, "data.sample.mixed.xml", ITOP_XML))
    found = ItopXmlAdapter.detect(cis)
    assert found is not None and found.score == pytest.approx(0.95)
    assert "Server" in found.reason
    orgs = make_sample(write(tmp_path, "orgs.xml", '<Set>\n<Organization alias="Organization" id="1"/>\n</Set>'))
    assert ItopXmlAdapter.detect(orgs).score == pytest.approx(0.7)
    assert ItopXmlAdapter.detect(make_sample(write(tmp_path, "x.xml", "<rss><channel/></rss>"))) is None
    assert ItopXmlAdapter.detect(make_sample(write(tmp_path, "n.csv", "id,name\n1,a\n"))) is None
    assert detect_adapter(tmp_path / "data.sample.mixed.xml", "mixed").adapter == "itop_xml"


def _itop_sample_files() -> list[Path]:
    if not ITOP_SAMPLE.is_dir():
        pytest.skip(f"{ITOP_SAMPLE} not available (../shared/data is absent)")
    return sorted(ITOP_SAMPLE.rglob("data.sample.*.xml"))


def test_itop_shared_sample_data():
    files = _itop_sample_files()
    assert len(files) == 37
    classes: Counter[str] = Counter()
    others: Counter[str] = Counter()
    objects = rows = 0
    cis, relations = [], []
    for path in files:
        result = ADAPTERS.get("itop_xml")().load(path, str(path.relative_to(ITOP_SAMPLE)), {})
        accounted(result)
        assert result.rejections == []
        assert ItopXmlAdapter.detect(make_sample(path)).score >= 0.7
        classes.update(result.details["ci_classes"])
        classes.update(result.details["ci_link_classes"])
        others.update(result.details["other_objects"])
        objects += result.details["objects"]
        rows += result.rows_read
        cis += [result.tables["cis"]] if "cis" in result.tables else []
        relations += [result.tables["ci_relations"]] if "ci_relations" in result.tables else []
    assert dict(classes) == {
        "ApplicationSolution": 4,
        "DBServer": 3,
        "DatabaseSchema": 3,
        "Farm": 2,
        "Hypervisor": 3,
        "NetworkDevice": 2,
        "Rack": 1,
        "Server": 4,
        "VirtualMachine": 4,
        "WebApplication": 3,
        "WebServer": 2,
        "lnkApplicationSolutionToFunctionalCI": 9,
    }
    assert (objects, rows, sum(others.values())) == (109, 40, 69)
    assert others["lnkPersonToTeam"] == 9 and others["ServiceSubcategory"] == 17 and others["Organization"] == 4
    cis_frame, rel_frame = pd.concat(cis), pd.concat(relations)
    assert len(cis_frame) == 31 and len(rel_frame) == 9
    # every application-solution link resolves to a CI of some file of the sample
    assert rel_frame["parent_id"].isin(cis_frame["id"]).all() and rel_frame["child_id"].isin(cis_frame["id"]).all()
    crm = cis_frame.set_index("id").loc["FunctionalCI::27"]
    assert (crm["name"], crm["ci_class"], crm["criticality"], crm["owner"]) == (
        "CRM",
        "ApplicationSolution",
        "high",
        "Organization::2",
    )
    # the module folders were written separately: key 15 is Server4 in one and VM4 in the other
    clash = cis_frame[cis_frame["id"] == "FunctionalCI::15"]
    assert sorted(clash["name"]) == ["Server4", "VM4"]
    assert not rel_frame["id"].duplicated().any()  # link keys repeat across folders; relation ids do not


def test_scan_of_itop_sample_judges_ci_rules(tmp_path):
    files = _itop_sample_files()
    listed = "".join(f"      - {path}\n" for path in files)
    write(
        tmp_path,
        "sms-audit.yaml",
        'organisation: "iTop demo"\n'
        "audit:\n"
        '  period: {from: "2025-07-01", to: "2026-06-30"}\n'
        "evidence:\n"
        "  - kind: cmdb\n"
        "    adapter: itop_xml\n"
        "    paths:\n" + listed,
    )
    result = scan(load_config(tmp_path / "sms-audit.yaml"))
    by_rule = {r.rule.id: r for r in result.results}
    assert by_rule["CI-002"].status == "pass" and by_rule["CI-002"].population == 9
    ci1 = by_rule["CI-001"]
    assert ci1.status == "fail" and ci1.population == 31
    # DBServers and a WebServer with an empty status; iTop has no status on schemas and web applications
    assert sorted(r["id"] for r in ci1.records) == [
        f"FunctionalCI::{k}" for k in (16, 17, 18, 19, 20, 21, 22, 24, 25, 26)
    ]
    assert {r["reason"] for r in ci1.records} == {"missing: status"}


# --- generic CMDB: CSV ------------------------------------------------------------------------------


def test_generic_csv_nodes(tmp_path):
    path = write(
        tmp_path,
        "nodes.csv",
        "ID,Name,Class,Status,Owner,Criticality,Last Updated\n"
        "A1,app-01,Application,In Production,alice,High,2026-01-05T10:00:00Z\n"
        'B2,"db\n01",Database,,,low,\n'
        "A1,dup,Database,active,bob,,\n"
        ",noid,X,active,carol,,\n"
        "C3,web,Web,active,dave,,not a date\n"
        "D4,too,many,fields,here,x,y,z\n",
    )
    result = load("cmdb_generic", path)
    accounted(result)
    cis = result.tables["cis"]
    assert list(cis["id"]) == ["A1", "B2"]
    assert list(cis["status"].fillna("-")) == ["in_production", "-"]
    assert list(cis["criticality"]) == ["high", "low"]
    assert str(cis["updated_at"][0]) == "2026-01-05 10:00:00"
    assert list(cis["_source_line"]) == [2, 3]
    assert result.rows_read == 6
    assert [(r.line, r.column) for r in result.rejections] == [(5, "ID"), (6, "ID"), (7, "Last Updated"), (8, None)]
    assert result.rejections[0].reason == "duplicate id A1 (first at line 2)"
    assert result.rejections[1].reason == "id is empty"
    assert result.provided_columns["cis"] == {
        "id",
        "name",
        "ci_class",
        "status",
        "owner",
        "criticality",
        "updated_at",
    }
    assert result.details["table"] == "cis"


def test_generic_csv_edges_keep_dangling_and_empty_ends(tmp_path):
    path = write(
        tmp_path,
        "edges.csv",
        "edge_id;source;target;relationship\nE1;A1;B2;depends on\n;A1;ZZ;runs on\nE3;;B2;x\nE1;B2;A1;dup\n",
    )
    result = load("cmdb_generic", path)
    accounted(result)
    rel = result.tables["ci_relations"]
    assert list(rel["id"]) == ["E1", "A1|runs on|ZZ", "E3"]
    assert rel["parent_id"].tolist() == ["A1", "A1", pd.NA]
    assert list(rel["child_id"]) == ["B2", "ZZ", "B2"]
    assert [(r.line, r.column, r.reason) for r in result.rejections] == [
        (5, "edge_id", "duplicate id E1 (first at line 2)")
    ]
    assert result.provided_columns["ci_relations"] == {"id", "parent_id", "child_id", "relation_type"}
    assert result.details["delimiter"] == ";"


def test_generic_csv_table_option_and_missing_columns(tmp_path):
    # 'from'/'to' columns in a nodes file: the option wins over the header
    path = write(tmp_path, "odd.csv", "name,type,from,to\nlink-a,Cable,A,B\n")
    assert "ci_relations" in load("cmdb_generic", path).tables
    assert list(load("cmdb_generic", path, table="nodes").tables["cis"]["id"]) == ["link-a"]
    with pytest.raises(EvidenceError, match="options.table"):
        load("cmdb_generic", path, table="tickets")
    lonely = write(tmp_path, "lonely.csv", "parent,kind\nA,x\n")
    with pytest.raises(EvidenceError, match="needs a parent column .* and a child"):
        load("cmdb_generic", lonely, table="ci_relations")
    with pytest.raises(EvidenceError, match="needs an id or a name column"):
        load("cmdb_generic", write(tmp_path, "nameless.csv", "class,status\nServer,active\n"))


def test_generic_identity_by_name_or_name_and_class(tmp_path):
    path = write(
        tmp_path,
        "cmdb_ci.csv",
        "name,class,status\ndb01,Linux Server,active\ndb01,Oracle DB,active\ndb01,Linux Server,retired\n,X,active\n",
    )
    by_name = load("cmdb_generic", path)
    accounted(by_name)
    assert list(by_name.tables["cis"]["id"]) == ["db01", "db01", "db01"]
    assert by_name.details["ambiguous_identities"] == [{"id": "db01", "lines": [2, 3, 4]}]
    assert [(r.line, r.column) for r in by_name.rejections] == [(5, "name")]
    by_class = load("cmdb_generic", path, identity="name_class")
    assert list(by_class.tables["cis"]["id"]) == ["db01|Linux Server", "db01|Oracle DB", "db01|Linux Server"]
    assert by_class.details["ambiguous_identities"] == [{"id": "db01|Linux Server", "lines": [2, 4]}]
    with pytest.raises(EvidenceError, match="options.identity"):
        load("cmdb_generic", path, identity="sys_id")


def test_derive_identity_helper():
    frame = pd.DataFrame(
        {
            "name": pd.array(["db01", "db01", " db01 ", "a|b", "a", None, "web"], dtype="string"),
            "ci_class": pd.array(["Linux", "Oracle", "Linux", "c", "b|c", None, None], dtype="string"),
            "_source_line": pd.array([2, 3, 4, 5, 6, 7, 8], dtype="Int64"),
        },
        index=[10, 11, 12, 13, 14, 15, 16],
    )
    ids, ambiguous = derive_identity(frame)
    assert ids.tolist() == ["db01|Linux", "db01|Oracle", "db01|Linux", "a\\|b|c", "a|b\\|c", pd.NA, "web|"]
    assert list(ids.index) == list(frame.index)
    assert list(ambiguous.columns) == ["identity", "count", "name", "ci_class", "_source_line"]
    assert ambiguous["identity"].tolist() == ["db01|Linux", "db01|Linux"]
    assert ambiguous["count"].tolist() == [2, 2]
    assert list(ambiguous.index) == [10, 12]
    names, by_name = derive_identity(frame, ("name",))
    assert names[13] == "a|b"  # one key column: values as they are, trimmed
    assert by_name["identity"].tolist() == ["db01", "db01", "db01"] and by_name["count"].tolist() == [3, 3, 3]
    with pytest.raises(KeyError, match="sys_class_name"):
        derive_identity(frame, ("name", "sys_class_name"))


# --- generic CMDB: JSON -----------------------------------------------------------------------------

GRAPH_JSON = """{
  "exported": "2026-06-30",
  "nodes": [
    {"id": "A1", "name": "app-01", "class": "Application", "status": "Active", "owner": "alice"},
    {"id": 2, "name": "db-01", "class": "Database", "status": null, "owner": "bob", "virtual": true},
    "not an object",
    {
      "id": "C3",
      "name": "web-01",
      "class": "Web",
      "owner": {"name": "carol"}
    },
    {"id": "D4", "name": "lb-01", "class": "LB", "status": "active", "owner": "dave", "tags": ["a", "b"]}
  ],
  "edges": [
    {"from": "A1", "to": "2", "type": "depends on"},

    {"from": "A1", "to": "ZZ", "type": "runs on"}
  ]
}
"""


def test_generic_json_nodes_and_edges_with_lines(tmp_path):
    result = load("cmdb_generic", write(tmp_path, "graph.json", GRAPH_JSON))
    accounted(result)
    cis = result.tables["cis"]
    assert list(cis["id"]) == ["A1", "2", "D4"]
    assert list(cis["_source_line"]) == [4, 5, 13]
    assert cis["status"].tolist() == ["active", pd.NA, "active"]
    rel = result.tables["ci_relations"]
    assert list(rel["_source_line"]) == [16, 18]
    assert rel[["parent_id", "child_id"]].values.tolist() == [["A1", "2"], ["A1", "ZZ"]]
    assert result.rows_read == 7
    assert [(r.line, r.column) for r in result.rejections] == [(6, None), (7, "owner")]
    assert result.rejections[0].reason == "expected a JSON object, found str"
    assert result.rejections[1].reason == "owner: expected a single value, found an object"
    assert result.details["ignored_keys"] == ["exported"]
    assert result.provided_columns == {
        "cis": {"id", "name", "ci_class", "status", "owner"},
        "ci_relations": {"id", "parent_id", "child_id", "relation_type"},
    }


def test_generic_json_table_option_and_top_level_array(tmp_path):
    path = write(tmp_path, "graph.json", GRAPH_JSON)
    only_edges = load("cmdb_generic", path, table="edges")
    assert set(only_edges.tables) == {"ci_relations"}
    assert only_edges.rows_read == 2
    assert only_edges.details["skipped_records"] == {"cis": 5}
    array = write(tmp_path, "edges.json", '[\n  {"parent": "A", "child": "B"},\n  {"parent": "B", "child": "C"}\n]\n')
    result = load("cmdb_generic", array)
    assert list(result.tables["ci_relations"]["_source_line"]) == [2, 3]
    nodes = write(tmp_path, "nodes.json", '[{"name": "x", "type": "Server"}]')
    assert list(load("cmdb_generic", nodes).tables["cis"]["ci_class"]) == ["Server"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{\n  "nodes": [\n    {"id": "A"},\n  ]\n}', 4),
        ('{\n  "nodes": [{"id": "A"}]\n}\n{"again": 1}', 4),
        ("", 1),
        ('{"meta": {}}', None),
    ],
    ids=["trailing-comma", "extra-data", "empty", "no-arrays"],
)
def test_generic_json_refuses_unreadable_files(tmp_path, text, line):
    path = write(tmp_path, "bad.json", text)
    match = rf"bad\.json:{line}: not valid JSON" if line else "no nodes or edges array"
    with pytest.raises(EvidenceError, match=match):
        load("cmdb_generic", path)


# --- detection --------------------------------------------------------------------------------------


def test_generic_detect_scores(tmp_path):
    def score(name: str, text: str) -> float | None:
        found = GenericCmdbAdapter.detect(make_sample(write(tmp_path, name, text)))
        return None if found is None else found.score

    assert score("nodes.csv", "id,name,class,status,owner\nA,a,Server,active,x\n") == pytest.approx(0.8)
    assert score("nodes2.csv", "name,type\na,Server\n") == pytest.approx(0.6)
    assert score("edges.csv", "source,target,type\nA,B,uses\n") == pytest.approx(0.85)
    assert score("rel.csv", "parent,type,child\nA,uses,B\n") == pytest.approx(0.75)
    assert score("rel_sn.csv", "parent,type,child\nA,Depends on::Used by,B\n") == pytest.approx(0.5)
    assert score("sn_ci.csv", "sys_id,name,sys_class_name,install_status\n1,a,x,1\n") == pytest.approx(0.45)
    assert score("graph.json", GRAPH_JSON) == pytest.approx(0.9)
    assert score("other.json", '{"issues": []}') is None
    assert score("mail.csv", "from,to,subject\na@x,b@y,hi\n") == pytest.approx(0.7)
    assert score("docs.csv", "ID,Name,Type,Status,Owner,Version\nSOP-1,x,SOP,approved,a,1\n") is None
    # against the other adapters: ServiceNow keeps its own exports, ours are recognised
    assert detect_adapter(tmp_path / "edges.csv", "edges.csv").adapter == "cmdb_generic"
    assert detect_adapter(tmp_path / "nodes.csv", "nodes.csv").adapter == "cmdb_generic"
    assert detect_adapter(tmp_path / "graph.json", "graph.json").adapter == "cmdb_generic"
    assert detect_adapter(tmp_path / "rel_sn.csv", "rel_sn.csv").adapter == "servicenow"
    assert detect_adapter(tmp_path / "sn_ci.csv", "sn_ci.csv").adapter == "servicenow"


# --- end to end -------------------------------------------------------------------------------------


def test_scan_with_generic_cmdb_judges_ci_rules(tmp_path):
    write(
        tmp_path,
        "nodes.csv",
        "id,name,class,status,owner\nA1,app,Application,active,alice\nB2,db,Database,active,\nC3,web,,active,carol\n",
    )
    write(tmp_path, "edges.csv", "source,target,type\nA1,B2,depends on\nA1,ZZ,runs on\nC3,B2,uses\n")
    write(
        tmp_path,
        "graph.json",
        '{"nodes": [{"id": "D4", "name": "lb", "class": "LB", "status": "active", "owner": "dave"}],\n'
        ' "edges": [{"from": "D4", "to": "C3", "type": "fronts"}]}\n',
    )
    write(
        tmp_path,
        "sms-audit.yaml",
        'organisation: "Example"\n'
        "audit:\n"
        '  period: {from: "2025-07-01", to: "2026-06-30"}\n'
        "evidence:\n"
        "  - {kind: cmdb, adapter: cmdb_generic, path: nodes.csv}\n"
        "  - {kind: cmdb, adapter: cmdb_generic, path: edges.csv}\n"
        "  - {kind: cmdb, adapter: cmdb_generic, path: graph.json}\n",
    )
    result = scan(load_config(tmp_path / "sms-audit.yaml"))
    by_rule = {r.rule.id: r for r in result.results}
    ci1, ci2 = by_rule["CI-001"], by_rule["CI-002"]
    assert ci1.status == "fail" and ci1.population == 4
    assert [(r["id"], r["file"], r["line"]) for r in ci1.records] == [("B2", "nodes.csv", 3), ("C3", "nodes.csv", 4)]
    assert ci2.status == "fail" and ci2.population == 4
    assert [(r["id"], r["file"], r["line"]) for r in ci2.records] == [("A1|runs on|ZZ", "edges.csv", 3)]
    files = {f["path"]: f for f in result.report["evidence"]["files"]}
    assert files["graph.json"]["tables"] == {"cis": 1, "ci_relations": 1}
    assert all(f["rows_read"] == f["rows_accepted"] + f["rows_rejected"] for f in files.values())
