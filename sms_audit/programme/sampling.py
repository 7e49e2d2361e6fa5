"""Attribute sampling: how many records to test, and which ones, reproducibly.

Size (zero expected deviations, the usual plan for controls that should always work):

    n0 = ceil( ln(1 - confidence) / ln(1 - tolerable deviation rate) )
    n  = ceil( n0 / (1 + (n0 - 1) / N) )        finite-population correction for a population of N

so that, if no deviation is found among n records, the deviation rate of the population is below
the tolerable rate at the stated confidence. Examples: 95 % / 5 % -> 59, 90 % / 10 % -> 22,
80 % / 15 % -> 10 (before the correction). A population no larger than n is tested in full.

Selection: the size is spread over the strata in proportion to their size (largest remainder,
at least one record from every stratum while the size allows), and the i-th stratum (strata sorted
by name, from 0) is drawn with ``random.Random(draw_seed + i).sample`` over its ids sorted as text.
``draw_seed`` is derived from the programme seed, the audit id and the population name (the first
8 bytes of the SHA-256 of ``seed|audit|population``), so the same seed always gives the same records.
Records named by findings of the latest scan are then added on top (oversampling, about a fifth of n,
at least 2; drawn with ``random.Random(draw_seed - 1)``), flagged, and not counted in n.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from typing import Any

FORMULA = (
    "n0 = ceil(ln(1 - confidence) / ln(1 - tolerable_deviation)); "
    "n = ceil(n0 / (1 + (n0 - 1) / N)); whole population when N <= n; zero expected deviations"
)
METHOD = (
    "stratified attribute sampling: proportional allocation (largest remainder, at least one per stratum), "
    "stratum i (strata sorted by name) drawn by random.Random(draw_seed + i).sample over its ids sorted as text; "
    "draw_seed = int(sha256('seed|audit|population')[:16], 16); records flagged by findings added on top "
    "(random.Random(draw_seed - 1).sample)"
)
OVERSAMPLE_SHARE = 0.2
MIN_OVERSAMPLE = 2


def statistical_size(population: int, confidence: float, tolerable: float) -> int:
    """Sample size for a population of ``population`` records (see the module docstring)."""
    if population <= 0:
        return 0
    n0 = math.ceil(math.log(1 - confidence) / math.log(1 - tolerable))
    n = math.ceil(n0 / (1 + (n0 - 1) / population))
    return min(population, n)


def draw_seed(seed: int, audit_id: str, population: str) -> int:
    digest = hashlib.sha256(f"{seed}|{audit_id}|{population}".encode()).hexdigest()
    return int(digest[:16], 16)


def allocate(strata: dict[str, int], size: int) -> dict[str, int]:
    """Proportional allocation with largest remainders; every non-empty stratum gets one while possible."""
    total = sum(strata.values())
    if total == 0 or size <= 0:
        return {k: 0 for k in strata}
    names = sorted(strata)
    alloc = {k: 0 for k in names}
    nonempty = [k for k in names if strata[k] > 0]
    if size >= len(nonempty):
        for k in nonempty:
            alloc[k] = 1
    remaining = size - sum(alloc.values())
    shares = {k: remaining * strata[k] / total for k in names}
    for k in names:
        alloc[k] += min(int(shares[k]), strata[k] - alloc[k])
    left = size - sum(alloc.values())
    order = sorted(names, key=lambda k: (-(shares[k] - int(shares[k])), -strata[k], k))
    while left > 0:
        progressed = False
        for k in order:
            if left and alloc[k] < strata[k]:
                alloc[k] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return alloc


@dataclass
class Population:
    """Records an audit can sample: ids by stratum, and the ids findings point at."""

    name: str
    table: str
    rules: list[str]
    strata: dict[str, list[str]]
    stratify_by: str | None
    flagged: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.strata.values())


def draw(population: Population, audit_id: str, seed: int, confidence: float, tolerable: float) -> dict[str, Any]:
    n = statistical_size(population.size, confidence, tolerable)
    dseed = draw_seed(seed, audit_id, population.name)
    allocation = allocate({k: len(v) for k, v in population.strata.items()}, n)
    chosen: list[str] = []
    strata_out = []
    for index, stratum in enumerate(sorted(population.strata)):
        ids = sorted(population.strata[stratum])
        picked = random.Random(dseed + index).sample(ids, allocation[stratum])
        chosen += sorted(picked)
        strata_out.append({"stratum": stratum, "population": len(ids), "size": allocation[stratum]})
    extra = sorted(set(population.flagged) - set(chosen))
    wanted = min(len(extra), max(MIN_OVERSAMPLE, math.ceil(n * OVERSAMPLE_SHARE))) if extra else 0
    flagged = sorted(random.Random(dseed - 1).sample(extra, wanted)) if wanted else []
    return {
        "population": population.name,
        "table": population.table,
        "rules": population.rules,
        "population_size": population.size,
        "size": len(chosen) + len(flagged),
        "statistical_size": n,
        "oversampled": len(flagged),
        "confidence": confidence,
        "tolerable_deviation": tolerable,
        "seed": seed,
        "draw_seed": dseed,
        "method": METHOD,
        "formula": FORMULA,
        "stratified_by": population.stratify_by,
        "strata": strata_out,
        "ids": chosen + flagged,
        "flagged_ids": flagged,
    }
