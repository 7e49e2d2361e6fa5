"""``recurrence``: repeated incidents on the same CI (or category) are linked to a problem.

A *series* is ``min_count`` or more records with the same ``group_by`` value whose times fall
within ``window_days`` of the first of them (exactly ``window_days`` apart is within). Every
record that belongs to at least one series is a repeat; a repeat is **offending when it is not
itself linked to a problem** (the target). The judgement is per record, not per series: each
repeat incident should point at the problem that explains it, so one linked incident does not
excuse the others. Records without a group value or a time never form a series.

Vectorised: records are sorted by (group, time); for each record the end of its window is found
with one ``searchsorted`` over a combined (group, seconds) key, and a running maximum of the
window ends of qualifying windows marks every record they cover. Links are judged with
:func:`sms_audit.checks.link.evaluate_links`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome
from sms_audit.checks.link import (
    DIRECTION_SCHEMA,
    LINK_TYPES_SCHEMA,
    NUMBER_OR_PARAMETER,
    TARGET_SCHEMA,
    TargetSpec,
    add_needs,
    evaluate_links,
    fmt_date,
    fmt_scalar,
    parameter_names,
    require_datetime,
    resolve_number,
)
from sms_audit.errors import RuleError
from sms_audit.expressions import EvalContext

DEFAULT_TARGET = {"table": "tickets", "select": 'record_type == "problem"', "name": "problem"}


def series_members(groups: pd.Series, times: pd.Series, min_count: int, window_days: float) -> pd.DataFrame:
    """Which records belong to a series of ``min_count`` or more in the same group within ``window_days``.

    Returns a frame aligned to the inputs: ``member`` (bool) and, for members, ``series_count``,
    ``series_first`` and ``series_last`` describing the run of overlapping windows the record is in.
    Times are compared to the second.
    """
    n = len(groups)
    member = np.zeros(n, dtype=bool)
    count = pd.array([pd.NA] * n, dtype="Int64")
    first = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    last = first.copy()
    text = groups.astype("string").str.strip()
    usable = (text.notna() & text.ne("") & times.notna()).to_numpy(dtype=bool)
    frame = pd.DataFrame({"pos": np.arange(n), "group": text.to_numpy(), "time": times.to_numpy()})[usable]
    frame = frame.sort_values(["group", "time", "pos"], kind="mergesort", ignore_index=True)
    if len(frame):
        # One sorted key (group, seconds): a window never reaches into the next group's records.
        codes = pd.factorize(frame["group"], sort=True)[0].astype(np.int64)
        seconds = ((frame["time"] - frame["time"].min()) // pd.Timedelta(seconds=1)).to_numpy(dtype=np.int64)
        window = int(round(window_days * 86400))
        key = codes * (int(seconds.max()) + window + 1) + seconds
        positions = np.arange(len(frame))
        ends = np.searchsorted(key, key + window, side="right")  # first record past each record's window
        qualifies = (ends - positions) >= min_count
        reach = np.maximum.accumulate(np.where(qualifies, ends, 0))
        in_series = reach > positions
        # A member starts a new run when no earlier qualifying window reaches it.
        reach_before = np.concatenate([[0], reach[:-1]])
        run = np.cumsum(in_series & (reach_before <= positions))[in_series]
        sorted_times = frame["time"].to_numpy()[in_series]
        stats = pd.DataFrame({"run": run, "time": sorted_times}).groupby("run")["time"].agg(["size", "min", "max"])
        rows = frame["pos"].to_numpy()[in_series]
        member[rows] = True
        count[rows] = stats["size"].to_numpy()[run - 1]
        first[rows] = stats["min"].to_numpy()[run - 1]
        last[rows] = stats["max"].to_numpy()[run - 1]
    return pd.DataFrame(
        {"member": member, "series_count": count, "series_first": first, "series_last": last}, index=groups.index
    )


@CHECK_KINDS.register("recurrence")
class RecurrenceCheck(CheckKind):
    kind = "recurrence"
    description = (
        "Records repeating on the same CI or category (at least min_count within window_days) are each "
        "linked to a problem."
    )
    schema = {
        "type": "object",
        "required": ["kind", "group_by", "min_count", "window_days"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "recurrence"},
            "group_by": {"type": "string", "description": "Column whose equal values form a series, e.g. ci_id"},
            "min_count": {
                "type": ["integer", "string"],
                "minimum": 2,
                "description": "Records in one window that make a series (a number or a parameter name)",
            },
            "window_days": {**NUMBER_OR_PARAMETER, "description": "Length of the window in days (or a parameter)"},
            "time_column": {"type": "string", "description": "Date/time of each record (default opened_at)"},
            "link_types": LINK_TYPES_SCHEMA,
            "direction": DIRECTION_SCHEMA,
            "target": {
                **TARGET_SCHEMA,
                "description": "What a repeat must be linked to (default: problems in tickets)",
            },
        },
    }
    default_grading = Grading("count", "higher_is_worse", {"minor": 0})

    def __init__(self, spec: dict[str, Any], table: str, where: str) -> None:
        super().__init__(spec, table, where)
        self.group_by: str = spec["group_by"]
        self.min_count = spec["min_count"]
        self.window = spec["window_days"]
        self.time_column: str = spec.get("time_column", "opened_at")
        self.link_types = spec.get("link_types")
        self.direction = spec.get("direction", "either")
        self.target = TargetSpec(self, spec.get("target") or DEFAULT_TARGET)
        require_datetime(table, self.time_column, where, "time_column")

    def needs(self) -> dict[str, set[str]]:
        needs: dict[str, set[str]] = {self.table: set()}
        add_needs(needs, self.table, [self.group_by, self.time_column])
        add_needs(needs, "links", ["from_id", "to_id", "link_type" if self.link_types else None])
        add_needs(needs, self.target.table, self.target.columns())
        return needs

    def parameters(self) -> set[str]:
        return parameter_names(self.min_count, self.window) | self.target.params()

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        min_count = resolve_number(self.min_count, ctx, self.where, "min_count")
        if min_count < 2 or not float(min_count).is_integer():
            raise RuleError(f"{self.where}: check.min_count must be a whole number of at least 2, got {min_count:g}")
        window = resolve_number(self.window, ctx, self.where, "window_days")
        series = series_members(population[self.group_by], population[self.time_column], int(min_count), window)
        targets = self.target.frame(evidence, ctx)
        linked = evaluate_links(
            pd.DataFrame({"id": population["id"]}, index=population.index),
            evidence.table("links"),
            pd.DataFrame({"id": targets["id"]}),
            link_types=self.link_types,
            direction=self.direction,
            target_name=self.target.name,
        )
        offending = (series["member"] & ~linked["ok"]).astype(bool)
        reasons = (
            series["series_count"].astype("string").fillna("")
            + f" records on {self.group_by} "
            + population[self.group_by].astype("string").fillna("")
            + " between "
            + fmt_date(series["series_first"]).fillna("")
            + " and "
            + fmt_date(series["series_last"]).fillna("")
            + f" (at least {int(min_count)} within {fmt_scalar(window)} days); not linked to a {self.target.name}"
        ).where(offending)
        summary = (
            f"records repeating on the same {self.group_by} (at least {int(min_count)} within "
            f"{fmt_scalar(window)} days) that are not linked to a {self.target.name}"
        )
        return Outcome(
            population, offending, reasons.astype("string"), summary, candidates=series["member"].astype(bool)
        )
