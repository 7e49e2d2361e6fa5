"""Record populations per process area, taken from the populations the automated rules judge.

For each automated rule whose first (primary) clause lies in the area, the rule's table is filtered
by the rule's own ``select``; the union of those records, per table (and per record type for
tickets), is what the audit samples.
Records offending a rule in the latest scan are kept aside as ``flagged`` for oversampling.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sms_audit.errors import SmsAuditError
from sms_audit.evidence import Evidence
from sms_audit.model import table_spec
from sms_audit.programme.areas import Area
from sms_audit.programme.sampling import Population
from sms_audit.rules import RulePack

STRATIFY_BY = {"tickets": "priority", "cis": "criticality", "documents": "doc_type"}
FALLBACK_STRATA = ("service",)


def _stratum_column(table: str, frame: pd.DataFrame) -> str | None:
    preferred = STRATIFY_BY.get(table)
    for column in ([preferred] if preferred else []) + list(FALLBACK_STRATA):
        if column in frame.columns and frame[column].notna().any():
            return column
    return None


def _label(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def area_populations(
    area: Area,
    packs: list[RulePack],
    evidence: Evidence,
    contexts: dict[str, Any],
    flagged_by_rule: dict[str, set[str]],
) -> list[Population]:
    """Populations for ``area``; ``contexts`` maps pack id to the EvalContext its rules run with."""
    clauses = set(area.clauses)
    frames: dict[tuple[str, str], list[pd.DataFrame]] = {}
    rules_of: dict[tuple[str, str], list[str]] = {}
    for pack in packs:
        ctx = contexts[pack.id]
        for rule in pack.rules:
            # a rule belongs to the area of its first (primary) clause, so each population has one home
            if not rule.check.automated or not rule.evidence or not rule.clauses or rule.clauses[0] not in clauses:
                continue
            if not evidence.has_table(rule.evidence) or table_spec(rule.evidence).derived_table:
                continue  # tables the scan derives (interfaces, processes) are not records to sample
            table = evidence.tables.get(rule.evidence)
            if table is None or table.empty or "id" not in table.columns:
                continue
            try:
                if rule.select is not None:
                    table = table[rule.select.evaluate_mask(table, ctx).to_numpy()]
            except SmsAuditError:
                continue
            types = (getattr(rule.check, "spec", None) or {}).get("doc_types")
            if types and "doc_type" in table.columns:  # a document rule judges only its document types
                table = table[table["doc_type"].isin(set(types)).fillna(False).astype(bool).to_numpy()]
            if table.empty:
                continue
            if rule.evidence == "tickets" and "record_type" in table.columns:
                groups = table.groupby(table["record_type"].astype("string").fillna("(none)"), sort=True)
            else:
                groups = [(rule.evidence, table)]
            for name, frame in groups:
                key = (rule.evidence, str(name))
                frames.setdefault(key, []).append(frame)
                rules_of.setdefault(key, []).append(rule.id)
    populations = []
    for (table_name, group), parts in sorted(frames.items()):
        frame = pd.concat(parts).drop_duplicates(subset=["id"])
        frame = frame[frame["id"].notna()]
        column = _stratum_column(table_name, frame)
        strata: dict[str, list[str]] = {}
        for record_id, value in zip(
            frame["id"].astype(str), frame[column] if column else [None] * len(frame), strict=True
        ):
            strata.setdefault(_label(value) if column else "all", []).append(record_id)
        ids = {i for v in strata.values() for i in v}
        rules = sorted(set(rules_of[(table_name, group)]))
        flagged = sorted({i for r in rules for i in flagged_by_rule.get(r, set())} & ids)
        name = f"{table_name}: {group}" if group != table_name else table_name
        populations.append(Population(name, table_name, rules, strata, column, flagged))
    return populations
