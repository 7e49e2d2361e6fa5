"""Audit worksheets: written per audit (XLSX and CSV), filled in by auditors, read back by the scan.

A worksheet has one row per manual audit item, follow-up item and sampled record, with columns for
the auditor's result (conforming, minor, major, observation, ofi), their name, the date, notes and an
evidence reference. Reading a completed worksheet validates every row against
``rules/schemas/manual-results.schema.json`` and reports every problem with file, row and what to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from rules import SCHEMAS_DIR
from sms_audit.errors import ConfigError

COLUMNS = (
    "audit",
    "kind",
    "item",
    "clauses",
    "description",
    "flagged",
    "result",
    "auditor",
    "date",
    "notes",
    "evidence_ref",
)
REQUIRED_COLUMNS = ("audit", "kind", "item", "result", "auditor")
RESULTS = ("conforming", "minor", "major", "observation", "ofi")
SHEET = "Worksheet"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def worksheet_rows(audit: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for item in audit["manual_items"]:
        questions = " | ".join(item["questions"])
        rows.append(
            {
                "audit": audit["id"],
                "kind": "manual",
                "item": item["rule"],
                "clauses": ";".join(item["clauses"]),
                "description": f"{item['title']}. Questions: {questions}",
                "flagged": "",
            }
        )
    for item in audit["follow_up"]:
        rows.append(
            {
                "audit": audit["id"],
                "kind": "follow_up",
                "item": item["ref"],
                "clauses": ";".join(item["clauses"]),
                "description": item["verify"],
                "flagged": "",
            }
        )
    for sample in audit["samples"]:
        flagged = set(sample["flagged_ids"])
        for record_id in sample["ids"]:
            rows.append(
                {
                    "audit": audit["id"],
                    "kind": "sample",
                    "item": record_id,
                    "clauses": ";".join(audit["clauses"]),
                    "description": f"sampled from {sample['population']} (rules {', '.join(sample['rules'])})",
                    "flagged": "yes" if record_id in flagged else "",
                }
            )
    return [{column: row.get(column, "") for column in COLUMNS} for row in rows]


def worksheet_csv(audit: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(worksheet_rows(audit))
    return buffer.getvalue()


def _deterministic_zip(data: bytes, stamp: str) -> bytes:
    """Rewrite an XLSX with fixed entry times and document dates, so equal input gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = payload.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\g<2>", text)
                payload = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, payload)
    return out.getvalue()


