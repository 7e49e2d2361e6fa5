"""Format detection for ``--adapter auto``: every adapter that can, scores the file.

The best claim wins when it is clear; two strong claims close together are an
error naming both candidates, so nobody's evidence is read the wrong way silently.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from evidence_adapters.base import ADAPTERS, Detection, Sample
from evidence_adapters.csv_source import _decode, _sniff_delimiter
from evidence_adapters.mapping import normalise_header
from sms_audit.errors import EvidenceError

SAMPLE_BYTES = 65536
MIN_SCORE = 0.5
AMBIGUITY_MARGIN = 0.1
_BINARY_SUFFIXES = {".xlsx", ".xlsm"}


def make_sample(path: Path) -> Sample:
    suffix = path.suffix.lower()
    if suffix in _BINARY_SUFFIXES:
        return Sample(path, suffix, "", (), frozenset())
    with path.open("rb") as handle:
        raw = handle.read(SAMPLE_BYTES)
    text, _encoding = _decode(raw)
    header: tuple[str, ...] = ()
    if suffix not in (".xml", ".json", ".yaml", ".yml"):
        delimiter = _sniff_delimiter(text)
        lines = [line for line in text.splitlines() if line.strip()]
        if lines:
            try:
                header = tuple(cell.strip() for cell in next(csv.reader([lines[0]], delimiter=delimiter)))
            except (csv.Error, StopIteration):
                header = ()
    return Sample(path, suffix, text, header, frozenset(normalise_header(h) for h in header if h))


@dataclass(frozen=True)
class Choice:
    adapter: str
    detection: Detection
    candidates: list[tuple[str, Detection]]


def detect_adapter(path: Path, display: str) -> Choice:
    sample = make_sample(path)
    claims: list[tuple[str, Detection]] = []
    for name, adapter in ADAPTERS.items():
        detect = getattr(adapter, "detect", None)
        if detect is None:
            continue
        found = detect(sample)
        if found is not None and found.score > 0:
            claims.append((name, found))
    claims.sort(key=lambda claim: (-claim[1].score, claim[0]))
    if not claims or claims[0][1].score < MIN_SCORE:
        weak = f" (weak guesses: {_describe(claims)})" if claims else ""
        raise EvidenceError(
            f"{display}: no adapter recognises this file{weak}; name one with adapter: NAME "
            f"(known: {', '.join(ADAPTERS.names())}) or use the 'mapped' adapter with a mapping file"
        )
    if (
        len(claims) > 1
        and claims[1][1].score >= MIN_SCORE
        and claims[0][1].score - claims[1][1].score < AMBIGUITY_MARGIN
    ):
        raise EvidenceError(
            f"{display}: the format is ambiguous between {_describe(claims[:2])}; name the adapter in the config"
        )
    return Choice(claims[0][0], claims[0][1], claims)


def _describe(claims: list[tuple[str, Detection]]) -> str:
    return "; ".join(f"{name} ({d.score:.2f}: {d.reason})" for name, d in claims)
