"""Evidence adapters: one module per source format, each registered in ``ADAPTERS``.

Every module of this package is imported here so its ``@ADAPTERS.register``
decorators run; adding a format is adding a module. Third-party adapters come
from the entry-point group ``sms_audit.adapters`` (name = adapter name, object =
the adapter class) and are loaded by :func:`load_plugins`.
"""

import importlib
import logging
import pkgutil
from importlib.metadata import entry_points

from evidence_adapters.base import ADAPTERS, Adapter, AdapterResult, Detection, Rejection, Sample

PLUGIN_GROUP = "sms_audit.adapters"
_SUPPORT_MODULES = {"base", "csv_source", "mapping", "detect"}
_log = logging.getLogger(__name__)

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in _SUPPORT_MODULES and not _module.startswith("_"):
        importlib.import_module(f"{__name__}.{_module}")


def load_plugins() -> list[str]:
    """Register adapters published by installed packages; returns the names added.

    A plugin cannot replace a built-in adapter: a clash is logged and skipped.
    """
    added = []
    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        if entry.name in ADAPTERS:
            if getattr(ADAPTERS.get(entry.name), "__module__", "") != entry.value.split(":")[0]:
                _log.warning(
                    "adapter plugin %s (%s) clashes with an adapter already registered; skipped",
                    entry.name,
                    entry.value,
                )
            continue
        adapter = entry.load()
        if not callable(getattr(adapter, "load", None)):
            _log.warning("adapter plugin %s (%s) has no load() method; skipped", entry.name, entry.value)
            continue
        ADAPTERS.register(entry.name)(adapter)
        added.append(entry.name)
    return added


load_plugins()

__all__ = ["ADAPTERS", "PLUGIN_GROUP", "Adapter", "AdapterResult", "Detection", "Rejection", "Sample", "load_plugins"]
