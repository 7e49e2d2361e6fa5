"""Tests for the rule expression language (sms_audit.expressions)."""

from __future__ import annotations

import ast
import builtins
import inspect
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from sms_audit import expressions
from sms_audit.errors import ExpressionError, RuleError
from sms_audit.expressions import (
    FUNCTIONS,
    MAX_LENGTH,
    EvalContext,
    Expression,
    compile_expression,
)

# ---------------------------------------------------------------------------- fixtures

ROWS = [10, 11, 12, 13, 14]  # deliberately not a RangeIndex


@pytest.fixture
def ctx() -> EvalContext:
    return EvalContext(
        as_of=pd.Timestamp("2024-03-01"),
        period_start=pd.Timestamp("2024-01-01"),
        period_end=pd.Timestamp("2024-03-31 23:59:59"),
        params={"problem_rca_days": 30, "closed_states": ["closed", "resolved"], "prefix": "INC", "limit": 3},
    )


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "number": ["INC001", "inc002", "CHG003", "INC004", None],
            "status": ["closed", "resolved", "open", None, "Closed"],
            "priority": [1, 2, 3, 4, None],
            "reassignment_count": [0, 5, 3, None, 4],
            "score": [1.5, -2.0, 0.0, np.nan, 10.0],
            "major_incident": [True, False, None, True, False],
            "root_cause": ["disk full", "", "   ", None, "config"],
            "opened_at": pd.to_datetime(
                ["2024-01-01 08:00", "2024-01-15 09:30", "2024-02-20 00:00", None, "2023-12-31 23:00"]
            ),
            "resolved_at": pd.to_datetime(
                ["2024-01-01 11:00", "2024-01-15 14:30", None, "2024-01-03 00:00", "2024-01-02 23:00"]
            ),
            "approved_at": pd.to_datetime(
                ["2024-01-10 10:00", "2024-01-11 10:00", None, "2024-01-12 10:00", "2024-01-13 10:00"]
            ),
            "actual_start": pd.to_datetime(
                ["2024-01-10 10:00", "2024-01-11 09:59", "2024-01-12 10:00", None, "2024-01-14 10:00"]
            ),
            # object column holding None, as an adapter might produce
            "assignee": pd.Series(["ann", None, "bob", "ann", None], dtype=object, index=ROWS),
            "count_obj": pd.Series([1, None, 3, 4, 5], dtype=object, index=ROWS),
        },
        index=ROWS,
    )


def mask(text: str, frame: pd.DataFrame, ctx: EvalContext) -> list[bool]:
    result = compile_expression(text).evaluate_mask(frame, ctx)
    assert result.dtype == bool
    assert list(result.index) == list(frame.index)
    return result.tolist()


def values(text: str, frame: pd.DataFrame, ctx: EvalContext) -> list[object]:
    result = compile_expression(text).evaluate(frame, ctx)
    assert list(result.index) == list(frame.index)
    return [None if pd.isna(v) else v for v in result.tolist()]


# ---------------------------------------------------------------------------- the brief's examples


def test_examples_from_rule_packs(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert mask('status in ("closed", "resolved") and isnull(resolved_at)', frame, ctx) == [F, F, F, F, F]
    assert mask('status in ("closed", "resolved") and notnull(resolved_at)', frame, ctx) == [T, T, F, F, F]
    assert mask("approved_at <= actual_start", frame, ctx) == [T, F, F, F, T]
    assert mask('days_between(opened_at, as_of) > param("problem_rca_days") and isnull(root_cause)', frame, ctx) == [
        F,
        T,
        F,
        F,
        F,
    ]
    assert mask("reassignment_count <= 3 or notnull(major_incident) and not major_incident", frame, ctx) == [
        T,
        T,
        T,
        F,
        T,
    ]


T, F = True, False


# ---------------------------------------------------------------------------- comparisons


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("priority == 2", [F, T, F, F, F]),
        ("priority != 2", [T, F, T, T, F]),  # missing priority -> False, not True
        ("priority < 3", [T, T, F, F, F]),
        ("priority <= 3", [T, T, T, F, F]),
        ("priority > 3", [F, F, F, T, F]),
        ("priority >= 3", [F, F, T, T, F]),
        ("3 > priority", [T, T, F, F, F]),
        ('status == "closed"', [T, F, F, F, F]),  # case-sensitive
        ('status != "closed"', [F, T, T, F, T]),
        ('status < "d"', [T, F, F, F, T]),
        ("1 <= priority <= 3", [T, T, T, F, F]),
        ("1 < priority < 4 < 5", [F, T, T, F, F]),
        ("score == -2", [F, T, F, F, F]),
        ("score > -1.0", [T, F, T, F, T]),
        ("reassignment_count == priority", [F, F, T, F, F]),
        ("reassignment_count > priority", [F, T, F, F, F]),
    ],
)
def test_comparison_operators(frame: pd.DataFrame, ctx: EvalContext, text: str, expected: list[bool]) -> None:
    assert mask(text, frame, ctx) == expected


