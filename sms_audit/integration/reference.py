"""The reference process-interface graph of a rule pack (``rules/integration/<name>.yaml``).

The file is data: nodes (processes, SMS elements, outside parties) and the interfaces an auditor
expects between them, each with the clauses it supports and, when records can show it, the
automated rules whose populations are the records that could carry it. It is validated against
``rules/schemas/interfaces.schema.json`` and against the pack (clauses exist, rules exist and are
automated), and every problem is reported with file:line.
"""

from __future__ import annotations

import json
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from rules import RULES_ROOT, SCHEMAS_DIR
from sms_audit.errors import RuleError
from sms_audit.safe_yaml import UnsafeYamlError, line_of, load_yaml_file

INTEGRATION_DIR = RULES_ROOT / "integration"


@dataclass(frozen=True)
class InterfaceNode:
    id: str
    title: str
    kind: str
    clauses: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class InterfaceEdge:
    id: str
    source: str
    target: str
    flows: str
    mandatory: bool
    clauses: tuple[str, ...]
    rules: tuple[str, ...]
    shows: str | None
    manual: str | None
    origin: tuple[int, ...]
    line: int

    @property
    def observable(self) -> bool:
        return bool(self.rules)


@dataclass(frozen=True)
class ReferenceGraph:
    id: str
    title: str
    edition: str
    path: Path
    nodes: tuple[InterfaceNode, ...]
    edges: tuple[InterfaceEdge, ...]
    dropped: tuple[str, ...] = ()

    @property
    def display_path(self) -> str:
        try:
            return self.path.relative_to(RULES_ROOT.parent).as_posix()
        except ValueError:
            return self.path.name

    def node(self, node_id: str) -> InterfaceNode:
        return next(n for n in self.nodes if n.id == node_id)


@cache
def _schema() -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / "interfaces.schema.json").read_text(encoding="utf-8"))


def resolve_reference_path(name: str, pack_path: Path) -> Path:
    """A name in ``rules/integration/`` or a path relative to the pack folder (never outside both)."""
    for base in (INTEGRATION_DIR, pack_path):
        candidate = (base / (name if name.endswith(".yaml") else f"{name}.yaml")).resolve()
        if candidate.is_file() and (
            candidate.is_relative_to(INTEGRATION_DIR.resolve()) or candidate.is_relative_to(pack_path.resolve())
        ):
            return candidate
    raise RuleError(f"{pack_path / 'pack.yaml'}: interfaces {name!r} not found in {INTEGRATION_DIR} or the pack folder")


def load_reference(
    path: Path,
    clause_ids: AbstractSet[str],
    automated_rules: AbstractSet[str],
    manual_rules: AbstractSet[str] = frozenset(),
) -> ReferenceGraph:
    """Load and check a reference graph; raise RuleError listing every problem with file:line.

    An evidence rule that the pack does not have at all (a trimmed copy of the pack) is dropped with a
    note in ``dropped``; an interface left without rules becomes a manual item. Naming a manual item
    as evidence is an error.
    """
    try:
        data = load_yaml_file(path)
    except UnsafeYamlError as exc:
        raise RuleError(str(exc)) from None
    errors = [
        f"{path}:{line_of(data, list(err.absolute_path))}: {'.'.join(map(str, err.absolute_path)) or '(top)'}: "
        f"{err.message}"
        for err in sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: e.json_path)
    ]
    if errors:
        raise RuleError("interface graph is invalid:\n  " + "\n  ".join(errors))
    nodes = tuple(
        InterfaceNode(n["id"], n["title"], n["kind"], tuple(n.get("clauses") or ()), getattr(n, "line", 1))
        for n in data["nodes"]
    )
    edges = tuple(
        InterfaceEdge(
            e["id"],
            e["from"],
            e["to"],
            e["flows"],
            bool(e["mandatory"]),
            tuple(e["clauses"]),
            tuple((e.get("evidence") or {}).get("rules") or ()),
            (e.get("evidence") or {}).get("shows"),
            e.get("manual"),
            tuple(e.get("source") or ()),
            getattr(e, "line", 1),
        )
        for e in data["edges"]
    )
    errors = _reference_errors(path, nodes, edges, clause_ids, set(manual_rules))
    if errors:
        raise RuleError("interface graph is invalid:\n  " + "\n  ".join(errors))
    dropped = tuple(
        f"{path}:{e.line}: edge {e.id}: rule {r} is not in the pack; not used as evidence"
        for e in edges
        for r in e.rules
        if r not in automated_rules and r not in manual_rules
    )
    edges = tuple(_keep_rules(e, automated_rules) for e in edges)
    return ReferenceGraph(data["id"], data.get("title", data["id"]), str(data["edition"]), path, nodes, edges, dropped)


def _keep_rules(edge: InterfaceEdge, automated_rules: set[str]) -> InterfaceEdge:
    kept = tuple(r for r in edge.rules if r in automated_rules)
    if kept == edge.rules:
        return edge
    manual = edge.manual or f"Sample records and check that they show this: {edge.shows}."
    return replace(edge, rules=kept, manual=manual if not kept else edge.manual)


def _reference_errors(
    path: Path,
    nodes: tuple[InterfaceNode, ...],
    edges: tuple[InterfaceEdge, ...],
    clause_ids: set[str],
    manual_rules: set[str],
) -> list[str]:
    errors: list[str] = []
    node_ids: set[str] = set()
    for node in nodes:
        if node.id in node_ids:
            errors.append(f"{path}:{node.line}: node {node.id}: duplicate id")
        node_ids.add(node.id)
        unknown = [c for c in node.clauses if c not in clause_ids]
        errors += [f"{path}:{node.line}: node {node.id}: unknown clause {c!r}" for c in unknown]
    edge_ids: set[str] = set()
    for edge in edges:
        where = f"{path}:{edge.line}: edge {edge.id}"
        if edge.id in edge_ids:
            errors.append(f"{where}: duplicate id")
        edge_ids.add(edge.id)
        errors += [f"{where}: unknown node {end!r}" for end in (edge.source, edge.target) if end not in node_ids]
        errors += [f"{where}: unknown clause {c!r}" for c in edge.clauses if c not in clause_ids]
        errors += [
            f"{where}: evidence rule {r!r} is a manual item, not an automated rule"
            for r in manual_rules & set(edge.rules)
        ]
    return errors
