"""Loading and validating ``sms-audit.yaml``.

Precedence is command line > ``SMS_AUDIT_*`` environment variables > config file >
built-in defaults; the CLI resolves the first two (click ``envvar``) and hands the
result to :func:`resolve_outputs`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jsonschema

from rules import SCHEMAS_DIR
from sms_audit.errors import ConfigError, UnsafeYamlError
from sms_audit.safe_yaml import LineDict, line_of, load_yaml_file, plain

CONFIG_FILENAME = "sms-audit.yaml"
DEFAULT_PACKS = ("iso20000-1-2018",)
DEFAULT_OUT = "audit-out"
DEFAULT_FORMATS = ("json", "html", "graph")
DEFAULT_FAIL_ON = "major"


@dataclass(frozen=True)
class EvidenceSource:
    adapter: str
    paths: tuple[Path, ...]
    display_paths: tuple[str, ...]
    kind: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScanConfig:
    organisation: str
    period_from: dt.date
    period_to: dt.date
    as_of: dt.date
    base_dir: Path
    sources: tuple[EvidenceSource, ...]
    services: tuple[str, ...] = ()
    rule_packs: tuple[str, ...] = DEFAULT_PACKS
    parameters: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    config_path: Path | None = None
    quality: dict[str, float] = field(default_factory=dict)
    waivers: Path | None = None
    waivers_display: str | None = None
    edition: str = "2018"
    # The optional programme: section (sms-audit programme), as plain data.
    programme: dict[str, Any] = field(default_factory=dict)


def _schema() -> dict:
    return json.loads((SCHEMAS_DIR / "config.schema.json").read_text(encoding="utf-8"))


def validate_config_data(data: Any, source: str) -> None:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the config must be a YAML mapping (organisation, audit, evidence, ...)")
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = []
        for err in errors:
            key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
            lines.append(f"{source}:{line_of(data, list(err.absolute_path))}: {key}: {_explain(err)}")
        raise ConfigError("invalid config:\n  " + "\n  ".join(lines))


def _explain(err: jsonschema.ValidationError) -> str:
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        return f"{err.message}; allowed keys: {', '.join(allowed)}"
    if err.validator == "required":
        return err.message
    if err.validator == "pattern":
        return f"{err.instance!r} is not a date like 2026-06-30"
    if err.validator == "oneOf":
        return "give exactly one of 'path' or 'paths'"
    return err.message


def _date(value: str, key: str, source: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{source}: {key}: {value!r} is not a valid date (YYYY-MM-DD)") from None


def load_config(path: Path, as_of: str | None = None, edition: str | None = None) -> ScanConfig:
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise ConfigError(
            f"{source}: config not found; pass --config FILE, run where {CONFIG_FILENAME} is, or try --demo"
        )
    try:
        data = load_yaml_file(path)
    except UnsafeYamlError as exc:
        raise ConfigError(str(exc)) from None
    validate_config_data(data, source)
    config = build_config(data, path.resolve().parent, source, as_of, config_path=path.resolve())
    return replace(config, edition=edition) if edition else config


def build_config(
    data: LineDict | dict, base_dir: Path, source: str, as_of: str | None = None, config_path: Path | None = None
) -> ScanConfig:
    audit = data["audit"]
    period_from = _date(audit["period"]["from"], "audit.period.from", source)
    period_to = _date(audit["period"]["to"], "audit.period.to", source)
    if period_to < period_from:
        raise ConfigError(f"{source}: audit.period: 'to' ({period_to}) is before 'from' ({period_from})")
    as_of_value = as_of or audit.get("as_of")
    as_of_date = _date(as_of_value, "audit.as_of", source) if as_of_value else period_to
    sources = []
    for entry in data["evidence"]:
        raw_paths = [entry["path"]] if "path" in entry else list(entry["paths"])
        options = plain(entry.get("options") or {})
        if isinstance(options.get("mapping"), str):
            options["mapping"] = str(base_dir / options["mapping"])  # mapping files sit beside the config
        sources.append(
            EvidenceSource(
                adapter=entry.get("adapter", "auto"),
                paths=tuple((base_dir / p) for p in raw_paths),
                display_paths=tuple(str(p) for p in raw_paths),
                kind=entry.get("kind"),
                options=options,
            )
        )
    return ScanConfig(
        organisation=data["organisation"],
        period_from=period_from,
        period_to=period_to,
        as_of=as_of_date,
        base_dir=base_dir,
        sources=tuple(sources),
        services=tuple((data.get("scope") or {}).get("services") or ()),
        rule_packs=tuple(data.get("rule_packs") or DEFAULT_PACKS),
        parameters=plain(data.get("parameters") or {}),
        outputs=plain(data.get("outputs") or {}),
        config_path=config_path,
        quality=plain(data.get("quality") or {}),
        waivers=base_dir / data["waivers"] if data.get("waivers") else None,
        waivers_display=data.get("waivers"),
        edition=str(audit.get("edition", "2018")),
        programme=plain(data.get("programme") or {}),
    )
