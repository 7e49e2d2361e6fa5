"""Rule packs and configs are data: nothing in them can run code or write outside --out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rules import PACKS_DIR
from sms_audit.errors import ConfigError, RuleError, SmsAuditError
from sms_audit.io import write_atomic
from sms_audit.rules import load_pack

RULE = """rules:
  - id: EVIL-001
    title: A rule that tries to escape
    clauses: ["8.6.1"]
    requirements: ["8.6.1-a-record-classify"]
    evidence: tickets
    select: {select}
    check: {{kind: completeness, fields: [priority]}}
    rationale: testing refusal of code
    remediation: nothing to remediate here
"""


def make_pack(tmp_path: Path, rule_text: str) -> Path:
    pack = tmp_path / "pack"
    pack.mkdir()
    shutil.copy(PACKS_DIR / "iso20000-1-2018" / "pack.yaml", pack / "pack.yaml")
    (pack / "evil.yaml").write_text(rule_text)
    return pack


@pytest.mark.parametrize(
    ("select", "message"),
    [
        ('\'__import__("os").system("touch {marker}")\'', "__import__"),
        ("'status.__class__'", "attribute"),
        ("'__builtins__'", "dunder"),
        ('\'open("{marker}", "w")\'', "open"),
        ("'[x for x in status]'", "not allowed"),
    ],
)
def test_code_in_expressions_is_refused_and_never_runs(tmp_path, select, message):
    marker = tmp_path / "pwned"
    pack = make_pack(tmp_path, RULE.format(select=select.format(marker=marker)))
    with pytest.raises(RuleError) as info:
        load_pack(pack)
    text = str(info.value)
    assert message in text
    assert "evil.yaml:2 rule EVIL-001" in text  # file, line and rule id
    assert not marker.exists()


def test_python_yaml_tag_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    pack = make_pack(tmp_path, f'rules: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(RuleError, match=r"evil.yaml:1: YAML tag .*python/object/apply:os.system.* not allowed"):
        load_pack(pack)
    assert not marker.exists()


def test_python_tag_in_config_is_refused(tmp_path):
    from sms_audit.config import load_config

    marker = tmp_path / "pwned"
    config = tmp_path / "sms-audit.yaml"
    config.write_text(f'organisation: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(ConfigError, match="not allowed"):
        load_config(config)
    assert not marker.exists()


def test_writer_refuses_paths_outside_the_output_folder(tmp_path):
    with pytest.raises(SmsAuditError, match="outside the output folder"):
        write_atomic(tmp_path / "out", "../escape.json", "{}")
    assert not (tmp_path / "escape.json").exists()


def test_misspelt_key_and_unknown_kind_are_reported_with_suggestions(tmp_path):
    text = RULE.format(select="'status == \"new\"'").replace("rationale:", "rationnale:")
    text = text.replace("kind: completeness", "kind: completenes")
    pack = make_pack(tmp_path, text)
    with pytest.raises(RuleError) as info:
        load_pack(pack)
    message = str(info.value)
    assert "'rationnale'" in message and "did you mean 'rationale'" in message
    assert "unknown check kind 'completenes'" in message and "Did you mean 'completeness'" in message
