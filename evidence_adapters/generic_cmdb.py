"""Generic CMDB evidence: nodes (configuration items) and edges (relations) as CSV or JSON.

For CMDBs without an adapter of their own: an export reshaped into nodes and edges loads as
``cis`` and ``ci_relations``.

Layouts
-------
* **CSV**, one table per file. The header decides which: a file with a parent column (``parent``,
  ``parent_id``, ``source``, ``from`` ...) and a child column (``child``, ``target``, ``to`` ...) holds
  edges, any other file nodes. ``options.table`` forces it (``cis`` or ``ci_relations``; ``nodes`` and
  ``edges`` are accepted too). Delimiter sniffed (``options.delimiter`` forces it); quoted cells may
  span lines; ``_source_line`` is the physical line where the record starts.
* **JSON**, ``{"nodes": [...], "edges": [...]}`` in one file (also ``cis``/``items``/``vertices`` and
  ``relations``/``ci_relations``/``links``/``relationships``), or a top-level array of one kind
  (``options.table`` names it; otherwise the first object's keys decide as for CSV). Each record is
  an object; its ``_source_line`` is the line of its opening brace. Other top-level keys are ignored
  and listed in ``details["ignored_keys"]``; with ``options.table`` only that table's array is loaded
  and the other's records are counted in ``details["skipped_records"]``. Values may be strings,
  numbers, booleans or null; an object or array in a column that is used rejects its record.

Columns are matched by synonyms after normalisation (case, spaces and punctuation ignored;
``options.columns`` -- canonical column -> your header -- overrides): see :data:`NODE_FIELDS` and
:data:`EDGE_FIELDS`. Statuses and criticalities are tokenised (``In Production`` -> ``in_production``);
dates take ``options.date_formats`` or ISO forms (with ``T``, fractions of a second and ``Z``).

Identity
--------
* **Nodes** are identified by their id column. A node with an empty id is rejected, and so is one
  repeating an earlier node's id (the reason names the earlier line). Without an id column,
  ``options.identity`` chooses: ``name`` (the default; relations then name their ends by CI name) or
  ``name_class`` (``"<name>|<class>"``, see :func:`derive_identity`); a node without a name is
  rejected. Nodes sharing a derived identity are all loaded and listed in
  ``details["ambiguous_identities"]``: a relation naming such an identity cannot tell which CI it means.
* **Edges** use their id column when there is one; empty cells, and files without one, get
  ``"<parent>|<type>|<child>"``. A repeated explicit id is rejected. An end naming no known CI is
  loaded as it is (rule CI-002 reports dangling ends); an empty end is loaded empty, which CI-002
  reports too.

Accounting: ``rows_read`` counts node and edge records (a JSON file: both arrays); each is in a frame
or in ``rejections`` with file, line, column and reason. ``provided_columns`` lists the canonical
columns the file maps.
"""

from __future__ import annotations

import bisect
import csv
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Rejection, Sample
from evidence_adapters.csv_source import _decode, read_delimited
from evidence_adapters.mapping import DEFAULT_DATE_FORMATS, Field, map_fields, normalise_header
from sms_audit.errors import EvidenceError

CIS = "cis"
RELATIONS = "ci_relations"

NODE_FIELDS = (
    Field("id", ("id", "ci_id", "node_id", "sys_id", "uid", "uuid", "key", "identifier")),
    Field("name", ("name", "ci_name", "display_name", "label", "hostname", "title")),
    Field("ci_class", ("class", "ci_class", "type", "ci_type", "sys_class_name", "class_name", "kind", "category")),
    Field("status", ("status", "state", "install_status", "lifecycle_status", "lifecycle", "ci_status"), "token"),
    Field("operational_status", ("operational_status", "op_status", "operational_state"), "token"),
    Field("owner", ("owner", "owned_by", "owner_name", "managed_by", "responsible", "custodian")),
    Field("support_group", ("support_group", "assignment_group", "support_team", "team")),
    Field("service", ("service", "business_service", "service_name")),
    Field("criticality", ("criticality", "business_criticality", "business_criticity", "tier"), "token"),
    Field(
        "updated_at",
        ("updated_at", "last_updated", "sys_updated_on", "last_modified", "modified", "updated"),
        "datetime",
    ),
)
"""Node columns: canonical column, header synonyms (first present wins), conversion."""

