"""Reading delimited text with the physical line where each record starts.

Python's csv module handles quoted cells with embedded newlines; ``line_num``
after each record lets us report the first physical line of every record, which
is what an auditor needs to find the row in the original export.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evidence_adapters.base import Rejection

_DELIMITERS = ",;\t|"


@dataclass
class DelimitedText:
    header: list[str]
    frame: pd.DataFrame  # all cells as strings, one column per header name (duplicates suffixed)
    lines: pd.Series  # physical line where each record starts, aligned to frame
    rows_read: int
    rejections: list[Rejection]
    encoding: str
    delimiter: str


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _sniff_delimiter(sample: str) -> str:
    first_line = sample.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


def read_delimited(path: Path, display_path: str, delimiter: str | None = None) -> DelimitedText:
    """Read a delimited file read-only; rows with the wrong number of fields are rejected."""
    with path.open("rb") as handle:
        raw = handle.read()
    text, encoding = _decode(raw)
    delim = delimiter or _sniff_delimiter(text[:65536])
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delim)
    header: list[str] | None = None
    rows: list[list[str]] = []
    starts: list[int] = []
    rejections: list[Rejection] = []
    rows_read = 0
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not record or all(cell.strip() == "" for cell in record):
                continue
            if header is None:
                header = [cell.strip() for cell in record]
                continue
            rows_read += 1
            if len(record) > len(header) and not any(cell.strip() for cell in record[len(header) :]):
                record = record[: len(header)]  # trailing empty fields (extra separators) carry nothing
            if len(record) != len(header):
                rejections.append(
                    Rejection(display_path, start, None, f"record has {len(record)} fields, header has {len(header)}")
                )
                continue
            rows.append(record)
            starts.append(start)
    except csv.Error as exc:
        # The rest of the file cannot be split into records; it is accounted for as one rejected record.
        rows_read += 1
        rejections.append(Rejection(display_path, previous_end + 1, None, f"unreadable CSV from here on: {exc}"))
    if header is None:
        header = []
    unique = unique_names(header)
    frame = (
        pd.DataFrame(rows, columns=unique, dtype="string")
        if rows
        else pd.DataFrame({name: pd.Series(dtype="string") for name in unique})
    )
    return DelimitedText(header, frame, pd.Series(starts, dtype="Int64"), rows_read, rejections, encoding, delim)


def unique_names(header: list[str]) -> list[str]:
    """Repeated column names (multi-valued fields) become name, name.1, name.2 ..."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}.{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out
