"""Check kinds. Importing this package registers every built-in kind.

Each module of this package registers its kinds with ``@CHECK_KINDS.register``;
adding a kind is adding a module.
"""

import importlib
import pkgutil

from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module != "base" and not _module.startswith("_"):
        importlib.import_module(f"{__name__}.{_module}")

__all__ = ["CHECK_KINDS", "CheckKind", "Grading", "Outcome"]
