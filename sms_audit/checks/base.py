"""The contract every check kind implements, and the registry they join."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from sms_audit.expressions import EvalContext, Expression, compile_expression
from sms_audit.registry import Registry

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


@dataclass(frozen=True)
class Grading:
    measure: str  # "rate" or "count"
    direction: str  # "higher_is_worse" or "lower_is_worse"
    thresholds: dict[str, float]


class CheckKind:
    """Base class: subclasses declare ``kind``, ``schema`` and ``default_grading``."""

    kind: ClassVar[str]
    description: ClassVar[str]
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


CHECK_KINDS: Registry[type[CheckKind]] = Registry("check kind")


def constant_reasons(population: pd.DataFrame, offending: pd.Series, text: str) -> pd.Series:
    return pd.Series(text, index=population.index, dtype="string").where(offending)
