"""The ISO/IEC 20000-1:2011 clause catalogue and its map to the 2018 edition."""

from __future__ import annotations

from collections import Counter

import pytest

from rules import CATALOGUE_DIR
from sms_audit.catalogue import clause_sort_key, load_catalogue
from sms_audit.safe_yaml import load_yaml_file

MAP_FILE = CATALOGUE_DIR / "map-2011-2018.yaml"


@pytest.fixture(scope="module")
def cat2011():
    return load_catalogue("iso20000-1-2011")


@pytest.fixture(scope="module")
def cat2018():
    return load_catalogue("iso20000-1-2018")


@pytest.fixture(scope="module")
def edition_map():
    return load_yaml_file(MAP_FILE)


def test_catalogue_header(cat2011):
    assert cat2011.id == "iso20000-1-2011"
    assert cat2011.edition == "2011"
    assert cat2011.standard == "ISO/IEC 20000-1:2011"


def test_catalogue_has_53_clauses_in_numeric_order(cat2011):
    ids = [c.id for c in cat2011.clauses]
    assert len(ids) == 53
    assert len(set(ids)) == 53
    assert ids == sorted(ids, key=clause_sort_key)
    assert ids[0] == "4" and ids[-1] == "9.3"
    assert ids.index("4.5.5.2") < ids.index("5")
    for clause_id in ("4.1.4", "4.5.4.3", "6.3.2", "6.6.3", "7.2", "8.1", "9.2"):
        assert cat2011.get(clause_id) is not None


def test_parents_exist_and_are_one_level_up(cat2011):
    for clause in cat2011.clauses:
        if clause.parent is None:
            assert clause.depth == 0, clause.id
            continue
        parent = cat2011.get(clause.parent)
        assert parent is not None, clause.id
        assert clause.id.rsplit(".", 1)[0] == parent.id


def test_headings_have_no_requirements_and_others_do(cat2011):
    headings = {c.id for c in cat2011.clauses if c.heading}
    assert headings == {c.id for c in cat2011.clauses if not c.requirements}
    assert {"4", "4.1", "4.3", "4.5.4", "6.3", "6.6", "9"} <= headings
    for clause in cat2011.clauses:
        assert clause.title
        if clause.heading:
            assert cat2011.children(clause.id), f"heading {clause.id} has no subclauses"


def test_requirement_keys_unique_and_summaries_sized(cat2011):
    keys = [r.key for c in cat2011.clauses for r in c.requirements]
    assert len(keys) == len(set(keys))
    for clause in cat2011.clauses:
        for requirement in clause.requirements:
            assert requirement.key.startswith(f"{clause.id}-"), requirement.key
            assert 8 <= len(requirement.summary.split()) <= 25, requirement.key
            assert cat2011.requirement(requirement.key) == requirement


def test_map_header(edition_map):
    assert edition_map["from"] == "iso20000-1-2011"
    assert edition_map["to"] == "iso20000-1-2018"
    assert isinstance(edition_map["map"], list)


def test_map_covers_every_2011_clause_exactly_once(edition_map, cat2011):
    sources = Counter(str(entry["from"]) for entry in edition_map["map"])
    assert [clause_id for clause_id, n in sources.items() if n > 1] == []
    assert set(sources) == {c.id for c in cat2011.clauses}


def test_map_targets_exist_in_2018_catalogue(edition_map, cat2018):
    for entry in edition_map["map"]:
        targets = [str(t) for t in entry["to"]]
        assert len(targets) == len(set(targets)), entry["from"]
        missing = [t for t in targets if cat2018.get(t) is None]
        assert missing == [], f"{entry['from']} -> {missing}"
        if not targets:
            assert entry.get("note"), f"{entry['from']} has no 2018 counterpart but no note"


def test_map_known_successors(edition_map):
    targets = {str(e["from"]): [str(t) for t in e["to"]] for e in edition_map["map"]}
    assert targets["6.2"] == ["9.4"]
    assert targets["8.2"] == ["8.6.3"]
    assert targets["9.3"] == ["8.5.3"]
    assert set(targets["8.1"]) == {"8.6.1", "8.6.2"}
    assert "9.3" in targets["4.5.4.3"]
