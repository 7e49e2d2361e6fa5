"""The internal audit programme (clause 9.2): risk-based, staffed independently, sampled reproducibly.

One module per job: :mod:`.areas` (process areas and their clauses), :mod:`.inputs` (settings, roster,
audit log and scan reports, validated), :mod:`.risk` (score and depth per area), :mod:`.assign`
(auditors by min-cost flow), :mod:`.schedule` (the calendar), :mod:`.populations` and
:mod:`.sampling` (what to sample and how much), :mod:`.followup` (open nonconformities),
:mod:`.worksheets` and :mod:`.manual_results` (the auditors' round trip), :mod:`.ics` and
:mod:`.outputs` (files), :mod:`.build` and :mod:`.run` (putting it together).
"""

from __future__ import annotations

from sms_audit.programme.build import ProgrammeInputs, build_programme
from sms_audit.programme.outputs import write_programme
from sms_audit.programme.run import Options, make_programme, prepare

__all__ = ["Options", "ProgrammeInputs", "build_programme", "make_programme", "prepare", "write_programme"]
