"""Follow-up items (10.1): open nonconformities from earlier scans and audits, verified in the next audit.

* An earlier internal audit logged as major or minor and still ``open`` becomes an item to verify the
  correction and corrective action.
* A major or minor finding of an earlier scan that the latest scan still reports (same finding id)
  is still open: verify the progress of its corrective action. One the latest scan no longer reports
  is closed since: verify that the correction holds (effectiveness).
"""

from __future__ import annotations

from typing import Any

from sms_audit.programme.areas import Area
from sms_audit.programme.inputs import PastAudit

NC_GRADES = ("major", "minor")


def follow_ups(
    area: Area, past: list[PastAudit], earlier: list[dict[str, Any]], latest: dict[str, Any]
) -> list[dict[str, Any]]:
    clauses = set(area.clauses)
    items: list[dict[str, Any]] = []
    for entry in past:
        if entry.status == "open" and entry.result in NC_GRADES and clauses & set(entry.clauses):
            items.append(
                {
                    "ref": entry.id,
                    "source": "audit log",
                    "clauses": list(entry.clauses),
                    "grade": entry.result,
                    "raised": entry.date.isoformat(),
                    "status": "open",
                    "verify": f"Verify the correction and corrective action for {entry.id} "
                    f"({entry.result}, raised {entry.date.isoformat()} by {entry.auditor})"
                    + (f": {entry.finding}" if entry.finding else ""),
                }
            )
    current = {f["id"] for f in latest.get("findings", [])}
    seen: set[str] = set()
    for report in sorted(earlier, key=lambda r: str(r["audit"].get("as_of", "")), reverse=True):
        as_of = str(report["audit"].get("as_of", ""))
        for finding in report.get("findings", []):
            if finding.get("grade") not in NC_GRADES or finding["id"] in seen:
                continue
            if not clauses & set(finding.get("clauses", [])):
                continue
            seen.add(finding["id"])
            still = finding["id"] in current
            action = (
                "still reported by the latest scan: verify the progress of the corrective action"
                if still
                else "no longer reported: verify that the correction is effective and has not recurred"
            )
            items.append(
                {
                    "ref": f"{finding['rule']} {finding['id']}",
                    "source": f"scan as of {as_of}",
                    "clauses": list(finding.get("clauses", [])),
                    "grade": finding["grade"],
                    "raised": as_of,
                    "status": "open" if still else "closed",
                    "verify": f"{finding['rule']} ({finding['grade']}, {finding.get('title', '')}): {action}",
                }
            )
    return sorted(items, key=lambda i: (i["status"] != "open", i["raised"], i["ref"]))
