"""``cadence``: dated records of a kind recur at the planned interval across the audit period.

Management reviews, internal audits, SLA and supplier reviews, continuity tests, configuration
audits, capacity reviews: each is a dated record (usually a row of the document register) and
the organisation plans how often it happens. The check lays the records on a time line from the
start of the audit period to ``as_of`` and judges every interval between neighbours:

* the first interval starts at the latest record on or before the period start when there is
  one (a review held just before the period counts; an old one does not hide a long gap),
  otherwise at the period start itself;
* the last interval ends at ``as_of`` (records dated after ``as_of`` are ignored);
* an interval longer than ``interval_days`` is a gap (exactly the interval is on time).

The population is these intervals, so the result reads "2 of 5 intervals"; each offending row is
a gap with an id such as ``gap:2025-07-01..2026-03-02`` (``gap:<group>:...`` with ``per``) and
the record ids on both sides in its reason. Its provenance is the later record's file and line,
or the earlier record's when the gap runs to ``as_of``; a gap with no record on either side
points at the table's file without a line. No record at all gives one gap covering the period, which
is offending even when the period is shorter than the interval.

With ``per: <column>`` each value of the column (e.g. a service) is judged on its own; with
``groups_from: {table, column}`` as well, every value listed there is expected to have records,
so a group with none gets a whole-period gap. Records without a group value are ignored then.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome
from sms_audit.checks.link import (
    NUMBER_OR_PARAMETER,
    add_needs,
    fmt_date,
    fmt_number,
    fmt_scalar,
    parameter_names,
    require_datetime,
    resolve_number,
)
from sms_audit.errors import RuleError
from sms_audit.expressions import EvalContext
from sms_audit.model import SOURCE_FILE, SOURCE_LINE

# Order of points on one date: the opening anchor, then records, then the closing as_of point.
_START, _RECORD, _END = 0, 1, 2


@CHECK_KINDS.register("cadence")
class CadenceCheck(CheckKind):
    kind = "cadence"
    description = "Dated records of a kind occur at least every N days across the audit period; gaps are reported."
    judges_empty_population = True
    # Its population is the intervals it builds, not the records it was given: it cannot be combined
    # record by record with other checks (all/any/not).
    combinable = False
    schema = {
        "type": "object",
        "required": ["kind", "date_column", "interval_days"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "cadence"},
            "doc_types": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "uniqueItems": True,
                "description": "Only records whose doc_type is one of these (document register)",
            },
            "date_column": {
                "oneOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                ],
                "description": "Date of each record; a list means the first one present (e.g. approved_at)",
            },
            "interval_days": {
                **NUMBER_OR_PARAMETER,
                "description": "Planned interval: the longest allowed time between consecutive records, in days "
                "(a number or a parameter name)",
            },
            "per": {
                "type": ["string", "null"],
                "description": "Judge the cadence separately for each value of this column (e.g. service)",
            },
            "groups_from": {
                "type": "object",
                "required": ["table", "column"],
                "additionalProperties": False,
                "properties": {"table": {"type": "string"}, "column": {"type": "string"}},
                "description": "With per: the values that must each have records (e.g. services.name)",
            },
        },
    }
    default_grading = Grading("count", "higher_is_worse", {"minor": 0})

    def __init__(self, spec: dict[str, Any], table: str, where: str) -> None:
        super().__init__(spec, table, where)
        columns = spec["date_column"]
        self.date_columns: list[str] = [columns] if isinstance(columns, str) else list(columns)
        self.doc_types: list[str] | None = spec.get("doc_types")
        self.per: str | None = spec.get("per")
        self.groups_from: dict[str, str] | None = spec.get("groups_from")
        self.interval = spec["interval_days"]
        if self.groups_from is not None and self.per is None:
            raise RuleError(f"{where}: check.groups_from needs per (the column the groups are values of)")
        if isinstance(self.interval, (int, float)) and self.interval <= 0:
            raise RuleError(f"{where}: check.interval_days must be more than 0, got {self.interval}")
        for column in self.date_columns:
            require_datetime(table, column, where, "date_column")

    def needs(self) -> dict[str, set[str]]:
        needs: dict[str, set[str]] = {self.table: set()}
        add_needs(needs, self.table, [*self.date_columns, "doc_type" if self.doc_types else None, self.per])
        if self.groups_from is not None:
            add_needs(needs, self.groups_from["table"], [self.groups_from["column"]])
        return needs

    def parameters(self) -> set[str]:
        return parameter_names(self.interval)

    def evaluate(self, population: pd.DataFrame, evidence, ctx: EvalContext) -> Outcome:
        interval = resolve_number(self.interval, ctx, self.where, "interval_days")
        if interval <= 0:
            raise RuleError(f"{self.where}: check.interval_days must be more than 0, got {interval:g}")
        records = self._dated_records(population, ctx)
        groups = self._groups(records, evidence)
        if groups.empty:
            return Outcome(
                population.iloc[0:0],
                pd.Series(dtype=bool),
                pd.Series(dtype="string"),
                f"nothing to judge: no {self.per} has records and none is expected",
                status="not_applicable",
            )
        points = self._points(records, groups, ctx)
        intervals = self._intervals(points, evidence)
        # No record at all (nothing on either side) is a gap whatever the period's length.
        empty = intervals["start_is_period"] & intervals["end_is_as_of"]
        offending = ((intervals["days"] > interval) | empty).astype(bool)
        reasons = self._reasons(intervals, interval).where(offending)
        per = f" per {self.per}" if self.per else ""
        what = f"{', '.join(self.doc_types)} records" if self.doc_types else "records"
        summary = (
            f"gaps longer than {fmt_scalar(interval)} days{per} between {what} (dated by "
            f"{' or '.join(self.date_columns)}) from {ctx.period_start:%Y-%m-%d} to {ctx.as_of:%Y-%m-%d}"
        )
        return Outcome(intervals, offending, reasons, summary)

    # -- steps

    def _dated_records(self, population: pd.DataFrame, ctx: EvalContext) -> pd.DataFrame:
        records = population
        if self.doc_types:
            records = records[records["doc_type"].isin(self.doc_types).fillna(False).to_numpy(dtype=bool)]
        date = records[self.date_columns[0]]
        for column in self.date_columns[1:]:
            date = date.fillna(records[column])
        group = records[self.per].astype("string").str.strip() if self.per else pd.Series("", index=records.index)
        frame = pd.DataFrame(
            {
                "group": group.astype("string"),
                "date": date,
                "rec_id": records["id"].astype("string"),
                SOURCE_FILE: records[SOURCE_FILE].astype("string"),
                SOURCE_LINE: records[SOURCE_LINE].astype("Int64"),
            }
        )
        usable = frame["date"].notna() & (frame["date"] <= ctx.as_of)
        if self.per:
            usable &= frame["group"].fillna("").ne("")
        return frame[usable.to_numpy(dtype=bool)]

    def _groups(self, records: pd.DataFrame, evidence) -> pd.Series:
        if not self.per:
            return pd.Series([""], dtype="string")
        found = records["group"]
        if self.groups_from is not None:
            listed = evidence.table(self.groups_from["table"])[self.groups_from["column"]]
            found = pd.concat([found, listed.astype("string").str.strip()])
        found = found.dropna()
        return pd.Series(np.sort(found[found != ""].unique()), dtype="string")

    def _points(self, records: pd.DataFrame, groups: pd.Series, ctx: EvalContext) -> pd.DataFrame:
        """Per group: the opening anchor, the records inside (period_start, as_of], the closing point."""
        before = records[records["date"] <= ctx.period_start]
        anchors = before.sort_values(["group", "date", "rec_id"], kind="mergesort").drop_duplicates(
            "group", keep="last"
        )
        start = pd.DataFrame({"group": groups}).merge(anchors, on="group", how="left")
        start["date"] = start["date"].fillna(ctx.period_start)
        start["order"] = _START
        inside = records[records["date"] > ctx.period_start].assign(order=_RECORD)
        end = pd.DataFrame({"group": groups, "date": ctx.as_of, "order": _END})
        points = pd.concat([start, inside, end], ignore_index=True)
        points["date"] = pd.to_datetime(points["date"])
        return points.sort_values(["group", "date", "order", "rec_id"], kind="mergesort", ignore_index=True)

    def _intervals(self, points: pd.DataFrame, evidence) -> pd.DataFrame:
        """Each point with the next one of its group: one row per interval."""
        following = points.groupby("group", sort=False).shift(-1)
        has_next = following["order"].notna().to_numpy()
        left, right = points[has_next].reset_index(drop=True), following[has_next].reset_index(drop=True)
        days = (right["date"] - left["date"]) / pd.Timedelta(days=1)
        to_end = right["order"].to_numpy() == _END
        # Provenance: the later record, or the earlier one when the gap runs to as_of.
        source_file = right[SOURCE_FILE].astype("string").mask(to_end, left[SOURCE_FILE].astype("string"))
        source_line = right[SOURCE_LINE].astype("Int64").mask(to_end, left[SOURCE_LINE].astype("Int64"))
        files = evidence.table(self.table)[SOURCE_FILE].dropna()
        source_file = source_file.fillna(files.min() if len(files) else "")
        group_part = (left["group"] + ":").where(left["group"] != "", "") if self.per else ""
        gap_id = "gap:" + group_part + fmt_date(left["date"]) + ".." + fmt_date(right["date"])
        return pd.DataFrame(
            {
                "id": gap_id.astype("string"),
                SOURCE_FILE: source_file,
                SOURCE_LINE: source_line,
                "group": left["group"],
                "start": left["date"],
                "end": right["date"],
                "days": days.astype(float),
                "start_record": left["rec_id"].astype("string"),
                "end_record": right["rec_id"].astype("string"),
                "start_is_period": (left["order"] == _START) & left["rec_id"].isna(),
                "end_is_as_of": pd.Series(to_end),
            }
        )

    def _reasons(self, intervals: pd.DataFrame, interval: float) -> pd.Series:
        start_date, end_date = fmt_date(intervals["start"]), fmt_date(intervals["end"])
        left = (intervals["start_record"].fillna("") + " (" + start_date + ")").mask(
            intervals["start_is_period"].to_numpy(dtype=bool), "period start (" + start_date + ")"
        )
        right = (intervals["end_record"].fillna("") + " (" + end_date + ")").mask(
            intervals["end_is_as_of"].to_numpy(dtype=bool), "audit date (" + end_date + ")"
        )
        group = ("[" + intervals["group"] + "] ").where(intervals["group"] != "", "") if self.per else ""
        empty = (intervals["start_is_period"] & intervals["end_is_as_of"]).to_numpy(dtype=bool)
        lead = pd.Series("", index=intervals.index, dtype="string").mask(empty, "no record at all: ")
        return (
            group
            + lead
            + fmt_number(intervals["days"])
            + " days without a record from "
            + left
            + " to "
            + right
            + f"; planned interval {fmt_scalar(interval)} days"
        ).astype("string")
