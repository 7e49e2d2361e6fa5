"""Listing, explaining and validating rules (the ``sms-audit rules`` commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sms_audit.catalogue import load_catalogue
from sms_audit.errors import RuleError
from sms_audit.rules import Rule, RulePack, load_pack, load_parameters, load_rule_file, resolve_pack_path
from sms_audit.safe_yaml import load_yaml_file


def rule_summary(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "clauses": list(rule.clauses),
        "kind": rule.kind,
        "automated": rule.check.automated,
    }


def find_rule(packs: list[RulePack], rule_id: str) -> tuple[RulePack, Rule]:
    for pack in packs:
        for rule in pack.rules:
            if rule.id == rule_id:
                return pack, rule
    known = [r.id for p in packs for r in p.rules]
    import difflib

    close = difflib.get_close_matches(rule_id, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise RuleError(f"no rule {rule_id!r} in packs {', '.join(p.id for p in packs)}{hint}")


def explain(pack: RulePack, rule: Rule) -> str:
    """A plain-language account of what a rule checks, against what, and how it grades."""
    catalogue = pack.catalogue
    lines = [
        f"{rule.id}: {rule.title}",
        f"  pack        {pack.id} {pack.version} (edition {pack.edition})",
        f"  defined at  {rule.source}",
    ]
    for clause_id in rule.clauses:
        clause = catalogue.get(clause_id)
        lines.append(f"  clause      {clause_id} {clause.title if clause else ''}")
    for key in rule.requirements:
        requirement = catalogue.requirement(key)
        lines.append(f"  requirement {key}: {requirement.summary if requirement else ''}")
    lines.append(f"  kind        {rule.kind}: {rule.check.description}")
    if rule.check.needs_evidence:
        lines.append(
            f"  evidence    {rule.evidence}" + (f" where {rule.raw['select']}" if rule.raw.get("select") else "")
        )
    if rule.record_clauses:
        column = rule.record_clauses
        lines.append(f"  also       the clauses each offending record lists in '{column}' (findings count there too)")
    check = {k: v for k, v in rule.raw["check"].items() if k != "kind"}
    lines.append("  check")
    lines += ["    " + line for line in yaml.safe_dump(check, sort_keys=False, width=100).splitlines()]
    if rule.check.automated:
        grading = rule.grading
        sign = ">" if grading.direction == "higher_is_worse" else "<"
        limits = ", ".join(
            f"{grade} if {grading.measure} {sign} {value:g}" for grade, value in grading.thresholds.items()
        )
        lines.append(f"  grading     {limits}")
    for name in sorted(rule.parameters()):
        spec = pack.parameters.get(name, {})
        lines.append(f"  parameter   {name} = {spec.get('default')!r} (default): {spec.get('description', '').strip()}")
    lines.append(f"  rationale   {rule.rationale.strip()}")
    lines.append(f"  remediation {rule.remediation.strip()}")
    return "\n".join(lines)


def validate_paths(paths: list[Path]) -> tuple[int, list[str]]:
    """Validate packs (folders with pack.yaml) and rule files; returns (rules checked, errors)."""
    count, errors = 0, []
    for path in paths:
        if path.is_dir():
            try:
                count += len(load_pack(path).rules)
            except RuleError as exc:
                errors += _lines(exc)
            continue
        if not path.is_file():
            errors.append(f"{path}: no such file or folder")
            continue
        if path.name == "pack.yaml":
            try:
                count += len(load_pack(path.parent).rules)
            except RuleError as exc:
                errors += _lines(exc)
            continue
        pack_dir = path.parent if (path.parent / "pack.yaml").is_file() else resolve_pack_path("iso20000-1-2018")
        try:
            meta = load_yaml_file(pack_dir / "pack.yaml")
        except Exception as exc:  # noqa: BLE001 - reported as a validation error of that file
            errors.append(str(exc))
            continue
        catalogue = load_catalogue(meta["catalogue"])
        file_errors: list[str] = []
        parameters = load_parameters(pack_dir, meta, file_errors)
        count += len(load_rule_file(path, catalogue, parameters, file_errors))
        errors += file_errors
    return count, errors


def _lines(exc: RuleError) -> list[str]:
    text = str(exc)
    body = text.split(":\n", 1)[1] if text.startswith("rule pack is invalid:\n") else text
    return [line.strip() for line in body.splitlines() if line.strip()]


def coverage(packs: list[RulePack]) -> list[dict[str, Any]]:
    """Per clause and requirement key: the automated rules and manual items that address it."""
    rows = []
    for pack in packs:
        automated: dict[str, list[str]] = {}
        manual: dict[str, list[str]] = {}
        for rule in pack.rules:
            target = automated if rule.check.automated else manual
            for key in rule.requirements:
                target.setdefault(key, []).append(rule.id)
        for clause in pack.catalogue.clauses:
            for requirement in clause.requirements:
                rows.append(
                    {
                        "clause": clause.id,
                        "requirement": requirement.key,
                        "automated": sorted(automated.get(requirement.key, [])),
                        "manual": sorted(manual.get(requirement.key, [])),
                    }
                )
    return rows


def coverage_table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'clause':<9} {'requirement':<44} {'automated':<28} manual"]
    for row in rows:
        auto = ", ".join(row["automated"]) or "-"
        manual = ", ".join(row["manual"]) or "-"
        lines.append(f"{row['clause']:<9} {row['requirement']:<44} {auto:<28} {manual}")
    uncovered = [row for row in rows if not row["automated"] and not row["manual"]]
    automated = sum(1 for row in rows if row["automated"])
    lines.append(
        f"{len(rows)} requirement keys: {automated} with an automated rule, "
        f"{len(rows) - automated - len(uncovered)} by manual items only, {len(uncovered)} not covered"
    )
    return "\n".join(lines)
