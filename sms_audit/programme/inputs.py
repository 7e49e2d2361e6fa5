"""Programme inputs: settings, auditor roster, audit log and scan reports, each loaded and validated.

YAML goes through :mod:`sms_audit.safe_yaml`; CSV rows are turned into the same structure and
checked against the same JSON Schema, so an error names the file and the line or row either way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from rules import SCHEMAS_DIR
from sms_audit.errors import ConfigError, UnsafeYamlError
from sms_audit.safe_yaml import line_of, load_yaml_file, plain

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_SEED = 20000
DEFAULT_MONTHS = 12
DEFAULT_DAYS_PER_MONTH = 4


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    reason: str = ""

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Auditor:
    name: str
    competences: dict[str, int]
    works_in: tuple[str, ...] = ()
    manages: tuple[str, ...] = ()
    role: str = ""
    days_per_month: int = DEFAULT_DAYS_PER_MONTH
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    unavailable: tuple[Period, ...] = ()

    def involved_in(self, area: str) -> bool:
        return area in self.works_in or area in self.manages

    def available_on(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and not any(p.contains(day) for p in self.unavailable)


@dataclass(frozen=True)
class PastAudit:
    id: str
    date: dt.date
    clauses: tuple[str, ...]
    auditor: str
    result: str
    status: str
    finding: str
    source: str


@dataclass
class Settings:
    """The programme: section (or a settings file), resolved against its base folder."""

    base_dir: Path
    roster: Path | None = None
    audit_log: Path | None = None
    earlier_scans: list[Path] = field(default_factory=list)
    scans_dir: Path | None = None
    start: dt.date | None = None
    months: int = DEFAULT_MONTHS
    seed: int = DEFAULT_SEED
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    blackout: tuple[Period, ...] = ()
    budget_days: int | None = None
    criticality: dict[str, str] = field(default_factory=dict)


def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / name).read_text(encoding="utf-8"))


def _validate(data: Any, schema: dict[str, Any], source: str, where=None) -> None:
    """Raise one ConfigError listing every schema violation with its location."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return
    lines = []
    for err in errors:
        path = list(err.absolute_path)
        key = ".".join(str(p) for p in path) or "(top level)"
        location = where(path) if where else f"{source}:{line_of(data, path)}"
        lines.append(f"{location}: {key}: {err.message}")
    raise ConfigError(f"{source}: invalid:\n  " + "\n  ".join(lines))


def _date(value: Any, source: str, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{source}: {key}: {value!r} is not a date (YYYY-MM-DD)") from None


def _period(entry: dict[str, Any], source: str, key: str) -> Period:
    period = Period(_date(entry["from"], source, key), _date(entry["to"], source, key), str(entry.get("reason", "")))
    if period.end < period.start:
        raise ConfigError(f"{source}: {key}: 'to' ({period.end}) is before 'from' ({period.start})")
    return period


def _weekdays(names: list[str] | None, default: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted({WEEKDAYS.index(n) for n in names})) if names else default


def _load_yaml(path: Path) -> Any:
    try:
        return load_yaml_file(path)
    except UnsafeYamlError as exc:
        raise ConfigError(str(exc)) from None


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]


def _csv_where(path: Path, prefix: str):
    """Error location for a CSV file whose rows became ``{prefix: [rows]}`` (row 1 is the header)."""

    def where(parts: list) -> str:
        if len(parts) >= 2 and parts[0] == prefix and isinstance(parts[1], int):
            return f"{path}: row {parts[1] + 2}"
        return str(path)

    return where


# --------------------------------------------------------------------------------------------- settings


