"""The contract every check kind implements, and the registry they join."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import jsonschema
import pandas as pd

from sms_audit.errors import RuleError
from sms_audit.expressions import EvalContext, Expression, compile_expression
from sms_audit.registry import Registry, UnknownEntryError

if TYPE_CHECKING:
    from sms_audit.evidence import Evidence


@dataclass
class Outcome:
    """What a check found in its population.

    ``offending`` and ``reasons`` align with ``population``. ``measured`` is set
    only by kinds whose figure is not derived from the offending rows (a document
    check counts conforming documents).
    """

    population: pd.DataFrame
    offending: pd.Series
    reasons: pd.Series
    summary: str
    measured: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Per-group figures (e.g. per priority and service) shown with the result, not as separate findings:
    # each entry {"group": {...}, "population": n, "offending": n, "measured": x}.
    breakdown: list[dict[str, Any]] = field(default_factory=list)
    # Set by kinds that cannot judge from records (manual audit items): the result status to report.
    status: str | None = None
    # The records that are in the population for a reason of their own (a recurrence check's series
    # members); None means all of them. An integration interface counts these as its candidates.
    candidates: pd.Series | None = None


@dataclass(frozen=True)
class Grading:
    measure: str  # "rate" or "count"
    direction: str  # "higher_is_worse" or "lower_is_worse"
    thresholds: dict[str, float]


class CheckKind:
    """Base class: subclasses declare ``kind``, ``schema`` and ``default_grading``."""

    kind: ClassVar[str]
    description: ClassVar[str]
    automated: ClassVar[bool] = True  # False for items an auditor judges (manual)
    combinable: ClassVar[bool] = True  # False when the result's population is not the records given
    needs_evidence: ClassVar[bool] = True
    schema: ClassVar[dict[str, Any]]
    default_grading: ClassVar[Grading]
    judges_empty_population: ClassVar[bool] = False

    def __init__(self, spec: dict[str, Any], table: str, where: str) -> None:
        self.spec = spec
        self.table = table
        self.where = where

    def expression(self, text: str) -> Expression:
        return compile_expression(text, where=self.where)

    def needs(self) -> dict[str, set[str]]:
        """Tables and columns this check reads, beyond the rule's selector."""
        return {self.table: set()}

    def parameters(self) -> set[str]:
        return set()

    def evaluate(self, population: pd.DataFrame, evidence: Evidence, ctx: EvalContext) -> Outcome:
        raise NotImplementedError

    @classmethod
    def nested_errors(cls, spec: dict[str, Any], prefix: str) -> list[str]:
        """Errors in checks nested inside this one (combinators override this)."""
        return []


CHECK_KINDS: Registry[type[CheckKind]] = Registry("check kind")


def did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def describe_schema_error(err: jsonschema.ValidationError, prefix: str = "") -> str:
    path = ".".join(str(p) for p in err.absolute_path)
    where = f"{prefix}{'.' if prefix and path else ''}{path}"
    lead = f"{where}: " if where else ""
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extras = sorted(set(err.instance) - set(allowed))
        hints = "".join(did_you_mean(x, allowed) for x in extras)
        return f"{lead}unknown key(s) {', '.join(map(repr, extras))}{hints} (allowed: {', '.join(allowed)})"
    return f"{lead}{err.message}"


def check_spec_errors(spec: Any, prefix: str = "check") -> list[str]:
    """Every problem with a ``check`` mapping: unknown kind, or its kind's own schema."""
    if not isinstance(spec, dict) or "kind" not in spec:
        return [f"{prefix}: must be a mapping with a 'kind'"]
    try:
        kind = CHECK_KINDS.get(str(spec["kind"]))
    except UnknownEntryError as exc:
        return [f"{prefix}.kind: {exc}"]
    validator = jsonschema.Draft202012Validator(kind.schema)
    errors = [describe_schema_error(e, prefix) for e in sorted(validator.iter_errors(spec), key=lambda e: str(e.path))]
    return errors + kind.nested_errors(spec, prefix)


def build_check(spec: dict[str, Any], table: str, where: str) -> CheckKind:
    """Validate ``spec`` and construct its check kind; all problems are raised together."""
    errors = check_spec_errors(spec)
    if errors:
        raise RuleError("\n".join(f"{where}: {e}" for e in errors))
    return CHECK_KINDS.get(spec["kind"])(spec, table, where)


def constant_reasons(population: pd.DataFrame, offending: pd.Series, text: str) -> pd.Series:
    return pd.Series(text, index=population.index, dtype="string").where(offending)
