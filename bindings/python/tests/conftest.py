from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def policy_path() -> Path:
    return ROOT / "policies" / "reference.toml"
