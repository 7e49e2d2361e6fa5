"""sms-audit: compliance-as-code for IT service management (ISO/IEC 20000-1:2018).

The Python API comes first; the ``sms-audit`` command is a thin shell over it::

    from sms_audit import load_config, scan
    result = scan(load_config(Path("sms-audit.yaml")))
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sms-audit")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"

from sms_audit.config import ScanConfig, load_config  # noqa: E402
from sms_audit.scan import ScanResult, scan, write_outputs  # noqa: E402

__all__ = ["ScanConfig", "ScanResult", "__version__", "load_config", "scan", "write_outputs"]
