"""Service catalogue with SLA targets (YAML): the ``services`` and ``sla_targets`` tables.

Layout::

    services:
      - id: SVC-EMAIL
        name: Email
        owner: Messaging team
        criticality: high
        sla:
          - {priority: 1, response_minutes: 15, resolution_minutes: 240}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Rejection
from sms_audit.errors import EvidenceError, UnsafeYamlError
from sms_audit.safe_yaml import load_yaml_file

_SERVICE_KEYS = ("id", "name", "owner", "criticality", "status")
_TARGET_NUMBERS = ("response_minutes", "resolution_minutes")


@ADAPTERS.register("service_catalogue")
class ServiceCatalogueAdapter:
    name = "service_catalogue"
    description = "Service catalogue with SLA targets per priority (YAML)"

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        try:
            data = load_yaml_file(path, display_path)
        except UnsafeYamlError as exc:
            raise EvidenceError(str(exc)) from None
        if not isinstance(data, dict) or not isinstance(data.get("services"), list):
            raise EvidenceError(f"{display_path}: expected a mapping with a 'services' list")
        services, targets, rejections = [], [], []
        rows_read = 0
        for entry in data["services"]:
            rows_read += 1
            line = getattr(entry, "line", 0)
            if not isinstance(entry, dict) or not entry.get("id"):
                rejections.append(Rejection(display_path, line, "id", "service entry without an id"))
                continue
            services.append({k: _text(entry.get(k)) for k in _SERVICE_KEYS} | _provenance(display_path, line))
            for target in entry.get("sla") or []:
                rows_read += 1
                t_line = getattr(target, "line", line)
                problem = _target_problem(target)
                if problem:
                    rejections.append(Rejection(display_path, t_line, problem[0], problem[1]))
                    continue
                targets.append(
                    {
                        "id": f"{entry['id']}/P{int(target['priority'])}",
                        "service": str(entry["id"]),
                        "priority": int(target["priority"]),
                        "response_minutes": float(target["response_minutes"]) if "response_minutes" in target else None,
                        "resolution_minutes": float(target["resolution_minutes"])
                        if "resolution_minutes" in target
                        else None,
                        "calendar": _text(target.get("calendar") or entry.get("calendar")),
                    }
                    | _provenance(display_path, t_line)
                )
        tables = {"services": pd.DataFrame(services), "sla_targets": pd.DataFrame(targets)}
        provided = {
            "services": set(_SERVICE_KEYS),
            "sla_targets": {"id", "service", "priority", *_TARGET_NUMBERS, "calendar"},
        }
        return AdapterResult(tables, rows_read, rejections, {}, provided)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _provenance(file: str, line: int) -> dict[str, Any]:
    return {"_source_file": file, "_source_line": line}


def _target_problem(target: Any) -> tuple[str, str] | None:
    if not isinstance(target, dict):
        return "sla", "SLA target must be a mapping"
    if not isinstance(target.get("priority"), int):
        return "priority", "SLA target needs an integer priority"
    for key in _TARGET_NUMBERS:
        if key in target and not isinstance(target[key], int | float):
            return key, f"{key} must be a number of minutes"
    return None
