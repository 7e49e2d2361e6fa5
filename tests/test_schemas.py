"""Published JSON Schemas: the report validates, and the rule schema matches the registry."""

from __future__ import annotations

import json

import jsonschema

from reports import REPORT_SCHEMA
from rules import SCHEMAS_DIR
from sms_audit.rules import rule_schema


def test_demo_report_validates_against_the_published_schema(demo_scan):
    schema = json.loads(REPORT_SCHEMA.read_text())
    report = json.loads(json.dumps(demo_scan.report))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)


def test_report_schema_rejects_an_unknown_grade(demo_scan):
    schema = json.loads(REPORT_SCHEMA.read_text())
    report = json.loads(json.dumps(demo_scan.report))
    report["findings"][0]["grade"] = "critical"
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(report))


def test_published_rule_schema_is_generated_from_the_registry():
    published = json.loads((SCHEMAS_DIR / "rule.schema.json").read_text())
    regenerate = (
        "python -c 'import json; from sms_audit.rules import rule_schema; "
        "print(json.dumps(rule_schema(), indent=2))' > rules/schemas/rule.schema.json"
    )
    assert published == rule_schema(), f"the published schema is stale; regenerate it: {regenerate}"


def test_config_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(json.loads((SCHEMAS_DIR / "config.schema.json").read_text()))
