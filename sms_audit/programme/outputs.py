"""Writing the programme's files into --out (and nowhere else): JSON, CSV, HTML, ICS and worksheets."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from sms_audit.io import write_atomic
from sms_audit.programme.ics import render_ics
from sms_audit.programme.worksheets import worksheet_csv, worksheet_xlsx

CSV_COLUMNS = (
    "id",
    "title",
    "kind",
    "processes",
    "clauses",
    "start",
    "end",
    "days",
    "auditors",
    "lead",
    "methods",
    "risk_score",
    "risk_band",
    "samples",
    "sampled_records",
    "manual_items",
    "follow_up_items",
)


def render_json(programme: dict[str, Any]) -> str:
    return json.dumps(programme, indent=2, ensure_ascii=False) + "\n"


def render_csv(programme: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for audit in programme["audits"]:
        writer.writerow(
            {
                "id": audit["id"],
                "title": audit["title"],
                "kind": audit["kind"],
                "processes": ";".join(audit["processes"]),
                "clauses": ";".join(audit["clauses"]),
                "start": audit["start"],
                "end": audit["end"],
                "days": audit["days"],
                "auditors": ";".join(audit["auditors"]),
                "lead": audit["lead"],
                "methods": ";".join(audit["methods"]),
                "risk_score": audit["risk"]["score"],
                "risk_band": audit["risk"]["band"],
                "samples": ";".join(f"{s['population']}={s['size']}/{s['population_size']}" for s in audit["samples"]),
                "sampled_records": sum(s["size"] for s in audit["samples"]),
                "manual_items": len(audit["manual_items"]),
                "follow_up_items": len(audit["follow_up"]),
            }
        )
    return buffer.getvalue()


def write_programme(programme: dict[str, Any], out_dir: Path) -> list[Path]:
    from reports.programme_html import render_programme_html

    written = [
        write_atomic(out_dir, "programme.json", render_json(programme)),
        write_atomic(out_dir, "programme.csv", render_csv(programme)),
        write_atomic(out_dir, "programme.html", render_programme_html(programme)),
        write_atomic(out_dir, "programme.ics", render_ics(programme)),
    ]
    organisation = programme["programme"].get("organisation")
    for audit in programme["audits"]:
        written.append(write_atomic(out_dir, f"worksheets/{audit['id']}.xlsx", worksheet_xlsx(audit, organisation)))
        written.append(write_atomic(out_dir, f"worksheets/{audit['id']}.csv", worksheet_csv(audit)))
    return written
