"""Rule expressions: a small allow-listed language compiled to vectorised pandas operations.

Rules are YAML data, never code.  A rule's condition is text such as::

    status in ("closed", "resolved") and isnull(resolved_at)
    approved_at <= actual_start
    days_between(opened_at, as_of) > param("problem_rca_days") and isnull(root_cause)

The text is parsed with :mod:`ast` (``mode="eval"``) and every node is checked against an
allow-list before anything runs; the accepted tree is turned into a chain of closures that
operate on whole pandas columns at once.  Nothing is ever handed to ``eval``/``exec`` and no
Python name, attribute or builtin can be reached: names are column references or a handful of
reserved words, and calls go only to the functions in :data:`FUNCTIONS`.

Missing values follow three-valued (Kleene) logic: a comparison with a missing operand is
*unknown* (``pd.NA``), ``and``/``or``/``not`` propagate unknown the way SQL does, and
:meth:`Expression.evaluate_mask` turns unknown into ``False``.  So ``approved_at <= actual_start``
and ``not (approved_at > actual_start)`` both fail a row whose ``approved_at`` is missing.
``x == null`` / ``x != null`` are the exceptions: they mean ``isnull(x)`` / ``notnull(x)``.
``isnull`` treats empty and whitespace-only text as missing.
"""

from __future__ import annotations

import ast
import difflib
import operator
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date as _date
from datetime import timedelta as _timedelta
from functools import reduce
from typing import Any, NoReturn

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from sms_audit.errors import ExpressionError
from sms_audit.operators import by_group, symbols

__all__ = [
    "CONSTANT_NAMES",
    "CONTEXT_NAMES",
    "FUNCTIONS",
    "MAX_LENGTH",
    "MAX_NODES",
    "EvalContext",
    "Expression",
    "Function",
    "compile_expression",
]

MAX_LENGTH = 2000
"""Longest expression text accepted, in characters."""

MAX_NODES = 200
"""Most syntax nodes an expression may have (``ast.walk``, not counting Load markers)."""

CONSTANT_NAMES: Mapping[str, object] = types.MappingProxyType(
    {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}
)
"""Reserved names that stand for constants."""

CONTEXT_NAMES: Mapping[str, str] = types.MappingProxyType(
    {
        "as_of": "the audit's reference date/time",
        "period_start": "start of the audited period",
        "period_end": "end of the audited period",
    }
)
"""Reserved names that read a timestamp from the :class:`EvalContext`; they shadow columns."""

Value = Any  # a pandas Series aligned to the evaluation index, or a scalar (incl. tuples for `in`)


# --------------------------------------------------------------------------- context


def _as_naive_timestamp(name: str, value: object) -> pd.Timestamp:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    if stamp is pd.NaT:
        raise ValueError(f"EvalContext.{name} must be a timestamp, got {value!r}")
    if stamp.tzinfo is not None:
        raise ValueError(f"EvalContext.{name} must be timezone-naive, got {stamp}")
    return stamp


@dataclass(frozen=True)
class EvalContext:
    """Everything an expression can see besides the evidence columns."""

    as_of: pd.Timestamp
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "as_of", _as_naive_timestamp("as_of", self.as_of))
        object.__setattr__(self, "period_start", _as_naive_timestamp("period_start", self.period_start))
        object.__setattr__(self, "period_end", _as_naive_timestamp("period_end", self.period_end))


# --------------------------------------------------------------------------- errors


def _prefixed(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


class _Problem(Exception):
    """A runtime problem inside one node; the node adds location and source text."""


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


# --------------------------------------------------------------------------- value helpers

_KIND_WORDS = {
    "number": "numbers",
    "string": "text",
    "datetime": "timestamps",
    "timedelta": "durations",
    "bool": "true/false values",
    "list": "a list",
    "null": "only missing values",
    "mixed": "mixed values",
    "other": "unsupported values",
}

_INFERRED_KINDS = {
    "string": "string",
    "empty": "null",
    "integer": "number",
    "floating": "number",
    "mixed-integer-float": "number",
    "integer-na": "number",
    "decimal": "number",
    "boolean": "bool",
    "datetime": "datetime",
    "datetime64": "datetime",
    "date": "datetime",
    "timedelta": "timedelta",
    "timedelta64": "timedelta",
    "mixed": "mixed",
    "mixed-integer": "mixed",
}


def _is_missing_scalar(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (str, bool, tuple, list, set, frozenset)):
        return False
    try:
        result = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return isinstance(result, (bool, np.bool_)) and bool(result)


def _series_kind(series: pd.Series) -> str:
    dtype = series.dtype
    if len(series) == 0 or series.isna().all():
        return "null"
    if isinstance(dtype, pd.CategoricalDtype):
        return _series_kind(pd.Series(dtype.categories))
    if ptypes.is_bool_dtype(dtype):
        return "bool"
    if ptypes.is_numeric_dtype(dtype):
        return "number"
    if ptypes.is_datetime64_any_dtype(dtype):
        return "datetime"
    if ptypes.is_timedelta64_dtype(dtype):
        return "timedelta"
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if ptypes.is_object_dtype(dtype):
        return _INFERRED_KINDS.get(ptypes.infer_dtype(series, skipna=True), "other")
    return "other"


def _kind(value: Value) -> str:
    """Classify a value as number, string, datetime, timedelta, bool, list, null, mixed or other."""
    if isinstance(value, pd.Series):
        return _series_kind(value)
    if _is_missing_scalar(value):
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (pd.Timestamp, _date, np.datetime64)):
        return "datetime"
    if isinstance(value, (pd.Timedelta, _timedelta, np.timedelta64)):
        return "timedelta"
    if isinstance(value, (tuple, list, set, frozenset)):
        return "list"
    return "other"


