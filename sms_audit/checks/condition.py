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
        },
    }
    default_grading = Grading("rate", "higher_is_worse", {"minor": 0.05, "observation": 0.0})

    def __init__(self, spec, table, where) -> None:
        super().__init__(spec, table, where)
        self.assertion = self.expression(spec["assert"])

    def needs(self) -> dict[str, set[str]]:
        return {self.table: set(self.assertion.columns)}

    def parameters(self) -> set[str]:
        return set(self.assertion.params)

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        holds = self.assertion.evaluate_mask(population, ctx)
        offending = ~holds.astype(bool)
        return Outcome(
            population,
            offending,
            constant_reasons(population, offending, self.spec["violation"]),
            self.spec["violation"],
        )
