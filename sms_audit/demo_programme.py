"""Demo inputs for ``sms-audit programme --demo``: an auditor roster, a log of past audits, settings.

Written into the demo folder under ``programme/`` through ``DemoData.extra_files``. The content is
fixed (it draws nothing from the demo's random generator, so the evidence and ground truth stay the
same). The people are the fictional provider's staff; the roster says where each of them works or
manages, so the programme can keep everyone away from their own processes.
"""

from __future__ import annotations

import csv
import io
from typing import Any

ROSTER_YAML = """\
# Internal auditors of Northwind Managed Services (fictional). Levels: 1 can assist, 2 can lead, 3 expert.
# works_in / manages: process areas the person is part of, which they must never audit.
auditors:
  - name: Ava Brennan
    role: Quality and SMS manager
    competences: {CTX: 3, LEAD: 3, PLAN: 3, PERF: 3, SUPPORT: 2, PORT: 2, SLM: 2, CHG: 2, INC: 2, PRB: 2}
    works_in: [DOC]
    manages: [AUD, IMP]
    availability:
      days_per_month: 5
      unavailable:
        - {from: "2026-08-03", to: "2026-08-21", reason: annual leave}
  - name: Liam Okafor
    role: Service desk team lead
    competences: {CHG: 3, REL: 2, PRB: 2, CFG: 2, DTS: 2, DOC: 2, AUD: 2, PARTY: 1, SUPPORT: 2}
    works_in: [INC]
    availability:
      days_per_month: 4
      weekdays: [tue, wed, thu]
      unavailable:
        - {from: "2026-12-14", to: "2027-01-08", reason: parental leave}
  - name: Mei Tanaka
    role: Change manager
    competences: {INC: 3, PRB: 2, CFG: 3, AVC: 2, SUPDEM: 2, DOC: 3, IMP: 2, AUD: 2, PORT: 2}
    works_in: [REL]
    manages: [CHG]
    availability:
      days_per_month: 4
  - name: Priya Raman
    role: Service level manager
    competences: {PARTY: 3, ISM: 2, SUPPORT: 3, LEAD: 2, CTX: 2, PERF: 2, IMP: 3, DTS: 2, PLAN: 2}
    works_in: [PORT]
    manages: [SLM]
    availability:
      days_per_month: 4
      unavailable:
        - {from: "2027-03-01", to: "2027-03-12", reason: customer conference}
  - name: Tomas Novak
    role: Infrastructure and continuity lead
    competences: {ISM: 3, CHG: 2, REL: 3, DTS: 3, INC: 2, PLAN: 2, AUD: 2, PRB: 3}
    works_in: [CFG, SUPDEM]
    manages: [AVC]
    availability:
      days_per_month: 4
  - name: Elena Petrova
    role: Group internal audit (independent of service operations)
    competences: {AUD: 3, SUPDEM: 3, PARTY: 2, PORT: 2, SLM: 3, LEAD: 2, CTX: 2, DOC: 2, AVC: 2, IMP: 2}
    availability:
      days_per_month: 6
      unavailable:
        - {from: "2026-07-20", to: "2026-08-07", reason: annual leave}
  - name: Omar Farouk
    role: Information security officer
    competences: {AVC: 3, CFG: 2, CHG: 2, SUPPORT: 2, DOC: 2, PERF: 2, REL: 2, INC: 1}
    manages: [ISM]
    availability:
      days_per_month: 4
"""

AUDIT_LOG = [
    # id, date, clauses, auditor, result, status, finding
    ("IA-2025-01", "2025-09-16", "8.5.1.1;8.5.1.2;8.5.1.3", "Liam Okafor", "minor", "open",
     "Emergency changes approved after implementation without a retrospective review"),
    ("IA-2025-02", "2025-10-08", "8.6.1;8.6.2", "Mei Tanaka", "major", "closed",
     "Major incident procedure not followed for two priority 1 outages"),
    ("IA-2025-03", "2025-11-12", "8.6.3", "Tomas Novak", "minor", "open",
     "Known errors without workarounds recorded in the known error database"),
    ("IA-2025-04", "2025-12-03", "7.5.1;7.5.2;7.5.3;7.5.4", "Elena Petrova", "observation", "closed",
     "Review dates of several procedures tracked outside the document register"),
    ("IA-2026-01", "2026-02-10", "8.3.2;8.3.3", "Elena Petrova", "conforming", "closed", ""),
    ("IA-2026-02", "2026-03-17", "5.1;5.2.1;5.2.2;5.3", "Priya Raman", "ofi", "closed",
     "Policy communication could use the staff intranet as well as induction"),
    ("IA-2026-03", "2026-04-21", "8.7.1;8.7.2", "Omar Farouk", "minor", "open",
     "Continuity test of the ERP service postponed twice without a new date"),
    ("IA-2026-04", "2026-05-19", "9.1;9.3;9.4", "Ava Brennan", "conforming", "closed", ""),
]

SETTINGS_YAML = """\
# Programme settings for the demo (the same keys as the programme: section of sms-audit.yaml).
roster: roster.yaml
audit_log: audit-log.csv
months: 12
seed: 20000
audit_weekdays: [mon, tue, wed, thu]
blackout:
  - {from: "2026-12-21", to: "2027-01-03", reason: year-end change freeze}
criticality:
  INC: high
  CHG: high
  AVC: high
  ISM: high
  CFG: high
  SLM: medium
  PRB: medium
  REL: medium
  PARTY: medium
  SUPDEM: low
  DTS: low
  SUPPORT: low
"""


def _audit_log_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["id", "date", "clauses", "auditor", "result", "status", "finding"])
    writer.writerows(AUDIT_LOG)
    return buffer.getvalue()


def add_files(data: Any) -> None:
    """Add the programme inputs to the demo's files (``data`` is the demo's DemoData)."""
    data.extra_files["programme/roster.yaml"] = ROSTER_YAML
    data.extra_files["programme/audit-log.csv"] = _audit_log_csv()
    data.extra_files["programme/settings.yaml"] = SETTINGS_YAML
