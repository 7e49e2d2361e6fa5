"""``document``: a current, approved document of a type exists and is under control.

The population is the register's documents of the listed types that are not
retired (obsolete, superseded and withdrawn versions are history, correctly
marked). Each is judged on status, owner, version, approval date, review age,
whether someone other than its author approved it, and whether a later version
of the same document replaced it without it being marked superseded;
the measured figure is the number of documents that pass, so a missing or
uncontrolled policy is a finding even when the register holds no row for it.
"""

from __future__ import annotations

import pandas as pd

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome
from sms_audit.checks.completeness import is_missing
from sms_audit.expressions import EvalContext

RETIRED = ("obsolete", "superseded", "withdrawn")


@CHECK_KINDS.register("document")
class DocumentCheck(CheckKind):
    kind = "document"
    description = "A current approved document of the given type exists, with owner, version and a recent review."
    judges_empty_population = True
    schema = {
        "type": "object",
        "required": ["kind", "doc_types"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "document"},
            "doc_types": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "max_age_days": {
                "type": ["integer", "string"],
                "description": "Maximum days since last review (or approval); a number or a parameter name",
            },
        },
    }
    default_grading = Grading("count", "lower_is_worse", {"major": 1})

    def needs(self) -> dict[str, set[str]]:
        return {self.table: {"doc_type", "status", "owner", "version", "approved_at"}}

    def parameters(self) -> set[str]:
        age = self.spec.get("max_age_days")
        return {age} if isinstance(age, str) else set()

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        types = set(self.spec["doc_types"])
        docs = population[population["doc_type"].isin(types).fillna(False).astype(bool)]
        docs = docs[~docs["status"].isin(RETIRED).fillna(False).astype(bool)]
        age_spec = self.spec.get("max_age_days")
        max_age = ctx.params[age_spec] if isinstance(age_spec, str) else age_spec
        as_of = ctx.as_of
        checks: list[tuple[pd.Series, str]] = [
            (docs["status"] != "approved", "not approved (status " + docs["status"].fillna("empty") + ")"),
            (is_missing(docs["owner"]), pd.Series("no owner", index=docs.index)),
            (is_missing(docs["version"]), pd.Series("no version", index=docs.index)),
            (docs["approved_at"].isna(), pd.Series("no approval date", index=docs.index)),
            (docs["approved_at"] > as_of, pd.Series("approval date after the audit date", index=docs.index)),
        ]
        if max_age is not None:
            reviewed = docs["last_reviewed"].fillna(docs["approved_at"])
            age_days = (as_of - reviewed).dt.total_seconds() / 86400
            checks.append(
                (
                    age_days > float(max_age),
                    "last reviewed "
                    + age_days.round(0).astype("Int64").astype("string")
                    + f" days ago (maximum {max_age})",
                )
            )
        if "next_review" in docs:
            checks.append((docs["next_review"] < as_of, pd.Series("next review date has passed", index=docs.index)))
        same_person = docs["author"].str.strip().str.lower() == docs["approver"].str.strip().str.lower()
        checks.append((same_person, "approved by its own author (" + docs["approver"].fillna("") + ")"))
        checks.append(
            (
                _older_versions(docs),
                pd.Series("an older version still marked current; mark it superseded", index=docs.index),
            )
        )
        reasons = pd.Series("", index=docs.index, dtype="string")
        for failed, text in checks:
            failed = failed.fillna(False).astype(bool)
            joined = reasons.where(reasons == "", reasons + "; ") + text.astype("string")
            reasons = reasons.mask(failed, joined)
        offending = reasons.str.len() > 0
        conforming = int((~offending).sum())
        summary = f"current approved documents of type {', '.join(sorted(types))}"
        return Outcome(docs, offending.astype(bool), reasons.where(offending), summary, measured=conforming)


def _older_versions(docs: pd.DataFrame) -> pd.Series:
    """Rows of a document id that a later-approved row of the same id has replaced."""
    order = docs.assign(_approved=docs["approved_at"].fillna(pd.Timestamp.min))
    order = order.sort_values(["id", "_approved", "version"], kind="mergesort", na_position="first")
    latest = ~order["id"].duplicated(keep="last")
    return (~latest).reindex(docs.index).fillna(False).astype(bool)
