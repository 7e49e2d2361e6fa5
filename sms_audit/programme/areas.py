"""Process areas: the units an internal audit is planned, scored and staffed by.

Each area groups catalogue clauses that one audit can sensibly cover together. A roster names
the areas each auditor is competent in, works in or manages by these ids. Every requirement-bearing
clause of the catalogue belongs to exactly one area; a clause the table below does not name falls
into an area of its own (named after the clause), so coverage never silently drops a clause.
"""

from __future__ import annotations

from dataclasses import dataclass

from sms_audit.catalogue import Catalogue


@dataclass(frozen=True)
class Area:
    id: str
    title: str
    clauses: tuple[str, ...]


DEFAULT_AREAS: tuple[Area, ...] = (
    Area("CTX", "Context, interested parties and scope of the SMS", ("4.1", "4.2", "4.3", "4.4")),
    Area("LEAD", "Leadership, policy, roles and authorities", ("5.1", "5.2.1", "5.2.2", "5.3")),
    Area("PLAN", "Risks and opportunities, objectives and the SMS plan", ("6.1", "6.2.1", "6.2.2", "6.3")),
    Area("SUPPORT", "Resources, competence, awareness, communication and knowledge",
         ("7.1", "7.2", "7.3", "7.4", "7.6")),
    Area("DOC", "Documented information", ("7.5.1", "7.5.2", "7.5.3", "7.5.4")),
    Area("PORT", "Operational planning, service delivery, service planning and the catalogue",
         ("8.1", "8.2.1", "8.2.2", "8.2.4")),
    Area("PARTY", "Other parties in the service lifecycle and supplier management", ("8.2.3", "8.3.4.1", "8.3.4.2")),
    Area("CFG", "Asset and configuration management", ("8.2.5", "8.2.6")),
    Area("SLM", "Business relationship and service level management", ("8.3.2", "8.3.3")),
    Area("SUPDEM", "Budgeting and accounting, demand and capacity management", ("8.4.1", "8.4.2", "8.4.3")),
    Area("CHG", "Change management", ("8.5.1.1", "8.5.1.2", "8.5.1.3")),
    Area("DTS", "Service design and transition", ("8.5.2.1", "8.5.2.2", "8.5.2.3")),
    Area("REL", "Release and deployment management", ("8.5.3",)),
    Area("INC", "Incident and service request management", ("8.6.1", "8.6.2")),
    Area("PRB", "Problem management", ("8.6.3",)),
    Area("AVC", "Service availability and continuity management", ("8.7.1", "8.7.2")),
    Area("ISM", "Information security management", ("8.7.3.1", "8.7.3.2", "8.7.3.3")),
    Area("PERF", "Monitoring and measurement, management review and service reporting", ("9.1", "9.3", "9.4")),
    Area("AUD", "Internal audit", ("9.2",)),
    Area("IMP", "Nonconformity, corrective action and continual improvement", ("10.1", "10.2")),
)


def requirement_bearing(catalogue: Catalogue) -> list[str]:
    """Clauses that carry requirements of their own (headings only group them)."""
    return [c.id for c in catalogue.clauses if not c.heading and c.requirements]


def areas_for(catalogue: Catalogue) -> list[Area]:
    """The default areas restricted to the catalogue, plus one area per clause nobody grouped."""
    known = {c.id for c in catalogue.clauses}
    areas = [
        Area(a.id, a.title, tuple(c for c in a.clauses if c in known))
        for a in DEFAULT_AREAS
        if any(c in known for c in a.clauses)
    ]
    grouped = {c for a in areas for c in a.clauses}
    for clause_id in requirement_bearing(catalogue):
        if clause_id not in grouped:
            clause = catalogue.get(clause_id)
            areas.append(Area(f"CLAUSE-{clause_id}", clause.title if clause else clause_id, (clause_id,)))
    return areas


def area_of_clause(areas: list[Area]) -> dict[str, str]:
    return {clause: area.id for area in areas for clause in area.clauses}
