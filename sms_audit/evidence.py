"""Loading evidence: every source file through its adapter into canonical tables.

The manifest records, per file, its digest and what happened to every row
(accepted or rejected with file, line and reason); ``rows_read`` always equals
``rows_accepted + rows_rejected``. Files are opened read-only and never changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters import ADAPTERS, AdapterResult
from evidence_adapters.detect import detect_adapter
from sms_audit.config import ScanConfig
from sms_audit.errors import EvidenceError
from sms_audit.model import SOURCE_FILE, SOURCE_LINE, table_spec, table_specs
from sms_audit.registry import UnknownEntryError


@dataclass
class FileManifest:
    path: str
    sha256: str
    bytes: int
    adapter: str
    tables: dict[str, int]
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rejections: list[dict[str, Any]]
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "adapter": self.adapter,
            "tables": dict(sorted(self.tables.items())),
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "rejections": self.rejections,
            "encoding": self.details.get("encoding"),
            "delimiter": self.details.get("delimiter"),
            "sheet": self.details.get("sheet"),
            "detection": self.details.get("detection"),
        }


@dataclass
class Evidence:
    """Canonical tables plus which columns some source actually provided."""

    tables: dict[str, pd.DataFrame]
    provided: dict[str, set[str]]
    files: list[FileManifest]
    filtered: dict[str, dict[str, int]] = field(default_factory=dict)
    quality: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Rows the scan itself added to a source table (e.g. observed interface links), left out of counts.
    derived_rows: dict[str, int] = field(default_factory=dict)
    # Tables that exist only because the scan derived rows into them (no source provided them).
    derived_only: set[str] = field(default_factory=set)

    def has_table(self, name: str) -> bool:
        return name in self.provided

    def table(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, table_spec(name).empty_frame())

    def counts(self) -> dict[str, int]:
        """Rows per table as loaded from the sources (tables and rows the scan derives are left out)."""
        return {
            name: len(frame) - self.derived_rows.get(name, 0)
            for name, frame in sorted(self.tables.items())
            if name in self.provided
            and not table_spec(name).derived_table
            and name not in self.derived_only
        }


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def load_file(
    adapter_name: str, path: Path, display: str, options: dict[str, Any]
) -> tuple[FileManifest, AdapterResult]:
    """Load one file through its adapter (``auto``: the detected one) and describe it for the manifest."""
    if not path.is_file():
        raise EvidenceError(f"{display}: evidence file not found (resolved to {path}); fix the path in the config")
    detection = None
    if adapter_name == "auto":
        choice = detect_adapter(path, display)
        adapter_name, detection = choice.adapter, choice.detection
        options = {**detection.options, **options}
    try:
        adapter = ADAPTERS.get(adapter_name)()
    except UnknownEntryError as exc:
        raise EvidenceError(f"{display}: {exc}") from None
    result = adapter.load(path, display, options)
    digest, size = sha256_of(path)
    details = dict(result.details)
    if detection is not None:
        details["detection"] = {"score": round(detection.score, 3), "reason": detection.reason}
    manifest = FileManifest(
        path=display,
        sha256=digest,
        bytes=size,
        adapter=adapter_name,
        tables={name: len(frame) for name, frame in result.tables.items()},
        rows_read=result.rows_read,
        rows_accepted=result.rows_accepted,
        rows_rejected=result.rows_rejected,
        rejections=[r.to_dict() for r in result.rejections],
        details=details,
    )
    return manifest, result


def load_evidence(config: ScanConfig) -> Evidence:
    parts: dict[str, list[pd.DataFrame]] = {}
    provided: dict[str, set[str]] = {}
    files: list[FileManifest] = []
    for source in config.sources:
        for path, display in zip(source.paths, source.display_paths, strict=True):
            manifest, result = load_file(source.adapter, path, display, source.options)
            for name, frame in result.tables.items():
                parts.setdefault(name, []).append(frame)
                provided.setdefault(name, set()).update(result.provided_columns.get(name, set(frame.columns)))
            files.append(manifest)
    tables = {}
    for name, frames in parts.items():
        spec = table_spec(name)
        conformed = [spec.conform(f) for f in frames if len(f)]
        tables[name] = pd.concat(conformed, ignore_index=True) if conformed else spec.empty_frame()
    for name in provided:
        spec = table_specs()[name]
        provided[name] = {c for c in provided[name] if c in spec.columns and c not in spec.derived}
    evidence = Evidence(tables, provided, files)
    _apply_scope(evidence, config)
    return evidence


def _apply_scope(evidence: Evidence, config: ScanConfig) -> None:
    """Keep tickets in the scoped services that were open at some time in the audit period."""
    if "tickets" not in evidence.tables:
        return
    tickets = evidence.tables["tickets"]
    counts = {"out_of_scope": 0, "out_of_period": 0}
    if config.services:
        in_scope = tickets["service"].isna() | tickets["service"].isin(list(config.services))
        counts["out_of_scope"] = int((~in_scope).sum())
        tickets = tickets[in_scope.to_numpy()]
    start = pd.Timestamp(config.period_from)
    end = pd.Timestamp(config.period_to) + pd.Timedelta(days=1)
    ended = tickets["closed_at"].fillna(tickets["resolved_at"])
    in_period = (tickets["opened_at"].isna() | (tickets["opened_at"] < end)) & (ended.isna() | (ended >= start))
    in_period = in_period.fillna(True).astype(bool)
    counts["out_of_period"] = int((~in_period).sum())
    evidence.tables["tickets"] = tickets[in_period.to_numpy()].reset_index(drop=True)
    evidence.filtered["tickets"] = counts


def record_refs(frame: pd.DataFrame, key: str = "id") -> list[dict[str, Any]]:
    """Record references (id, file, line) for a frame, sorted deterministically."""
    refs = pd.DataFrame(
        {
            "id": frame[key].astype("string").fillna(""),
            "file": frame[SOURCE_FILE].astype("string").fillna(""),
            "line": frame[SOURCE_LINE].astype("Int64"),
        }
    )
    refs = refs.sort_values(["id", "file", "line"], kind="mergesort")
    return [
        {"id": i, "file": f, "line": None if pd.isna(n) else int(n)}
        for i, f, n in zip(refs["id"], refs["file"], refs["line"], strict=True)
    ]
