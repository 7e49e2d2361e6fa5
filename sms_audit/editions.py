"""Reporting verdicts under another edition's clause numbering, through a clause map.

The rules are written against ISO/IEC 20000-1:2018. An organisation certified
to, or migrating from, the 2011 edition can read the verdicts in 2011 numbering:
each 2011 clause takes the worst verdict of the 2018 clauses it maps to, and a
heading the worst of its children. The map is data (``rules/catalogue/map-*.yaml``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from rules import CATALOGUE_DIR
from sms_audit.catalogue import Catalogue, load_catalogue
from sms_audit.errors import ConfigError
from sms_audit.grading import worst_verdict
from sms_audit.safe_yaml import load_yaml_file

EDITIONS = {"2018": "iso20000-1-2018", "2011": "iso20000-1-2011"}


@cache
def clause_map(source: str, target: str) -> dict[str, tuple[str, ...]]:
    """Clauses of ``source`` -> the clauses of ``target`` they correspond to."""
    path = CATALOGUE_DIR / f"map-{source.rsplit('-', 1)[1]}-{target.rsplit('-', 1)[1]}.yaml"
    if not path.is_file():
        raise ConfigError(f"no clause map from {source} to {target} ({path.name})")
    data = load_yaml_file(path)
    return {str(entry["from"]): tuple(str(t) for t in entry["to"]) for entry in data["map"]}


def catalogue_for(edition: str) -> Catalogue:
    if edition not in EDITIONS:
        raise ConfigError(f"edition {edition!r} is not known; choose one of {', '.join(sorted(EDITIONS))}")
    return load_catalogue(EDITIONS[edition])


def verdicts_in_edition(clauses: list[dict[str, Any]], pack_catalogue: Catalogue, edition: str) -> list[dict[str, Any]]:
    """Re-express clause verdicts (in the pack's numbering) in ``edition``'s numbering."""
    target = catalogue_for(edition)
    if target.id == pack_catalogue.id:
        return clauses
    mapping = clause_map(target.id, pack_catalogue.id)
    by_id = {c["id"]: c for c in clauses}
    verdicts: dict[str, str] = {}
    rules: dict[str, set[str]] = {}
    for clause in reversed(target.clauses):
        mapped = [by_id[c] for c in mapping.get(clause.id, ()) if c in by_id]
        children = [c.id for c in target.children(clause.id)]
        verdicts[clause.id] = worst_verdict([m["verdict"] for m in mapped] + [verdicts[c] for c in children])
        rules[clause.id] = {r for m in mapped for r in m["rules"]}
    return [
        {
            "id": c.id,
            "title": c.title,
            "parent": c.parent,
            "heading": c.heading,
            "verdict": verdicts[c.id],
            "rules": sorted(rules[c.id]),
            "maps_to": list(mapping.get(c.id, ())),
        }
        for c in target.clauses
    ]


def edition_clauses_of(rule_clauses: list[str], pack_catalogue: Catalogue, edition: str) -> list[str]:
    """The ``edition`` clauses that map to any of a rule's clauses (for findings)."""
    target = catalogue_for(edition)
    if target.id == pack_catalogue.id:
        return list(rule_clauses)
    mapping = clause_map(target.id, pack_catalogue.id)

    def covers(mapped: str, clause: str) -> bool:
        return clause == mapped or clause.startswith(mapped + ".")

    # Only the most specific matches: a 2011 clause mapped to 5.2 covers a rule on 5.2.1, but
    # the 2011 heading mapped to all of clause 5 would cover everything and says nothing.
    matches = [
        c
        for c in target.clauses
        if not c.heading and any(covers(m, rc) for m in mapping.get(c.id, ()) for rc in rule_clauses)
    ]
    return [c.id for c in matches]
