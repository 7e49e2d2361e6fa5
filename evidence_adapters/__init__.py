"""Evidence adapters: one module per source format, each registered in ``ADAPTERS``.

Every module of this package is imported here so its ``@ADAPTERS.register``
decorators run; adding a format is adding a module.
"""

import importlib
import pkgutil

from evidence_adapters.base import ADAPTERS, Adapter, AdapterResult, Rejection

_SUPPORT_MODULES = {"base", "csv_source", "mapping"}

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in _SUPPORT_MODULES and not _module.startswith("_"):
        importlib.import_module(f"{__name__}.{_module}")

__all__ = ["ADAPTERS", "Adapter", "AdapterResult", "Rejection"]