def worksheet_xlsx(audit: dict[str, Any], organisation: str | None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    rows = worksheet_rows(audit)
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    widths = {"audit": 8, "kind": 10, "item": 16, "clauses": 14, "description": 70, "flagged": 8, "result": 13,
              "auditor": 18, "date": 12, "notes": 40, "evidence_ref": 24}
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = widths[column]
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    result_col = sheet.cell(row=1, column=COLUMNS.index("result") + 1).column_letter
    check = DataValidation(type="list", formula1='"' + ",".join(RESULTS) + '"', allow_blank=True)
    check.error = "Choose conforming, minor, major, observation or ofi (or leave empty if not judged)"
    sheet.add_data_validation(check)
    if rows:
        check.add(f"{result_col}2:{result_col}{len(rows) + 1}")
    sheet.freeze_panes = "A2"
    plan = book.create_sheet("Plan")
    lines = [
        ("Audit", f"{audit['id']}: {audit['title']}"),
        ("Organisation", organisation or ""),
        ("Dates", f"{audit['start']} to {audit['end']}"),
        ("Team", ", ".join(audit["auditors"])),
        ("Clauses", ", ".join(audit["clauses"])),
        ("Methods", ", ".join(audit["methods"])),
        ("How to fill in", "In the Worksheet sheet, give each judged row a result (conforming, minor, major, "
         "observation or ofi), your name, the date (YYYY-MM-DD), notes and an evidence reference. Leave the "
         "result empty for rows not judged. Do not change the audit, kind and item columns."),
        ("Import", "sms-audit scan --manual-results THIS_FILE.xlsx"),
    ]
    for key, value in lines:
        plan.append([key, value])
    plan.column_dimensions["A"].width = 16
    plan.column_dimensions["B"].width = 100
    stamp = f"{audit['start']}T00:00:00Z"
    fixed = dt.datetime.fromisoformat(f"{audit['start']}T00:00:00")
    book.properties.created = fixed
    book.properties.creator = "sms-audit programme"
    buffer = io.BytesIO()
    book.save(buffer)
    return _deterministic_zip(buffer.getvalue(), stamp)


# --------------------------------------------------------------------------------------------- import


@dataclass(frozen=True)
class ManualResult:
    audit: str
    kind: str
    item: str
    result: str
    auditor: str
    date: str
    notes: str
    evidence_ref: str
    source: str  # file and row, for messages and the report


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]], str]:
    """Header, (row number, row) pairs and a label for the rows ('row N' or 'Worksheet!N')."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a broken file
            raise ConfigError(f"{path}: not a readable XLSX worksheet ({type(exc).__name__}: {exc})") from None
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        values = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        label = f"{sheet.title}!"
    elif suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
        values = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
        label = "row "
    else:
        raise ConfigError(f"{path}: a worksheet must be .xlsx or .csv (as written by sms-audit programme)")
    if not values:
        raise ConfigError(f"{path}: empty worksheet; use a worksheet written by sms-audit programme")
    header = [h.strip().lower() for h in values[0]]
    rows = []
    for number, row in enumerate(values[1:], start=2):
        if not any(row):
            continue
        rows.append((number, {h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h}))
    return header, rows, label


def _problem(err: jsonschema.ValidationError) -> str:
    field = ".".join(str(p) for p in err.absolute_path) or err.path and str(err.path[0]) or ""
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        if missing == "auditor":
            return "auditor: a judged row needs the auditor's name; fill in the auditor column"
        return f"{missing}: missing; use a worksheet written by sms-audit programme"
    if field == "result":
        return f"result: {err.instance!r} is not a result; use one of {', '.join(RESULTS)} or leave it empty"
    if field == "date":
        return f"date: {err.instance!r} is not a date; write it as YYYY-MM-DD"
    if field == "auditor":
        return "auditor: a judged row needs the auditor's name; fill in the auditor column"
    if field == "kind":
        return f"kind: {err.instance!r} was changed; keep manual, sample or follow_up as written"
    return f"{field or 'row'}: {err.message}"


def load_manual_results(paths: list[Path]) -> list[ManualResult]:
    """Every judged row of the worksheets; one ConfigError lists all problems found."""
    schema = json.loads((SCHEMAS_DIR / "manual-results.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[str] = []
    results: list[ManualResult] = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            problems.append(f"{path}: file not found")
            continue
        header, rows, label = _read_rows(path)
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            problems.append(
                f"{path}: header lacks column(s) {', '.join(missing)}; use the worksheet written by sms-audit programme"
            )
            continue
        for number, row in rows:
            where = f"{path}: {label}{number}"
            row = {k: v for k, v in row.items() if k in COLUMNS}
            row["result"] = row.get("result", "").lower()
            errors = sorted(validator.iter_errors(row), key=lambda e: str(e.path))
            if errors:
                problems += [f"{where}: {_problem(e)}" for e in errors]
                continue
            if row.get("date"):
                try:
                    dt.date.fromisoformat(row["date"])
                except ValueError:
                    problems.append(f"{where}: date: {row['date']!r} is not a calendar date; write YYYY-MM-DD")
                    continue
            if not row["result"]:
                continue
            results.append(
                ManualResult(
                    audit=row["audit"],
                    kind=row["kind"],
                    item=row["item"],
                    result=row["result"],
                    auditor=row.get("auditor", ""),
                    date=row.get("date", ""),
                    notes=row.get("notes", ""),
                    evidence_ref=row.get("evidence_ref", ""),
                    source=f"{path.name}: {label}{number}",
                )
            )
    if problems:
        raise ConfigError("invalid manual results:\n  " + "\n  ".join(problems))
    return results