def _normalise_series(series: pd.Series) -> pd.Series:
    """Give object columns a proper dtype (numbers, timestamps, booleans) so ops are vectorised."""
    if not ptypes.is_object_dtype(series.dtype):
        return series
    kind = _series_kind(series)
    if kind == "number":
        return pd.to_numeric(series)
    if kind == "datetime":
        return pd.to_datetime(series)
    if kind == "timedelta":
        return pd.to_timedelta(series)
    if kind == "bool":
        return series.astype("boolean")
    return series


def _missing_mask(value: Value, n: int) -> np.ndarray:
    if isinstance(value, pd.Series):
        return value.isna().to_numpy(dtype=bool)
    return np.full(n, _is_missing_scalar(value), dtype=bool)


def _blank_mask(series: pd.Series) -> np.ndarray:
    dtype = series.dtype
    if not (ptypes.is_object_dtype(dtype) or isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype))):
        return np.zeros(len(series), dtype=bool)
    try:
        stripped = series.str.strip()
    except AttributeError:  # not text at all
        return np.zeros(len(series), dtype=bool)
    return stripped.eq("").to_numpy(dtype=bool, na_value=False)


def _isnull(value: Value) -> Value:
    if isinstance(value, pd.Series):
        mask = value.isna().to_numpy(dtype=bool) | _blank_mask(value)
        return pd.Series(mask, index=value.index)
    return _is_missing_scalar(value) or (isinstance(value, str) and not value.strip())


def _boolean_series(values: np.ndarray, missing: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.BooleanArray(values, missing), index=index)


def _null_like(*args: Value) -> Value:
    """An all-missing result shaped like the first Series argument (or a missing scalar)."""
    for arg in args:
        if isinstance(arg, pd.Series):
            return pd.Series(np.nan, index=arg.index, dtype=float)
    return None


def _as_condition(value: Value, what: str) -> Value:
    """Coerce a value to a nullable boolean (Series of dtype 'boolean', bool, or pd.NA)."""
    kind = _kind(value)
    if isinstance(value, pd.Series):
        if kind == "bool":
            return value.astype("boolean")
        if kind == "null":
            return _boolean_series(np.zeros(len(value), dtype=bool), np.ones(len(value), dtype=bool), value.index)
    elif kind == "bool":
        return bool(value)
    elif kind == "null":
        return pd.NA
    raise _Problem(
        f"`{what}` gives {_KIND_WORDS[kind]}, not a true/false condition; "
        "compare it (e.g. `x > 0`) or test it with isnull()/notnull()"
    )


def _logical_not(value: Value) -> Value:
    if isinstance(value, pd.Series):
        return ~value
    if value is pd.NA:
        return pd.NA
    return not value


def _reject_list(value: Value, op_text: str) -> None:
    if isinstance(value, (tuple, list, set, frozenset)):
        raise _Problem(f"a list cannot be used with '{op_text}'; lists are only allowed after in / not in")


# --------------------------------------------------------------------------- comparisons

_COMPARE_OPS = by_group("comparison")  # the shared operator table (sms_audit.operators)


def _compare(op_text: str, op: Callable[[Any, Any], Any], left: Value, right: Value, n: int) -> Value:
    _reject_list(left, op_text)
    _reject_list(right, op_text)
    if op_text in ("==", "!="):
        for this, other in ((left, right), (right, left)):
            if not isinstance(this, pd.Series) and _is_missing_scalar(this):
                nulls = _isnull(other)
                return nulls if op_text == "==" else _logical_not(nulls)
    left_series, right_series = isinstance(left, pd.Series), isinstance(right, pd.Series)
    if not left_series and not right_series:
        if _is_missing_scalar(left) or _is_missing_scalar(right):
            return pd.NA
        return bool(op(left, right))
    missing = _missing_mask(left, n) | _missing_mask(right, n)
    values = np.zeros(n, dtype=bool)
    if not missing.all():
        present = ~missing
        if missing.any():
            left = left[present] if left_series else left
            right = right[present] if right_series else right
        result = op(left, right)
        values[present] = np.asarray(result, dtype=bool)
    return _boolean_series(values, missing, pd.RangeIndex(n))


