"""Check kinds. Importing this package registers every built-in kind."""

from sms_audit.checks import completeness, condition, document, reference  # noqa: F401  (registration)
from sms_audit.checks.base import CHECK_KINDS, CheckKind, Grading, Outcome

__all__ = ["CHECK_KINDS", "CheckKind", "Grading", "Outcome"]
