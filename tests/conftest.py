from __future__ import annotations

import json
from pathlib import Path

import pytest

from sms_audit.config import load_config
from sms_audit.demo import generate_demo
from sms_audit.scanner import scan

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo(out, seed=20000, tickets=600)
    return out


@pytest.fixture(scope="session")
def demo_scan(demo_dir: Path):
    return scan(load_config(demo_dir / "sms-audit.yaml"))


@pytest.fixture(scope="session")
def ground_truth(demo_dir: Path) -> dict[str, list[str]]:
    return json.loads((demo_dir / "ground-truth.json").read_text())


@pytest.fixture(scope="session")
def near_misses(demo_dir: Path) -> dict[str, list[str]]:
    return json.loads((demo_dir / "near-misses.json").read_text())


def shared_file(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} not available (../shared/data is absent)")
    return path