def _membership(left: Value, right: Value, negate: bool) -> Value:
    word = "not in" if negate else "in"
    if isinstance(right, pd.Series):
        raise _Problem(f'the right side of \'{word}\' must be a list such as ("a", "b"), not a column')
    if isinstance(right, str):
        raise _Problem(
            f'the right side of \'{word}\' must be a list such as ("a", "b"); '
            'to search inside text use contains(x, "...")'
        )
    if not isinstance(right, (tuple, list, set, frozenset)):
        raise _Problem(f'the right side of \'{word}\' must be a list such as ("a", "b")')
    items = list(right)
    with_null = any(_is_missing_scalar(item) for item in items)
    wanted = [item for item in items if not _is_missing_scalar(item)]
    if isinstance(left, pd.Series):
        hits = left.isin(wanted).to_numpy(dtype=bool, na_value=False)
        if with_null:
            hits = hits | _isnull(left).to_numpy(dtype=bool)
            missing = np.zeros(len(left), dtype=bool)
        else:
            missing = left.isna().to_numpy(dtype=bool)
        return _boolean_series(~hits if negate else hits, missing, left.index)
    if _isnull(left):
        hit: Value = True if with_null else pd.NA
    else:
        hit = left in wanted
    return _logical_not(hit) if negate else hit


# --------------------------------------------------------------------------- arithmetic

_ARITH_OPS = by_group("arithmetic")

_ARITH_KINDS: dict[str, frozenset[tuple[str, str]]] = {
    "+": frozenset(
        {
            ("number", "number"),
            ("datetime", "timedelta"),
            ("timedelta", "datetime"),
            ("timedelta", "timedelta"),
            ("string", "string"),
        }
    ),
    "-": frozenset(
        {
            ("number", "number"),
            ("datetime", "datetime"),
            ("datetime", "timedelta"),
            ("timedelta", "timedelta"),
        }
    ),
    "*": frozenset({("number", "number"), ("timedelta", "number"), ("number", "timedelta")}),
    "/": frozenset({("number", "number"), ("timedelta", "number"), ("timedelta", "timedelta")}),
}

_REFUSED_OPERATORS = {
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
}


def _arithmetic(op_text: str, op: Callable[[Any, Any], Any], left: Value, right: Value) -> Value:
    kinds = (_kind(left), _kind(right))
    if "null" in kinds and not {"list", "bool", "other", "mixed"} & set(kinds):
        return _null_like(left, right)
    if kinds not in _ARITH_KINDS[op_text]:
        hint = ""
        if "datetime" in kinds and "number" in kinds:
            hint = "; use days(n), hours(n) to turn a number into a duration"
        raise _Problem(f"'{op_text}' cannot combine {_KIND_WORDS[kinds[0]]} and {_KIND_WORDS[kinds[1]]}{hint}")
    try:
        return op(left, right)
    except ZeroDivisionError:
        raise _Problem("division by zero") from None


def _negate(value: Value) -> Value:
    kind = _kind(value)
    if kind == "null":
        return value
    if kind not in ("number", "timedelta"):
        raise _Problem(f"unary minus needs a number or a duration, not {_KIND_WORDS[kind]}")
    return -value


# --------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class Function:
    """One entry of the function table: how to call it, what it does, and its implementation."""

    name: str
    signature: str
    description: str
    impl: Callable[..., Value]
    min_args: int
    max_args: int | None

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} arguments"
        if self.min_args == self.max_args:
            return f"{self.min_args} argument" + ("" if self.min_args == 1 else "s")
        return f"{self.min_args} to {self.max_args} arguments"


def _require(name: str, value: Value, allowed: tuple[str, ...], position: str = "") -> str:
    kind = _kind(value)
    if kind not in allowed and kind != "null":
        where = f" as its {position} argument" if position else ""
        want = " or ".join(_KIND_WORDS[k] for k in allowed)
        raise _Problem(f"{name}() needs {want}{where}, got {_KIND_WORDS[kind]}")
    return kind


def _fn_isnull(ctx: EvalContext, value: Value) -> Value:
    return _isnull(value)


def _fn_notnull(ctx: EvalContext, value: Value) -> Value:
    return _logical_not(_isnull(value))


def _between(name: str, unit: pd.Timedelta) -> Callable[..., Value]:
    def impl(ctx: EvalContext, start: Value, end: Value) -> Value:
        kinds = (
            _require(name, start, ("datetime",), "first"),
            _require(name, end, ("datetime",), "second"),
        )
        if "null" in kinds:
            return _null_like(start, end)
        return (end - start) / unit

    return impl


