#!/usr/bin/env bash
# Python bindings: build and install the wheel into $VENV, check the stubs,
# run the pytest suite (API end to end against a fixture hub, the example
# scripts) and a short run of the policy.apply benchmark.
#
#   VENV=.venv FLDM_BIN=target/debug/fldm scripts/python-tests.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="${VENV:-${FLDM_VENV:-$ROOT/.venv}}"
PY="$VENV/bin/python"
: "${FLDM_BIN:=$ROOT/target/debug/fldm}"
export FLDM_BIN
[ -x "$FLDM_BIN" ] || { echo "FLDM_BIN=$FLDM_BIN is not an executable (cargo build -p fldm-cli)" >&2; exit 2; }

"$PY" -m pip install -q --disable-pip-version-check -r bindings/python/requirements-dev.txt

echo "==> pip install ./bindings/python (maturin, abi3 wheel)"
"$PY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps ./bindings/python

echo "==> import in a clean directory"
(cd "$(mktemp -d)" && "$PY" -c "import fldm; print('fldm', fldm.__version__)")

echo "==> mypy.stubtest fldm._native"
"$PY" -m mypy.stubtest fldm._native --allowlist bindings/python/stubtest-allowlist.txt

echo "==> mypy on the public layer and the examples"
"$PY" -m mypy --strict --ignore-missing-imports bindings/python/python/fldm examples/python

echo "==> pytest bindings/python/tests"
FLDM_POLICY="$ROOT/policies/reference.toml" "$PY" -m pytest -q -p no:cacheprovider bindings/python/tests

echo "==> benchmark: policy.apply vs a pure-Python projection (small run)"
"$PY" examples/python/bench_apply.py --count 20000
