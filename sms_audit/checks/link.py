"""``link``: each record must be linked to a record of another kind, optionally within a time window.

Examples: a major incident linked to a problem opened within N days; a known error linked to the
change that removes it; a failed change linked to the record that investigates it. Links come
from the ``links`` table (``from_id``, ``to_id``, ``link_type``); the target is any table,
narrowed by an expression.

The evaluation itself is :func:`evaluate_links`, which works on plain frames (sources, links,
targets) so that other callers (the recurrence kind, an integration graph) can reuse it.

Window semantics: with ``within_days: N`` a link qualifies when the target's time is at most N
days after the source's time (exactly N days is within). A target dated *before* the source
qualifies too: an incident linked to a problem that already existed is linked in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome
from sms_audit.errors import RuleError
from sms_audit.expressions import EvalContext, Expression
from sms_audit.model import table_specs

DIRECTIONS = ("outgoing", "incoming", "either")

NUMBER_OR_PARAMETER = {
    "type": ["number", "string"],
    "minimum": 0,
    "description": "A non-negative number, or the name of a rule-pack parameter holding one",
}

TARGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["table"],
    "additionalProperties": False,
    "properties": {
        "table": {"type": "string", "description": "Evidence table holding the records linked to"},
        "select": {"type": "string", "minLength": 1, "description": "Expression choosing the target records"},
        "name": {
            "type": "string",
            "minLength": 1,
            "description": "What one target is called in reasons, e.g. 'problem' (default: '<table> record')",
        },
    },
}

LINK_TYPES_SCHEMA = {
    "type": "array",
    "items": {"type": "string", "minLength": 1},
    "minItems": 1,
    "uniqueItems": True,
    "description": "Link types that count (links.link_type); omitted: a link of any type",
}

DIRECTION_SCHEMA = {
    "enum": list(DIRECTIONS),
    "description": "outgoing: record -> target (from_id is the record); incoming: target -> record; "
    "either (default): both",
}


# --------------------------------------------------------------------------- helpers shared by the new kinds


def resolve_number(value: Any, ctx: EvalContext, where: str, key: str) -> float:
    """A spec value that is a number or the name of a parameter; refuse anything else clearly."""
    number = ctx.params.get(value) if isinstance(value, str) else value
    if isinstance(value, str) and value not in ctx.params:
        raise RuleError(f"{where}: check.{key}: parameter {value!r} has no value")
    if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0:
        source = f"parameter {value!r}" if isinstance(value, str) else "value"
        raise RuleError(f"{where}: check.{key}: {source} must be a non-negative number, got {number!r}")
    return float(number)


def parameter_names(*values: Any) -> set[str]:
    return {value for value in values if isinstance(value, str)}


def require_datetime(table: str, column: str | None, where: str, key: str) -> None:
    """A time column must be a date/time column of its table (unknown columns are reported by needs())."""
    spec = table_specs().get(table)
    if column is None or spec is None or column not in spec.columns:
        return
    if spec.columns[column] != "datetime":
        raise RuleError(
            f"{where}: check.{key}: column {column!r} of table {table!r} holds {spec.columns[column]}, not dates/times"
        )


def add_needs(needs: dict[str, set[str]], table: str, columns: Iterable[str | None]) -> None:
    needs.setdefault(table, set()).update(c for c in columns if c)


def fmt_number(values: pd.Series) -> pd.Series:
    """Numbers as short text: one decimal, whole numbers without it ("9.2", "5")."""
    rounded = pd.Series(values, dtype="Float64").round(1)
    text = rounded.astype("string")
    whole = (rounded == rounded.round(0)).fillna(False).astype(bool)
    return text.mask(whole, rounded.round(0).astype("Int64").astype("string"))


def fmt_scalar(value: float) -> str:
    return f"{round(float(value), 1):g}"


def fmt_date(values: pd.Series) -> pd.Series:
    return pd.Series(values).dt.strftime("%Y-%m-%d").astype("string")


def join_nonempty(parts: Iterable[str | None], sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


class TargetSpec:
    """``target: {table, select, name}``: the records a population links to (or is compared with)."""

    def __init__(self, kind: CheckKind, spec: dict[str, Any]) -> None:
        self.table: str = spec["table"]
        self.select: Expression | None = kind.expression(spec["select"]) if spec.get("select") else None
        self.name: str = spec.get("name") or f"{self.table} record"

    def columns(self) -> set[str]:
        return set(self.select.columns) if self.select is not None else set()

    def params(self) -> set[str]:
        return set(self.select.params) if self.select is not None else set()

    def frame(self, evidence, ctx: EvalContext) -> pd.DataFrame:
        table = evidence.table(self.table)
        if self.select is None:
            return table
        return table[self.select.evaluate_mask(table, ctx).to_numpy()]


# --------------------------------------------------------------------------- the reusable evaluation


def link_edges(links: pd.DataFrame, link_types: Iterable[str] | None, direction: str) -> pd.DataFrame:
    """Links as (src_id, tgt_id) pairs seen from the source records, for the given direction and types."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    chosen = links
    if link_types is not None:
        chosen = links[links["link_type"].isin(list(link_types)).fillna(False).to_numpy(dtype=bool)]
    from_ids = chosen["from_id"].astype("string").str.strip()
    to_ids = chosen["to_id"].astype("string").str.strip()
    parts = []
    if direction in ("outgoing", "either"):
        parts.append(pd.DataFrame({"src_id": from_ids.to_numpy(), "tgt_id": to_ids.to_numpy()}))
    if direction in ("incoming", "either"):
        parts.append(pd.DataFrame({"src_id": to_ids.to_numpy(), "tgt_id": from_ids.to_numpy()}))
    edges = pd.concat(parts, ignore_index=True).astype("string")
    return edges.dropna().drop_duplicates(ignore_index=True)