def _text_fn(name: str, method: Callable[[Any], Value]) -> Callable[..., Value]:
    def impl(ctx: EvalContext, value: Value) -> Value:
        if _require(name, value, ("string", "mixed")) == "null":
            return value
        return method(value.str if isinstance(value, pd.Series) else value)

    return impl


def _fn_length(ctx: EvalContext, value: Value) -> Value:
    if _require("length", value, ("string", "mixed")) == "null":
        return _null_like(value)
    return value.str.len() if isinstance(value, pd.Series) else len(value)


def _patterns(name: str, pattern: Value) -> list[str]:
    if isinstance(pattern, str):
        return [pattern.lower()]
    if isinstance(pattern, (tuple, list)) and pattern and all(isinstance(p, str) for p in pattern):
        return [p.lower() for p in pattern]
    raise _Problem(f'{name}() needs a text literal (or a list of them) as its second argument, e.g. "abc"')


def _text_match(name: str, test: Callable[[Any, str], Any]) -> Callable[..., Value]:
    """Case-insensitive literal text test; a list of patterns matches if any of them does."""

    def impl(ctx: EvalContext, value: Value, pattern: Value) -> Value:
        patterns = _patterns(name, pattern)
        kind = _require(name, value, ("string", "mixed"), "first")
        if isinstance(value, pd.Series):
            missing = _missing_mask(value, len(value))
            hits = np.zeros(len(value), dtype=bool)
            if kind != "null":
                lowered = value.str.lower().str
                for text in patterns:
                    hits |= test(lowered, text).to_numpy(dtype=bool, na_value=False)
            return _boolean_series(hits, missing, value.index)
        if kind == "null":
            return pd.NA
        lowered_value = value.lower()
        return any(bool(test(lowered_value, text)) for text in patterns)

    return impl


def _contains(target: Any, text: str) -> Any:
    if isinstance(target, str):
        return text in target
    return target.contains(text, regex=False)


def _startswith(target: Any, text: str) -> Any:
    return target.startswith(text)


