"""``condition``: an expression must hold for every record in the population."""

from __future__ import annotations

import pandas as pd

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome, constant_reasons
from sms_audit.expressions import EvalContext


@CHECK_KINDS.register("condition")
class ConditionCheck(CheckKind):
    kind = "condition"
    description = "A boolean expression must hold for every record; missing values count as not holding."
    schema = {
        "type": "object",
        "required": ["kind", "assert", "violation"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "condition"},
            "assert": {"type": "string", "minLength": 1},
            "violation": {"type": "string", "minLength": 1, "description": "Reason shown for each offending record"},
            "detail": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "uniqueItems": True,
                "description": "Columns whose values are added to each reason, e.g. [candidates, linked]",
            },
        },
    }
    default_grading = Grading("rate", "higher_is_worse", {"minor": 0.05, "observation": 0.0})

    def __init__(self, spec, table, where) -> None:
        super().__init__(spec, table, where)
        self.assertion = self.expression(spec["assert"])

    def needs(self) -> dict[str, set[str]]:
        return {self.table: set(self.assertion.columns) | set(self.spec.get("detail", ()))}

    def parameters(self) -> set[str]:
        return set(self.assertion.params)

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        holds = self.assertion.evaluate_mask(population, ctx)
        offending = ~holds.astype(bool)
        reasons = constant_reasons(population, offending, self.spec["violation"])
        if self.spec.get("detail"):
            reasons = reasons.where(~offending, reasons + " (" + _details(population, self.spec["detail"]) + ")")
        return Outcome(population, offending, reasons, self.spec["violation"])


def _details(population: pd.DataFrame, columns: list[str]) -> pd.Series:
    """'column: value' for each detail column, whole columns at a time; missing values show as 'none'."""
    parts = [column + ": " + population[column].astype("string").fillna("none") for column in columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "; " + part
    return joined.astype("string")
