"""Document registers (CSV): documents and records with owner, approval and review dates.

Registers have no standard layout, so headers are matched by synonyms and status
words are normalised to one vocabulary: draft, under_review, approved, obsolete,
superseded, withdrawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidence_adapters.base import ADAPTERS, AdapterResult
from evidence_adapters.csv_source import read_delimited
from evidence_adapters.mapping import DEFAULT_DATE_FORMATS, Field, MissingColumnError, map_fields, token
from sms_audit.errors import EvidenceError

STATUSES = {
    "released": "approved",
    "final": "approved",
    "frozen": "approved",
    "effective": "approved",
    "published": "approved",
    "active": "approved",
    "in_review": "under_review",
    "review": "under_review",
    "pending_approval": "under_review",
    "retired": "obsolete",
    "archived": "obsolete",
}

FIELDS = (
    Field(
        "id", ("id", "doc_id", "document_id", "document id", "document number", "doc no", "reference"), required=True
    ),
    Field("title", ("title", "document title", "name")),
    Field("doc_type", ("doc_type", "type", "document_type", "document type", "category"), "token"),
    Field("process_tags", ("process_tags", "process", "processes", "domain")),
    Field("clause_tags", ("clause_tags", "clauses", "clause", "iso_clause", "clause_refs")),
    Field("owner", ("owner", "process owner", "document owner")),
    Field("author", ("author", "prepared by")),
    Field("approver", ("approver", "approved by", "approved_by")),
    Field("version", ("version", "revision", "rev")),
    Field("status", ("status", "state"), "token", STATUSES),
    Field(
        "approved_at",
        ("approved_at", "approval date", "effective date", "release date", "publication date", "issue date"),
        "datetime",
    ),
    Field("last_reviewed", ("last_reviewed", "last review", "last review date", "reviewed on"), "datetime"),
    Field("next_review", ("next_review", "next review", "review date", "review_date", "review due"), "datetime"),
)


@ADAPTERS.register("document_register")
class DocumentRegisterAdapter:
    name = "document_register"
    description = "Document register CSV (headers matched by synonyms)"

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        text = read_delimited(path, display_path, options.get("delimiter"))
        opts = dict(options)
        opts.setdefault("date_formats", [*DEFAULT_DATE_FORMATS, "%d.%m.%Y", "%d/%m/%Y"])
        try:
            mapped = map_fields(text.frame, text.lines, FIELDS, display_path, opts)
        except MissingColumnError as exc:
            raise EvidenceError(f"{display_path}: document register: {exc}") from None
        documents = mapped.frame
        if "status" in documents:
            # 'Approved for Document Reservation' and similar still mean approved.
            starts_approved = documents["status"].str.startswith("approved").fillna(False).astype(bool)
            documents.loc[starts_approved, "status"] = "approved"
            documents["status"] = token(documents["status"]).where(documents["status"].notna())
        return AdapterResult(
            {"documents": documents},
            text.rows_read,
            text.rejections + mapped.rejections,
            {"columns": mapped.mapping, "encoding": text.encoding, "delimiter": text.delimiter},
            {"documents": mapped.provided},
        )
