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


class Adapter(Protocol):
    """Turns one evidence file into canonical tables."""

    name: str
    description: str

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult: ...


ADAPTERS: Registry[type[Adapter]] = Registry("adapter")
