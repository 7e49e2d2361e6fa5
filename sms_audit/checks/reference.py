"""``reference``: values in the population must exist as keys of another table."""

from __future__ import annotations

import pandas as pd

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome
from sms_audit.expressions import EvalContext


@CHECK_KINDS.register("reference")
class ReferenceCheck(CheckKind):
    kind = "reference"
    description = "Each non-empty value of the listed columns names an existing record of the target table."
    schema = {
        "type": "object",
        "required": ["kind", "columns", "target"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "reference"},
            "columns": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
            "target": {
                "type": "object",
                "required": ["table"],
                "additionalProperties": False,
                "properties": {
                    "table": {"type": "string"},
                    "column": {"type": "string"},
                    "columns": {
                        "type": "array",
                        "items": {"type": "string"},
                        "minItems": 1,
                        "description": "A value may match any of these (e.g. a CI's id or its display name)",
                    },
                },
                "oneOf": [{"required": ["column"]}, {"required": ["columns"]}],
            },
            "required": {"type": "boolean", "description": "Treat empty values as offending too (default false)"},
        },
    }
    default_grading = Grading("rate", "higher_is_worse", {"minor": 0.05, "observation": 0.0})

    def needs(self) -> dict[str, set[str]]:
        target = self.spec["target"]
        needs = {self.table: set(self.spec["columns"])}
        needs.setdefault(target["table"], set()).update(self.target_columns())
        return needs

    def target_columns(self) -> list[str]:
        target = self.spec["target"]
        return list(target.get("columns") or [target["column"]])

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        target = self.spec["target"]
        table = evidence.table(target["table"])
        keys = pd.concat([table[c].dropna() for c in self.target_columns()]).unique()
        where = f"{target['table']}.{'/'.join(self.target_columns())}"
        reasons = pd.Series("", index=population.index, dtype="string")
        for column in self.spec["columns"]:
            values = population[column]
            empty = values.isna()
            dangling = ~empty & ~values.isin(keys)
            bad = dangling | (empty if self.spec.get("required") else False)
            text = column + " '" + values.fillna("") + f"' not found in {where}"
            text = text.mask(empty, f"{column} is empty")
            joined = reasons.where(reasons == "", reasons + "; ") + text
            reasons = reasons.mask(bad.astype(bool), joined)
        offending = reasons.str.len() > 0
        summary = f"records whose {', '.join(self.spec['columns'])} do not exist in {target['table']}"
        return Outcome(population, offending.astype(bool), reasons.where(offending), summary)
