"""The fixed vocabulary of grades and verdicts, and how measured figures become grades."""

from __future__ import annotations

from sms_audit.checks.base import Grading

GRADES = ("major", "minor", "observation", "ofi")  # worst first
GRADE_RANK = {grade: rank for rank, grade in enumerate(reversed(GRADES), start=1)}  # ofi 1 .. major 4

RESULT_STATUSES = ("pass", "fail", "evidence_insufficient", "not_applicable", "not_evaluated", "waived")

# Worst first. A clause takes the worst verdict of its rules, a heading the worst of its children.
VERDICTS = (
    "nonconforming_major",
    "nonconforming_minor",
    "evidence_insufficient",
    "observation",
    "ofi",
    "not_evaluated",
    "waived",
    "conforming",
    "not_applicable",
)
VERDICT_SEVERITY = {verdict: len(VERDICTS) - i for i, verdict in enumerate(VERDICTS)}

_GRADE_VERDICT = {
    "major": "nonconforming_major",
    "minor": "nonconforming_minor",
    "observation": "observation",
    "ofi": "ofi",
}


def grade_for(measured: float, grading: Grading) -> tuple[str | None, float | None]:
    """The worst grade whose threshold ``measured`` crosses, and that threshold.

    ``higher_is_worse``: crossing means measured > threshold. ``lower_is_worse``:
    measured < threshold. With no grade reached, the returned threshold is the
    pass boundary (the mildest grade's threshold).
    """
    ordered = [g for g in GRADES if g in grading.thresholds]
    for grade in ordered:
        limit = grading.thresholds[grade]
        crossed = measured > limit if grading.direction == "higher_is_worse" else measured < limit
        if crossed:
            return grade, limit
    return None, (grading.thresholds[ordered[-1]] if ordered else None)


def comparison(grading: Grading) -> str:
    return ">" if grading.direction == "higher_is_worse" else "<"


def verdict_for_result(status: str, grade: str | None) -> str:
    if status == "fail" and grade:
        return _GRADE_VERDICT[grade]
    return {
        "pass": "conforming",
        "evidence_insufficient": "evidence_insufficient",
        "not_applicable": "not_applicable",
        "not_evaluated": "not_evaluated",
        "waived": "waived",
    }[status]


def worst_verdict(verdicts: list[str]) -> str:
    return max(verdicts, key=VERDICT_SEVERITY.__getitem__) if verdicts else "not_evaluated"


def at_or_above(grade: str, threshold: str) -> bool:
    if threshold == "none":
        return False
    return GRADE_RANK[grade] >= GRADE_RANK[threshold]
