"""``consistency``: two populations agree; each record has (or has no) counterpart in another table.

Examples: every CI changed in the CMDB during the period is covered by an approved change on that
CI implemented within N days of the update; every record of one kind matches one of another kind
on some key and time. The match is on keys: ``match.left`` names one or more columns of the rule's
records, ``match.right`` one or more columns of the other table, and a pair matches when any left
value equals any right value (e.g. a CI's id or name against a change's ``ci_id``). With
``within``, the counterpart's time must also fall within the window around the record's time:
``right_time - left_time`` between ``-before`` and ``+after`` days (both default to ``days``;
exactly at the limit is within). A record whose own time is missing has no counterpart.

``expect: match`` (default) makes records without a counterpart offending; ``expect: no_match``
makes records with one offending.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome
from sms_audit.checks.link import (
    NUMBER_OR_PARAMETER,
    TARGET_SCHEMA,
    TargetSpec,
    add_needs,
    fmt_number,
    fmt_scalar,
    parameter_names,
    require_datetime,
    resolve_number,
)
from sms_audit.errors import RuleError
from sms_audit.expressions import EvalContext

COLUMNS = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "uniqueItems": True},
    ]
}


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def key_pairs(frame: pd.DataFrame, columns: list[str], row_name: str) -> pd.DataFrame:
    """(row position, key) for every non-empty value of the listed columns, as text."""
    parts = [
        pd.DataFrame({row_name: np.arange(len(frame)), "key": frame[c].astype("string").str.strip().to_numpy()})
        for c in columns
    ]
    pairs = pd.concat(parts, ignore_index=True)
    pairs = pairs[pairs["key"].notna().to_numpy() & (pairs["key"] != "").fillna(False).to_numpy(dtype=bool)]
    return pairs.drop_duplicates(ignore_index=True)


@CHECK_KINDS.register("consistency")
class ConsistencyCheck(CheckKind):
    kind = "consistency"
    description = "Each record has a counterpart in another table (same key, optionally close in time), or has none."
    schema = {
        "type": "object",
        "required": ["kind", "other", "match"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "consistency"},
            "other": {**TARGET_SCHEMA, "description": "The table (and selection) holding the counterparts"},
            "match": {
                "type": "object",
                "required": ["left", "right"],
                "additionalProperties": False,
                "properties": {
                    "left": {**COLUMNS, "description": "Key column(s) of the rule's records; any may match"},
                    "right": {**COLUMNS, "description": "Key column(s) of the other table; any may match"},
                },
            },
            "within": {
                "type": "object",
                "required": ["left_time", "right_time"],
                "additionalProperties": False,
                "properties": {
                    "left_time": {"type": "string", "description": "Date/time column of the rule's records"},
                    "right_time": {"type": "string", "description": "Date/time column of the other table"},
                    "days": {**NUMBER_OR_PARAMETER, "description": "Window either side (or a parameter name)"},
                    "before": {
                        **NUMBER_OR_PARAMETER,
                        "description": "Days the counterpart may lie before the record (default: days)",
                    },
                    "after": {
                        **NUMBER_OR_PARAMETER,
                        "description": "Days the counterpart may lie after the record (default: days)",
                    },
                },
            },
            "expect": {
                "enum": ["match", "no_match"],
                "description": "match (default): a counterpart must exist; no_match: none may exist",
            },
        },
    }
    default_grading = Grading("rate", "higher_is_worse", {"minor": 0.05, "observation": 0.0})

    def __init__(self, spec: dict[str, Any], table: str, where: str) -> None:
        super().__init__(spec, table, where)
        self.other = TargetSpec(self, spec["other"])
        self.left = _as_list(spec["match"]["left"])
        self.right = _as_list(spec["match"]["right"])
        self.within: dict[str, Any] | None = spec.get("within")
        self.expect: str = spec.get("expect", "match")
        if self.within is not None:
            if not {"days", "before", "after"} & set(self.within):
                raise RuleError(f"{where}: check.within needs days (or before and after)")
            if "days" not in self.within and not {"before", "after"} <= set(self.within):
                raise RuleError(f"{where}: check.within: give days, or both before and after")
            require_datetime(table, self.within["left_time"], where, "within.left_time")
            require_datetime(self.other.table, self.within["right_time"], where, "within.right_time")

    def needs(self) -> dict[str, set[str]]:
        needs: dict[str, set[str]] = {self.table: set()}
        add_needs(needs, self.table, [*self.left, self.within["left_time"] if self.within else None])
        add_needs(
            needs, self.other.table, [*self.right, *self.other.columns(), self.within and self.within["right_time"]]
        )
        return needs

    def parameters(self) -> set[str]:
        within = self.within or {}
        return parameter_names(within.get("days"), within.get("before"), within.get("after")) | self.other.params()

    def _window(self, ctx: EvalContext) -> tuple[float, float] | None:
        if self.within is None:
            return None
        days = self.within.get("days")
        before = self.within.get("before", days)
        after = self.within.get("after", days)
        return (
            resolve_number(before, ctx, self.where, "within.before"),
            resolve_number(after, ctx, self.where, "within.after"),
        )

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        window = self._window(ctx)
        other = self.other.frame(evidence, ctx)
        n = len(population)
        left = key_pairs(population, self.left, "_row")
        right = key_pairs(other, self.right, "_other")
        right["other_id"] = other["id"].astype("string").to_numpy()[right["_other"].to_numpy()]
        if window is not None:
            left["left_time"] = population[self.within["left_time"]].to_numpy()[left["_row"].to_numpy()]
            right["right_time"] = other[self.within["right_time"]].to_numpy()[right["_other"].to_numpy()]
        pairs = left.merge(right, on="key")
        if window is not None:
            before, after = window
            pairs["days"] = (pairs["right_time"] - pairs["left_time"]) / pd.Timedelta(days=1)
            pairs["ok"] = pairs["days"].between(-before, after).fillna(False).astype(bool)
            pairs["distance"] = pairs["days"].abs()
        else:
            pairs["days"] = np.nan
            pairs["ok"] = True
            pairs["distance"] = np.nan
        pairs["_miss"] = ~pairs["ok"]
        best = pairs.sort_values(["_row", "_miss", "distance", "other_id"], na_position="last", kind="mergesort")
        best = best.drop_duplicates("_row").set_index("_row").reindex(np.arange(n))
        keyed = best["key"].notna().to_numpy()
        matched = best["ok"].fillna(False).to_numpy(dtype=bool)
        offending = pd.Series(~matched if self.expect == "match" else matched, index=population.index)
        reasons = self._reasons(population, best, keyed, matched, window).set_axis(population.index)
        return Outcome(population, offending, reasons.where(offending), self._summary(window))

    def _reasons(
        self, population: pd.DataFrame, best: pd.DataFrame, keyed: np.ndarray, matched: np.ndarray, window
    ) -> pd.Series:
        name = self.other.name
        right = "/".join(self.right)
        other_id = best["other_id"].astype("string").fillna("")
        key = best["key"].astype("string").fillna("")
        if self.expect == "no_match":
            text = f"matches {name} " + other_id + f" ({right} '" + key + "'"
            if window is not None:
                text = text + ", " + fmt_number(best["days"]).fillna("?") + " days apart"
            return (text + ")").astype("string")
        first_key = population[self.left[0]].astype("string").str.strip()
        for column in self.left[1:]:
            first_key = first_key.fillna(population[column].astype("string").str.strip())
        first_key = first_key.reset_index(drop=True).fillna("")
        reasons = (f"no {name} with {right} '" + first_key + "'").astype("string")
        if window is None:
            return reasons
        before, after = window
        limit = self._window_text(before, after)
        left_time, right_time = self.within["left_time"], self.within["right_time"]
        days = best["days"]
        no_left_time = pd.Series(best["left_time"]).isna().to_numpy() & keyed
        no_right_time = days.isna().to_numpy() & keyed & ~no_left_time
        late = keyed & ~matched & ~no_left_time & ~no_right_time
        side = pd.Series(np.where(days.fillna(0).to_numpy() < 0, " days before ", " days after "), dtype="string")
        reasons = reasons.mask(no_left_time, f"no {left_time} to compare")
        reasons = reasons.mask(no_right_time, f"{name} " + other_id + f" has no {right_time}")
        reasons = reasons.mask(
            late,
            f"nearest {name} "
            + other_id
            + f" ({right_time}) is "
            + fmt_number(days.abs()).fillna("")
            + side
            + left_time
            + f", window {limit}",
        )
        return reasons

    @staticmethod
    def _window_text(before: float, after: float) -> str:
        if before == after:
            return f"±{fmt_scalar(before)} days"
        return f"{fmt_scalar(before)} days before to {fmt_scalar(after)} days after"

    def _summary(self, window: tuple[float, float] | None) -> str:
        what = "without" if self.expect == "match" else "with"
        keys = f"{'/'.join(self.left)} = {'/'.join(self.right)}"
        timing = ""
        if window is not None:
            timing = f", {self.within['right_time']} within {self._window_text(*window)} of {self.within['left_time']}"
        return f"records {what} a matching {self.other.name} ({keys}{timing})"