def evaluate_links(
    sources: pd.DataFrame,
    links: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    link_types: Iterable[str] | None = None,
    direction: str = "either",
    within_days: float | None = None,
    target_name: str = "target record",
    source_time_label: str = "time",
    target_time_label: str = "time",
) -> pd.DataFrame:
    """Judge, for each source record, whether it has a qualifying link to a target record.

    ``sources`` has ``id`` (and ``time`` when ``within_days`` is given); ``links`` has ``from_id``,
    ``to_id``, ``link_type``; ``targets`` has ``id`` (and ``time``). Returns a frame aligned to
    ``sources.index`` with ``ok`` (bool), ``reason`` (why not, else missing), ``target_id`` (a
    qualifying target, else the nearest linked one) and ``days`` (target time minus source time).
    """
    n = len(sources)
    windowed = within_days is not None
    src = pd.DataFrame({"_row": np.arange(n), "src_id": sources["id"].astype("string").str.strip().to_numpy()})
    if windowed:
        src["src_time"] = sources["time"].to_numpy()
    tgt = pd.DataFrame({"tgt_id": targets["id"].astype("string").str.strip().to_numpy()})
    if windowed:
        tgt["tgt_time"] = targets["time"].to_numpy()
    edges = link_edges(links, link_types, direction)
    pairs = src.dropna(subset=["src_id"]).merge(edges, on="src_id").merge(tgt.dropna(subset=["tgt_id"]), on="tgt_id")
    if windowed:
        pairs["days"] = (pairs["tgt_time"] - pairs["src_time"]) / pd.Timedelta(days=1)
        pairs["ok"] = (pairs["days"] <= within_days).fillna(False).astype(bool)
    else:
        pairs["days"] = np.nan
        pairs["ok"] = True
    # Best pair per source: a qualifying one first, then the nearest in time, then by id (deterministic).
    pairs["_miss"] = ~pairs["ok"]
    best = pairs.sort_values(["_row", "_miss", "days", "tgt_id"], na_position="last", kind="mergesort")
    best = best.drop_duplicates("_row").set_index("_row").reindex(np.arange(n))
    linked = best["tgt_id"].notna().to_numpy()
    ok = best["ok"].fillna(False).to_numpy(dtype=bool)
    target_id = best["tgt_id"].astype("string")
    days = best["days"].astype("Float64")
    reason = pd.Series(pd.NA, index=np.arange(n), dtype="string")
    reason = reason.mask(~linked, f"no linked {target_name}")
    if windowed:
        no_source_time = pd.isna(src["src_time"]).to_numpy()
        no_target_time = days.isna().to_numpy() & ~no_source_time
        late = linked & ~ok & ~no_source_time & ~no_target_time
        limit = fmt_scalar(within_days)
        reason = reason.mask(
            linked & ~ok & no_source_time, f"no {source_time_label} to measure the {limit}-day window from"
        )
        reason = reason.mask(
            linked & ~ok & no_target_time,
            f"linked {target_name} " + target_id.fillna("") + f" has no {target_time_label}",
        )
        reason = reason.mask(
            late,
            f"linked {target_name} "
            + target_id.fillna("")
            + f" {target_time_label} "
            + fmt_number(days).fillna("")
            + f" days after {source_time_label}, window {limit} days",
        )
    return pd.DataFrame(
        {
            "ok": ok,
            "reason": reason.where(~ok).to_numpy(),
            "target_id": target_id.to_numpy(),
            "days": days.to_numpy(),
        },
        index=sources.index,
    )


