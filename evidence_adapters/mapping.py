"""Column mapping from a source layout to canonical columns, vectorised.

A :class:`Field` names the canonical column, the source headers that may carry
it (first present wins), and how to convert the text. Conversion never drops a
row silently: a cell that cannot be converted rejects its record with the file,
line, column and reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evidence_adapters.base import Rejection

DEFAULT_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def normalise_header(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def token(values: pd.Series) -> pd.Series:
    """Lower-case, trimmed, words joined by underscores: 'In Progress' -> 'in_progress'."""
    return values.str.strip().str.lower().str.replace(r"[^0-9a-z]+", "_", regex=True).str.strip("_")


def headers_by_norm(columns) -> dict[str, str]:
    """Normalised header -> the first header that normalises to it."""
    by_norm: dict[str, str] = {}
    for name in columns:
        by_norm.setdefault(normalise_header(str(name)), name)
    return by_norm


def resolve_header(columns, target: str, sources: tuple[str, ...], options: Mapping) -> str | None:
    """The header that carries ``target``: an explicit ``options.columns`` entry, else the first source present."""
    by_norm = headers_by_norm(columns)
    overrides = options.get("columns") or {}
    candidates = (overrides[target],) if target in overrides else sources
    return next((by_norm[normalise_header(c)] for c in candidates if normalise_header(c) in by_norm), None)


@dataclass(frozen=True)
class Field:
    target: str
    sources: tuple[str, ...]
    convert: str = "text"
    values: Mapping[str, str] = field(default_factory=dict)
    required: bool = False


@dataclass
class Conversion:
    values: pd.Series
    bad: pd.Series  # True where a non-empty cell could not be converted
    problem: str


def _blank(text: pd.Series) -> pd.Series:
    return text.isna() | (text.str.strip() == "")


def _convert_text(text: pd.Series, spec: Field, options: Mapping) -> Conversion:
    out = text.str.strip()
    out = out.mask(_blank(text))
    return Conversion(out.astype("string"), pd.Series(False, index=text.index), "")


def _convert_token(text: pd.Series, spec: Field, options: Mapping) -> Conversion:
    tokens = token(text).mask(_blank(text))
    if not spec.values:
        return Conversion(tokens.astype("string"), pd.Series(False, index=text.index), "")
    # Codes such as '-4' must match before tokenising drops their sign.
    raw = text.str.strip().str.lower()
    exact = raw.map(lambda v: spec.values.get(v) if isinstance(v, str) else None).astype("string")
    mapping = {token(pd.Series([k], dtype="string")).iloc[0]: v for k, v in spec.values.items()}
    by_token = tokens.map(lambda v: mapping.get(v, v) if isinstance(v, str) else v).astype("string")
    return Conversion(exact.fillna(by_token).astype("string"), pd.Series(False, index=text.index), "")


def parse_datetimes(text: pd.Series, formats: Iterable[str]) -> pd.Series:
    """Parse with each format in turn; cells no format accepts stay NaT."""
    stripped = text.str.strip().mask(_blank(text))
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    todo = stripped.notna()
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(stripped[todo], format=fmt, errors="coerce")
        hit = parsed.notna()
        result.loc[hit[hit].index] = parsed[hit].astype("datetime64[us]")
        todo.loc[hit[hit].index] = False
    return result


def _convert_datetime(text: pd.Series, spec: Field, options: Mapping) -> Conversion:
    formats = options.get("date_formats") or DEFAULT_DATE_FORMATS
    parsed = parse_datetimes(text, formats)
    bad = parsed.isna() & ~_blank(text)
    return Conversion(parsed, bad, f"not a date/time in any of the formats {', '.join(formats)}")


def _convert_leading_int(text: pd.Series, spec: Field, options: Mapping) -> Conversion:
    mapping = {k.lower(): v for k, v in spec.values.items()}
    lowered = text.str.strip().str.lower()
    mapped = lowered.map(lambda v: mapping.get(v, v) if isinstance(v, str) else v).astype("string")
    digits = mapped.str.extract(r"^\s*(-?\d+)", expand=False)
    values = pd.to_numeric(digits, errors="coerce").astype("Int64")
    bad = values.isna() & ~_blank(text)
    return Conversion(values, bad, "expected a number or a value such as '1 - Critical'")


def _convert_integer(text: pd.Series, spec: Field, options: Mapping) -> Conversion:
    cleaned = text.str.strip().str.replace(",", "", regex=False).mask(_blank(text))
    values = pd.to_numeric(cleaned, errors="coerce")
    whole = values.notna() & (values == np.floor(values.fillna(0)))
    out = values.where(whole).astype("Int64")
    bad = out.isna() & ~_blank(text)
    return Conversion(out, bad, "expected a whole number")


def _convert_bool(text: pd.Series, spec: Field, options: Mapping) -> Conversion:
    lowered = text.str.strip().str.lower()
    out = pd.Series(pd.NA, index=text.index, dtype="boolean")
    out[lowered.isin(_TRUE).fillna(False).astype(bool)] = True
    out[lowered.isin(_FALSE).fillna(False).astype(bool)] = False
    bad = out.isna() & ~_blank(text)
    return Conversion(out, bad, "expected true/false (TRUE, FALSE, yes, no, 1, 0)")


def _convert_present(text: pd.Series, spec: Field, options: Mapping) -> Conversion:
    """Free text whose presence is the fact (a back-out plan, a test plan)."""
    return Conversion((~_blank(text)).astype("boolean"), pd.Series(False, index=text.index), "")


CONVERTERS: dict[str, Callable[[pd.Series, Field, Mapping], Conversion]] = {
    "text": _convert_text,
    "token": _convert_token,
    "datetime": _convert_datetime,
    "leading_int": _convert_leading_int,
    "integer": _convert_integer,
    "bool": _convert_bool,
    "present": _convert_present,
}


@dataclass
class MappedFrame:
    frame: pd.DataFrame
    rejections: list[Rejection]
    provided: set[str]
    mapping: dict[str, str]  # canonical column -> source header used


def map_fields(
    source: pd.DataFrame,
    lines: pd.Series,
    fields: Iterable[Field],
    display_path: str,
    options: Mapping | None = None,
) -> MappedFrame:
    """Convert ``source`` (all-text) to canonical columns; reject rows with bad cells."""
    options = options or {}
    index = source.index
    out: dict[str, pd.Series] = {}
    problems = pd.Series("", index=index, dtype="string")
    first_column = pd.Series(pd.NA, index=index, dtype="string")
    provided: set[str] = set()
    used: dict[str, str] = {}
    for spec in fields:
        header = resolve_header(source.columns, spec.target, spec.sources, options)
        if header is None:
            if spec.required:
                raise MissingColumnError(spec.target, spec.sources)
            continue
        provided.add(spec.target)
        used[spec.target] = str(header)
        conversion = CONVERTERS[spec.convert](source[header].astype("string"), spec, options)
        bad = conversion.bad.fillna(False).astype(bool)
        if spec.required:
            missing = conversion.values.isna() & ~bad
            _note(problems, first_column, missing, str(header), f"{header} is empty (the record id is required)")
        _note(problems, first_column, bad, str(header), f"{header}: {conversion.problem}")
        out[spec.target] = conversion.values
    frame = pd.DataFrame(out, index=index)
    rejected = problems != ""
    rejections = [
        Rejection(display_path, int(line), None if pd.isna(col) else str(col), str(reason))
        for line, col, reason in zip(
            lines[rejected.to_numpy()], first_column[rejected], problems[rejected], strict=True
        )
    ]
    keep = ~rejected.to_numpy()
    frame = frame[keep]
    frame["_source_line"] = lines[keep].to_numpy()
    frame["_source_file"] = display_path
    return MappedFrame(frame.reset_index(drop=True), rejections, provided, used)


def _note(problems: pd.Series, first: pd.Series, mask: pd.Series, column: str, reason: str) -> None:
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return
    joined = problems[mask].where(problems[mask] == "", problems[mask] + "; ") + reason
    problems[mask] = joined
    first[mask & first.isna()] = column


class MissingColumnError(Exception):
    def __init__(self, target: str, sources: tuple[str, ...]) -> None:
        super().__init__(f"no column for {target!r}; expected one of: {', '.join(sources)}")
