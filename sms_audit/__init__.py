"""sms-audit: compliance-as-code for IT service management (ISO/IEC 20000-1:2018).

The Python API comes first; the ``sms-audit`` command is a thin shell over it::

    from sms_audit import load_config, scan
    result = scan(load_config(Path("sms-audit.yaml")))

The API names are loaded on first use so that plugins importing a small module
(``sms_audit.registry``) do not pull in the whole engine.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("sms-audit")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"

_API = {
    "ScanConfig": "sms_audit.config",
    "load_config": "sms_audit.config",
    "ScanResult": "sms_audit.scanner",
    "scan": "sms_audit.scanner",
    "write_outputs": "sms_audit.scanner",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'sms_audit' has no attribute {name!r}")
