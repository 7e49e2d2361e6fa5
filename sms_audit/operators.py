"""The one table of operators rules may use, shared by every check kind.

Expressions (``select``, ``assert`` and the expressions inside other kinds) are
parsed into Python syntax nodes; only the nodes listed here are accepted, and
each maps to a vectorised function. Documentation and error messages are built
from this table, so what is allowed is written down in exactly one place.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Operator:
    symbol: str
    group: str  # comparison | membership | logic | arithmetic
    description: str
    syntax: type[ast.AST]
    function: Callable[[Any, Any], Any] | None = None


OPERATORS: tuple[Operator, ...] = (
    Operator("==", "comparison", "equal; `x == null` means x is missing", ast.Eq, operator.eq),
    Operator("!=", "comparison", "not equal; `x != null` means x is present", ast.NotEq, operator.ne),
    Operator("<", "comparison", "less than (numbers, dates)", ast.Lt, operator.lt),
    Operator("<=", "comparison", "less than or equal", ast.LtE, operator.le),
    Operator(">", "comparison", "greater than", ast.Gt, operator.gt),
    Operator(">=", "comparison", "greater than or equal", ast.GtE, operator.ge),
    Operator("in", "membership", 'value is one of a list: `status in ("new", "open")`', ast.In),
    Operator("not in", "membership", "value is none of a list", ast.NotIn),
    Operator("and", "logic", "both hold (a missing side makes the result unknown, which does not hold)", ast.And),
    Operator("or", "logic", "either holds", ast.Or),
    Operator("not", "logic", "negation", ast.Not),
    Operator("+", "arithmetic", "add numbers, or a duration (`hours(4)`) to a date", ast.Add, operator.add),
    Operator("-", "arithmetic", "subtract numbers, dates or durations; unary minus", ast.Sub, operator.sub),
    Operator("*", "arithmetic", "multiply numbers", ast.Mult, operator.mul),
    Operator("/", "arithmetic", "divide numbers", ast.Div, operator.truediv),
)


def by_group(group: str) -> dict[type[ast.AST], tuple[str, Callable[[Any, Any], Any] | None]]:
    """Syntax node type -> (symbol, function) for one group of the table."""
    return {op.syntax: (op.symbol, op.function) for op in OPERATORS if op.group == group}


def symbols(group: str) -> str:
    return " ".join(op.symbol for op in OPERATORS if op.group == group)
