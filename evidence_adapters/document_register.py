"""Document registers (CSV or XLSX): documents and records with owner, approval and review dates.

Registers have no standard layout (see the layouts collected in the export-formats reference, 2.7),
so this adapter is deliberately forgiving about *shape* and strict about *values*:

* **Where the table starts.** Spreadsheets often carry a title, a logo row or a "last updated" line
  above the table. The first 20 non-blank rows are scanned and the row whose cells match the most
  header synonyms is taken as the header; rows above it are not part of the table and are not counted.
* **Which sheet.** ``options.sheet`` names the sheet of an XLSX workbook; without it the first sheet
  with a recognisable header (an id column and one more known column) is used. The workbook is
  opened read-only with ``data_only=True`` (cached formula results, never formulas).
* **Column names.** Headers are matched by synonyms after normalisation (case, spaces and punctuation
  ignored): Doc ID / Document ID / Document Number / Reference; Version / Revision / Rev; Approval /
  Effective / Release / Publication / Issue Date; Next Review / Review Date / Review Due; Owner /
  Process Owner / Document Owner; Approved by; Author; Status; Type / Category; Last Review.
  ``options.columns`` (canonical column -> your header) overrides the synonyms. An *Author* column is
  kept as ``author``; it is not taken as the owner.
* **Combined "Title / Doc-ID" cells.** When there is no id column but a combined column (headers such
  as "Title / Doc-ID", "Doc-ID / Title", "Title / Reference"), each cell is split into id and title:
  "Incident Management Procedure / SOP-007", "SOP-007 – Incident Management Procedure",
  "SOP-007: Incident ...", "Incident ... (SOP-007)" and "SOP-007 Incident ..." all give id ``SOP-007``.
  The id is the part without spaces that contains a digit. A register with neither an id nor a combined
  column, whose titles nevertheless start or end with such ids, is split the same way. A cell in which
  no id can be found rejects its row with the reason.
* **Status.** Normalised to draft, under_review, approved, obsolete, superseded, withdrawn: Released,
  Final, Effective, Frozen, Published, Current and "Approved for ..." mean approved; In Review, Pending
  Approval mean under_review; Retired and Archived mean obsolete. Other words are kept tokenised and
  counted in ``details["unrecognised_statuses"]``.
* **Dates.** ISO (``2021-01-15``, with or without time) and day-first (``15.01.2021``, ``15/01/2021``,
  ``15-01-2021``, ``15 Jan 2021``); Excel date cells; Excel serial numbers (20000-80000, i.e. 1954-2119)
  in date columns, whether a number cell or a number exported to CSV. ``options.date_formats`` replaces
  the text formats.
* **Documents and records.** Minutes, audit reports and review records load like documents;
  ``doc_type`` keeps the register's own word, tokenised ("Management Review Minutes" ->
  ``management_review_minutes``), and may be empty.

Provenance: for CSV ``_source_line`` is the physical line where the record starts; for XLSX it is the
sheet row number, the sheet name is in ``details["sheet"]`` and rejections name ``"Sheet!row"``.
Every row below the header is loaded or rejected with its reason; blank rows are skipped and not
counted. In CSV a record with more non-blank fields than the header is rejected (an unquoted delimiter
shifts every later cell); shorter records are padded. In XLSX, cells right of the header are ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Rejection, Sample
from evidence_adapters.csv_source import _decode
from evidence_adapters.mapping import DEFAULT_DATE_FORMATS, Field, MissingColumnError, map_fields, normalise_header
from sms_audit.errors import EvidenceError

CANONICAL_STATUSES = ("draft", "under_review", "approved", "obsolete", "superseded", "withdrawn")

STATUSES = {
    "released": "approved",
    "final": "approved",
    "frozen": "approved",
    "effective": "approved",
    "published": "approved",
    "issued": "approved",
    "current": "approved",
    "active": "approved",
    "in_force": "approved",
    "in_review": "under_review",
    "review": "under_review",
    "for_review": "under_review",
    "pending": "under_review",
    "pending_approval": "under_review",
    "awaiting_approval": "under_review",
    "for_approval": "under_review",
    "in_approval": "under_review",
    "draft": "draft",
    "in_draft": "draft",
    "work_in_progress": "draft",
    "wip": "draft",
    "retired": "obsolete",
    "archived": "obsolete",
    "obsolete": "obsolete",
    "replaced": "superseded",
    "superseded": "superseded",
    "withdrawn": "withdrawn",
    "cancelled": "withdrawn",
    "canceled": "withdrawn",
}
# Status words that keep their meaning when followed by more words: "Approved for Document
# Reservation", "Superseded by SOP-008", "Draft v2". ("Final draft" is deliberately not here.)
_STATUS_PREFIXES = (
    "approved",
    "released",
    "effective",
    "under_review",
    "in_review",
    "pending_approval",
    "draft",
    "obsolete",
    "retired",
    "archived",
    "superseded",
    "replaced",
    "withdrawn",
)

DATE_FORMATS = (
    *DEFAULT_DATE_FORMATS,
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%Y/%m/%d",
    "%Y%m%d",
)
_SERIAL_RANGE = (20000, 80000)  # Excel serial day numbers 1954-10-03 .. 2119-01-10

FIELDS = (
    Field(
        "id",
        (
            "id",
            "doc_id",
            "doc id",
            "doc-id",
            "document_id",
            "document id",
            "document number",
            "document no",
            "doc no",
            "doc number",
            "document ref",
            "document reference",
            "document id/reference number",
            "reference",
            "reference number",
            "ref",
            "ref no",
            "record id",
            "record number",
            "record no",
        ),
        required=True,
    ),
    Field("title", ("title", "document title", "document name", "record title", "record name", "name")),
    Field(
        "doc_type",
        (
            "doc_type",
            "doc type",
            "document_type",
            "document type",
            "record type",
            "type",
            "type/category",
            "category",
            "document category",
        ),
        "token",
    ),
    Field("process_tags", ("process_tags", "process", "processes", "domain")),
    Field("clause_tags", ("clause_tags", "clauses", "clause", "iso_clause", "clause_refs", "iso clause")),
    Field("owner", ("owner", "process owner", "document owner", "record owner")),
    Field("author", ("author", "prepared by", "created by")),
    Field("approver", ("approver", "approved by", "approved_by", "approval by")),
    Field("version", ("version", "revision", "rev", "rev.", "ver", "version no", "issue no", "issue number")),
    Field("status", ("status", "state", "document status", "approval status"), "token", STATUSES),
    Field(
        "approved_at",
        (
            "approved_at",
            "approval date",
            "date approved",
            "approved on",
            "effective date",
            "effective from",
            "release date",
            "date released",
            "publication date",
            "published",
            "issue date",
            "date of issue",
        ),
        "datetime",
    ),
    Field(
        "last_reviewed",
        ("last_reviewed", "last review", "last review date", "last reviewed", "reviewed on", "date of last review"),
        "datetime",
    ),
    Field(
        "next_review",
        (
            "next_review",
            "next review",
            "next review date",
            "next review due",
            "review date",
            "review_date",
            "review due",
            "review due date",
            "due for review",
        ),
        "datetime",
    ),
)
COMBINED_HEADERS = (
    "title / doc-id",
    "doc-id / title",
    "title / document id",
    "document id / title",
    "title / doc no",
    "title / document number",
    "document number / title",
    "title / reference",
    "reference / title",
    "title / id",
    "id / title",
)

_SYNONYMS = {spec.target: {normalise_header(s) for s in spec.sources} for spec in FIELDS}
_COMBINED = {normalise_header(s) for s in COMBINED_HEADERS}
_DATE_TARGETS = {spec.target for spec in FIELDS if spec.convert == "datetime"}
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_HEADER_SCAN_ROWS = 20


# --- reading rows --------------------------------------------------------------------------------


@dataclass
class _Grid:
    """Non-blank rows of one CSV file or one sheet: (line or sheet row, raw cells)."""

    rows: list[tuple[int, list[Any]]]
    sheet: str | None = None
    epoch: dt.datetime = dt.datetime(1899, 12, 30)
    details: dict[str, Any] = field(default_factory=dict)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _sniff(text: str) -> str:
    """The delimiter that splits most of the first lines into the same number (> 1) of fields.

    Consistency, not frequency: a ';'-separated keyword list inside a comma CSV must not win,
    and title rows above the table (one field whatever the delimiter) do not count.
    """
    lines = [line for line in text.splitlines() if line.strip()][:30]
    best, best_key = ",", (0, 0, True)
    for delimiter in ",;\t|":
        try:
            counts = Counter(len(r) for r in csv.reader(lines, delimiter=delimiter) if len(r) > 1)
        except csv.Error:
            continue
        if counts:
            width, rows = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
            key = (rows, width, delimiter == ",")
            if key > best_key:
                best, best_key = delimiter, key
    return best


def _csv_records(text: str, delimiter: str) -> tuple[list[tuple[int, list[Any]]], Rejection | None, int]:
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    records: list[tuple[int, list[Any]]] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if record and not all(cell.strip() == "" for cell in record):
                records.append((start, list(record)))
    except csv.Error as exc:
        return records, Rejection("", previous_end + 1, None, f"unreadable CSV from here on: {exc}"), previous_end
    return records, None, previous_end


def _read_csv(path: Path, display_path: str, options: dict[str, Any]) -> tuple[_Grid, list[Rejection]]:
    text, encoding = _decode(path.read_bytes())
    delimiter = options.get("delimiter") or _sniff(text[:65536])
    records, broken, _ = _csv_records(text, delimiter)
    rejections = [replace(broken, file=display_path)] if broken else []
    return _Grid(records, details={"format": "csv", "encoding": encoding, "delimiter": delimiter}), rejections


def _is_xlsx(path: Path) -> bool:
    if path.suffix.lower() in _XLSX_SUFFIXES:
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04" and zipfile.is_zipfile(path)
    except OSError:
        return False


def _open_workbook(path: Path, display_path: str):
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a declared dependency
        raise EvidenceError(f"{display_path}: reading XLSX needs openpyxl (pip install openpyxl)") from None
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged or foreign files
        raise EvidenceError(f"{display_path}: cannot open as an XLSX workbook: {exc}") from None


def _sheet_rows(sheet, limit: int | None = None) -> list[tuple[int, list[Any]]]:
    """Non-blank rows with their sheet row numbers (1-based)."""
    sheet.reset_dimensions()  # some writers store a wrong dimension; read what is there
    rows = []
    for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        cells = list(values)
        if any(not _blank(v) for v in cells):
            rows.append((number, cells))
            if limit is not None and len(rows) >= limit:
                break
    return rows


def _workbook_epoch(workbook) -> dt.datetime:
    epoch = getattr(workbook, "epoch", None)
    if isinstance(epoch, dt.datetime) and epoch.year == 1904:
        return dt.datetime(1904, 1, 1)
    return dt.datetime(1899, 12, 30)


def read_register_xlsx(
    path: Path,
    display_path: str,
    options: dict[str, Any],
    recognises: Callable[[list[tuple[int, list[Any]]]], bool],
    looked_for: str,
) -> _Grid:
    """The chosen sheet of a register workbook: ``options.sheet``, else the first whose top rows
    ``recognises`` as the register's header (``looked_for`` says what was looked for, for the error)."""
    workbook = _open_workbook(path, display_path)
    try:
        names = list(workbook.sheetnames)
        wanted = options.get("sheet")
        if wanted is not None:
            if str(wanted) not in names:
                raise EvidenceError(
                    f"{display_path}: no sheet named {str(wanted)!r} (options.sheet); sheets: {', '.join(names)}"
                )
            chosen = str(wanted)
        else:
            chosen = next((n for n in names if recognises(_sheet_rows(workbook[n], _HEADER_SCAN_ROWS))), None)
            if chosen is None:
                raise EvidenceError(
                    f"{display_path}: no sheet has a {looked_for} in its first {_HEADER_SCAN_ROWS} rows "
                    f"in sheets: {', '.join(names)}; name one with options.sheet"
                )
        rows = _sheet_rows(workbook[chosen])
        epoch = _workbook_epoch(workbook)
    finally:
        workbook.close()
    return _Grid(rows, chosen, epoch, {"format": "xlsx", "sheet": chosen, "sheets": names})


