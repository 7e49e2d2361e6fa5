"""Benchmark: load a ServiceNow update-history export through the ``servicenow_history`` adapter.

Generates (numpy, seeded, vectorised) an ``incident`` history export with ``--versions`` rows per
incident (default 25,000 incidents x 6 versions = 150,000 rows) in a temporary folder, loads it,
checks the counts against what the generator planted, and prints rows, seconds and peak memory.
Times are recorded, not asserted.

The history of every incident (sys_mod_count 0..5, rows shuffled so the adapter must sort them):

    v0  created: New, a priority, a group, assigned to someone       -> 1 'created' event
    v1  In Progress                                                  -> 1 event (status)
    v2  a work note only (no canonical field changes)                -> 0 events
    v3  reassigned to another group with p=0.5, the priority changed
        with p=0.3, else another work note                           -> 0..2 events
    v4  Resolved, resolved_at set                                    -> 2 events
    v5  Closed, closed_at set                                        -> 2 events

so tickets = incidents, versions loaded = rows, and
events = incidents x 6 + (incidents reassigned) + (incidents re-prioritised), about 170,000 by default.
State and priority cells mix raw codes and display labels ('2' / 'In Progress', '3' / '3 - Moderate')
of the same value, which must not count as changes.

Run from the repository root:  python3 benchmarks/bench_history_load.py [--incidents N] [--seed N]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evidence_adapters import ADAPTERS  # noqa: E402

VERSIONS = 6
STATE_CODES = np.array(["1", "2", "2", "2", "6", "7"])
STATE_LABELS = np.array(["New", "In Progress", "In Progress", "In Progress", "Resolved", "Closed"])
PRIORITY_LABELS = np.array(["1 - Critical", "2 - High", "3 - Moderate", "4 - Low"])
GROUPS = np.array([f"Group {i:02d}" for i in range(12)])
USERS = np.array([f"user{i:03d}" for i in range(40)])


def generate(folder: Path, incidents: int, seed: int) -> tuple[Path, dict[str, int]]:
    """Write incident_history.csv; return its path and the counts the generator planted."""
    rng = np.random.default_rng(seed)
    n = incidents * VERSIONS
    ticket = np.repeat(np.arange(incidents), VERSIONS)
    version = np.tile(np.arange(VERSIONS), incidents)

    opened = np.datetime64("2026-01-01T00:00:00") + rng.integers(0, 180 * 24 * 60, incidents).astype("timedelta64[m]")
    gaps = rng.integers(5, 24 * 60, (incidents, VERSIONS)).astype("timedelta64[m]")
    gaps[:, 0] = np.timedelta64(0, "m")
    updated = (opened[:, None] + np.cumsum(gaps, axis=1)).ravel()

    reassigned = rng.random(incidents) < 0.5
    reprioritised = rng.random(incidents) < 0.3
    group0 = rng.integers(0, len(GROUPS), incidents)
    group1 = (group0 + rng.integers(1, len(GROUPS), incidents)) % len(GROUPS)
    priority0 = rng.integers(1, 5, incidents)
    priority1 = (priority0 % 4) + 1  # always a different priority
    after_v3 = version >= 3
    group = np.where(after_v3 & reassigned[ticket], group1[ticket], group0[ticket])
    priority = np.where(after_v3 & reprioritised[ticket], priority1[ticket], priority0[ticket])

    as_label = rng.random(n) < 0.5  # the same value as a code or a display label
    state = np.where(as_label, STATE_LABELS[version], STATE_CODES[version])
    priority_text = np.where(rng.random(n) < 0.5, PRIORITY_LABELS[priority - 1], priority.astype(str))
    resolved_time = updated.reshape(incidents, VERSIONS)[:, 4]
    closed_time = updated.reshape(incidents, VERSIONS)[:, 5]

    def stamp(values: np.ndarray) -> np.ndarray:
        return np.datetime_as_string(values, unit="s").astype(object)

    frame = pd.DataFrame(
        {
            "number": np.char.add("INC", np.char.zfill(ticket.astype(str), 7)),
            "sys_mod_count": version,
            "sys_updated_on": stamp(updated),
            "sys_updated_by": USERS[rng.integers(0, len(USERS), n)],
            "opened_at": stamp(opened[ticket]),
            "state": state,
            "priority": priority_text,
            "impact": "2 - Medium",
            "urgency": "2 - Medium",
            "category": "Software",
            "assignment_group": GROUPS[group],
            "assigned_to": USERS[ticket % len(USERS)],
            "short_description": np.char.add("Service degraded #", ticket.astype(str)),
            "comments": np.char.add("note ", version.astype(str)),
            "resolved_at": np.where(version >= 4, stamp(resolved_time[ticket]), ""),
            "closed_at": np.where(version >= 5, stamp(closed_time[ticket]), ""),
        }
    )
    frame = frame.iloc[rng.permutation(n)]  # exports are not ordered by version
    path = folder / "incident_history.csv"
    frame.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")
    planted = {
        "rows": n,
        "tickets": incidents,
        "events": incidents * 6 + int(reassigned.sum()) + int(reprioritised.sum()),
        "status_events": incidents * 3,  # v1, v4 and v5; the initial state is the created event
        "reassigned": int(reassigned.sum()),
        "reprioritised": int(reprioritised.sum()),
    }
    return path, planted


def load(path: Path):
    return ADAPTERS.get("servicenow_history")().load(path, path.name, {})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=25_000, help="incidents (rows = incidents x 6)")
    parser.add_argument("--seed", type=int, default=20000)
    parser.add_argument("--no-trace", action="store_true", help="skip the second, tracemalloc-instrumented load")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="sms-audit-bench-") as tmp:
        clock = time.perf_counter()
        path, planted = generate(Path(tmp), args.incidents, args.seed)
        generated = time.perf_counter() - clock

        clock = time.perf_counter()
        result = load(path)
        seconds = time.perf_counter() - clock

        tickets = result.tables["tickets"]
        events = result.tables["ticket_events"]
        assert result.rows_read == planted["rows"], (result.rows_read, planted)
        assert result.rows_rejected == 0, result.rejections[:5]
        assert result.rows_accepted == planted["rows"]
        assert len(tickets) == planted["tickets"], len(tickets)
        assert tickets["id"].is_unique
        assert set(tickets["status"]) == {"closed"}
        assert tickets["resolved_at"].notna().all() and tickets["closed_at"].notna().all()
        by_field = events["field"].value_counts()
        assert by_field["created"] == planted["tickets"]
        assert by_field["status"] == planted["status_events"], by_field["status"]
        assert by_field["assignment_group"] == planted["reassigned"]
        assert by_field["priority"] == planted["reprioritised"]
        assert by_field["resolved_at"] == by_field["closed_at"] == planted["tickets"]
        assert len(events) == planted["events"], (len(events), planted["events"])
        assert events["id"].is_unique

        peak_traced = None
        if not args.no_trace:
            tracemalloc.start()
            load(path)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peak_traced = peak / 2**20

    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"servicenow_history load: {planted['rows']:,} rows, {planted['tickets']:,} incidents")
    print(f"  generated in          {generated:8.2f} s")
    print(f"  loaded in             {seconds:8.2f} s  ({planted['rows'] / seconds:,.0f} rows/s)")
    print(f"  tickets               {len(tickets):8,d}")
    print(f"  ticket_events         {len(events):8,d}  (= incidents x 6 + reassigned + re-prioritised)")
    if peak_traced is not None:
        print(f"  peak traced memory    {peak_traced:8.1f} MiB  (tracemalloc, second load)")
    print(f"  max RSS of process    {max_rss:8.1f} MiB  (getrusage, generation included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