PARENT_HEADERS = ("parent_id", "parent", "source_id", "source", "from_id", "from", "src", "upstream")
CHILD_HEADERS = ("child_id", "child", "target_id", "target", "to_id", "to", "dst", "downstream")
EDGE_FIELDS = (
    Field("id", ("id", "edge_id", "relation_id", "rel_id", "sys_id", "key")),
    Field("parent_id", PARENT_HEADERS),
    Field("child_id", CHILD_HEADERS),
    Field("relation_type", ("relation_type", "type", "relationship", "rel_type", "relation", "kind", "label")),
)
"""Edge columns; ``parent_id`` is the dependent end, ``child_id`` what it depends on."""

NODE_KEYS = ("nodes", "cis", "items", "vertices", "configuration_items")
EDGE_KEYS = ("edges", "relations", "ci_relations", "links", "relationships")
_TABLE_NAMES = {"cis": CIS, "nodes": CIS, "ci_relations": RELATIONS, "edges": RELATIONS, "relations": RELATIONS}
_ISO_FORMATS = (
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%d %H:%M:%S.%f",
)
GENERIC_DATE_FORMATS = (*DEFAULT_DATE_FORMATS, *_ISO_FORMATS)
_NODE_MARKERS = {"status", "state", "owner", "owned_by", "criticality", "support_group", "lifecycle_status"}
_OTHER_MARKERS = {  # documents and tickets also have id, name, type and status columns
    "version",
    "revision",
    "review_date",
    "next_review",
    "approved_by",
    "effective_date",
    "doc_id",
    "document_id",
    "opened_at",
    "priority",
    "short_description",
}
_SERVICENOW_MARKERS = {"sys_id", "sys_class_name", "install_status", "operational_status", "sys_updated_on"}
_JSON_SHAPE = re.compile(r'^\s*\{.*?"(' + "|".join(NODE_KEYS + EDGE_KEYS) + r')"\s*:\s*\[', re.S | re.I)


def derive_identity(
    frame: pd.DataFrame, key_columns: Sequence[str] = ("name", "ci_class")
) -> tuple[pd.Series, pd.DataFrame]:
    """Identities for records without a unique key, and the records they fail to tell apart.

    For CMDB exports without ``sys_id`` (or any other key) whose display names are not unique:
    each record's identity is its ``key_columns`` values joined with ``|`` (trimmed; empty parts
    stay empty, so ``"db01|"`` is a db01 of unknown class), e.g. ``"db01|cmdb_ci_linux_server"``.
    With more than one key column a ``|`` or ``\\`` inside a value is escaped with ``\\`` so two
    different records cannot meet by accident; a single key column is used as it is. A record whose
    key columns are all empty gets ``<NA>``.

    Returns ``(ids, ambiguous)``: ``ids`` is a string Series aligned with ``frame``; ``ambiguous``
    holds the records whose identity occurs more than once, with columns ``identity``, ``count``,
    the key columns and, when present, ``_source_file`` and ``_source_line``, sorted by identity and
    line and keeping ``frame``'s index. A missing key column raises ``KeyError``.

    Meant for the ServiceNow adapter too: ``cmdb_ci`` exports without ``sys_id`` currently take
    the name as the id. Note that ``cmdb_rel_ci`` exports name their ends by display name only, so
    relations can be matched to ``name|class`` identities only when the export also carries the
    ends' classes (dot-walked ``parent.sys_class_name`` and ``child.sys_class_name`` columns).
    """
    missing = [c for c in key_columns if c not in frame.columns]
    if missing or not key_columns:
        raise KeyError(f"derive_identity: no column {', '.join(missing) or '(none given)'} in the frame")
    parts = []
    for column in key_columns:
        values = frame[column].astype("string").str.strip().fillna("")
        if len(key_columns) > 1:
            values = values.str.replace("\\", "\\\\", regex=False).str.replace("|", "\\|", regex=False)
        parts.append(values)
    ids = parts[0]
    for part in parts[1:]:
        ids = ids + "|" + part
    all_empty = pd.concat([p == "" for p in parts], axis=1).all(axis=1)
    ids = ids.mask(all_empty).astype("string").rename("id")
    repeated = (ids.notna() & ids.duplicated(keep=False)).to_numpy()
    extra = [c for c in ("_source_file", "_source_line") if c in frame.columns]
    ambiguous = frame.loc[repeated, [*key_columns, *extra]].copy()
    ambiguous.insert(0, "identity", ids[repeated])
    ambiguous.insert(1, "count", ambiguous["identity"].map(ambiguous["identity"].value_counts()).astype("Int64"))
    ambiguous = ambiguous.sort_values(["identity", *(["_source_line"] if "_source_line" in extra else [])])
    return ids, ambiguous


