"""Rule packs: loading, validation against a schema generated from the check registry.

A pack is a folder with ``pack.yaml`` (id, version, edition, catalogue,
parameters) and rule files (``rules: [...]``). Everything is plain YAML data;
expressions are compiled by :mod:`sms_audit.expressions`, never evaluated as code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from rules import PACKS_DIR
from sms_audit.catalogue import Catalogue, load_catalogue
from sms_audit.checks import CHECK_KINDS, CheckKind, Grading
from sms_audit.checks.base import build_check, check_spec_errors, describe_schema_error, did_you_mean
from sms_audit.errors import RuleError, UnsafeYamlError
from sms_audit.expressions import Expression, compile_expression
from sms_audit.integration.reference import ReferenceGraph, load_reference, resolve_reference_path
from sms_audit.model import table_specs
from sms_audit.safe_yaml import load_yaml_file, plain

GRADES = ("major", "minor", "observation", "ofi")
_ID_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"

GRADING_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "measure": {"enum": ["rate", "count"]},
        "direction": {"enum": ["higher_is_worse", "lower_is_worse"]},
        "thresholds": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {g: {"type": "number", "minimum": 0} for g in GRADES},
        },
    },
}


def rule_schema() -> dict[str, Any]:
    """The JSON Schema of one rule, with one ``check`` branch per registered kind."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "sms-audit/rule.schema.json",
        "title": "sms-audit rule",
        "type": "object",
        "required": ["id", "title", "clauses", "requirements", "check", "rationale", "remediation"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": _ID_PATTERN},
            "title": {"type": "string", "minLength": 5},
            "clauses": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "requirements": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "evidence": {"enum": sorted(table_specs())},
            "select": {"type": "string"},
            "on_empty": {"enum": ["not_applicable", "evidence_insufficient"]},
            "record_clauses": {
                "type": "string",
                "description": "A column of the evidence table listing clause ids (comma-separated): a finding also "
                "counts against the clauses its records name there (e.g. an interface's clauses)",
            },
            "population": {"type": "string", "description": "Plural noun for the population, e.g. 'incidents'"},
            "check": {"oneOf": [kind.schema for _, kind in CHECK_KINDS.items()]},
            "grading": GRADING_SCHEMA,
            "rationale": {"type": "string", "minLength": 10},
            "remediation": {"type": "string", "minLength": 10},
        },
    }


@dataclass
class Rule:
    id: str
    title: str
    clauses: tuple[str, ...]
    requirements: tuple[str, ...]
    evidence: str
    check: CheckKind
    grading: Grading
    rationale: str
    remediation: str
    select: Expression | None
    on_empty: str
    population_noun: str
    source: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    record_clauses: str | None = None

    @property
    def kind(self) -> str:
        return self.check.kind

    def needs(self) -> dict[str, set[str]]:
        needs = {table: set(cols) for table, cols in self.check.needs().items()}
        if self.select is not None:
            needs.setdefault(self.evidence, set()).update(self.select.columns)
        if self.record_clauses:
            needs.setdefault(self.evidence, set()).add(self.record_clauses)
        return needs

    def parameters(self) -> set[str]:
        names = set(self.check.parameters())
        if self.select is not None:
            names |= set(self.select.params)
        return names


@dataclass
class RulePack:
    id: str
    title: str
    version: str
    edition: str
    catalogue: Catalogue
    parameters: dict[str, dict[str, Any]]
    rules: list[Rule]
    path: Path
    interfaces: ReferenceGraph | None = None

    def defaults(self) -> dict[str, Any]:
        return {name: spec["default"] for name, spec in self.parameters.items()}


PACK_FILES = ("pack.yaml", "parameters.yaml")


def load_parameters(path: Path, meta: dict[str, Any], errors: list[str]) -> dict[str, dict[str, Any]]:
    """Pack parameters from ``parameters.yaml`` (or ``parameters:`` in pack.yaml): name -> default, description."""
    file = path / "parameters.yaml"
    data = _load(file, errors) if file.is_file() else meta.get("parameters")
    data = plain(data or {})
    for name, spec in data.items():
        if not isinstance(spec, dict) or "default" not in spec or not str(spec.get("description", "")).strip():
            errors.append(f"{file}: parameter {name!r} needs a default and a description of why")
    return data


def resolve_pack_path(name: str, base_dir: Path | None = None) -> Path:
    builtin = PACKS_DIR / name
    if (builtin / "pack.yaml").is_file():
        return builtin
    if base_dir is not None and (base_dir / name / "pack.yaml").is_file():
        return (base_dir / name).resolve()
    candidate = Path(name)
    if (candidate / "pack.yaml").is_file():
        return candidate.resolve()
    known = sorted(p.name for p in PACKS_DIR.iterdir() if (p / "pack.yaml").is_file())
    raise RuleError(
        f"rule pack {name!r} not found; built-in packs: {', '.join(known)}; or give a folder with pack.yaml"
    )


