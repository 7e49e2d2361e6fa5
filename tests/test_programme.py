"""Internal audit programme: the parts on small, hand-made inputs (sampling, assignment, schedule, files)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import pytest

from sms_audit.catalogue import load_catalogue
from sms_audit.errors import ConfigError
from sms_audit.programme.areas import DEFAULT_AREAS, areas_for, requirement_bearing
from sms_audit.programme.assign import Need, assign
from sms_audit.programme.build import ProgrammeInputs, build_programme
from sms_audit.programme.ics import fold, render_ics
from sms_audit.programme.inputs import Auditor, Period, Settings, load_audit_log, load_roster, load_settings
from sms_audit.programme.risk import priority_order, score_areas
from sms_audit.programme.sampling import Population, allocate, draw, statistical_size
from sms_audit.programme.schedule import Slot, audit_days, place, window_end
from sms_audit.programme.worksheets import load_manual_results

CAT = load_catalogue("iso20000-1-2018")
AREA_IDS = {a.id for a in areas_for(CAT)}


def test_every_requirement_bearing_clause_has_exactly_one_default_area():
    grouped = [c for a in DEFAULT_AREAS for c in a.clauses]
    assert len(grouped) == len(set(grouped))
    assert set(requirement_bearing(CAT)) <= set(grouped)
    assert all(not c.startswith("CLAUSE-") for c in AREA_IDS)  # no clause fell through to an area of its own


# ------------------------------------------------------------------------------------------------ sampling


@pytest.mark.parametrize(
    ("population", "confidence", "tolerable", "expected"),
    [(100_000, 0.95, 0.05, 59), (100_000, 0.90, 0.10, 22), (100_000, 0.80, 0.15, 10), (420, 0.95, 0.05, 52),
     (30, 0.95, 0.05, 21), (5, 0.95, 0.05, 5), (0, 0.95, 0.05, 0)],
)
def test_attribute_sample_sizes_follow_the_stated_formula(population, confidence, tolerable, expected):
    assert statistical_size(population, confidence, tolerable) == expected


def test_allocation_is_proportional_with_one_per_stratum():
    alloc = allocate({"1": 5, "2": 40, "3": 300, "4": 75}, 59)
    assert sum(alloc.values()) == 59
    assert all(v >= 1 for v in alloc.values())
    assert alloc["3"] > alloc["4"] > alloc["2"] >= alloc["1"]
    assert allocate({"a": 2, "b": 1}, 10) == {"a": 2, "b": 1}


def _population() -> Population:
    strata = {str(p): [f"INC{p}{i:04d}" for i in range(n)] for p, n in {1: 8, 2: 30, 3: 200, 4: 60}.items()}
    return Population("tickets: incident", "tickets", ["INC-001"], strata, "priority", ["INC30001", "INC30002",
                                                                                        "INC30003", "INC40007"])


def test_same_seed_same_sample_other_seed_other_sample():
    first = draw(_population(), "IA-01", 20000, 0.95, 0.05)
    again = draw(_population(), "IA-01", 20000, 0.95, 0.05)
    other = draw(_population(), "IA-01", 7, 0.95, 0.05)
    assert first == again
    assert first["ids"] != other["ids"]
    assert first["statistical_size"] == statistical_size(298, 0.95, 0.05)
    assert first["size"] == len(first["ids"]) == first["statistical_size"] + first["oversampled"]
    assert set(first["flagged_ids"]) <= {"INC30001", "INC30002", "INC30003", "INC40007"}
    assert first["oversampled"] >= 1
    assert {s["stratum"] for s in first["strata"]} == {"1", "2", "3", "4"}
    for key in ("population", "size", "seed", "method", "ids", "formula", "draw_seed"):
        assert key in first
    assert len(set(first["ids"])) == len(first["ids"])


# ------------------------------------------------------------------------------------------------ assignment


def _auditor(name: str, comp: dict[str, int], works=(), manages=(), **kw) -> Auditor:
    return Auditor(name=name, competences=comp, works_in=tuple(works), manages=tuple(manages), **kw)


def test_assignment_keeps_independence_and_competence():
    auditors = [
        _auditor("A", {"CHG": 3, "INC": 3}, works=["INC"]),
        _auditor("B", {"INC": 2, "CHG": 1}, manages=["PRB"]),
        _auditor("C", {"PRB": 2, "CHG": 2}, works=["CHG"]),
    ]
    needs = [Need("CHG-1", ("CHG",), 2, 2), Need("INC-1", ("INC",), 1, 1), Need("PRB-1", ("PRB",), 1, 1)]
    teams = assign(needs, auditors, 12)
    assert teams["CHG-1"] == ["A", "B"]  # A is the only independent lead; B (level 1) may assist; C works in CHG
    assert teams["INC-1"] == ["B"]  # A works in INC
    assert teams["PRB-1"] == ["C"]  # B manages PRB


def test_assignment_uses_an_independent_competent_lead_when_one_exists():
    auditors = [_auditor("C", {"PRB": 2}, works=["CHG"]), _auditor("D", {"PRB": 3}, manages=["PRB"])]
    teams = assign([Need("PRB-1", ("PRB",), 1, 1)], auditors, 12)
    assert teams["PRB-1"] == ["C"]


def _report(verdicts: dict[str, str], findings=()) -> dict:
    return {
        "audit": {"organisation": "Test Ltd", "standard": "ISO/IEC 20000-1:2018", "edition": "2018",
                  "period": {"from": "2025-01-01", "to": "2025-12-31"}, "as_of": "2025-12-31",
                  "scope": {"services": []}},
        "clauses": [{"id": c.id, "verdict": verdicts.get(c.id, "conforming")} for c in CAT.clauses],
        "findings": list(findings),
        "results": [],
    }


def _everyone(exclude_area: str | None = None) -> list[Auditor]:
    """Two auditors competent everywhere, each working in half of the areas (so every area has one)."""
    ids = sorted(AREA_IDS)
    half = len(ids) // 2
    a = _auditor("Ann", {i: 2 for i in ids}, works=ids[:half], days_per_month=8)
    b = _auditor("Bob", {i: 2 for i in ids}, works=ids[half:], days_per_month=8)
    if exclude_area:  # nobody independent for this area
        a = _auditor("Ann", {i: 2 for i in ids}, works=[*ids[:half], exclude_area], days_per_month=8)
        b = _auditor("Bob", {i: 2 for i in ids}, works=[*ids[half:], exclude_area], days_per_month=8)
    return [a, b]


def _programme(auditors, report, settings=None) -> dict:
    settings = settings or Settings(base_dir=Path("."))
    return build_programme(
        ProgrammeInputs(latest=report, catalogue=CAT, auditors=auditors, settings=settings, start=dt.date(2026, 1, 1))
    )


def test_no_independent_auditor_is_a_finding_on_9_2_not_a_broken_rule():
    programme = _programme(_everyone(exclude_area="CHG"), _report({"8.5.1.3": "nonconforming_major"}))
    assert not [a for a in programme["audits"] if "CHG" in a["processes"]]
    finding = next(f for f in programme["findings"] if f["area"] == "CHG")
    assert finding["clause"] == "9.2" and finding["grade"] == "minor"
    assert "independent" in finding["title"]
    assert set(programme["coverage"]["missing"]) == {"8.5.1.1", "8.5.1.2", "8.5.1.3"}


def test_schedule_orders_by_risk_and_double_books_nobody():
    report = _report({"8.6.1": "nonconforming_major", "8.5.1.3": "nonconforming_minor"},
                     [{"id": "F-1", "rule": "INC-001", "grade": "major", "clauses": ["8.6.1"], "title": "t",
                       "records": []}])
    programme = _programme(_everyone(), report)
    assert programme["coverage"]["missing"] == [] and programme["findings"] == []
    first = {}
    for audit in programme["audits"]:
        first.setdefault(audit["processes"][0], audit["start"])
    assert first["INC"] < first["CHG"] < min(v for k, v in first.items() if k not in ("INC", "CHG"))
    booked: dict[tuple[str, str], str] = {}
    for audit in programme["audits"]:
        for name in audit["auditors"]:
            for day in audit["dates"]:
                assert (name, day) not in booked, f"{name} double-booked on {day}"
                booked[(name, day)] = audit["id"]
            area = audit["processes"][0]
            assert area not in next(a for a in _everyone() if a.name == name).works_in


def test_placement_respects_availability_blackout_and_monthly_limit():
    settings = Settings(base_dir=Path("."), blackout=(Period(dt.date(2026, 1, 5), dt.date(2026, 1, 9)),))
    days = audit_days(dt.date(2026, 1, 1), window_end(dt.date(2026, 1, 1), 2), settings)
    assert dt.date(2026, 1, 6) not in days and all(d.weekday() < 5 for d in days)
    leave = (Period(dt.date(2026, 1, 1), dt.date(2026, 1, 13)),)
    ann = _auditor("Ann", {"CHG": 2}, days_per_month=2, unavailable=leave)
    slots = [Slot(f"S{i}", 1, ["Ann"], True) for i in range(3)]
    problems = place(slots, [ann], days, None)
    assert problems == []
    dates = [s.dates[0] for s in slots]
    assert dates[0] >= dt.date(2026, 1, 14)
    assert sum(d.month == 1 for d in dates) <= 2
    assert dates == sorted(dates) and len(set(dates)) == 3


def test_risk_score_parts_add_up_and_earlier_scan_gives_a_trend():
    latest = _report({"8.6.1": "nonconforming_minor"},
                     [{"id": "F-1", "rule": "INC-001", "grade": "minor", "clauses": ["8.6.1"], "title": "t"}])
    earlier = _report({}, [])
    earlier["audit"]["as_of"] = "2025-06-30"
    risks = {r.area.id: r for r in score_areas(areas_for(CAT), latest, [earlier], [], {"INC": "high"},
                                               dt.date(2026, 1, 1))}
    inc = risks["INC"]
    assert inc.parts["trend"] == 3.0 and inc.parts["criticality"] == 20 and inc.parts["verdict"] == 20
    assert inc.score == round(sum(inc.parts.values()), 1)
    assert priority_order(list(risks.values()))[0].area.id == "INC"


# ------------------------------------------------------------------------------------------------ inputs


def test_roster_yaml_and_csv_are_validated_with_locations(tmp_path):
    good = tmp_path / "roster.csv"
    good.write_text("name,competences,works_in,manages,days_per_month,unavailable\n"
                    "Ann,CHG:3;INC:2,INC,,4,2026-08-01/2026-08-14\n")
    (ann,) = load_roster(good, AREA_IDS)
    assert ann.competences == {"CHG": 3, "INC": 2} and ann.works_in == ("INC",)
    assert not ann.available_on(dt.date(2026, 8, 3))
    bad = tmp_path / "bad.csv"
    bad.write_text("name,competences\nAnn,CHG:9\n")
    with pytest.raises(ConfigError, match=r"bad.csv: row 2"):
        load_roster(bad, AREA_IDS)
    unknown = tmp_path / "roster.yaml"
    unknown.write_text("auditors:\n  - name: Ann\n    competences: {XYZ: 2}\n")
    with pytest.raises(ConfigError, match=r"roster.yaml:2: Ann: unknown process area\(s\) XYZ"):
        load_roster(unknown, AREA_IDS)


def test_audit_log_and_settings_are_validated(tmp_path):
    log = tmp_path / "log.yaml"
    log.write_text("audits:\n  - {date: '2025-03-01', clauses: ['8.6.1'], auditor: Ann, result: minor}\n")
    (entry,) = load_audit_log(log, {c.id for c in CAT.clauses})
    assert entry.status == "open"
    log.write_text("audits:\n  - {date: '2025-03-01', clauses: ['8.6.1'], auditor: Ann, result: bad}\n")
    with pytest.raises(ConfigError, match="log.yaml:2"):
        load_audit_log(log, {c.id for c in CAT.clauses})
    with pytest.raises(ConfigError, match="months"):
        load_settings({"months": 0}, tmp_path, "cfg")


# ------------------------------------------------------------------------------------------------ files


def test_ics_lines_are_crlf_and_folded():
    line = "DESCRIPTION:" + "é" * 80
    folded = fold(line)
    physical = folded.split("\r\n")[:-1]
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert "".join([physical[0], *[p[1:] for p in physical[1:]]]) == line


def test_ics_of_a_small_programme_parses_with_icalendar():
    programme = _programme(_everyone(), _report({}))
    text = render_ics(programme)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    calendar = icalendar.Calendar.from_ical(text.encode("utf-8"))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(programme["audits"])
    first = programme["audits"][0]
    assert events[0].decoded("DTSTART") == dt.date.fromisoformat(first["start"])
    assert str(events[0]["SUMMARY"]).startswith(first["id"])


def test_manual_results_errors_name_file_row_and_the_fix(tmp_path):
    sheet = tmp_path / "IA-01.csv"
    sheet.write_text(
        "audit,kind,item,result,auditor,date\n"
        "IA-01,manual,MAN-C4-1,good,Ann,2026-01-05\n"
        "IA-01,manual,MAN-C4-2,minor,,2026-01-05\n"
        "IA-01,manual,MAN-C4-3,minor,Ann,05/01/2026\n"
        "IA-01,manual,MAN-C4-4,,,\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_manual_results([sheet])
    message = str(caught.value)
    assert "IA-01.csv: row 2: result: 'good' is not a result; use one of" in message
    assert "row 3: auditor: a judged row needs the auditor's name" in message
    assert "row 4: date: '05/01/2026' is not a date; write it as YYYY-MM-DD" in message
    assert "row 5" not in message  # an empty result is simply not judged yet
    missing = tmp_path / "other.csv"
    missing.write_text("audit,item\nIA-01,X\n")
    with pytest.raises(ConfigError, match="header lacks column"):
        load_manual_results([missing])


def test_published_programme_schemas_are_valid():
    import jsonschema

    from rules import SCHEMAS_DIR

    for name in ("roster", "audit-log", "manual-results", "config"):
        jsonschema.Draft202012Validator.check_schema(json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text()))


def test_config_programme_section_is_validated_and_resolved(tmp_path):
    from sms_audit.config import load_config
    from sms_audit.programme.run import Options, settings_for

    base = (
        'organisation: "T"\naudit:\n  period: {from: "2025-01-01", to: "2025-12-31"}\n'
        "evidence:\n  - {path: tickets.csv}\n"
    )
    path = tmp_path / "sms-audit.yaml"
    path.write_text(base + "programme:\n  roster: people/roster.yaml\n  months: 6\n  criticality: {CHG: high}\n")
    settings = settings_for(load_config(path), Options(seed=3))
    assert settings.roster == tmp_path / "people" / "roster.yaml"
    assert settings.months == 6 and settings.seed == 3 and settings.criticality == {"CHG": "high"}
    path.write_text(base + "programme:\n  rooster: x.yaml\n")
    with pytest.raises(ConfigError, match="programme: Additional properties are not allowed"):
        load_config(path)
