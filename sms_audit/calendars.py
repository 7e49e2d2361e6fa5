"""Business-hours calendars and SLA clocks, vectorised over any number of tickets.

A :class:`Calendar` is a weekly pattern of working windows (minutes of the local day per weekday,
Monday = 0, ``24:00`` allowed as an end), an IANA time zone (``None``: the time of the ticket data,
i.e. UTC) and holidays (local dates on which no window opens). Canonical timestamps are naive UTC.

:class:`BusinessClock` turns every window of every day in a range into one UTC interval (a loop over
the few window slots of a day, vectorised over the days; local times go through ``tz_localize``, so a
daylight-saving change is counted exactly). On these sorted, disjoint intervals::

    W(t) = working time from the clock's origin up to t      (monotone; one searchsorted + clip)

Business time between ``a`` and ``b`` is ``W(b) - W(a)``; the instant at which ``x`` working time
has accumulated is ``W⁻¹(x)``, again one ``searchsorted``; the due time of a target of ``m`` minutes
from ``s`` is ``W⁻¹(W(s) + m)``. The interval grid grows on demand (earlier or later days) without
changing ``W`` of times already seen, because ``W`` is measured from a fixed origin.

Pauses (intervals in which a ticket waits for the caller or a vendor) stop the clock: their working
time is subtracted from the elapsed time (:func:`elapsed`) and pushes the due time out
(:func:`due`). Both take pauses as flat arrays (owner position, start, end) so that a whole
population is handled in a handful of numpy operations; there is no Python loop per ticket.

Times are float64 microseconds since 1970-01-01 UTC, ``NaN`` for missing: exact for whole
microseconds (far beyond any audit date) and cheap. :func:`to_us` and :func:`from_us` convert.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

US_PER_MINUTE = 60_000_000
DAY_MINUTES = 24 * 60
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_INDEX = {name: i for i, name in enumerate(DAY_NAMES)} | {
    name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")
_NAT = np.iinfo(np.int64).min


# --- calendars -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """Weekly working windows in a time zone, with holidays.

    ``windows[d]`` holds the ``(start, end)`` minute ranges of weekday ``d`` (Monday = 0), sorted and
    disjoint, ``0 <= start < end <= 1440``.
    """

    name: str
    windows: tuple[tuple[tuple[int, int], ...], ...]
    timezone: str | None = None
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.windows) != 7:
            raise ValueError(f"calendar {self.name!r}: windows must give all seven weekdays")
        for day, spans in zip(DAY_NAMES, self.windows, strict=True):
            last = 0
            for start, end in spans:
                if not 0 <= start < end <= DAY_MINUTES:
                    raise ValueError(f"calendar {self.name!r}: {day} window {_hhmm(start)}-{_hhmm(end)} is not valid")
                if start < last:
                    raise ValueError(f"calendar {self.name!r}: {day} windows overlap or are not in order")
                last = end
        if self.weekly_minutes == 0:
            raise ValueError(f"calendar {self.name!r} is never open; an SLA clock on it would never run")
        if self.timezone is not None:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"calendar {self.name!r}: unknown time zone {self.timezone!r}") from None

    @classmethod
    def always(cls, name: str = "24x7", timezone: str | None = None, holidays: Iterable[Any] = ()) -> Calendar:
        return cls(name, (((0, DAY_MINUTES),),) * 7, timezone, frozenset(_dates(holidays)))

    @classmethod
    def from_hours(
        cls,
        name: str,
        hours: Mapping[Any, Any] | str,
        timezone: str | None = None,
        holidays: Iterable[Any] = (),
    ) -> Calendar:
        """From ``{"mon": [["08:00", "18:00"]], "fri": "08:00-12:00, 13:00-17:00", 5: []}`` or ``"24x7"``.

        Keys are weekday numbers (Monday = 0) or names; days not given are closed. This is the
        ``hours`` shape of the service catalogue adapter's ``details["calendars"]``.
        """
        if isinstance(hours, str):
            if hours.strip().lower() in ("24x7", "24/7", "always"):
                return cls.always(name, timezone, holidays)
            raise ValueError(f"calendar {name!r}: hours {hours!r} is neither a mapping nor 24x7")
        windows: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for key, value in hours.items():
            day = _weekday(key)
            windows[day] = sorted(_spans(value, name))
        return cls(name, tuple(tuple(w) for w in windows), timezone, frozenset(_dates(holidays)))

    @property
    def weekly_minutes(self) -> int:
        return sum(end - start for spans in self.windows for start, end in spans)

    @property
    def is_always(self) -> bool:
        """Open around the clock with no holidays: business time is plain elapsed time."""
        return all(spans == ((0, DAY_MINUTES),) for spans in self.windows) and not self.holidays

    def with_holidays(self, holidays: Iterable[Any]) -> Calendar:
        extra = frozenset(_dates(holidays))
        return self if extra <= self.holidays else replace(self, holidays=self.holidays | extra)


def calendars_from_tables(
    calendars: pd.DataFrame,
    holidays: pd.DataFrame | None = None,
    invalid: dict[str, str] | None = None,
) -> dict[str, Calendar]:
    """Calendars from the canonical ``calendars`` and ``holidays`` tables, by name.

    ``calendars`` rows: ``calendar, weekday (0-6), start "HH:MM", end "HH:MM", timezone``; the first
    non-empty timezone of a calendar applies. ``holidays`` rows: ``calendar, date``; a holiday with
    an empty calendar applies to every calendar. A calendar that cannot be built raises ValueError,
    or, when ``invalid`` is given, is left out and recorded there (name -> reason).
    """
    rows = calendars.dropna(subset=["calendar"])
    days: dict[str | None, set[dt.date]] = {}
    if holidays is not None and len(holidays):
        valid = holidays.dropna(subset=["date"])
        names = valid["calendar"].astype("string")
        for name, date in zip(names, pd.to_datetime(valid["date"]).dt.date, strict=True):
            days.setdefault(None if pd.isna(name) else str(name), set()).add(date)
    out: dict[str, Calendar] = {}
    for name, group in rows.groupby(rows["calendar"].astype("string"), sort=True):
        name = str(name)
        try:
            windows: list[list[tuple[int, int]]] = [[] for _ in range(7)]
            for weekday, start, end in zip(group["weekday"], group["start"], group["end"], strict=True):
                if pd.isna(weekday) or pd.isna(start) or pd.isna(end):
                    raise ValueError(f"calendar {name!r}: a window row lacks its weekday, start or end")
                if not 0 <= int(weekday) <= 6:
                    raise ValueError(f"calendar {name!r}: weekday {weekday} is not 0 (Monday) .. 6 (Sunday)")
                windows[int(weekday)].append((_minute(str(start), name), _minute(str(end), name)))
            zones = group["timezone"].dropna() if "timezone" in group else pd.Series(dtype="string")
            timezone = str(zones.iloc[0]).strip() if len(zones) and str(zones.iloc[0]).strip() else None
            out[name] = Calendar(
                name,
                tuple(tuple(sorted(w)) for w in windows),
                timezone,
                frozenset(days.get(name, set()) | days.get(None, set())),
            )
        except ValueError as exc:
            if invalid is None:
                raise
            invalid[name] = str(exc)
    return out


def as_calendar(calendar: Any, holidays: Any = None) -> Calendar:
    """A :class:`Calendar` from what a caller has at hand (see :func:`due_time`)."""
    extra = _holiday_dates(holidays)
    if calendar is None:
        return Calendar.always(holidays=extra) if extra else ALWAYS
    if isinstance(calendar, Calendar):
        return calendar.with_holidays(extra)
    if isinstance(calendar, pd.DataFrame):
        built = calendars_from_tables(calendar)
        if len(built) != 1:
            raise ValueError(f"expected the rows of one calendar, got {len(built)}: {', '.join(built) or 'none'}")
        return next(iter(built.values())).with_holidays(extra)
    if isinstance(calendar, str):
        return Calendar.from_hours(calendar, calendar, holidays=extra)
    if isinstance(calendar, Mapping):
        if "hours" in calendar:
            own = list(calendar.get("holidays") or [])
            return Calendar.from_hours(
                str(calendar.get("name", "calendar")), calendar["hours"], calendar.get("timezone"), [*own, *extra]
            )
        return Calendar.from_hours("calendar", calendar, holidays=extra)
    raise TypeError(f"cannot use {type(calendar).__name__} as a calendar")


# --- time conversion -----------------------------------------------------------------------------


def to_us(values: Any) -> np.ndarray:
    """Timestamps (scalar, list, array, Series or index; naive = UTC, aware ones are converted) -> µs floats."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    stamps = pd.to_datetime(series)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    raw = stamps.to_numpy(dtype="datetime64[us]")
    out = raw.astype("int64").astype("float64")
    out[np.isnat(raw)] = np.nan
    return out


