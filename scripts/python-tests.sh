#!/usr/bin/env bash
# Python bindings: build and install the wheel into $VENV, check the stubs,
# run the pytest suite (API end to end against a fixture hub, the example
# scripts), the cross-face test (the same calls through libfldm and fldm
# give the same JSON) and a short run of the policy.apply benchmark.
#
#   VENV=.venv FLDM_BIN=target/debug/fldm scripts/python-tests.sh
#
# FLDM_LIB: the libfldm.so to compare with (default: built here with
# `cargo build -p fldm-ffi`, $CARGO_TARGET_DIR or target/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="${VENV:-${FLDM_VENV:-$ROOT/.venv}}"
case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac  # the import check runs elsewhere
PY="$VENV/bin/python"
: "${FLDM_BIN:=$ROOT/target/debug/fldm}"
export FLDM_BIN
[ -x "$FLDM_BIN" ] || { echo "FLDM_BIN=$FLDM_BIN is not an executable (cargo build -p fldm-cli)" >&2; exit 2; }
if [ -z "${FLDM_LIB:-}" ]; then
  echo "==> cargo build -p fldm-ffi (libfldm for the cross-face test)"
  cargo build -q -p fldm-ffi
  FLDM_LIB="${CARGO_TARGET_DIR:-$ROOT/target}/debug/libfldm.so"
fi
export FLDM_LIB
[ -f "$FLDM_LIB" ] || { echo "FLDM_LIB=$FLDM_LIB does not exist" >&2; exit 2; }

"$PY" -m pip install -q --disable-pip-version-check -r bindings/python/requirements-dev.txt

echo "==> pip install ./bindings/python (maturin, abi3 wheel)"
"$PY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps ./bindings/python

echo "==> import in a clean directory"
(cd "$(mktemp -d)" && "$PY" -c "import fldm; print('fldm', fldm.__version__)")

echo "==> mypy.stubtest fldm._native"
"$PY" -m mypy.stubtest fldm._native --allowlist bindings/python/stubtest-allowlist.txt

echo "==> mypy on the public layer, the examples and the cross-face test"
"$PY" -m mypy --strict --ignore-missing-imports bindings/python/python/fldm examples/python
"$PY" -m mypy --strict --ignore-missing-imports tests/cross_face

echo "==> pytest bindings/python/tests"
FLDM_POLICY="$ROOT/policies/reference.toml" "$PY" -m pytest -q -p no:cacheprovider bindings/python/tests

echo "==> pytest tests/cross_face (C and Python give the same JSON)"
FLDM_POLICY="$ROOT/policies/reference.toml" "$PY" -m pytest -q -p no:cacheprovider tests/cross_face

echo "==> benchmark: policy.apply vs a pure-Python projection (small run)"
"$PY" examples/python/bench_apply.py --count 20000
