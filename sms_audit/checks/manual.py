"""``manual``: what records cannot show, turned into a precise audit item.

A manual item carries the auditor's questions, the documents and records to
request, and how to sample. Its result is ``not_evaluated`` until an auditor's
verdict is imported; the scan never guesses it.
"""

from __future__ import annotations

import pandas as pd

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome
from sms_audit.expressions import EvalContext

_TEXT_LIST = {"type": "array", "items": {"type": "string", "minLength": 5}}


@CHECK_KINDS.register("manual")
class ManualCheck(CheckKind):
    kind = "manual"
    description = "An audit item judged by an auditor: questions, documents to request and a sampling plan."
    automated = False
    needs_evidence = False
    judges_empty_population = True
    schema = {
        "type": "object",
        "required": ["kind", "questions"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "manual"},
            "questions": {**_TEXT_LIST, "minItems": 1},
            "documents": _TEXT_LIST,
            "records": {**_TEXT_LIST, "description": "Records to examine (minutes, logs, reports)"},
            "interviews": {**_TEXT_LIST, "description": "Roles to interview"},
            "sampling": {
                "type": "object",
                "additionalProperties": False,
                "required": ["population", "method"],
                "properties": {
                    "population": {"type": "string", "minLength": 5},
                    "method": {"enum": ["random", "stratified", "judgemental", "all"]},
                    "size": {"type": ["integer", "string"]},
                    "stratify_by": {"type": "array", "items": {"type": "string"}},
                    "notes": {"type": "string"},
                },
            },
        },
    }
    default_grading = Grading("count", "higher_is_worse", {"minor": 0})

    def needs(self) -> dict[str, set[str]]:
        return {}

    def item(self) -> dict[str, object]:
        return {
            key: self.spec[key]
            for key in ("questions", "documents", "records", "interviews", "sampling")
            if key in self.spec
        }

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        spec = self.spec
        documents = f"; request: {'; '.join(spec['documents'])}" if spec.get("documents") else ""
        summary = f"Manual audit item with {len(spec['questions'])} question(s) for the auditor{documents}"
        empty = pd.Series(False, index=population.index)
        return Outcome(
            population, empty, empty.astype("string"), summary, status="not_evaluated", extra={"manual": self.item()}
        )
