#!/usr/bin/env bash
# The one test command of the FLDM SDK (README, CI). It installs what it
# needs on a fresh machine (Debian packages, a Python venv, Rust components)
# and then runs every test: formatting and lints, the Rust tests (including
# the code-list cross-check against ../shared/data/codelists), XML schema
# validation with xmllint, and the Python tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

# --- system packages ------------------------------------------------------
apt_missing=()
command -v xmllint >/dev/null 2>&1 || apt_missing+=(libxml2-utils)
command -v openssl >/dev/null 2>&1 || apt_missing+=(openssl)
command -v gcc >/dev/null 2>&1 || apt_missing+=(gcc)
command -v valgrind >/dev/null 2>&1 || apt_missing+=(valgrind)
command -v pkg-config >/dev/null 2>&1 || apt_missing+=(pkg-config)
if ((${#apt_missing[@]})); then
  step "installing Debian packages: ${apt_missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

# --- Rust components --------------------------------------------------------
if command -v rustup >/dev/null 2>&1; then
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
fi

# --- cbindgen, pinned: the committed C header must be what this version generates
CBINDGEN_VERSION=0.29.4
if ! cbindgen --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
  step "installing cbindgen $CBINDGEN_VERSION"
  cargo install cbindgen --version "$CBINDGEN_VERSION" --locked
fi
export PATH="$HOME/.cargo/bin:$PATH"

# --- Python venv for the cross-language tests -------------------------------
VENV="${FLDM_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  step "creating Python venv at $VENV"
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r tests/python/requirements.txt

export CARGO_PROFILE_DEV_DEBUG=0
export CARGO_TERM_COLOR=never

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test"
cargo test --workspace

step "cargo doc: every library crate documented, no broken intra-doc links"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --exclude fldm-python --exclude fldm-cli

step "fldm without the generator: no fldm-synth in the normal dependencies, and it builds"
if cargo tree -p fldm-cli --no-default-features -e normal --prefix none | grep -q '^fldm-synth '; then
  echo "fldm-cli --no-default-features depends on fldm-synth" >&2
  exit 1
fi
for crate in fldm-hub fldm-ffi; do
  if cargo tree -p "$crate" -e normal --prefix none | grep -q '^fldm-synth '; then
    echo "$crate links fldm-synth" >&2
    exit 1
  fi
done
cargo check -p fldm-cli --no-default-features

step "building the fldm binary"
cargo build -p fldm-cli
FLDM="$ROOT/target/debug/fldm"
export FLDM_BIN="$FLDM"

step "xmllint: 100,000 synthetic persons against the XSD; JSON -> XML -> JSON is lossless"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$FLDM" synth --count 100000 --seed 7 --format json --out "$WORK/pop.jsonl"
"$FLDM" synth --count 100000 --seed 7 --format xml --out "$WORK/pop.xml"
xmllint --noout --stream --schema fldm-core/schema/fldm-kerndatensatz.xsd "$WORK/pop.xml"
"$FLDM" convert --from json --to xml "$WORK/pop.jsonl" "$WORK/conv.xml"
cmp "$WORK/pop.xml" "$WORK/conv.xml"
"$FLDM" convert --from xml --to json "$WORK/conv.xml" "$WORK/back.jsonl"
cmp "$WORK/pop.jsonl" "$WORK/back.jsonl"
"$FLDM" validate --format xml "$WORK/pop.xml"
"$FLDM" validate --format json "$WORK/back.jsonl"
echo "100000 records: schema-valid, JSON -> XML -> JSON identical"

step "schemathesis against a live hub: OpenAPI conformance, no 5xx"
VENV="$VENV" FLDM_BIN="$FLDM" bash scripts/schemathesis.sh

step "C ABI: fresh header, examples static and dynamic under valgrind and ASan"
FLDM_BIN="$FLDM" bash scripts/c-tests.sh

step "Python cross-checks (independent reference implementations)"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/python

step "Python bindings (abi3 wheel, stubtest, pytest against a fixture hub, examples)"
VENV="$VENV" FLDM_BIN="$FLDM" bash scripts/python-tests.sh
