"""``completeness``: every record in the population carries the listed fields."""

from __future__ import annotations

import pandas as pd

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome
from sms_audit.expressions import EvalContext


def is_missing(values: pd.Series) -> pd.Series:
    missing = values.isna()
    if values.dtype == "string" or values.dtype == object:
        missing = missing | (values.astype("string").str.strip() == "").fillna(True)
    return missing.astype(bool)


@CHECK_KINDS.register("completeness")
class CompletenessCheck(CheckKind):
    kind = "completeness"
    description = "Every record in the population has a value in each listed field."
    schema = {
        "type": "object",
        "required": ["kind", "fields"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "completeness"},
            "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
        },
    }
    default_grading = Grading("rate", "higher_is_worse", {"minor": 0.05, "observation": 0.0})

    def needs(self) -> dict[str, set[str]]:
        return {self.table: set(self.spec["fields"])}

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        reasons = pd.Series("", index=population.index, dtype="string")
        for name in self.spec["fields"]:
            missing = is_missing(population[name])
            reasons = reasons.mask(missing, reasons + (reasons.str.len() > 0).map({True: ", ", False: ""}) + name)
        offending = reasons.str.len() > 0
        reasons = ("missing: " + reasons).where(offending)
        summary = f"records missing any of: {', '.join(self.spec['fields'])}"
        return Outcome(population, offending.astype(bool), reasons, summary)