def test_comparison_with_missing_is_unknown_then_false(frame: pd.DataFrame, ctx: EvalContext) -> None:
    result = compile_expression("priority > 1").evaluate(frame, ctx)
    assert str(result.dtype) == "boolean"
    assert result.isna().tolist() == [F, F, F, F, T]
    # negating an unknown stays unknown, so a missing value never passes either way round
    assert mask("not (priority > 1)", frame, ctx) == [T, F, F, F, F]
    assert mask("not (priority <= 1)", frame, ctx) == [F, T, T, T, F]


def test_object_columns_with_none(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert mask('assignee == "ann"', frame, ctx) == [T, F, F, T, F]
    assert mask('assignee != "ann"', frame, ctx) == [F, F, T, F, F]
    assert mask('assignee < "b"', frame, ctx) == [T, F, F, T, F]
    assert mask("count_obj > 2", frame, ctx) == [F, F, T, T, T]
    assert mask("count_obj + 1 == 4", frame, ctx) == [F, F, T, F, F]


def test_equality_with_null_means_isnull(frame: pd.DataFrame, ctx: EvalContext) -> None:
    for text in ("status == null", "status == None", "null == status"):
        assert mask(text, frame, ctx) == [F, F, F, T, F]
    assert mask("status != null", frame, ctx) == [T, T, T, F, T]
    assert mask("root_cause == null", frame, ctx) == [F, T, T, T, F]  # blank text counts as missing
    assert mask("resolved_at == null", frame, ctx) == [F, F, T, F, F]


def test_comparing_with_null_by_order_is_never_true(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert mask("priority > null", frame, ctx) == [F] * 5
    assert mask("not (priority > null)", frame, ctx) == [F] * 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('status in ("closed", "resolved")', [T, T, F, F, F]),
        ('status not in ("closed", "resolved")', [F, F, T, F, T]),  # missing status -> False
        ('status in ["open"]', [F, F, T, F, F]),
        ('status in ("closed", null)', [T, F, F, T, F]),
        ('status not in ("closed", null)', [F, T, T, F, T]),
        ("priority in (1, 3)", [T, F, T, F, F]),
        ("priority not in (1, 3)", [F, T, F, T, F]),
        ("score in (-2, 10)", [F, T, F, F, T]),
        ('status in param("closed_states")', [T, T, F, F, F]),
        ('"open" in ("open", "new")', [T] * 5),
        ("major_incident in (true,)", [T, F, F, T, F]),
    ],
)
def test_membership(frame: pd.DataFrame, ctx: EvalContext, text: str, expected: list[bool]) -> None:
    assert mask(text, frame, ctx) == expected


# ---------------------------------------------------------------------------- boolean logic