def load_settings(section: dict[str, Any], base_dir: Path, source: str) -> Settings:
    """Validate a programme section (from the config or a settings file) and resolve its paths."""
    schema = _schema("config.schema.json")["properties"]["programme"]
    _validate(section, schema, source)
    settings = Settings(base_dir=base_dir)
    if section.get("roster"):
        settings.roster = base_dir / section["roster"]
    if section.get("audit_log"):
        settings.audit_log = base_dir / section["audit_log"]
    settings.earlier_scans = [base_dir / p for p in section.get("earlier_scans") or []]
    if section.get("scans_dir"):
        settings.scans_dir = base_dir / section["scans_dir"]
    if section.get("start"):
        settings.start = _date(section["start"], source, "programme.start")
    settings.months = int(section.get("months", DEFAULT_MONTHS))
    settings.seed = int(section.get("seed", DEFAULT_SEED))
    settings.weekdays = _weekdays(section.get("audit_weekdays"), settings.weekdays)
    settings.blackout = tuple(
        _period(b, source, f"programme.blackout[{i}]") for i, b in enumerate(section.get("blackout") or [])
    )
    settings.budget_days = section.get("budget_days")
    settings.criticality = dict(section.get("criticality") or {})
    return settings


def load_settings_file(path: Path) -> Settings:
    data = _load_yaml(path)
    if isinstance(data, dict) and "programme" in data and len(data) == 1:
        data = data["programme"]
    return load_settings(plain(data) if isinstance(data, dict) else data, path.resolve().parent, str(path))


# --------------------------------------------------------------------------------------------- roster


def _roster_from_csv(path: Path) -> dict[str, Any]:
    auditors = []
    for row in _read_csv(path):
        entry: dict[str, Any] = {"name": row.get("name", "")}
        if row.get("role"):
            entry["role"] = row["role"]
        competences: dict[str, Any] = {}
        for part in _split(row.get("competences", "")):
            area, _, level = part.partition(":")
            competences[area.strip()] = int(level) if level.strip().isdigit() else level.strip() or 2
        entry["competences"] = competences
        for key in ("works_in", "manages"):
            entry[key] = _split(row.get(key, ""))
        availability: dict[str, Any] = {}
        if row.get("days_per_month"):
            days = row["days_per_month"]
            availability["days_per_month"] = int(days) if days.isdigit() else days
        if row.get("weekdays"):
            availability["weekdays"] = [d.lower() for d in _split(row["weekdays"])]
        unavailable = []
        for part in _split(row.get("unavailable", "")):
            start, _, end = part.partition("/")
            unavailable.append({"from": start.strip(), "to": (end or start).strip()})
        if unavailable:
            availability["unavailable"] = unavailable
        entry["availability"] = availability
        auditors.append(entry)
    return {"auditors": auditors}


def _load_validated(path: Path, from_csv, key: str, schema: str) -> tuple[dict[str, Any], Any]:
    """A roster or audit log from CSV (rows turned into the YAML shape) or YAML, checked against its schema;
    with the function that names an entry's place (CSV row, or YAML line)."""
    if path.suffix.lower() == ".csv":
        data, where = from_csv(path), _csv_where(path, key)
    else:
        data, where = _load_yaml(path), None
    _validate(data, _schema(schema), str(path), where)
    return data, where or (lambda at: f"{path}:{line_of(data, at)}")


def load_roster(path: Path, area_ids: set[str]) -> list[Auditor]:
    data, where = _load_validated(path, _roster_from_csv, "auditors", "roster.schema.json")
    auditors = []
    seen: set[str] = set()
    for index, entry in enumerate(data["auditors"]):
        loc = where(["auditors", index])
        name = str(entry["name"]).strip()
        if name in seen:
            raise ConfigError(f"{loc}: auditor {name!r} is listed twice; merge the two entries")
        seen.add(name)
        raw = entry["competences"]
        competences = {str(a): 2 for a in raw} if isinstance(raw, list) else {str(k): int(v) for k, v in raw.items()}
        involved = [*entry.get("works_in", []), *entry.get("manages", [])]
        unknown = sorted({a for a in [*competences, *involved] if a not in area_ids})
        if unknown:
            raise ConfigError(
                f"{loc}: {name}: unknown process area(s) {', '.join(unknown)}; use the area ids "
                f"{', '.join(sorted(area_ids))}"
            )
        availability = entry.get("availability") or {}
        auditors.append(
            Auditor(
                name=name,
                role=str(entry.get("role", "")),
                competences=competences,
                works_in=tuple(entry.get("works_in", [])),
                manages=tuple(entry.get("manages", [])),
                days_per_month=int(availability.get("days_per_month", DEFAULT_DAYS_PER_MONTH)),
                weekdays=_weekdays(availability.get("weekdays"), (0, 1, 2, 3, 4)),
                unavailable=tuple(
                    _period(p, loc, f"{name}.availability.unavailable[{i}]")
                    for i, p in enumerate(availability.get("unavailable") or [])
                ),
            )
        )
    return auditors