def _table_option(options: dict[str, Any], display: str) -> str | None:
    table = options.get("table")
    if table is None:
        return None
    if table not in _TABLE_NAMES:
        raise EvidenceError(f"{display}: options.table must be cis or ci_relations (or nodes, edges), not {table!r}")
    return _TABLE_NAMES[table]


def _looks_like_edges(headers: Iterable[str]) -> bool:
    norm = {normalise_header(h) for h in headers}
    return bool(norm & set(PARENT_HEADERS)) and bool(norm & set(CHILD_HEADERS))


# --- JSON with the line of every record -------------------------------------------------------------


class _Json:
    """A top-level JSON walk that keeps the offset where every record of an array starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.decoder = json.JSONDecoder()
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1

    def skip(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] in " \t\r\n":
            pos += 1
        return pos

    def expect(self, pos: int, chars: str, message: str) -> str:
        if pos >= len(self.text) or self.text[pos] not in chars:
            raise json.JSONDecodeError(message, self.text, pos)
        return self.text[pos]

    def array(self, pos: int) -> tuple[list[tuple[int, Any]], int]:
        items: list[tuple[int, Any]] = []
        pos = self.skip(pos + 1)
        if self.text.startswith("]", pos):
            return items, pos + 1
        while True:
            value, end = self.decoder.raw_decode(self.text, pos)
            items.append((self.line(pos), value))
            pos = self.skip(end)
            if self.expect(pos, ",]", "Expecting ',' delimiter") == "]":
                return items, pos + 1
            pos = self.skip(pos + 1)

    def document(self) -> tuple[dict[str, list[tuple[int, Any]]] | None, list[tuple[int, Any]] | None, list[str]]:
        """Returns (arrays by key, None, other keys) for an object, (None, records, []) for an array."""
        pos = self.skip(0)
        opening = self.expect(pos, "{[", "Expecting a JSON object with nodes and edges, or an array")
        if opening == "[":
            records, end = self.array(pos)
            self._end(end)
            return None, records, []
        arrays: dict[str, list[tuple[int, Any]]] = {}
        others: list[str] = []
        pos = self.skip(pos + 1)
        if self.text.startswith("}", pos):
            self._end(pos + 1)
            return arrays, None, others
        while True:
            self.expect(pos, '"', "Expecting property name enclosed in double quotes")
            key, pos = self.decoder.raw_decode(self.text, pos)
            pos = self.skip(pos)
            self.expect(pos, ":", "Expecting ':' delimiter")
            pos = self.skip(pos + 1)
            if self.text.startswith("[", pos):
                items, pos = self.array(pos)
                arrays.setdefault(key, []).extend(items)
            else:
                _value, pos = self.decoder.raw_decode(self.text, pos)
                others.append(key)
            pos = self.skip(pos)
            if self.expect(pos, ",}", "Expecting ',' delimiter") == "}":
                self._end(pos + 1)
                return arrays, None, others
            pos = self.skip(pos + 1)

    def _end(self, pos: int) -> None:
        pos = self.skip(pos)
        if pos != len(self.text):
            raise json.JSONDecodeError("Extra data", self.text, pos)


def _records_frame(
    records: list[tuple[int, Any]], display: str
) -> tuple[pd.DataFrame, pd.Series, list[Rejection], dict[tuple[int, str], str]]:
    """JSON records -> all-text frame, lines, rejections of non-objects, and non-scalar cells."""
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    rejections: list[Rejection] = []
    structured: dict[tuple[int, str], str] = {}
    columns: dict[str, None] = {}
    for line, record in records:
        if not isinstance(record, dict):
            kind = "an array" if isinstance(record, list) else type(record).__name__
            rejections.append(Rejection(display, line, None, f"expected a JSON object, found {kind}"))
            continue
        row: dict[str, Any] = {}
        for key, value in record.items():
            columns.setdefault(key, None)
            if isinstance(value, dict | list):
                structured[(len(rows), key)] = "an object" if isinstance(value, dict) else "an array"
                value = None
            elif isinstance(value, bool):
                value = "true" if value else "false"
            elif value is not None:
                value = str(value)
            row[key] = value
        rows.append(row)
        lines.append(line)
    frame = pd.DataFrame(
        {c: pd.Series([r.get(c) for r in rows], dtype="string") for c in columns}, index=pd.RangeIndex(len(rows))
    )
    return frame, pd.Series(lines, dtype="Int64"), rejections, structured


# --- mapping one table --------------------------------------------------------------------------------


def _map_table(
    table: str,
    source: pd.DataFrame,
    lines: pd.Series,
    display: str,
    options: dict[str, Any],
    structured: dict[tuple[int, str], str] | None = None,
) -> tuple[pd.DataFrame, list[Rejection], set[str], dict[str, Any]]:
    fields = NODE_FIELDS if table == CIS else EDGE_FIELDS
    options = {"date_formats": GENERIC_DATE_FORMATS, **options}
    source = source.reset_index(drop=True)
    lines = lines.reset_index(drop=True)
    used = map_fields(source.iloc[0:0], lines.iloc[0:0], fields, display, options).mapping
    if table == CIS and not {"id", "name"} & used.keys():
        raise EvidenceError(
            f"{display}: a nodes table needs an id or a name column (one of: "
            f"{', '.join(NODE_FIELDS[0].sources + NODE_FIELDS[1].sources)}); name it in options.columns"
        )
    if table == RELATIONS and not {"parent_id", "child_id"} <= used.keys():
        raise EvidenceError(
            f"{display}: an edges table needs a parent column (one of: {', '.join(PARENT_HEADERS)}) and a child "
            f"column (one of: {', '.join(CHILD_HEADERS)}); name them in options.columns"
        )
    rejections: list[Rejection] = []
    keep = pd.Series(True, index=source.index)
    for (row, key), kind in sorted((structured or {}).items()):
        if key in used.values() and keep[row]:
            keep[row] = False
            rejections.append(Rejection(display, int(lines[row]), key, f"{key}: expected a single value, found {kind}"))
    mapped = map_fields(source[keep.to_numpy()], lines[keep.to_numpy()], fields, display, options)
    rejections.extend(mapped.rejections)
    frame = mapped.frame
    details: dict[str, Any] = {"columns": mapped.mapping}
    if table == CIS:
        frame, more = _node_identity(frame, mapped.provided, display, options, details)
    else:
        frame, more = _edge_identity(frame, mapped.provided, display, details)
    rejections.extend(more)
    return frame.reset_index(drop=True), rejections, mapped.provided | {"id"}, details


def _reject(frame: pd.DataFrame, mask: pd.Series, display: str, column: str, reasons: pd.Series) -> list[Rejection]:
    hit = mask.to_numpy()
    return [
        Rejection(display, int(line), column, str(reason))
        for line, reason in zip(frame["_source_line"][hit], reasons[hit], strict=True)
    ]


def _first_lines(ids: pd.Series, lines: pd.Series) -> pd.Series:
    """The line of the first record with each id (as text, for messages)."""
    first = pd.DataFrame({"id": ids, "line": lines}).dropna().drop_duplicates("id").set_index("id")["line"]
    return ids.map(first).astype("Int64").astype("string")


def _node_identity(
    frame: pd.DataFrame, provided: set[str], display: str, options: dict[str, Any], details: dict[str, Any]
) -> tuple[pd.DataFrame, list[Rejection]]:
    if "id" in provided:
        details["identity"] = "id column"
        empty = frame["id"].isna()
        repeated = frame["id"].duplicated(keep="first") & ~empty
        first = _first_lines(frame["id"], frame["_source_line"])
        rejections = _reject(
            frame, empty, display, details["columns"]["id"], pd.Series("id is empty", index=frame.index)
        )
        reasons = "duplicate id " + frame["id"] + " (first at line " + first + ")"
        rejections += _reject(frame, repeated, display, details["columns"]["id"], reasons)
        return frame[~(empty | repeated).to_numpy()], rejections
    mode = options.get("identity", "name")
    if mode not in ("name", "name_class"):
        raise EvidenceError(f"{display}: options.identity must be name or name_class, not {mode!r}")
    if mode == "name_class" and "ci_class" not in provided:
        raise EvidenceError(f"{display}: options.identity name_class needs a class column; none was found")
    if "name" not in provided:
        raise EvidenceError(f"{display}: without an id column the nodes need a name column to identify them")
    key_columns = ("name",) if mode == "name" else ("name", "ci_class")
    ids, ambiguous = derive_identity(frame, key_columns)
    frame = frame.assign(id=ids)
    details["identity"] = "name" if mode == "name" else "name|class"
    details["ambiguous_identities"] = [
        {"id": identity, "lines": [int(n) for n in group["_source_line"]]}
        for identity, group in ambiguous.groupby("identity", sort=True)
    ]
    empty = frame["id"].isna() | frame["name"].isna()
    column = details["columns"]["name"]
    reason = pd.Series("name is empty (without an id column the name identifies the CI)", index=frame.index)
    return frame[~empty.to_numpy()], _reject(frame, empty, display, column, reason)


def _edge_identity(
    frame: pd.DataFrame, provided: set[str], display: str, details: dict[str, Any]
) -> tuple[pd.DataFrame, list[Rejection]]:
    kind = frame["relation_type"].fillna("") if "relation_type" in frame else pd.Series("", index=frame.index)
    derived = frame["parent_id"].fillna("") + "|" + kind + "|" + frame["child_id"].fillna("")
    if "id" not in provided:
        return frame.assign(id=derived.astype("string")), []
    explicit = frame["id"]
    repeated = explicit.notna() & explicit.duplicated(keep="first")
    first = _first_lines(explicit, frame["_source_line"])
    reasons = "duplicate id " + explicit + " (first at line " + first + ")"
    rejections = _reject(frame, repeated, display, details["columns"]["id"], reasons)
    frame = frame.assign(id=explicit.fillna(derived).astype("string"))
    return frame[~repeated.to_numpy()], rejections


# --- the adapter --------------------------------------------------------------------------------------


def _csv_detection(sample: Sample) -> Detection | None:
    cols = sample.normalised
    parents, children = cols & set(PARENT_HEADERS), cols & set(CHILD_HEADERS)
    if parents and children:
        ends = f"{sorted(parents)[0]} -> {sorted(children)[0]}"
        if {"parent", "child", "type"} <= cols:
            first = _first_cell(sample, "type")
            if "::" in first:  # ServiceNow's parent::child relation types: that adapter knows them better
                return Detection(0.5, f"edges CSV ({ends}) in ServiceNow cmdb_rel_ci form", {"table": RELATIONS})
            return Detection(0.75, f"edges CSV: columns {ends}, type", {"table": RELATIONS})
        typed = cols & {"type", "relation_type", "relationship", "rel_type", "relation"}
        score = 0.85 if typed or not parents <= {"from", "from_id"} else 0.7  # bare from/to: mail, currency ...
        return Detection(score, f"edges CSV: columns {ends}", {"table": RELATIONS})
    identity = cols & {"id", "ci_id", "node_id", "name", "ci_name", "hostname"}
    classes = cols & {"class", "ci_class", "type", "ci_type", "class_name", "sys_class_name"}
    if not identity or not classes or cols & _OTHER_MARKERS:
        return None
    if cols & _SERVICENOW_MARKERS:
        return Detection(0.45, "nodes CSV, but with ServiceNow field names", {"table": CIS})
    markers = sorted(cols & _NODE_MARKERS)
    score = 0.8 if markers else 0.6
    return Detection(score, f"nodes CSV: columns {', '.join(sorted(identity | classes) + markers)}", {"table": CIS})


def _first_cell(sample: Sample, column: str) -> str:
    lines = [line for line in sample.text.splitlines() if line.strip()][:2]
    if len(lines) < 2:
        return ""
    delimiter = max(",;\t|", key=lines[0].count)
    rows = list(csv.reader(lines, delimiter=delimiter))
    header = [normalise_header(h) for h in rows[0]]
    if column not in header or len(rows) < 2 or len(rows[1]) != len(header):
        return ""
    return rows[1][header.index(column)]


@ADAPTERS.register("cmdb_generic")
class GenericCmdbAdapter:
    name = "cmdb_generic"
    description = "Generic CMDB nodes and edges: CSV (one table per file) or JSON {nodes: [...], edges: [...]}"

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        if sample.suffix == ".json":
            found = _JSON_SHAPE.match(sample.text)
            if not found:
                return None
            return Detection(0.9, f"JSON object with a {found.group(1)!r} array of CMDB records")
        if sample.suffix in (".csv", ".tsv", ".txt"):
            return _csv_detection(sample)
        return None

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        if path.suffix.lower() == ".json":
            return self._json(path, display_path, options)
        return self._csv(path, display_path, options)

    def _csv(self, path: Path, display: str, options: dict[str, Any]) -> AdapterResult:
        text = read_delimited(path, display, options.get("delimiter"))
        table = _table_option(options, display) or (RELATIONS if _looks_like_edges(text.header) else CIS)
        frame, rejections, provided, details = _map_table(table, text.frame, text.lines, display, options)
        details.update({"format": "csv", "table": table, "encoding": text.encoding, "delimiter": text.delimiter})
        rejections = _by_line(text.rejections + rejections)
        return AdapterResult({table: frame}, text.rows_read, rejections, details, {table: provided})

    def _json(self, path: Path, display: str, options: dict[str, Any]) -> AdapterResult:
        raw = path.read_bytes()
        text, encoding = _decode(raw)
        walker = _Json(text)
        try:
            arrays, top_level, others = walker.document()
        except json.JSONDecodeError as exc:
            raise EvidenceError(
                f"{display}:{exc.lineno}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        forced = _table_option(options, display)
        by_table: dict[str, list[tuple[int, Any]]] = {}
        details: dict[str, Any] = {"format": "json", "encoding": encoding}
        if top_level is not None:
            first = next((r for _, r in top_level if isinstance(r, dict)), {})
            by_table[forced or (RELATIONS if _looks_like_edges(first) else CIS)] = top_level
        else:
            assert arrays is not None
            ignored = list(others)
            for key, items in arrays.items():
                norm = normalise_header(key)
                table = CIS if norm in NODE_KEYS else RELATIONS if norm in EDGE_KEYS else None
                if table is None:
                    ignored.append(key)
                else:
                    by_table.setdefault(table, []).extend(items)
            if not by_table:
                raise EvidenceError(
                    f"{display}: no nodes or edges array; expected keys such as {', '.join(NODE_KEYS[:2])} "
                    f"and {', '.join(EDGE_KEYS[:2])}"
                )
            if forced is not None:
                skipped = {t: len(items) for t, items in by_table.items() if t != forced}
                by_table = {t: items for t, items in by_table.items() if t == forced}
                details["skipped_records"] = skipped
            details["ignored_keys"] = sorted(ignored)
        tables: dict[str, pd.DataFrame] = {}
        provided: dict[str, set[str]] = {}
        rejections: list[Rejection] = []
        rows_read = 0
        for table, records in by_table.items():
            source, lines, bad, structured = _records_frame(records, display)
            frame, more, columns, table_details = _map_table(table, source, lines, display, options, structured)
            tables[table], provided[table] = frame, columns
            rejections += bad + more
            rows_read += len(records)
            details[table] = table_details
        return AdapterResult(tables, rows_read, _by_line(rejections), details, provided)


def _by_line(rejections: list[Rejection]) -> list[Rejection]:
    return sorted(rejections, key=lambda r: r.line if isinstance(r.line, int) else 0)


__all__ = ["EDGE_FIELDS", "GenericCmdbAdapter", "NODE_FIELDS", "derive_identity"]