# --------------------------------------------------------------------------- the check kind


@CHECK_KINDS.register("link")
class LinkCheck(CheckKind):
    kind = "link"
    description = "Each record is linked to a record of another kind (e.g. a problem), optionally within N days."
    schema = {
        "type": "object",
        "required": ["kind", "target"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "link"},
            "link_types": LINK_TYPES_SCHEMA,
            "direction": DIRECTION_SCHEMA,
            "target": TARGET_SCHEMA,
            "within_days": {
                **NUMBER_OR_PARAMETER,
                "description": "The target's time may be at most this many days after the record's time "
                "(a number or a parameter name); needs time_column",
            },
            "time_column": {"type": "string", "description": "The record's date/time column for the window"},
            "target_time_column": {
                "type": "string",
                "description": "The target's date/time column (default: time_column)",
            },
        },
    }
    default_grading = Grading("rate", "higher_is_worse", {"minor": 0.05, "observation": 0.0})

    def __init__(self, spec: dict[str, Any], table: str, where: str) -> None:
        super().__init__(spec, table, where)
        self.target = TargetSpec(self, spec["target"])
        self.link_types = spec.get("link_types")
        self.direction = spec.get("direction", "either")
        self.within = spec.get("within_days")
        self.time_column = spec.get("time_column")
        self.target_time_column = spec.get("target_time_column") or self.time_column
        if self.within is not None and self.time_column is None:
            raise RuleError(f"{where}: check.within_days needs time_column (the record's date to count from)")
        if self.within is None and (self.time_column or spec.get("target_time_column")):
            raise RuleError(f"{where}: check.time_column and target_time_column are only used with within_days")
        require_datetime(table, self.time_column, where, "time_column")
        require_datetime(self.target.table, self.target_time_column, where, "target_time_column")

    def needs(self) -> dict[str, set[str]]:
        needs: dict[str, set[str]] = {self.table: set()}
        add_needs(needs, self.table, [self.time_column])
        add_needs(needs, "links", ["from_id", "to_id", "link_type" if self.link_types else None])
        add_needs(needs, self.target.table, [self.target_time_column, *self.target.columns()])
        return needs

    def parameters(self) -> set[str]:
        return parameter_names(self.within) | self.target.params()

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        within = None if self.within is None else resolve_number(self.within, ctx, self.where, "within_days")
        targets = self.target.frame(evidence, ctx)
        sources = pd.DataFrame({"id": population["id"]}, index=population.index)
        target_frame = pd.DataFrame({"id": targets["id"]})
        if within is not None:
            sources["time"] = population[self.time_column]
            target_frame["time"] = targets[self.target_time_column].to_numpy()
        judged = evaluate_links(
            sources,
            evidence.table("links"),
            target_frame,
            link_types=self.link_types,
            direction=self.direction,
            within_days=within,
            target_name=self.target.name,
            source_time_label=self.time_column or "time",
            target_time_label=self.target_time_column or "time",
        )
        offending = ~judged["ok"].astype(bool)
        return Outcome(population, offending, judged["reason"].astype("string").where(offending), self.summary(within))

    def summary(self, within: float | None) -> str:
        types = f" ({' or '.join(self.link_types)})" if self.link_types else ""
        window = ""
        if within is not None:
            window = (
                f" whose {self.target_time_column} is at most {fmt_scalar(within)} days after "
                f"the record's {self.time_column}"
            )
        return f"records without a link{types} to a {self.target.name}{window}"