def _read_xlsx(path: Path, display_path: str, options: dict[str, Any]) -> tuple[_Grid, list[Rejection]]:
    overrides = options.get("columns") or {}
    grid = read_register_xlsx(
        path,
        display_path,
        options,
        lambda rows: _recognisable(_find_header(rows, overrides)[1]),
        "document register header (looked for an id column such as Doc ID, Document Number or Title / Doc-ID, "
        "and one more column such as Version or Status)",
    )
    return grid, []


# --- header detection ----------------------------------------------------------------------------


def _matches(cells: list[Any], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Canonical target -> header cell, for the header synonyms (or ``options.columns``) found in ``cells``."""
    wanted = {normalise_header(str(h)): t for t, h in (overrides or {}).items()}
    found: dict[str, str] = {}
    for cell in cells:
        if not isinstance(cell, str) or not cell.strip():
            continue
        norm = normalise_header(cell)
        if norm in wanted:
            found.setdefault(wanted[norm], cell.strip())
        elif norm in _COMBINED:
            found.setdefault("id+title", cell.strip())
        else:
            target = next((t for t, synonyms in _SYNONYMS.items() if norm in synonyms), None)
            if target is not None:
                found.setdefault(target, cell.strip())
    return found


def _score(found: dict[str, str]) -> int:
    return len(found) + (1 if "id+title" in found else 0)


def best_header_row(
    rows: list[tuple[int, list[Any]]],
    match: Callable[[list[Any]], dict[str, str]],
    score: Callable[[dict[str, str]], int] = len,
) -> tuple[int, dict[str, str]]:
    """Index (into ``rows``) of the row among the first 20 whose ``match`` scores best (first on a tie),
    with what it matched (canonical target -> header cell)."""
    best, best_found = 0, {}
    for index, (_, cells) in enumerate(rows[:_HEADER_SCAN_ROWS]):
        found = match(cells)
        if score(found) > score(best_found):
            best, best_found = index, found
    return best, best_found


def _find_header(
    rows: list[tuple[int, list[Any]]], overrides: dict[str, str] | None = None
) -> tuple[int, dict[str, str]]:
    return best_header_row(rows, lambda cells: _matches(cells, overrides), _score)


def _recognisable(found: dict[str, str]) -> bool:
    has_id = "id" in found or "id+title" in found
    return has_id and _score(found) >= 2


def _document_specific(found: dict[str, str]) -> bool:
    """Columns only a register has (so a ticket or CMDB export with 'name' and 'state' is not claimed)."""
    if found.keys() & {"version", "approved_at", "last_reviewed", "next_review", "approver", "id+title"}:
        return True
    return any(w in normalise_header(found.get("id", "")) for w in ("doc", "record"))


# --- cell values ---------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")


def _date_text(value: Any, epoch: dt.datetime) -> str | None:
    """Date cells as ISO text; Excel serial numbers (cell or text) converted; anything else unchanged."""
    serial: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        serial = float(value)
    elif isinstance(value, str) and _NUMBER.match(value):
        serial = float(value)
    if serial is not None and _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        moment = epoch + dt.timedelta(days=serial)
        return moment.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
    return _text(value)


# --- combined "Title / Doc-ID" cells -------------------------------------------------------------

_ID_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/\-]{0,39}")
_SEPARATOR = re.compile(r"\s+[/|–—-]\s+|\s*[|–—]\s*|:\s+")
_TRAILING_REF = re.compile(r"^(?P<title>.*?)\s*[(\[]\s*(?P<id>[^()\[\]\s]+)\s*[)\]]\s*$")
_LEADING_REF = re.compile(r"^[(\[]\s*(?P<id>[^()\[\]\s]+)\s*[)\]]\s*(?P<title>.*)$")
_TITLE_TRIM = " \t-–—:|/"


def _id_like(text: str, strict: bool) -> bool:
    """No spaces and a digit; ``strict`` (ids found without a separator) also wants a letter and a - _ . /"""
    if not _ID_SHAPE.fullmatch(text) or not any(c.isdigit() for c in text):
        return False
    return not strict or (any(c.isalpha() for c in text) and any(c in "-_./" for c in text))


def split_title_and_id(cell: str, strict: bool = False) -> tuple[str, str | None] | None:
    """Split a combined cell into (id, title); None when no id can be found.

    ``strict`` is used when the column is a plain title column: only ids shaped like ``SOP-007``
    (letters, digits and a separator) are taken, so "Audit Report 2021" stays a title.
    """
    text = " ".join(cell.split())
    if _id_like(text, strict):
        return text, None
    separators = list(_SEPARATOR.finditer(text))
    if separators:
        first, last = separators[0], separators[-1]
        left = text[: first.start()].strip()
        if _id_like(left, strict):
            return left, _title(text[first.end() :])
        right = text[last.end() :].strip()
        if _id_like(right, strict):
            return right, _title(text[: last.start()])
    for pattern in (_TRAILING_REF, _LEADING_REF):
        match = pattern.match(text)
        if match and _id_like(match["id"], strict):
            return match["id"], _title(match["title"])
    if "/" in text:
        head, _, tail = text.rpartition("/")
        if _id_like(tail.strip(), strict) and " " in head.strip():
            return tail.strip(), _title(head)
        head, _, tail = text.partition("/")
        if _id_like(head.strip(), strict) and " " in tail.strip():
            return head.strip(), _title(tail)
    words = text.split(" ")
    if len(words) > 1 and _id_like(words[0], True):
        return words[0], _title(" ".join(words[1:]))
    if len(words) > 1 and _id_like(words[-1], True):
        return words[-1], _title(" ".join(words[:-1]))
    return None


def _title(text: str) -> str | None:
    return text.strip(_TITLE_TRIM) or None


# --- status --------------------------------------------------------------------------------------


def normalise_status(value: str | None) -> str | None:
    """A tokenised status word to the canonical vocabulary (unknown words are returned unchanged)."""
    if value is None or pd.isna(value):
        return None
    if value in CANONICAL_STATUSES:
        return value
    if value in STATUSES:
        return STATUSES[value]
    for prefix in _STATUS_PREFIXES:
        if value.startswith(prefix + "_"):
            return STATUSES.get(prefix, prefix)
    return value


# --- the adapter ---------------------------------------------------------------------------------


@ADAPTERS.register("document_register")
class DocumentRegisterAdapter:
    name = "document_register"
    description = "Document register CSV or XLSX (headers matched by synonyms, header row found below title rows)"

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        if sample.suffix not in (".csv", ".tsv", ".txt", *_XLSX_SUFFIXES):
            return None
        options: dict[str, Any] = {}
        try:
            if sample.suffix in _XLSX_SUFFIXES:
                found, sheet = _detect_xlsx(sample.path)
                if sheet is None:
                    return None
                options["sheet"] = sheet
            else:
                records, _, _ = _csv_records(sample.text, _sniff(sample.text))
                found = _find_header(records)[1]
        except Exception:  # an unreadable file is simply not ours
            return None
        if not _recognisable(found) or not _document_specific(found):
            return None
        named = ", ".join(f"{header} -> {target.replace('+', ' and ')}" for target, header in found.items())
        where = f" on sheet {options['sheet']!r}" if "sheet" in options else ""
        score = min(0.9, 0.5 + 0.08 * _score(found))
        return Detection(score, f"document register columns{where}: {named}", options)

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        if path.suffix.lower() in (".xls", ".ods"):
            raise EvidenceError(
                f"{display_path}: {path.suffix} workbooks are not read; save the register as .xlsx or .csv"
            )
        if _is_xlsx(path):
            grid, rejections = _read_xlsx(path, display_path, options)
        else:
            grid, rejections = _read_csv(path, display_path, options)
        opts = dict(options)
        opts.setdefault("date_formats", list(DATE_FORMATS))
        overrides = dict(opts.get("columns") or {})

        header_index, found = _find_header(grid.rows, overrides)
        if not _recognisable(found):
            header_index = 0  # nothing recognisable: the first row is the header, as in any CSV
        header_line, header_cells = grid.rows[header_index] if grid.rows else (0, [])
        names = _header_names(header_cells)
        details = dict(grid.details)
        details["header_row" if grid.sheet else "header_line"] = header_line

        lines: list[int] = []
        raw_rows: list[list[Any]] = []
        for line, cells in grid.rows[header_index + 1 :]:
            extra = [c for c in cells[len(names) :] if not _blank(c)]
            if extra and grid.sheet is None:
                rejections.append(
                    Rejection(display_path, line, None, f"record has {len(cells)} fields, header has {len(names)}")
                )
                continue
            raw_rows.append((cells + [None] * len(names))[: len(names)])
            lines.append(line)
        rows_read = len(lines) + len(rejections)  # an unreadable CSV tail counts as one rejected record

        resolved = _resolve(names, overrides)
        date_columns = {resolved[t] for t in _DATE_TARGETS if t in resolved}
        columns: dict[str, list[str | None]] = {}
        for position, name in enumerate(names):
            if name in date_columns:
                columns[name] = [_date_text(row[position], grid.epoch) for row in raw_rows]
            else:
                columns[name] = [_text(row[position]) for row in raw_rows]
        frame = pd.DataFrame({n: pd.Series(v, dtype="string") for n, v in columns.items()}, index=range(len(lines)))
        line_series = pd.Series(lines, dtype="Int64")

        split_rejections, combined = _split_combined(frame, names, resolved, overrides, display_path, lines)
        if combined:
            details["combined_column"] = combined
            opts["columns"] = {**overrides, **{k: v for k, v in _split_targets(combined).items() if k not in overrides}}
            keep = ~frame.index.isin([i for i, _ in split_rejections])
            frame, line_series = frame[keep].reset_index(drop=True), line_series[keep].reset_index(drop=True)
            rejections += [r for _, r in split_rejections]

        try:
            mapped = map_fields(frame, line_series, FIELDS, display_path, opts)
        except MissingColumnError as exc:
            where = f"sheet {grid.sheet!r} row {header_line}" if grid.sheet else f"line {header_line}"
            raise EvidenceError(
                f"{display_path}: document register: {exc} (header taken from {where}: "
                f"{', '.join(n for n in names if not n.startswith('column '))})"
            ) from None
        rejections += mapped.rejections
        documents = mapped.frame
        if "status" in documents:
            raw_status = documents["status"]
            documents["status"] = pd.Series(
                [normalise_status(v) for v in raw_status.astype(object)], index=documents.index, dtype="string"
            )
            unknown = Counter(v for v in documents["status"].dropna() if v not in CANONICAL_STATUSES)
            if unknown:
                details["unrecognised_statuses"] = dict(sorted(unknown.items()))
        rejections.sort(key=lambda r: r.line if isinstance(r.line, int) else 0)
        if grid.sheet is not None:
            rejections = [replace(r, line=f"{grid.sheet}!{r.line}") for r in rejections]
        details["columns"] = mapped.mapping
        details.setdefault("encoding", None)
        details.setdefault("delimiter", None)
        return AdapterResult({"documents": documents}, rows_read, rejections, details, {"documents": mapped.provided})


def _detect_xlsx(path: Path) -> tuple[dict[str, str], str | None]:
    workbook = _open_workbook(path, str(path))
    try:
        for name in workbook.sheetnames:
            found = _find_header(_sheet_rows(workbook[name], _HEADER_SCAN_ROWS))[1]
            if _recognisable(found):
                return found, name
    finally:
        workbook.close()
    return {}, None


def _header_names(cells: list[Any]) -> list[str]:
    """Header cells as unique column names; blank header cells become 'column N' (1-based)."""
    names = []
    seen: Counter[str] = Counter()
    for position, cell in enumerate(cells, start=1):
        name = (_text(cell) or "").strip() or f"column {position}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    return names


def _resolve(names: list[str], overrides: dict[str, str]) -> dict[str, str]:
    """Canonical target -> header used, with the same precedence as ``map_fields``."""
    by_norm: dict[str, str] = {}
    for name in names:
        by_norm.setdefault(normalise_header(name), name)
    resolved = {}
    for spec in FIELDS:
        candidates = (overrides[spec.target],) if spec.target in overrides else spec.sources
        header = next((by_norm[normalise_header(c)] for c in candidates if normalise_header(c) in by_norm), None)
        if header is not None:
            resolved[spec.target] = header
    return resolved


def _split_targets(combined: str) -> dict[str, str]:
    return {"id": f"{combined} (id)", "title": f"{combined} (title)"}


def _split_combined(
    frame: pd.DataFrame,
    names: list[str],
    resolved: dict[str, str],
    overrides: dict[str, str],
    display_path: str,
    lines: list[int],
) -> tuple[list[tuple[int, Rejection]], str | None]:
    """Add '<combined> (id)' and '<combined> (title)' columns when the id lives in a combined cell."""
    if "id" in resolved:
        return [], None
    strict = False
    combined = next((n for n in names if normalise_header(n) in _COMBINED), None)
    if combined is None and "title" in resolved and "title" not in overrides:
        combined, strict = resolved["title"], True
        cells = frame[combined].dropna()
        hits = sum(split_title_and_id(c, strict=True) is not None for c in cells)
        if not len(cells) or hits * 2 < len(cells):
            return [], None  # titles are just titles: the missing id column is reported by map_fields
    if combined is None:
        return [], None
    ids, titles, rejections = [], [], []
    for index, cell in enumerate(frame[combined].astype(object)):
        if cell is None or pd.isna(cell):
            ids.append(None)
            titles.append(None)
            continue
        parts = split_title_and_id(str(cell), strict=strict)
        if parts is None:
            reason = (
                f"{combined}: no document id found in {str(cell)!r} "
                "(expected e.g. 'Incident Procedure / SOP-007' or 'SOP-007 – Incident Procedure')"
            )
            rejections.append((index, Rejection(display_path, lines[index], combined, reason)))
            parts = (None, None)
        ids.append(parts[0])
        titles.append(parts[1])
    targets = _split_targets(combined)
    frame[targets["id"]] = pd.Series(ids, dtype="string", index=frame.index)
    frame[targets["title"]] = pd.Series(titles, dtype="string", index=frame.index)
    return rejections, combined