def _parse_date(text: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _Problem(f'date({text!r}) is not a valid date ({exc}); use ISO 8601, e.g. "2024-01-31"') from None
    if stamp is pd.NaT:
        raise _Problem(f'date({text!r}) is not a valid date; use ISO 8601, e.g. "2024-01-31"')
    if stamp.tzinfo is not None:
        raise _Problem(f"date({text!r}) carries a timezone; timestamps are timezone-naive")
    return stamp


def _fn_date(ctx: EvalContext, value: Value) -> Value:
    kind = _require("date", value, ("string", "datetime"))
    if kind == "null":
        return _null_like(value) if isinstance(value, pd.Series) else pd.NaT
    if isinstance(value, pd.Series):
        if kind == "datetime":
            return pd.to_datetime(value).dt.normalize()
        return pd.to_datetime(value, errors="coerce", format="ISO8601")
    if isinstance(value, str):
        return _parse_date(value)
    return pd.Timestamp(value).normalize()


def _duration(name: str, unit: str) -> Callable[..., Value]:
    def impl(ctx: EvalContext, amount: Value) -> Value:
        if _require(name, amount, ("number",)) == "null":
            return _null_like(amount) if isinstance(amount, pd.Series) else pd.NaT
        if isinstance(amount, pd.Series):
            return pd.to_timedelta(amount, unit=unit)
        return pd.Timedelta(float(amount), unit=unit)

    return impl


def _fn_param(ctx: EvalContext, name: Value) -> Value:
    if not isinstance(name, str):
        raise _Problem('param() needs the parameter name as a text literal, e.g. param("max_days")')
    if name not in ctx.params:
        known = ", ".join(sorted(map(str, ctx.params))) or "(none defined)"
        raise _Problem(f"unknown parameter {name!r}; known parameters: {known}.{_suggest(name, ctx.params)}")
    value = ctx.params[name]
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(value)
    if isinstance(value, Mapping):
        raise _Problem(f"parameter {name!r} is a mapping; only numbers, text and lists can be used")
    return value


def _fn_coalesce(ctx: EvalContext, *values: Value) -> Value:
    result = values[0]
    for other in values[1:]:
        if isinstance(result, pd.Series):
            nulls = _isnull(result).to_numpy(dtype=bool)
            if not nulls.any():
                return result
            if _kind(result) == "null" and isinstance(other, pd.Series):
                result = other
            else:
                result = _normalise_series(result.astype(object).where(~nulls, other))
        elif _isnull(result):
            result = other
        else:
            return result
    return result


def _date_part(
    name: str, series_part: Callable[[Any], Value], scalar_part: Callable[[Any], Value]
) -> Callable[..., Value]:
    def impl(ctx: EvalContext, value: Value) -> Value:
        if _require(name, value, ("datetime",)) == "null":
            return _null_like(value)
        if isinstance(value, pd.Series):
            return series_part(pd.to_datetime(value).dt)
        return scalar_part(pd.Timestamp(value))

    return impl


def _function_table() -> Mapping[str, Function]:
    def fn(signature: str, description: str, impl: Callable[..., Value], lo: int, hi: int | None) -> Function:
        return Function(signature.split("(")[0], signature, description, impl, lo, hi)

    entries = [
        fn("isnull(x)", "true where x is missing (empty or blank text counts as missing)", _fn_isnull, 1, 1),
        fn("notnull(x)", "true where x is present (not missing, not empty/blank text)", _fn_notnull, 1, 1),
        fn(
            "days_between(a, b)",
            "(b - a) in fractional days; a and b are timestamps",
            _between("days_between", pd.Timedelta(days=1)),
            2,
            2,
        ),
        fn(
            "hours_between(a, b)",
            "(b - a) in fractional hours",
            _between("hours_between", pd.Timedelta(hours=1)),
            2,
            2,
        ),
        fn(
            "minutes_between(a, b)",
            "(b - a) in fractional minutes",
            _between("minutes_between", pd.Timedelta(minutes=1)),
            2,
            2,
        ),
        fn("lower(s)", "text in lower case", _text_fn("lower", lambda t: t.lower()), 1, 1),
        fn("upper(s)", "text in upper case", _text_fn("upper", lambda t: t.upper()), 1, 1),
        fn("strip(s)", "text without surrounding whitespace", _text_fn("strip", lambda t: t.strip()), 1, 1),
        fn("length(s)", "number of characters in the text", _fn_length, 1, 1),
        fn(
            'contains(s, "sub")',
            "true where s contains sub (case-insensitive, literal, not a regex; a list means any of)",
            _text_match("contains", _contains),
            2,
            2,
        ),
        fn(
            'startswith(s, "p")',
            "true where s starts with p (case-insensitive, literal; a list means any of)",
            _text_match("startswith", _startswith),
            2,
            2,
        ),
        fn(
            'date("2024-01-31")',
            "an ISO 8601 date as a timestamp; date(timestamp) truncates to midnight",
            _fn_date,
            1,
            1,
        ),
        fn("days(n)", "a duration of n days, e.g. opened_at + days(5)", _duration("days", "D"), 1, 1),
        fn("hours(n)", "a duration of n hours, e.g. opened_at + hours(4)", _duration("hours", "h"), 1, 1),
        fn('param("name")', "the value of a rule parameter", _fn_param, 1, 1),
        fn("coalesce(a, b, ...)", "the first argument that is not missing", _fn_coalesce, 2, None),
        fn(
            "year(x)",
            "the calendar year of a timestamp",
            _date_part("year", lambda dt: dt.year, lambda ts: ts.year),
            1,
            1,
        ),
        fn(
            "weekday(x)",
            "day of the week of a timestamp, 0 = Monday ... 6 = Sunday",
            _date_part("weekday", lambda dt: dt.day_of_week, lambda ts: ts.weekday()),
            1,
            1,
        ),
    ]
    return types.MappingProxyType({entry.name: entry for entry in entries})


FUNCTIONS: Mapping[str, Function] = _function_table()
"""The only functions an expression may call, by name (read-only)."""

_FUNCTION_LIST = ", ".join(sorted(FUNCTIONS))


# --------------------------------------------------------------------------- evaluation environment


class _Env:
    """Per-evaluation state: the frame (positionally indexed), the context and a column cache."""

    __slots__ = ("frame", "ctx", "n", "where", "_cache")

    def __init__(self, frame: pd.DataFrame, ctx: EvalContext, where: str) -> None:
        self.frame = frame
        self.ctx = ctx
        self.n = len(frame)
        self.where = where
        self._cache: dict[str, pd.Series] = {}

    def column(self, name: str) -> pd.Series:
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        if name not in self.frame.columns:
            raise ExpressionError(_prefixed(self.where, _unknown_columns_message([name], self.frame.columns)))
        series = self.frame[name]
        if isinstance(series, pd.DataFrame):
            raise ExpressionError(_prefixed(self.where, f"column {name!r} appears more than once in the evidence"))
        try:
            series = _normalise_series(series.reset_index(drop=True))
        except (TypeError, ValueError, OverflowError) as exc:
            raise ExpressionError(_prefixed(self.where, f"column {name!r} cannot be used: {exc}")) from exc
        self._cache[name] = series
        return series


def _unknown_columns_message(names: list[str], available: Iterable[object]) -> str:
    known = [str(c) for c in available]
    shown = ", ".join(sorted(known)[:60]) + (f", ... ({len(known) - 60} more)" if len(known) > 60 else "")
    label = "unknown column " if len(names) == 1 else "unknown columns "
    hint = _suggest(names[0], known) if len(names) == 1 else ""
    return f"{label}{', '.join(repr(n) for n in names)}; available: {shown or '(none)'}.{hint}"


_Node = Callable[[_Env], Value]


# --------------------------------------------------------------------------- compiler

_REFUSED_NODES: dict[type, str] = {
    ast.Subscript: "indexing or slicing (x[...]) is not allowed; use a function from: {functions}",
    ast.Slice: "slicing (x[a:b]) is not allowed",
    ast.Lambda: "lambda functions are not allowed; use a function from: {functions}",
    ast.ListComp: "comprehensions are not allowed; expressions already work on whole columns",
    ast.SetComp: "comprehensions are not allowed; expressions already work on whole columns",
    ast.DictComp: "comprehensions are not allowed; expressions already work on whole columns",
    ast.GeneratorExp: "comprehensions are not allowed; expressions already work on whole columns",
    ast.JoinedStr: 'f-strings are not allowed; use a plain text literal such as "closed"',
    ast.FormattedValue: 'f-strings are not allowed; use a plain text literal such as "closed"',
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.Starred: "starred expressions (*x) are not allowed",
    ast.IfExp: "conditional expressions (a if c else b) are not allowed; combine conditions with and / or",
    ast.Dict: "dict literals ({...}) are not allowed",
    ast.Set: 'set literals ({...}) are not allowed; use a tuple such as ("a", "b") after in / not in',
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
}


class _Compiler:
    """Checks an ``ast`` tree against the allow-list and builds the evaluation closures."""

    def __init__(self, text: str, where: str, column_offset: int) -> None:
        self.text = text
        self.where = where
        self.column_offset = column_offset
        self.columns: set[str] = set()
        self.params: set[str] = set()
        self.functions: set[str] = set()

    # -- helpers

    def fail(self, node: ast.expr, message: str) -> NoReturn:
        location = f" (at column {node.col_offset + 1 + self.column_offset})"
        raise ExpressionError(_prefixed(self.where, message + location))

    def source(self, node: ast.AST) -> str:
        """The node's original text (falls back to a rendering of the tree)."""
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    def guard(self, node: ast.AST, run: _Node) -> _Node:
        """Wrap a node so runtime problems become ExpressionErrors naming the offending source."""
        source = self.source(node)
        where = self.where

        def guarded(env: _Env) -> Value:
            try:
                return run(env)
            except _Problem as exc:
                raise ExpressionError(_prefixed(where, f"{exc} (in `{source}`)")) from exc
            except (TypeError, ValueError, OverflowError, ZeroDivisionError, AttributeError) as exc:
                hint = "; timestamps must be timezone-naive" if "tz" in str(exc) else ""
                raise ExpressionError(_prefixed(where, f"cannot evaluate `{source}`: {exc}{hint}")) from exc

        return guarded

    # -- dispatch

    def compile(self, node: ast.AST) -> _Node:
        handler = self._handlers.get(type(node))
        if handler is not None:
            return handler(self, node)
        if isinstance(node, (ast.Tuple, ast.List)):
            self.fail(node, "a tuple or list is only allowed after in / not in or as a function argument")
        if isinstance(node, ast.Attribute):
            dunder = f"attribute {node.attr!r} is not allowed (dunder names are refused); " if "__" in node.attr else ""
            self.fail(node, f"{dunder}attribute access (x.y) is not allowed; use a function from: {_FUNCTION_LIST}")
        message = _REFUSED_NODES.get(type(node))
        if message is None:
            message = f"{type(node).__name__} expressions are not allowed"
        self.fail(node, message.replace("{functions}", _FUNCTION_LIST))

    def literal(self, node: ast.AST) -> object:
        """Value of a literal (constant, reserved constant name, or negated number); else refuse."""
        if isinstance(node, ast.Constant):
            return self.constant_value(node)
        if isinstance(node, ast.Name) and node.id in CONSTANT_NAMES:
            return CONSTANT_NAMES[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            value = self.constant_value(node.operand)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return -value
        self.fail(
            node,
            f"list elements must be literal values (text, numbers, true/false/null), not `{self.source(node)}`",
        )

    def sequence(self, node: ast.Tuple | ast.List) -> _Node:
        values = tuple(self.literal(element) for element in node.elts)
        return lambda env: values

    def constant_value(self, node: ast.Constant) -> object:
        value = node.value
        if value is None or type(value) in (str, int, float, bool):
            return value
        names = {bytes: "bytes literals", complex: "complex numbers", type(Ellipsis): "'...'"}
        what = names.get(type(value), type(value).__name__)
        self.fail(node, f"{what} are not allowed; use text, numbers, true/false or null")

    # -- allowed nodes

    def c_constant(self, node: ast.Constant) -> _Node:
        value = self.constant_value(node)
        return lambda env: value

    def c_name(self, node: ast.Name) -> _Node:
        name = node.id
        if "__" in name:
            self.fail(node, f"name {name!r} is not allowed (dunder names are refused)")
        if name in CONSTANT_NAMES:
            value = CONSTANT_NAMES[name]
            return lambda env: value
        if name == "as_of":
            return lambda env: env.ctx.as_of
        if name == "period_start":
            return lambda env: env.ctx.period_start
        if name == "period_end":
            return lambda env: env.ctx.period_end
        if name in FUNCTIONS:
            self.fail(node, f"{name!r} is a function; call it, e.g. {FUNCTIONS[name].signature}")
        self.columns.add(name)
        return lambda env: env.column(name)

    def c_boolop(self, node: ast.BoolOp) -> _Node:
        combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_
        parts = [(self.compile(value), self.source(value)) for value in node.values]

        def run(env: _Env) -> Value:
            return reduce(combine, (_as_condition(part(env), source) for part, source in parts))

        return self.guard(node, run)

    def c_unaryop(self, node: ast.UnaryOp) -> _Node:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.Not):
            source = self.source(node.operand)
            return self.guard(node, lambda env: _logical_not(_as_condition(operand(env), source)))
        if isinstance(node.op, ast.USub):
            return self.guard(node, lambda env: _negate(operand(env)))
        symbol = "~" if isinstance(node.op, ast.Invert) else "+"
        self.fail(node, f"unary operator '{symbol}' is not allowed; allowed: not, - (minus)")

    def c_binop(self, node: ast.BinOp) -> _Node:
        spec = _ARITH_OPS.get(type(node.op))
        if spec is None:
            symbol = _REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)
            hint = "; use and / or for conditions" if symbol in ("&", "|") else ""
            self.fail(node, f"operator '{symbol}' is not allowed; allowed arithmetic: {symbols('arithmetic')}{hint}")
        op_text, op = spec
        left, right = self.compile(node.left), self.compile(node.right)
        return self.guard(node, lambda env: _arithmetic(op_text, op, left(env), right(env)))

    def c_compare(self, node: ast.Compare) -> _Node:
        steps: list[tuple[str, Callable[..., Value], _Node]] = []
        last = len(node.ops) - 1
        for i, (op, comparator) in enumerate(zip(node.ops, node.comparators, strict=True)):
            if isinstance(op, (ast.In, ast.NotIn)):
                negate = isinstance(op, ast.NotIn)
                if isinstance(comparator, (ast.Tuple, ast.List)) and i == last:
                    right = self.sequence(comparator)
                else:
                    right = self.compile(comparator)
                steps.append(("not in" if negate else "in", lambda a, b, n, neg=negate: _membership(a, b, neg), right))
                continue
            spec = _COMPARE_OPS.get(type(op))
            if spec is None:
                word = "is not" if isinstance(op, ast.IsNot) else "is"
                self.fail(node, f"operator '{word}' is not allowed; use == null / != null or isnull(x) / notnull(x)")
            op_text, fn = spec
            steps.append((op_text, lambda a, b, n, t=op_text, f=fn: _compare(t, f, a, b, n), self.compile(comparator)))
        first = self.compile(node.left)

        def run(env: _Env) -> Value:
            left = first(env)
            results = []
            for _text, step, right_node in steps:
                right = right_node(env)
                results.append(step(left, right, env.n))
                left = right
            return reduce(operator.and_, results)

        return self.guard(node, run)

    def c_call(self, node: ast.Call) -> _Node:
        if not isinstance(node.func, ast.Name):
            self.compile(node.func)  # refuses lambdas, attributes, subscripts... with their own message
            self.fail(
                node,
                f"only calls of a named function are allowed, e.g. isnull(x); allowed functions: {_FUNCTION_LIST}",
            )
        name = node.func.id
        if "__" in name:
            self.fail(node.func, f"name {name!r} is not allowed (dunder names are refused)")
        function = FUNCTIONS.get(name)
        if function is None:
            hint = _suggest(name, FUNCTIONS)
            self.fail(node, f"call to {name!r} is not allowed; allowed functions: {_FUNCTION_LIST}.{hint}")
        if node.keywords:
            self.fail(
                node,
                f"keyword arguments are not allowed (in call to {name!r}); "
                f"pass arguments by position, e.g. {function.signature}",
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.fail(arg, f"starred arguments (*x) are not allowed (in call to {name!r})")
        count = len(node.args)
        if count < function.min_args or (function.max_args is not None and count > function.max_args):
            self.fail(node, f"{name}() takes {function.arity_text()}, got {count}; usage: {function.signature}")
        if name == "param":
            arg = node.args[0]
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                self.fail(arg, 'param() needs the parameter name as a text literal, e.g. param("max_days")')
            self.params.add(arg.value)
        if name == "date" and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            try:
                _parse_date(node.args[0].value)
            except _Problem as exc:
                self.fail(node, str(exc))
        args = [self.sequence(a) if isinstance(a, (ast.Tuple, ast.List)) else self.compile(a) for a in node.args]
        self.functions.add(name)
        impl = function.impl
        return self.guard(node, lambda env: impl(env.ctx, *(arg(env) for arg in args)))

    _handlers: dict[type, Callable[[_Compiler, Any], _Node]] = {
        ast.Constant: c_constant,
        ast.Name: c_name,
        ast.BoolOp: c_boolop,
        ast.UnaryOp: c_unaryop,
        ast.BinOp: c_binop,
        ast.Compare: c_compare,
        ast.Call: c_call,
    }


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True, eq=False)
class Expression:
    """A compiled, allow-listed rule expression; evaluate it over a DataFrame."""

    text: str
    columns: frozenset[str]
    params: frozenset[str]
    functions: frozenset[str]
    where: str
    _root: _Node = field(repr=False)

    def missing_columns(self, available: Iterable[str]) -> list[str]:
        """Referenced columns that are not in ``available`` (sorted); empty when all are present."""
        present = {str(name) for name in available}
        return sorted(name for name in self.columns if name not in present)

    def evaluate(self, frame: pd.DataFrame, ctx: EvalContext) -> pd.Series:
        """Evaluate over every row at once; the result is aligned to ``frame.index``.

        Conditions come back as nullable booleans (``pd.NA`` where a missing value made the
        answer unknown); arithmetic and functions return their natural dtype.
        """
        missing = self.missing_columns(frame.columns)
        if missing:
            raise ExpressionError(_prefixed(self.where, _unknown_columns_message(missing, frame.columns)))
        env = _Env(frame, ctx, self.where)
        value = self._root(env)
        if isinstance(value, pd.Series):
            return value.set_axis(frame.index).rename(None)
        if isinstance(value, (tuple, list, set, frozenset)):
            raise ExpressionError(_prefixed(self.where, f"`{self.text}` gives a list, not one value per row"))
        if value is pd.NA or isinstance(value, (bool, np.bool_)):
            return pd.Series(value, index=frame.index, dtype="boolean")
        return pd.Series(value, index=frame.index, dtype=object if value is None else None)

    def evaluate_mask(self, frame: pd.DataFrame, ctx: EvalContext) -> pd.Series:
        """Evaluate as a condition: a plain ``bool`` Series where missing/unknown counts as False."""
        result = self.evaluate(frame, ctx)
        try:
            condition = _as_condition(result.reset_index(drop=True), self.text)
        except _Problem as exc:
            raise ExpressionError(_prefixed(self.where, str(exc))) from exc
        values = condition.to_numpy(dtype=bool, na_value=False)
        return pd.Series(values, index=frame.index, dtype=bool)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def _walk(tree: ast.AST) -> list[ast.AST]:
    """All nodes in source order (pre-order); unlike ``ast.walk`` it imports nothing at call time."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return found


def compile_expression(text: str, *, where: str = "") -> Expression:
    """Parse and check ``text`` against the allow-list; raise ExpressionError if anything is refused."""
    if not isinstance(text, str):
        raise ExpressionError(_prefixed(where, f"an expression must be text, got {type(text).__name__}: {text!r}"))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            _prefixed(where, f"expression is too long ({len(text)} characters; at most {MAX_LENGTH} allowed)")
        )
    # Same length, one line: column numbers in messages stay valid for the original text.
    flat = text.replace("\r", " ").replace("\n", " ")
    body = flat.strip()
    if not body:
        raise ExpressionError(_prefixed(where, "expression is empty"))
    offset = len(flat) - len(flat.lstrip())
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        column = (exc.offset or 1) + offset
        near = body[(exc.offset or 1) - 1 :][:20]
        near_text = f" near `{near}`" if near else " at the end"
        raise ExpressionError(_prefixed(where, f"syntax error at column {column}{near_text}: {exc.msg}")) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(_prefixed(where, f"expression cannot be parsed: {exc}")) from None
    nodes = [node for node in _walk(tree) if not isinstance(node, ast.expr_context)]
    count = len(nodes)
    if count > MAX_NODES:
        raise ExpressionError(
            _prefixed(
                where,
                f"expression is too complex ({count} syntax nodes; at most {MAX_NODES} allowed); "
                "split it into several checks",
            )
        )
    compiler = _Compiler(body, where, offset)
    for node in nodes:  # dunder names first: they are the clearest sign of an escape attempt
        if isinstance(node, ast.Name) and "__" in node.id:
            compiler.fail(node, f"name {node.id!r} is not allowed (dunder names are refused)")
        if isinstance(node, ast.Attribute) and "__" in node.attr:
            compiler.fail(
                node,
                f"attribute {node.attr!r} is not allowed (dunder names are refused); "
                f"attribute access (x.y) is not allowed; use a function from: {_FUNCTION_LIST}",
            )
    root = compiler.compile(tree.body)
    return Expression(
        text=text,
        columns=frozenset(compiler.columns),
        params=frozenset(compiler.params),
        functions=frozenset(compiler.functions),
        where=where,
        _root=root,
    )
