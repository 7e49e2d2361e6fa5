"""``all`` / ``any`` / ``not``: checks combined over one population.

* ``all``: a record offends when any sub-check flags it (every check must hold).
* ``any``: a record offends only when every sub-check flags it (one holding is enough).
* ``not``: a record offends when the single sub-check does *not* flag it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome, build_check, check_spec_errors
from sms_audit.expressions import EvalContext

_NESTED = {"type": "array", "items": {"type": "object", "required": ["kind"]}}


class _Combinator(CheckKind):
    default_grading = Grading("rate", "higher_is_worse", {"minor": 0.05, "observation": 0.0})

    def __init__(self, spec: dict[str, Any], table: str, where: str) -> None:
        super().__init__(spec, table, where)
        self.children = [build_check(child, table, where) for child in spec["checks"]]

    @classmethod
    def nested_errors(cls, spec: dict[str, Any], prefix: str) -> list[str]:
        errors = []
        for index, child in enumerate(spec.get("checks") or []):
            kind = CHECK_KINDS._entries.get(child.get("kind")) if isinstance(child, dict) else None
            if kind is not None and (not kind.automated or not kind.combinable):
                errors.append(f"{prefix}.checks.{index}: a {child['kind']} check cannot be combined with others")
                continue
            errors += check_spec_errors(child, f"{prefix}.checks.{index}")
        return errors

    def needs(self) -> dict[str, set[str]]:
        merged: dict[str, set[str]] = {}
        for child in self.children:
            for table, columns in child.needs().items():
                merged.setdefault(table, set()).update(columns)
        return merged

    def parameters(self) -> set[str]:
        return set().union(*(child.parameters() for child in self.children))

    def _outcomes(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> list[Outcome]:
        return [child.evaluate(population, evidence, ctx) for child in self.children]


def _join_reasons(outcomes: list[Outcome], index: pd.Index) -> pd.Series:
    reasons = pd.Series("", index=index, dtype="string")
    for outcome in outcomes:
        flagged = outcome.offending.reindex(index, fill_value=False).astype(bool)
        text = outcome.reasons.reindex(index).fillna(outcome.summary).astype("string")
        reasons = reasons.mask(flagged, reasons.where(reasons == "", reasons + "; ") + text)
    return reasons


@CHECK_KINDS.register("all")
class AllCheck(_Combinator):
    kind = "all"
    description = "Every sub-check must hold for a record."
    schema = {
        "type": "object",
        "required": ["kind", "checks"],
        "additionalProperties": False,
        "properties": {"kind": {"const": "all"}, "checks": {**_NESTED, "minItems": 2}},
    }

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        outcomes = self._outcomes(population, evidence, ctx)
        offending = pd.Series(False, index=population.index)
        for outcome in outcomes:
            offending |= outcome.offending.reindex(population.index, fill_value=False).astype(bool)
        summary = "records failing any of: " + "; ".join(o.summary for o in outcomes)
        return Outcome(population, offending, _join_reasons(outcomes, population.index).where(offending), summary)


@CHECK_KINDS.register("any")
class AnyCheck(_Combinator):
    kind = "any"
    description = "At least one sub-check must hold for a record."
    schema = {
        "type": "object",
        "required": ["kind", "checks"],
        "additionalProperties": False,
        "properties": {"kind": {"const": "any"}, "checks": {**_NESTED, "minItems": 2}},
    }

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        outcomes = self._outcomes(population, evidence, ctx)
        offending = pd.Series(True, index=population.index)
        for outcome in outcomes:
            offending &= outcome.offending.reindex(population.index, fill_value=False).astype(bool)
        summary = "records failing all of: " + "; ".join(o.summary for o in outcomes)
        return Outcome(population, offending, _join_reasons(outcomes, population.index).where(offending), summary)


@CHECK_KINDS.register("not")
class NotCheck(_Combinator):
    kind = "not"
    description = "The sub-check must flag the record (its negation holds)."
    schema = {
        "type": "object",
        "required": ["kind", "checks"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "not"},
            "checks": {**_NESTED, "minItems": 1, "maxItems": 1},
            "violation": {"type": "string", "minLength": 1},
        },
    }

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        (outcome,) = self._outcomes(population, evidence, ctx)
        offending = ~outcome.offending.reindex(population.index, fill_value=False).astype(bool)
        text = self.spec.get("violation") or f"expected to fail: {outcome.summary}"
        reasons = pd.Series(text, index=population.index, dtype="string").where(offending)
        return Outcome(population, offending, reasons, text)