def load_pack(path: Path) -> RulePack:
    errors: list[str] = []
    meta = _load(path / "pack.yaml", errors)
    if not isinstance(meta, dict):
        raise RuleError("\n".join(errors) or f"{path / 'pack.yaml'}: expected a mapping")
    for key in ("id", "version", "edition", "catalogue"):
        if key not in meta:
            errors.append(f"{path / 'pack.yaml'}:{getattr(meta, 'line', 1)}: missing key {key!r}")
    if errors:
        raise RuleError("\n".join(errors))
    catalogue = load_catalogue(meta["catalogue"])
    parameters = load_parameters(path, meta, errors)
    rules: list[Rule] = []
    for rule_file in sorted(p for p in path.glob("*.yaml") if p.name not in PACK_FILES):
        rules.extend(load_rule_file(rule_file, catalogue, parameters, errors))
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            errors.append(f"{rule.source}: rule {rule.id}: duplicate id (first defined at {seen[rule.id]})")
        seen.setdefault(rule.id, rule.source)
    if errors:
        raise RuleError("rule pack is invalid:\n  " + "\n  ".join(errors))
    interfaces = None
    if meta.get("interfaces"):
        interfaces = load_reference(
            resolve_reference_path(str(meta["interfaces"]), path),
            {c.id for c in catalogue.clauses},
            {r.id for r in rules if r.check.automated},
            {r.id for r in rules if not r.check.automated},
        )
    return RulePack(
        meta["id"],
        meta.get("title", meta["id"]),
        str(meta["version"]),
        str(meta["edition"]),
        catalogue,
        parameters,
        sorted(rules, key=lambda r: r.id),
        path,
        interfaces,
    )


def _load(path: Path, errors: list[str]) -> Any:
    try:
        return load_yaml_file(path)
    except UnsafeYamlError as exc:
        errors.append(str(exc))
        return None


def load_rule_file(path: Path, catalogue: Catalogue, parameters: dict[str, Any], errors: list[str]) -> list[Rule]:
    data = _load(path, errors)
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        errors.append(f"{path}:1: expected a mapping with a 'rules' list")
        return []
    out = []
    for raw in data["rules"]:
        rule = _build_rule(raw, path, catalogue, parameters, errors)
        if rule is not None:
            out.append(rule)
    return out


def _build_rule(raw: Any, path: Path, catalogue: Catalogue, parameters: dict, errors: list[str]) -> Rule | None:
    line = getattr(raw, "line", 0)
    rule_id = raw.get("id", "?") if isinstance(raw, dict) else "?"
    where = f"{path}:{line} rule {rule_id}"
    before = len(errors)
    if not isinstance(raw, dict):
        errors.append(f"{where}: a rule must be a mapping")
        return None
    schema_errors = _schema_errors(raw, where)
    if schema_errors:
        errors.extend(schema_errors)
        return None
    for clause in raw["clauses"]:
        if catalogue.get(str(clause)) is None:
            errors.append(f"{where}: clause {clause!r} is not in catalogue {catalogue.id}")
    for key in raw["requirements"]:
        if catalogue.requirement(key) is None:
            hint = _did_you_mean(key, [r.key for c in catalogue.clauses for r in c.requirements])
            errors.append(f"{where}: requirement key {key!r} is not in catalogue {catalogue.id}{hint}")
    try:
        check = build_check(plain(raw["check"]), raw.get("evidence", ""), where)
        select = compile_expression(raw["select"], where=where) if raw.get("select") else None
    except RuleError as exc:
        errors.append(str(exc))
        return None
    if check.needs_evidence and not raw.get("evidence"):
        tables = ", ".join(sorted(table_specs()))
        errors.append(f"{where}: evidence: a {check.kind} check needs an evidence table (one of {tables})")
        return None
    grading = _grading(raw.get("grading"), check)
    rule = Rule(
        id=raw["id"],
        title=raw["title"],
        clauses=tuple(str(c) for c in raw["clauses"]),
        requirements=tuple(raw["requirements"]),
        evidence=raw.get("evidence", ""),
        check=check,
        grading=grading,
        rationale=raw["rationale"],
        remediation=raw["remediation"],
        select=select,
        on_empty=raw.get("on_empty", "not_applicable"),
        population_noun=raw.get("population", raw.get("evidence", "records")),
        source=f"{path}:{line}",
        raw=plain(raw),
        record_clauses=raw.get("record_clauses"),
    )
    for name in sorted(rule.parameters()):
        if name not in parameters:
            hint = _did_you_mean(name, list(parameters))
            errors.append(f"{where}: parameter {name!r} is not declared in pack.yaml{hint}")
    specs = table_specs()
    for table, columns in rule.needs().items():
        if table not in specs:
            errors.append(f"{where}: unknown evidence table {table!r}{_did_you_mean(table, list(specs))}")
            continue
        for column in sorted(set(columns) - set(specs[table].columns)):
            hint = _did_you_mean(column, list(specs[table].columns))
            errors.append(f"{where}: table {table!r} has no column {column!r}{hint}")
    return rule if len(errors) == before else None


def _grading(raw: dict | None, check: CheckKind) -> Grading:
    default = check.default_grading
    if not raw:
        return default
    return Grading(
        raw.get("measure", default.measure),
        raw.get("direction", default.direction),
        dict(raw.get("thresholds", default.thresholds)),
    )


_did_you_mean = did_you_mean


def _schema_errors(raw: dict, where: str) -> list[str]:
    """Readable schema errors; the check is validated against its own kind's schema."""
    base = rule_schema()
    base["properties"] = dict(base["properties"], check={"type": "object"})
    out = [
        f"{where}: {describe_schema_error(err)}"
        for err in sorted(jsonschema.Draft202012Validator(base).iter_errors(raw), key=lambda e: str(e.path))
    ]
    if "check" in raw:
        check_where = where if not getattr(raw["check"], "line", 0) else _rewhere(where, raw["check"].line)
        out += [f"{check_where}: {e}" for e in check_spec_errors(raw["check"])]
    return out


def _rewhere(where: str, line: int) -> str:
    """The same location prefix, pointing at another line of the file."""
    path, rest = where.split(" rule ", 1)
    return f"{path.rsplit(':', 1)[0]}:{line} rule {rest}"


def load_packs(names: tuple[str, ...], base_dir: Path | None = None) -> list[RulePack]:
    return [load_pack(resolve_pack_path(name, base_dir)) for name in names]
