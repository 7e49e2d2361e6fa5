"""Gathering the programme's inputs from the command line, the config and the files they name."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from sms_audit.catalogue import load_catalogue
from sms_audit.config import ScanConfig
from sms_audit.errors import ConfigError
from sms_audit.programme.areas import areas_for
from sms_audit.programme.build import ProgrammeInputs, build_programme
from sms_audit.programme.inputs import (
    Settings,
    load_audit_log,
    load_report,
    load_roster,
    load_settings,
    load_settings_file,
    resolve_scan,
)

CATALOGUE_ID = "iso20000-1-2018"
DEMO_SETTINGS = Path("programme") / "settings.yaml"


@dataclasses.dataclass
class Options:
    scan: str | None = None
    roster: Path | None = None
    audit_log: Path | None = None
    earlier: tuple[Path, ...] = ()
    start: str | None = None
    months: int | None = None
    seed: int | None = None


def _display(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def settings_for(config: ScanConfig | None, options: Options, demo_dir: Path | None = None) -> Settings:
    if demo_dir is not None and (demo_dir / DEMO_SETTINGS).is_file() and not (config and config.programme):
        settings = load_settings_file(demo_dir / DEMO_SETTINGS)
        settings.base_dir = demo_dir
    elif config is not None:
        settings = load_settings(config.programme, config.base_dir, str(config.config_path or "config"))
    else:
        settings = load_settings({}, Path.cwd(), "(defaults)")
    if options.roster:
        settings.roster = options.roster
    if options.audit_log:
        settings.audit_log = options.audit_log
    if options.start:
        try:
            settings.start = dt.date.fromisoformat(options.start)
        except ValueError:
            raise ConfigError(f"--start: {options.start!r} is not a date (YYYY-MM-DD)") from None
    if options.months is not None:
        if not 1 <= options.months <= 36:
            raise ConfigError("--months: give a number of months from 1 to 36")
        settings.months = options.months
    if options.seed is not None:
        settings.seed = options.seed
    settings.earlier_scans = [*settings.earlier_scans, *options.earlier]
    return settings


def prepare(
    config: ScanConfig | None, options: Options, demo_dir: Path | None = None, result: Any = None
) -> ProgrammeInputs:
    """Load or run the latest scan and every other input; raise ConfigError with what to do.

    ``result`` is a ScanResult of ``config`` already at hand (it is then not run again).
    """
    from sms_audit.scanner import context_for

    settings = settings_for(config, options, demo_dir)
    base = demo_dir or (config.base_dir if config else None)
    catalogue = load_catalogue(CATALOGUE_ID)
    areas = areas_for(catalogue)
    if settings.roster is None:
        raise ConfigError("no auditor roster: pass --roster FILE or set programme.roster in the config")
    auditors = load_roster(settings.roster, {a.id for a in areas})
    past = load_audit_log(settings.audit_log, {c.id for c in catalogue.clauses}) if settings.audit_log else []
    earlier = [load_report(p) for p in settings.earlier_scans]
    packs = evidence = contexts = None
    sources: dict[str, Any] = {}
    if options.scan:
        search = [p for p in [settings.scans_dir, *settings.earlier_scans] if p is not None]
        if config is not None and not search:
            search = [config.base_dir / (config.outputs.get("dir") or "audit-out")]
        latest = resolve_scan(options.scan, search)
        sources["scan"] = {
            "report": _display(Path(latest["_path"]), base),
            "scan_id": (latest.get("run") or {}).get("scan_id"),
            "as_of": latest["audit"].get("as_of"),
        }
        if config is not None:
            from sms_audit.evidence import load_evidence
            from sms_audit.rules import load_packs

            packs = load_packs(config.rule_packs, config.base_dir)
            evidence = load_evidence(config)
    else:
        if config is None:
            raise ConfigError("nothing to plan from: give --config FILE, --demo or --scan REPORT")
        if result is None:
            from sms_audit.scanner import scan

            result = scan(config)
        latest, packs, evidence = copy.deepcopy(result.report), result.packs, result.evidence
        sources["scan"] = {"report": "run by sms-audit programme", "scan_id": None, "as_of": latest["audit"]["as_of"]}
    latest.pop("_path", None)
    if str(latest["audit"].get("edition")) not in ("2018", "None"):
        raise ConfigError("the programme is planned in 2018 clause numbering: give a scan reported with --edition 2018")
    if packs is not None and config is not None:
        contexts = {}
        for pack in packs:
            params = {**pack.defaults(), **{k: v for k, v in config.parameters.items() if k in pack.parameters}}
            contexts[pack.id] = context_for(config, params)
    for report in earlier:
        report.pop("_path", None)
    sources["earlier_scans"] = [
        {"report": _display(p, base), "as_of": r["audit"].get("as_of")}
        for p, r in zip(settings.earlier_scans, earlier, strict=True)
    ]
    sources["roster"] = _display(settings.roster, base)
    sources["audit_log"] = _display(settings.audit_log, base) if settings.audit_log else None
    sources["sampling"] = (
        "evidence of the scanned config" if evidence is not None else "none: give --config so records can be sampled"
    )
    period_to = dt.date.fromisoformat(latest["audit"]["period"]["to"])
    start = settings.start or period_to + dt.timedelta(days=1)
    return ProgrammeInputs(
        latest=latest,
        catalogue=catalogue,
        auditors=auditors,
        settings=settings,
        start=start,
        earlier=earlier,
        past=past,
        packs=packs,
        evidence=evidence,
        contexts=contexts,
        sources=sources,
    )


def make_programme(
    config: ScanConfig | None, options: Options, demo_dir: Path | None = None, result: Any = None
) -> dict[str, Any]:
    return build_programme(prepare(config, options, demo_dir, result))
