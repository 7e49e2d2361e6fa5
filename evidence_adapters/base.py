"""What every adapter returns, and the registry adapters join."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from sms_audit.registry import Registry


@dataclass(frozen=True)
class Rejection:
    """A source row that was not loaded, and why."""

    file: str
    line: int | str
    column: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}


@dataclass
class AdapterResult:
    """Canonical frames from one file plus the bookkeeping for the manifest.

    ``rows_read`` counts source records (not physical lines); every one is either in
    a frame (rows accepted) or in ``rejections`` (one entry per rejected record).
    """

    tables: dict[str, pd.DataFrame]
    rows_read: int
    rejections: list[Rejection] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    provided_columns: dict[str, set[str]] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejections)

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_rejected


@dataclass(frozen=True)
class Sample:
    """The start of a file, prepared once for every adapter's ``detect``."""

    path: Path
    suffix: str  # lower-case, with the dot: ".csv", ".xml", ".xlsx"
    text: str  # first 64 KiB decoded ("" for binary formats such as XLSX)
    header: tuple[str, ...]  # cells of the first non-empty delimited record, stripped
    normalised: frozenset[str]  # header cells through mapping.normalise_header


@dataclass(frozen=True)
class Detection:
    """An adapter's claim on a file: confidence 0..1, why, and options it worked out (e.g. table)."""

    score: float
    reason: str
    options: dict[str, Any] = field(default_factory=dict)


class Adapter(Protocol):
    """Turns one evidence file into canonical tables.

    Adapters may also define ``detect(sample: Sample) -> Detection | None`` (a static
    or class method) so ``--adapter auto`` can recognise their format.
    """

    name: str
    description: str

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult: ...


ADAPTERS: Registry[type[Adapter]] = Registry("adapter")
