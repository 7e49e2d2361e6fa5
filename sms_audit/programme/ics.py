"""programme.ics: one all-day event per audit, written by hand to RFC 5545.

Lines end in CRLF and are folded at 75 octets (continuation lines start with a space, never in the
middle of a UTF-8 character); TEXT values escape backslash, semicolon, comma and newline. DTSTAMP is
the programme's start date, so the file does not change from run to run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

PRODID = "-//sms-audit//internal audit programme//EN"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold one content line into CRLF-terminated physical lines of at most 75 octets."""
    out: list[str] = []
    current, size = "", 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "".join(part + "\r\n" for part in out)


def _date(value: str) -> str:
    return value.replace("-", "")


def _uid(programme: dict[str, Any], audit: dict[str, Any]) -> str:
    basis = "|".join(
        [str(programme["programme"].get("organisation")), programme["programme"]["window"]["start"], audit["id"],
         ",".join(audit["processes"]), audit["kind"]]
    )
    return f"{audit['id']}-{hashlib.sha256(basis.encode()).hexdigest()[:16]}@sms-audit"


def _description(audit: dict[str, Any]) -> str:
    lines = [
        f"{audit['id']}: {audit['title']}",
        f"Clauses: {', '.join(audit['clauses'])}",
        f"Audit days: {', '.join(audit['dates'])}",
        f"Team: {', '.join(audit['auditors'])} (lead {audit['lead']})",
        f"Methods: {', '.join(audit['methods'])}",
        f"Risk: {audit['risk']['score']} ({audit['risk']['band']})",
    ]
    if audit["samples"]:
        lines.append("Samples: " + "; ".join(f"{s['population']} {s['size']} of {s['population_size']}"
                                              for s in audit["samples"]))
    if audit["follow_up"]:
        lines.append(f"Follow-up items: {len(audit['follow_up'])}")
    return "\n".join(lines)


def render_ics(programme: dict[str, Any]) -> str:
    info = programme["programme"]
    stamp = _date(info["window"]["start"]) + "T000000Z"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text('Internal audit programme ' + str(info.get('organisation') or ''))}",
    ]
    for audit in programme["audits"]:
        end = dt.date.fromisoformat(audit["end"]) + dt.timedelta(days=1)  # DTEND of an all-day event is exclusive
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_uid(programme, audit)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_date(audit['start'])}",
            f"DTEND;VALUE=DATE:{end.strftime('%Y%m%d')}",
            f"SUMMARY:{escape_text(audit['id'] + ' internal audit: ' + audit['title'])}",
            f"DESCRIPTION:{escape_text(_description(audit))}",
            f"CATEGORIES:{escape_text('Internal audit')}",
            "TRANSP:OPAQUE",
            "STATUS:CONFIRMED",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