def from_us(values: Any) -> pd.DatetimeIndex:
    """µs floats -> naive-UTC ``DatetimeIndex`` (``NaN`` and infinities -> ``NaT``)."""
    x = np.atleast_1d(np.asarray(values, dtype="float64"))
    ints = np.full(x.shape, _NAT, dtype="int64")
    ok = np.isfinite(x)
    ints[ok] = np.round(x[ok]).astype("int64")
    return pd.DatetimeIndex(ints.view("datetime64[us]"))


# --- the clock -----------------------------------------------------------------------------------


class BusinessClock:
    """Cumulative working time ``W`` of one calendar, in µs, measured from a fixed origin instant."""

    def __init__(self, calendar: Calendar | None = None, origin: Any = 0.0) -> None:
        self.calendar = calendar or ALWAYS
        self.origin = float(origin) if isinstance(origin, int | float | np.number) else float(to_us(origin)[0])
        if not np.isfinite(self.origin):
            raise ValueError("the clock's origin must be a time")
        self._plain = self.calendar.is_always
        if not self._plain:
            day = self._local_day(self.origin)
            self._build(day - dt.timedelta(days=2), day + dt.timedelta(days=35))

    # W and its inverse ------------------------------------------------------------------------

    def worked(self, times: Any) -> np.ndarray:
        """``W(t)`` for each time (µs floats): working µs since the origin (negative before it)."""
        t = np.asarray(times, dtype="float64")
        if self._plain:
            return t - self.origin
        finite = t[np.isfinite(t)]
        if finite.size:
            self._cover(float(finite.min()), float(finite.max()))
        out = self._raw(t) - self._zero
        out[np.isposinf(t)] = np.inf
        out[np.isneginf(t)] = -np.inf
        return out

    def instant(self, worked: Any) -> np.ndarray:
        """``W⁻¹(x)``: the earliest instant at which ``x`` working µs have accumulated (µs floats)."""
        x = np.asarray(worked, dtype="float64")
        if self._plain:
            return x + self.origin
        finite = x[np.isfinite(x)]
        if finite.size:
            while float(finite.max()) > self._cum_end[-1] - self._zero:
                span = max(366, (self._last - self._first).days)
                self._build(self._first, self._last + dt.timedelta(days=span))
            while float(finite.min()) < -self._zero:
                span = max(366, (self._last - self._first).days)
                self._build(self._first - dt.timedelta(days=span), self._last)
        raw = x + self._zero
        i = np.clip(np.searchsorted(self._cum_end, raw, side="left"), 0, len(self._starts) - 1)
        out = self._starts[i] + (raw - self._cum_before[i])
        out[~np.isfinite(x)] = np.nan
        return out

    def between(self, start: Any, end: Any) -> np.ndarray:
        """Working µs from ``start`` to ``end`` (negative when end is before start)."""
        return self.worked(end) - self.worked(start)

    # the interval grid ------------------------------------------------------------------------

    def _local_day(self, us: float) -> dt.date:
        stamp = pd.Timestamp(int(us), unit="us")
        if self.calendar.timezone:
            stamp = stamp.tz_localize("UTC").tz_convert(self.calendar.timezone)
        return stamp.date()

    def _cover(self, lo: float, hi: float) -> None:
        first, last = self._local_day(lo) - dt.timedelta(days=1), self._local_day(hi) + dt.timedelta(days=1)
        if first < self._first or last > self._last:
            self._build(min(first, self._first), max(last, self._last))

    def _build(self, first: dt.date, last: dt.date) -> None:
        cal = self.calendar
        days = pd.date_range(first, last, freq="D", unit="us")
        weekday = days.day_of_week.to_numpy()
        closed = np.isin(days.to_numpy().astype("datetime64[D]"), np.array(sorted(cal.holidays), dtype="datetime64[D]"))
        slots = max(len(spans) for spans in cal.windows)
        table = np.zeros((2, 7, slots), dtype="int64")
        for day, spans in enumerate(cal.windows):
            for k, (start, end) in enumerate(spans):
                table[:, day, k] = (start, end)
        starts, ends = [], []
        for k in range(slots):  # a loop over the window slots of a day, vectorised over the days
            lo, hi = table[0, weekday, k], table[1, weekday, k]
            open_ = (hi > lo) & ~closed
            base = days[open_]
            starts.append(self._utc(base + pd.to_timedelta(lo[open_], unit="min"), earliest=True))
            ends.append(self._utc(base + pd.to_timedelta(hi[open_], unit="min"), earliest=False))
        s, e = np.concatenate(starts), np.concatenate(ends)
        order = np.argsort(s, kind="stable")
        s, e = s[order], e[order]
        if s.size > 1:  # guard against overlaps from ambiguous local times at a DST change
            s[1:] = np.maximum(s[1:], np.maximum.accumulate(e)[:-1])
        keep = e > s
        s, e = s[keep], e[keep]
        lengths = e - s
        self._first, self._last = first, last
        self._starts, self._lengths = s, lengths
        self._cum_end = np.cumsum(lengths)
        self._cum_before = self._cum_end - lengths
        self._zero = float(self._raw(np.array([self.origin]))[0])

    def _utc(self, local: pd.DatetimeIndex, earliest: bool) -> np.ndarray:
        tz = self.calendar.timezone
        if tz:
            ambiguous = np.full(len(local), earliest)
            local = local.tz_localize(tz, ambiguous=ambiguous, nonexistent="shift_forward")
            local = local.tz_convert("UTC").tz_localize(None)
        return local.as_unit("us").asi8.astype("float64")

    def _raw(self, t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(self._starts, t, side="right") - 1
        j = np.clip(i, 0, len(self._starts) - 1)
        inside = np.clip(t - self._starts[j], 0, self._lengths[j])
        return np.where(i >= 0, self._cum_before[j] + inside, 0.0)


# --- pauses, elapsed time and due times ------------------------------------------------------------


@dataclass(frozen=True)
class Pauses:
    """Intervals in which the clock stops: ``owner`` is the position of the ticket in the arrays given
    to :func:`elapsed` / :func:`due`; ``end`` NaN or +inf = still paused."""

    owner: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @classmethod
    def empty(cls) -> Pauses:
        return cls(np.zeros(0, dtype="int64"), np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return len(self.owner)

    def subset(self, positions: np.ndarray, size: int) -> Pauses:
        """The pauses of the tickets at ``positions`` (of ``size`` tickets), renumbered 0..len-1."""
        local = np.full(size, -1, dtype="int64")
        local[positions] = np.arange(len(positions))
        owner = local[self.owner]
        keep = owner >= 0
        return Pauses(owner[keep], self.start[keep], self.end[keep])

    def clipped(self, lower: np.ndarray, upper: np.ndarray | None = None) -> Pauses:
        """Sorted by (owner, start), clipped to ``[lower, upper]`` of their owner, overlaps removed."""
        owner = np.asarray(self.owner, dtype="int64")
        a = np.asarray(self.start, dtype="float64")
        b = np.where(np.isnan(self.end), np.inf, np.asarray(self.end, dtype="float64"))
        lo = lower[owner]
        keep = ~np.isnan(a) & ~np.isnan(lo)
        owner, a, b, lo = owner[keep], a[keep], b[keep], lo[keep]
        order = np.lexsort((a, owner))
        owner, a, b, lo = owner[order], a[order], b[order], lo[order]
        a = np.maximum(a, lo)
        b = np.maximum(b, a)
        if upper is not None:
            hi = upper[owner]
            a, b = np.minimum(a, hi), np.minimum(b, hi)
        if len(owner) > 1:
            reach = pd.Series(b).groupby(owner).cummax().groupby(owner).shift(1).fillna(-np.inf).to_numpy()
            a = np.maximum(a, reach)
            b = np.maximum(b, a)
        return Pauses(owner, a, b)


def elapsed(
    clock: BusinessClock, start: np.ndarray, end: np.ndarray, pauses: Pauses | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Working µs from ``start`` to ``end`` with paused time left out, and the paused working µs."""
    start, end = np.asarray(start, dtype="float64"), np.asarray(end, dtype="float64")
    gross = clock.between(start, end)
    paused = np.zeros(len(start))
    if pauses is not None and len(pauses):
        p = pauses.clipped(start, np.maximum(end, start))
        worked = clock.worked(p.end) - clock.worked(p.start)
        paused = np.bincount(p.owner, weights=worked, minlength=len(start))
    return gross - paused, paused


def due(clock: BusinessClock, start: np.ndarray, target: np.ndarray, pauses: Pauses | None = None) -> np.ndarray:
    """The instant (µs) at which ``target`` working µs have run on the clock from ``start``.

    Without pauses: ``W⁻¹(W(start) + target)``. A pause counts when it starts before the clock
    would have run out, given the pauses before it; since pauses are disjoint and sorted, the pauses
    that count are a prefix per ticket, found with one grouped cumulative sum, and the due time is
    ``W⁻¹(W(start) + target + their working time)``. A still-open pause that counts makes the due
    time unknown (NaN). Never earlier than ``start``.
    """
    start, target = np.asarray(start, dtype="float64"), np.asarray(target, dtype="float64")
    base = clock.worked(start) + target
    extension = np.zeros(len(start))
    if pauses is not None and len(pauses):
        p = pauses.clipped(start)
        ws, we = clock.worked(p.start), clock.worked(p.end)
        length = np.where(np.isinf(ws), 0.0, we - ws)
        before = pd.Series(length).groupby(p.owner).cumsum().groupby(p.owner).shift(1).fillna(0.0).to_numpy()
        counts = (ws - before) < base[p.owner]
        extension = np.bincount(p.owner, weights=np.where(counts, length, 0.0), minlength=len(start))
    return np.maximum(clock.instant(base + extension), start)


# --- scalar conveniences -------------------------------------------------------------------------


def due_time(
    start: Any,
    minutes: float,
    calendar: Any = None,
    holidays: Any = None,
    pauses: Sequence[tuple[Any, Any]] | None = None,
) -> pd.Timestamp:
    """When a target of ``minutes`` business minutes from ``start`` falls due (naive UTC).

    ``calendar``: a :class:`Calendar`, the canonical ``calendars`` rows of one calendar, an hours
    mapping (``{"mon": [["08:00", "18:00"]], ...}`` or the adapter's ``{"timezone", "hours",
    "holidays"}`` form), ``"24x7"`` or ``None`` (around the clock). ``holidays``: dates, strings or
    the canonical ``holidays`` rows (their ``date`` column), added to the calendar's own.
    ``pauses``: ``(start, end)`` pairs in naive UTC during which the clock stops (end ``None``: still
    paused). The result is ``NaT`` when an open pause stops the clock for good.
    """
    cal = as_calendar(calendar, holidays)
    begin = to_us(start)
    clock = BusinessClock(cal, origin=begin[0])
    result = due(clock, begin, np.array([float(minutes) * US_PER_MINUTE]), _pauses(pauses))
    return from_us(result)[0]


def business_minutes(
    start: Any,
    end: Any,
    calendar: Any = None,
    holidays: Any = None,
    pauses: Sequence[tuple[Any, Any]] | None = None,
) -> float:
    """Business minutes from ``start`` to ``end`` on the calendar, paused time left out."""
    cal = as_calendar(calendar, holidays)
    begin, finish = to_us(start), to_us(end)
    clock = BusinessClock(cal, origin=begin[0])
    worked, _ = elapsed(clock, begin, finish, _pauses(pauses))
    return float(worked[0]) / US_PER_MINUTE


def _pauses(pairs: Sequence[tuple[Any, Any]] | None) -> Pauses | None:
    if not pairs:
        return None
    starts = to_us([a for a, _ in pairs])
    ends = to_us([pd.NaT if b is None else b for _, b in pairs])
    return Pauses(np.zeros(len(pairs), dtype="int64"), starts, ends)


# --- parsing helpers -----------------------------------------------------------------------------


def _minute(text: str, name: str) -> int:
    match = _CLOCK.match(text)
    if not match or int(match[2]) > 59 or int(match[1]) * 60 + int(match[2]) > DAY_MINUTES:
        raise ValueError(f"calendar {name!r}: {text!r} is not a time of day HH:MM (00:00-24:00)")
    return int(match[1]) * 60 + int(match[2])


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _weekday(key: Any) -> int:
    if isinstance(key, int | np.integer) and 0 <= int(key) <= 6:
        return int(key)
    text = str(key).strip().lower()
    if text in _DAY_INDEX:
        return _DAY_INDEX[text]
    raise ValueError(f"{key!r} is not a weekday (0-6 or mon..sun)")


def _spans(value: Any, name: str) -> list[tuple[int, int]]:
    if value is None:
        return []
    items: list[Any]
    if isinstance(value, str):
        if value.strip().lower() in ("", "closed", "off", "none", "-"):
            return []
        items = [part for part in re.split(r"[,;]", value) if part.strip()]
    else:
        items = list(value)
    spans = []
    for item in items:
        if isinstance(item, str):
            match = _RANGE.match(item)
            if not match:
                raise ValueError(f"calendar {name!r}: {item!r} is not a range HH:MM-HH:MM")
            start, end = match[1], match[2]
        else:
            start, end = item
        spans.append((_minute(str(start), name), _minute(str(end), name)))
    return spans


def _dates(values: Iterable[Any]) -> list[dt.date]:
    out = []
    for value in values:
        if isinstance(value, dt.datetime):
            out.append(value.date())
        elif isinstance(value, dt.date):
            out.append(value)
        else:
            out.append(pd.Timestamp(value).date())
    return out


def _holiday_dates(holidays: Any) -> list[dt.date]:
    if holidays is None:
        return []
    if isinstance(holidays, pd.DataFrame):
        return _dates(pd.to_datetime(holidays["date"].dropna()))
    if isinstance(holidays, str | dt.date):
        return _dates([holidays])
    return _dates(holidays)


ALWAYS = Calendar.always()
