"""Error types and the exit codes they map to (one place for every command)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNUSABLE_INPUT = 3
EXIT_INSUFFICIENT = 4
EXIT_INTERNAL = 5


class SmsAuditError(Exception):
    """Base class for errors a user can act on; carries its exit code."""

    exit_code = EXIT_UNUSABLE_INPUT


class ConfigError(SmsAuditError):
    """The config file is missing, unreadable or invalid."""


class EvidenceError(SmsAuditError):
    """An evidence file cannot be used at all (not a row-level rejection)."""


class RuleError(SmsAuditError):
    """A rule, rule pack or catalogue is invalid."""


class ExpressionError(RuleError):
    """A rule expression uses something outside the allowed grammar."""


class UnsafeYamlError(SmsAuditError):
    """A YAML file tried to construct Python objects or used an unknown tag."""
