"""``sms-audit evidence inspect``: what an adapter makes of a file, before any scan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sms_audit.evidence import load_file
from sms_audit.model import table_spec

TOP_VALUES = 3


def profile_column(values: pd.Series, dtype: str) -> dict[str, Any]:
    filled = values.dropna()
    out: dict[str, Any] = {"filled": int(len(filled)), "empty": int(len(values) - len(filled))}
    if filled.empty:
        return out
    out["distinct"] = int(filled.nunique())
    if dtype == "datetime":
        out["min"], out["max"] = filled.min().isoformat(sep=" "), filled.max().isoformat(sep=" ")
    elif dtype in ("integer", "number"):
        out["min"], out["max"] = float(filled.min()), float(filled.max())
    else:
        counts = filled.astype(str).value_counts()
        counts = counts.sort_index().sort_values(ascending=False, kind="mergesort")
        out["top"] = [[value, int(n)] for value, n in counts.head(TOP_VALUES).items()]
    return out


def inspect_files(paths: list[Path], adapter: str, options: dict[str, Any]) -> dict[str, Any]:
    files, tables = [], {}
    for path in paths:
        manifest, result = load_file(adapter, path, str(path), options)
        entry = manifest.to_dict()
        entry["mapping"] = result.details.get("columns", {})
        entry["profile"] = {}
        for name, frame in result.tables.items():
            tables[name] = tables.get(name, 0) + len(frame)
            spec = table_spec(name)
            provided = sorted(result.provided_columns.get(name, set()) & set(spec.columns))
            entry["profile"][name] = {c: profile_column(frame[c], spec.columns[c]) for c in provided if c in frame}
        files.append(entry)
    return {"files": files, "tables": dict(sorted(tables.items()))}


def render_table(report: dict[str, Any]) -> str:
    lines: list[str] = []
    for entry in report["files"]:
        lines.append(f"{entry['path']}")
        detection = entry.get("detection")
        chosen = f"{entry['adapter']}" + (
            f" (detected, {detection['score']:.2f}: {detection['reason']})" if detection else ""
        )
        lines.append(f"  adapter   {chosen}")
        lines.append(f"  encoding  {entry.get('encoding')}   delimiter {entry.get('delimiter')!r}")
        lines.append(
            f"  rows      {entry['rows_read']} read, {entry['rows_accepted']} accepted, "
            f"{entry['rows_rejected']} rejected"
        )
        if entry["mapping"]:
            lines.append("  mapping   " + ", ".join(f"{k} <- {v}" for k, v in entry["mapping"].items()))
        for table, columns in entry["profile"].items():
            lines.append(f"  table {table}:")
            for column, prof in columns.items():
                extra = ""
                if "min" in prof:
                    extra = f"  {prof['min']} .. {prof['max']}"
                elif "top" in prof:
                    extra = "  " + ", ".join(f"{v} ({n})" for v, n in prof["top"])
                lines.append(f"    {column:<20} {prof['filled']:>7} filled {prof['empty']:>7} empty{extra}")
        for rejection in entry["rejections"][:50]:
            lines.append(f"  rejected  line {rejection['line']}: {rejection['column'] or '-'}: {rejection['reason']}")
        if len(entry["rejections"]) > 50:
            lines.append(f"  … and {len(entry['rejections']) - 50} more rejected rows (use --format json)")
    lines.append("tables: " + ", ".join(f"{k} {v}" for k, v in report["tables"].items()))
    return "\n".join(lines)
