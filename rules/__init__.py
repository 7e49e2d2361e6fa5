"""Declarative content shipped with sms-audit: clause catalogues, rule packs and JSON Schemas."""

from pathlib import Path

RULES_ROOT = Path(__file__).resolve().parent
CATALOGUE_DIR = RULES_ROOT / "catalogue"
PACKS_DIR = RULES_ROOT / "packs"
SCHEMAS_DIR = RULES_ROOT / "schemas"
