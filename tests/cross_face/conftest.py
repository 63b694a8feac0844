from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from libfldm import ROOT, Lib, Policy


def _library() -> Path:
    """``$FLDM_LIB``, else target/debug/libfldm.so (built if absent)."""
    env = os.environ.get("FLDM_LIB")
    if env:
        return Path(env)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = target / "debug" / "libfldm.so"
    if not path.is_file():
        subprocess.run(["cargo", "build", "-q", "-p", "fldm-ffi"], cwd=ROOT, check=True, timeout=3600)
    return path


@pytest.fixture(scope="session")
def lib() -> Lib:
    return Lib(_library())


@pytest.fixture(scope="session")
def policy_path() -> Path:
    return Path(os.environ.get("FLDM_POLICY", ROOT / "policies" / "reference.toml"))


@pytest.fixture(scope="session")
def c_policy(lib: Lib, policy_path: Path) -> Iterator[Policy]:
    p = lib.policy(policy_path)
    yield p
    p.close()