def test_and_or_not(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert mask("major_incident", frame, ctx) == [T, F, F, T, F]
    assert mask("not major_incident", frame, ctx) == [F, T, F, F, T]
    assert mask("major_incident and priority < 3", frame, ctx) == [T, F, F, F, F]
    assert mask("major_incident or priority == 3", frame, ctx) == [T, F, T, T, F]
    assert mask("priority == 1 or priority == 2 or priority == 3", frame, ctx) == [T, T, T, F, F]
    assert mask("not (priority == 1 and major_incident)", frame, ctx) == [F, T, T, T, T]
    assert mask("true", frame, ctx) == [T] * 5
    assert mask("false or False", frame, ctx) == [F] * 5
    assert mask("not null", frame, ctx) == [F] * 5


def test_three_valued_logic(frame: pd.DataFrame, ctx: EvalContext) -> None:
    # unknown or true -> true; unknown and false -> false; unknown and true -> unknown
    assert values("priority > 3 or true", frame, ctx) == [T, T, T, T, T]
    assert values("priority > 3 and false", frame, ctx) == [F, F, F, F, F]
    assert values("priority > 3 and true", frame, ctx) == [F, F, F, T, None]


# ---------------------------------------------------------------------------- arithmetic


def test_arithmetic(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert values("priority + 1", frame, ctx) == [2, 3, 4, 5, None]
    assert values("priority - reassignment_count", frame, ctx) == [1, -3, 0, None, None]
    assert values("priority * 2", frame, ctx) == [2, 4, 6, 8, None]
    assert values("priority / 2", frame, ctx) == [0.5, 1, 1.5, 2, None]
    assert values("-priority", frame, ctx) == [-1, -2, -3, -4, None]
    assert values("1 + 2 * 3", frame, ctx) == [7] * 5
    assert mask("priority * 2 > reassignment_count + 1", frame, ctx) == [T, F, T, F, F]
    assert values('status + "!"', frame, ctx) == ["closed!", "resolved!", "open!", None, "Closed!"]


def test_scalars_broadcast_to_the_frame(frame: pd.DataFrame, ctx: EvalContext) -> None:
    result = compile_expression("as_of").evaluate(frame, ctx)
    assert result.tolist() == [pd.Timestamp("2024-03-01")] * 5
    assert list(result.index) == ROWS
    assert values('param("limit") + 1', frame, ctx) == [4] * 5
    assert mask("period_start < period_end", frame, ctx) == [T] * 5


# ---------------------------------------------------------------------------- dates


def test_date_comparisons_and_boundaries(frame: pd.DataFrame, ctx: EvalContext) -> None:
    # row 10: approved_at == actual_start passes <= and ==, fails <
    assert mask("approved_at <= actual_start", frame, ctx) == [T, F, F, F, T]
    assert mask("approved_at == actual_start", frame, ctx) == [T, F, F, F, F]
    assert mask("approved_at < actual_start", frame, ctx) == [F, F, F, F, T]
    assert mask("approved_at > actual_start", frame, ctx) == [F, T, F, F, F]  # NaT on either side -> False
    assert mask("not (approved_at > actual_start)", frame, ctx) == [T, F, F, F, T]


def test_date_arithmetic(frame: pd.DataFrame, ctx: EvalContext) -> None:
    # resolved 3h after opening, 5h, missing, opened missing, 48h
    assert mask("opened_at + hours(4) < resolved_at", frame, ctx) == [F, T, F, F, T]
    assert mask("opened_at + hours(3) <= resolved_at", frame, ctx) == [T, T, F, F, T]
    assert mask("resolved_at - opened_at <= hours(3)", frame, ctx) == [T, F, F, F, F]
    assert mask("resolved_at - days(2) == opened_at", frame, ctx) == [F, F, F, F, T]
    assert mask("as_of - days(30) > opened_at", frame, ctx) == [T, T, F, F, T]
    assert mask("(resolved_at - opened_at) / hours(1) == 5", frame, ctx) == [F, T, F, F, F]


def test_period_names_and_date_literals(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert mask("period_start <= opened_at <= period_end", frame, ctx) == [T, T, T, F, F]
    assert mask('opened_at >= date("2024-01-15")', frame, ctx) == [F, T, T, F, F]
    assert mask('opened_at >= date("2024-01-15T09:30:00")', frame, ctx) == [F, T, T, F, F]
    assert mask('date(opened_at) == date("2024-01-15")', frame, ctx) == [F, T, F, F, F]


def test_days_hours_minutes_between(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert values("days_between(opened_at, resolved_at)", frame, ctx) == [0.125, 5 / 24, None, None, 2.0]
    assert values("hours_between(opened_at, resolved_at)", frame, ctx) == [3.0, 5.0, None, None, 48.0]
    assert values("minutes_between(opened_at, resolved_at)", frame, ctx) == [180.0, 300.0, None, None, 2880.0]
    assert values('days_between(date("2024-01-01"), as_of)', frame, ctx) == [60.0] * 5
    assert mask("days_between(opened_at, as_of) > 30", frame, ctx) == [T, T, F, F, T]


# ---------------------------------------------------------------------------- functions


def test_isnull_notnull(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert mask("isnull(root_cause)", frame, ctx) == [F, T, T, T, F]  # "" and "   " count as null
    assert mask("notnull(root_cause)", frame, ctx) == [T, F, F, F, T]
    assert mask("isnull(priority)", frame, ctx) == [F, F, F, F, T]
    assert mask("isnull(resolved_at)", frame, ctx) == [F, F, T, F, F]
    assert mask("isnull(assignee)", frame, ctx) == [F, T, F, F, T]
    assert mask("isnull(major_incident)", frame, ctx) == [F, F, T, F, F]
    assert mask('isnull("")', frame, ctx) == [T] * 5
    assert mask("notnull(null)", frame, ctx) == [F] * 5


def test_text_functions(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert values("lower(number)", frame, ctx) == ["inc001", "inc002", "chg003", "inc004", None]
    assert values("upper(status)", frame, ctx) == ["CLOSED", "RESOLVED", "OPEN", None, "CLOSED"]
    assert values("strip(root_cause)", frame, ctx) == ["disk full", "", "", None, "config"]
    assert values("length(root_cause)", frame, ctx) == [9, 0, 3, None, 6]
    assert mask('lower(status) == "closed"', frame, ctx) == [T, F, F, F, T]
    assert mask('upper("abc") == "ABC"', frame, ctx) == [T] * 5


def test_contains_is_case_insensitive_and_literal(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert mask('contains(number, "inc")', frame, ctx) == [T, T, F, T, F]
    assert mask('contains(root_cause, "DISK")', frame, ctx) == [T, F, F, F, F]
    assert mask('contains(root_cause, "d.sk")', frame, ctx) == [F] * 5  # not a regex
    assert mask('contains(status, ("los", "pen"))', frame, ctx) == [T, F, T, F, T]
    assert mask('not contains(number, "inc")', frame, ctx) == [F, F, T, F, F]  # missing stays False


def test_startswith(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert mask('startswith(number, "INC")', frame, ctx) == [T, T, F, T, F]
    assert mask('startswith(number, param("prefix"))', frame, ctx) == [T, T, F, T, F]
    assert mask('startswith(number, "NC")', frame, ctx) == [F] * 5
    assert mask('startswith(number, ("chg", "inc00"))', frame, ctx) == [T, T, T, T, F]


def test_date_days_hours(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert values('date("2024-01-31")', frame, ctx) == [pd.Timestamp("2024-01-31")] * 5
    assert values("days(2)", frame, ctx) == [pd.Timedelta(days=2)] * 5
    assert values("hours(1.5)", frame, ctx) == [pd.Timedelta(minutes=90)] * 5
    assert values("days(priority)", frame, ctx) == [pd.Timedelta(days=d) for d in (1, 2, 3, 4)] + [None]


def test_param(frame: pd.DataFrame, ctx: EvalContext) -> None:
    expr = compile_expression('priority <= param("limit") and status in param("closed_states")')
    assert expr.params == frozenset({"limit", "closed_states"})
    assert expr.evaluate_mask(frame, ctx).tolist() == [T, T, F, F, F]


def test_unknown_param_lists_known_params(frame: pd.DataFrame, ctx: EvalContext) -> None:
    expr = compile_expression('priority > param("limt")', where="rules/x.yaml:3 rule INC-001")
    with pytest.raises(ExpressionError) as info:
        expr.evaluate(frame, ctx)
    message = str(info.value)
    assert message.startswith("rules/x.yaml:3 rule INC-001: unknown parameter 'limt'")
    assert "closed_states, limit, prefix, problem_rca_days" in message
    assert "Did you mean 'limit'?" in message


def test_coalesce(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert values("coalesce(resolved_at, as_of)", frame, ctx) == [
        pd.Timestamp("2024-01-01 11:00"),
        pd.Timestamp("2024-01-15 14:30"),
        pd.Timestamp("2024-03-01"),
        pd.Timestamp("2024-01-03"),
        pd.Timestamp("2024-01-02 23:00"),
    ]
    assert values('coalesce(root_cause, "n/a")', frame, ctx) == ["disk full", "n/a", "n/a", "n/a", "config"]
    assert values("coalesce(priority, reassignment_count, 0)", frame, ctx) == [1, 2, 3, 4, 4]
    assert mask("days_between(opened_at, coalesce(resolved_at, as_of)) > 2", frame, ctx) == [F, F, T, F, F]


def test_year_and_weekday(frame: pd.DataFrame, ctx: EvalContext) -> None:
    assert values("year(opened_at)", frame, ctx) == [2024, 2024, 2024, None, 2023]
    # 2024-01-01 Monday, 2024-01-15 Monday, 2024-02-20 Tuesday, 2023-12-31 Sunday
    assert values("weekday(opened_at)", frame, ctx) == [0, 0, 1, None, 6]
    assert mask("weekday(opened_at) >= 5", frame, ctx) == [F, F, F, F, T]
    assert values("year(as_of)", frame, ctx) == [2024] * 5


def test_function_table_is_documented() -> None:
    expected = {
        "isnull", "notnull", "days_between", "hours_between", "minutes_between", "lower", "upper", "strip",
        "length", "contains", "startswith", "date", "days", "hours", "param", "coalesce", "year", "weekday",
    }  # fmt: skip
    assert set(FUNCTIONS) == expected
    for name, function in FUNCTIONS.items():
        assert function.name == name
        assert function.signature.startswith(f"{name}(")
        assert function.description and "\n" not in function.description
        assert callable(function.impl)
    with pytest.raises(TypeError):
        FUNCTIONS["open"] = FUNCTIONS["lower"]  # type: ignore[index]


# ---------------------------------------------------------------------------- metadata, columns


def test_columns_and_params_are_collected() -> None:
    expr = compile_expression(
        'days_between(opened_at, as_of) > param("problem_rca_days") and isnull(root_cause) and true'
    )
    assert isinstance(expr, Expression)
    assert expr.columns == frozenset({"opened_at", "root_cause"})  # as_of and true are reserved
    assert expr.params == frozenset({"problem_rca_days"})
    assert expr.text.startswith("days_between")


def test_missing_columns_and_unknown_column_error(frame: pd.DataFrame, ctx: EvalContext) -> None:
    expr = compile_expression("priorty > 1 and notnull(status)", where="rules/a.yaml:7 rule P-1")
    assert expr.missing_columns(frame.columns) == ["priorty"]
    assert expr.missing_columns(["priorty", "status"]) == []
    with pytest.raises(ExpressionError) as info:
        expr.evaluate(frame, ctx)
    message = str(info.value)
    assert message.startswith("rules/a.yaml:7 rule P-1: unknown column 'priorty'; available: ")
    assert "priority" in message and "Did you mean 'priority'?" in message


def test_empty_frame(ctx: EvalContext) -> None:
    empty = pd.DataFrame({"priority": pd.Series([], dtype=float), "opened_at": pd.Series([], dtype="M8[ns]")})
    result = compile_expression("priority > 1 and opened_at + hours(1) < as_of").evaluate_mask(empty, ctx)
    assert result.tolist() == [] and result.dtype == bool


def test_multiline_text_is_accepted(frame: pd.DataFrame, ctx: EvalContext) -> None:
    text = 'status in ("closed", "resolved")\n  and notnull(resolved_at)\n'
    assert mask(text, frame, ctx) == [T, T, F, F, F]


def test_non_condition_in_mask_is_refused(frame: pd.DataFrame, ctx: EvalContext) -> None:
    with pytest.raises(ExpressionError, match="not a true/false condition"):
        compile_expression("priority + 1").evaluate_mask(frame, ctx)
    with pytest.raises(ExpressionError, match="not a true/false condition"):
        compile_expression("priority and major_incident").evaluate_mask(frame, ctx)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("status * 3", "'*' cannot combine text and numbers"),
        ("opened_at + 1", "use days(n), hours(n)"),
        ("days_between(status, as_of)", "days_between() needs timestamps as its first argument, got text"),
        ("lower(priority)", "lower() needs text"),
        ("status in root_cause", "must be a list"),
        ('status in "closed"', "contains(x"),
        ("priority < status", "cannot evaluate `priority < status`"),
    ],
)
def test_type_errors_at_evaluation(frame: pd.DataFrame, ctx: EvalContext, text: str, fragment: str) -> None:
    expr = compile_expression(text, where="rules/t.yaml:1")
    with pytest.raises(ExpressionError) as info:
        expr.evaluate(frame, ctx)
    assert str(info.value).startswith("rules/t.yaml:1: ")
    assert fragment in str(info.value)


def test_eval_context_coerces_and_refuses_timezones() -> None:
    ctx = EvalContext(as_of="2024-03-01", period_start="2024-01-01", period_end="2024-03-31")  # type: ignore[arg-type]
    assert ctx.as_of == pd.Timestamp("2024-03-01") and dict(ctx.params) == {}
    with pytest.raises(ValueError, match="timezone-naive"):
        EvalContext(
            as_of=pd.Timestamp("2024-03-01", tz="UTC"),
            period_start=pd.Timestamp("2024-01-01"),
            period_end=pd.Timestamp("2024-03-31"),
        )


# ---------------------------------------------------------------------------- refusals

WHERE = "rules/x.yaml:12 rule INC-001"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("__import__('os')", ["name '__import__' is not allowed (dunder names are refused)"]),
        ("__builtins__", ["name '__builtins__' is not allowed (dunder names are refused)"]),
        ("().__class__", ["'__class__'", "attribute access (x.y) is not allowed; use a function from: "]),
        ("x.y", ["attribute access (x.y) is not allowed; use a function from: coalesce, contains,"]),
        ("status.lower()", ["attribute access (x.y) is not allowed"]),
        ("open('f')", ["call to 'open' is not allowed; allowed functions: coalesce, contains,"]),
        ("eval('1')", ["call to 'eval' is not allowed"]),
        ("getattr(x, 'y')", ["call to 'getattr' is not allowed"]),
        ("[c for c in x]", ["comprehensions are not allowed"]),
        ("(c for c in x)", ["comprehensions are not allowed"]),
        ("{c: 1 for c in x}", ["comprehensions are not allowed"]),
        ("lambda: 1", ["lambda functions are not allowed"]),
        ('f"{x}"', ["f-strings are not allowed"]),
        ("days(n=3)", ["keyword arguments are not allowed (in call to 'days')", "days(n)"]),
        ("coalesce(**x)", ["keyword arguments are not allowed"]),
        ("coalesce(*x)", ["starred arguments (*x) are not allowed"]),
        ("x[0]", ["indexing or slicing (x[...]) is not allowed"]),
        ("frobnicate(x)", ["call to 'frobnicate' is not allowed; allowed functions: "]),
        ("isnul(x)", ["call to 'isnul' is not allowed", "Did you mean 'isnull'?"]),
        ("(y := 1)", ["assignment expressions (:=) are not allowed"]),
        ("a if b else c", ["conditional expressions (a if c else b) are not allowed"]),
        ("{'a': 1}", ["dict literals"]),
        ("x in {1, 2}", ["set literals ({...}) are not allowed"]),
        ("x ** 2", ["operator '**' is not allowed; allowed arithmetic: + - * /"]),
        ("x // 2", ["operator '//' is not allowed"]),
        ("x % 2", ["operator '%' is not allowed"]),
        ("a & b", ["operator '&' is not allowed", "use and / or"]),
        ("~x", ["unary operator '~' is not allowed; allowed: not, - (minus)"]),
        ("x is None", ["operator 'is' is not allowed", "isnull(x)"]),
        ("x is not None", ["operator 'is not' is not allowed"]),
        ("(1, 2)", ["a tuple or list is only allowed after in / not in or as a function argument"]),
        ("x == [1]", ["a tuple or list is only allowed after in / not in"]),
        ("x in (y, 2)", ["list elements must be literal values", "not `y`"]),
        ("b'x' == x", ["bytes literals are not allowed"]),
        ("x == 1j", ["complex numbers are not allowed"]),
        ("x == ...", ["'...' are not allowed"]),
        ("(lambda: 1)()", ["lambda functions are not allowed"]),
        ("isnull", ["'isnull' is a function; call it, e.g. isnull(x)"]),
        ("days()", ["days() takes 1 argument, got 0; usage: days(n)"]),
        ("days_between(a)", ["days_between() takes 2 arguments, got 1"]),
        ("param(x)", ["param() needs the parameter name as a text literal"]),
        ('date("2024-13-45")', ["is not a valid date"]),
        ("await x", ["not allowed"]),
        ("status ==", ["syntax error at column"]),
        ("", ["expression is empty"]),
    ],
)
def test_refused_constructs(text: str, fragments: list[str]) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, where=WHERE)
    message = str(info.value)
    assert message.startswith(WHERE + ": ")
    for fragment in fragments:
        assert fragment in message, message


def test_expression_error_is_a_rule_error() -> None:
    with pytest.raises(RuleError):
        compile_expression("x.y")


def test_syntax_error_reports_the_column() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression('status == "closed" and and x', where=WHERE)
    message = str(info.value)
    assert message.startswith(f"{WHERE}: syntax error at column 24 near `and x`")


def test_refusal_reports_the_column() -> None:
    with pytest.raises(ExpressionError, match=r"at column 16\)"):
        compile_expression("notnull(x) and x.y")


def test_too_long_expression_is_refused() -> None:
    text = " or ".join(["a == 1"] * 400)
    assert len(text) > MAX_LENGTH
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, where=WHERE)
    assert str(info.value).startswith(f"{WHERE}: expression is too long ({len(text)} characters; at most 2000")


def test_too_many_nodes_is_refused() -> None:
    text = " + ".join(["1"] * 150)
    assert len(text) < MAX_LENGTH
    with pytest.raises(ExpressionError, match=r"expression is too complex \(\d+ syntax nodes; at most 200"):
        compile_expression(text)


def test_deep_nesting_is_refused_cleanly() -> None:
    for text in ("(" * 999 + "x" + ")" * 999, "-" * 1999 + "x", "not " * 499 + "x"):
        with pytest.raises(ExpressionError):
            compile_expression(text)


def test_non_text_expression_is_refused() -> None:
    with pytest.raises(ExpressionError, match="an expression must be text, got bool"):
        compile_expression(True)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- no code execution

REFUSED_TEXTS = [
    "__import__('os').system('echo pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('import os')",
    "[c for c in ().__class__.__mro__]",
    "(lambda: __import__('os'))()",
    "f\"{__import__('os')}\"",
    "getattr(status, '__class__')",
    "globals()",
    "breakpoint()",
]


TRIPWIRED = ("__import__", "eval", "exec", "open", "breakpoint", "globals")


@pytest.mark.parametrize("text", REFUSED_TEXTS)
def test_refused_text_never_reaches_builtins(text: str) -> None:
    """While compiling hostile text, any use of these builtins trips the wire.

    Patched by hand (not with the monkeypatch fixture, which itself imports lazily) and
    restored before any pytest machinery runs.
    """
    called: list[str] = []

    def tripwire(name: str) -> Callable[..., None]:
        def fail(*args: object, **kwargs: object) -> None:
            called.append(name)
            raise AssertionError(f"builtin {name} was called while compiling {text!r}")

        return fail

    originals = {name: builtins.__dict__[name] for name in TRIPWIRED}
    error: Exception | None = None
    try:
        for name in TRIPWIRED:
            builtins.__dict__[name] = tripwire(name)
        try:
            compile_expression(text)
        except Exception as exc:  # inspected below, once the builtins are back
            error = exc
    finally:
        builtins.__dict__.update(originals)
    assert called == []
    assert isinstance(error, ExpressionError), repr(error)


def test_evaluation_uses_no_eval_exec_or_row_wise_apply(
    monkeypatch: pytest.MonkeyPatch, frame: pd.DataFrame, ctx: EvalContext
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("forbidden call during evaluation")

    expr = compile_expression(
        'status in ("closed", "resolved") and days_between(opened_at, coalesce(resolved_at, as_of)) > 0.1 '
        'or contains(number, "chg") and isnull(root_cause) and weekday(opened_at) < 5'
    )
    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    monkeypatch.setattr(pd.Series, "apply", forbidden)
    monkeypatch.setattr(pd.Series, "map", forbidden)
    monkeypatch.setattr(pd.DataFrame, "apply", forbidden)
    monkeypatch.setattr(pd, "eval", forbidden)
    monkeypatch.setattr(pd.DataFrame, "eval", forbidden)
    monkeypatch.setattr(pd.DataFrame, "query", forbidden)
    result = expr.evaluate_mask(frame, ctx)
    monkeypatch.undo()
    assert result.tolist() == [T, T, T, F, F]


def test_module_source_never_calls_dynamic_code_builtins() -> None:
    tree = ast.parse(inspect.getsource(expressions))
    banned = {"eval", "exec", "compile", "__import__", "getattr", "setattr", "globals", "locals", "vars"}
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in banned
    }
    assert calls == set()