# --------------------------------------------------------------------------------------------- audit log


def _log_from_csv(path: Path) -> dict[str, Any]:
    audits = []
    for row in _read_csv(path):
        entry: dict[str, Any] = {
            "date": row.get("date", ""),
            "clauses": _split(row.get("clauses", "")),
            "auditor": row.get("auditor", ""),
            "result": row.get("result", "").lower(),
        }
        for key in ("id", "finding"):
            if row.get(key):
                entry[key] = row[key]
        if row.get("status"):
            entry["status"] = row["status"].lower()
        audits.append(entry)
    return {"audits": audits}


def load_audit_log(path: Path, clause_ids: set[str]) -> list[PastAudit]:
    data, where = _load_validated(path, _log_from_csv, "audits", "audit-log.schema.json")
    entries = []
    for index, entry in enumerate(data["audits"]):
        loc = where(["audits", index])
        unknown = sorted(c for c in entry["clauses"] if c not in clause_ids)
        if unknown:
            raise ConfigError(f"{loc}: clause(s) {', '.join(unknown)} are not in the catalogue")
        result = entry["result"]
        status = entry.get("status") or ("open" if result in ("major", "minor") else "closed")
        entries.append(
            PastAudit(
                id=str(entry.get("id") or f"LOG-{index + 1}"),
                date=_date(entry["date"], loc, "date"),
                clauses=tuple(entry["clauses"]),
                auditor=str(entry["auditor"]),
                result=result,
                status=status,
                finding=str(entry.get("finding", "")),
                source=loc,
            )
        )
    return sorted(entries, key=lambda e: (e.date, e.id))


# --------------------------------------------------------------------------------------------- scan reports


def load_report(path: Path) -> dict[str, Any]:
    if path.is_dir():
        path = path / "report.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: scan report not found; give a report.json path, its folder, a scan id or 'latest'"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable scan report: {exc}") from None
    if not isinstance(report, dict) or not {"audit", "clauses", "findings", "results"} <= set(report):
        raise ConfigError(f"{path}: not an sms-audit report.json (needs audit, clauses, findings and results)")
    report.setdefault("_path", str(path))
    return report


def _report_key(report: dict[str, Any]) -> tuple[str, str]:
    return (str(report["audit"].get("as_of", "")), str((report.get("run") or {}).get("finished_at", "")))


def resolve_scan(ref: str, search: list[Path]) -> dict[str, Any]:
    """A report path or folder, ``latest`` (newest as_of, then run end) or a scan id among ``search``."""
    candidate = Path(ref)
    if ref != "latest" and (candidate.is_file() or candidate.is_dir()):
        return load_report(candidate)
    found = []
    for folder in search:
        if folder.is_file():
            found.append(load_report(folder))
        elif folder.is_dir():
            found += [load_report(p) for p in sorted(folder.rglob("report.json"))]
    if ref == "latest":
        if not found:
            raise ConfigError(
                f"--scan latest: no report.json under {', '.join(map(str, search)) or '(no folder)'}; "
                "run sms-audit scan first or give a report path"
            )
        return max(found, key=_report_key)
    for report in found:
        if (report.get("run") or {}).get("scan_id") == ref:
            return report
    raise ConfigError(f"--scan {ref}: neither a report file nor a scan id found under {', '.join(map(str, search))}")
