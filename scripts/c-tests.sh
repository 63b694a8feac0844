#!/usr/bin/env bash
# C API tests: header freshness, the C examples built statically and
# dynamically with -Wall -Wextra -Werror, run under valgrind (and ASan),
# against a reference hub started here on loopback.
#
# Installs nothing. Needs: cbindgen 0.29.4 (`cargo install cbindgen
# --version 0.29.4 --locked`), gcc, valgrind, pkg-config, python3.
# Environment: FLDM_BIN (the `fldm` binary; built if unset),
# CARGO_TARGET_DIR (default: target/). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
LIBDIR="$TARGET/debug"
CBINDGEN_VERSION=0.29.4
STEP_TIMEOUT="${FLDM_C_TEST_TIMEOUT:-600}"

step() { printf '\n==> %s\n' "$*"; }
die() { echo "c-tests: $*" >&2; exit 1; }

for tool in cbindgen gcc valgrind pkg-config python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required (see the install notes at the top of this script)"
done
have=$(cbindgen --version | awk '{print $2}')
[ "$have" = "$CBINDGEN_VERSION" ] || die "cbindgen $CBINDGEN_VERSION is required, found $have"

WORK=$(mktemp -d)
HUB_PID=""
cleanup() {
  if [ -n "$HUB_PID" ]; then
    kill "$HUB_PID" 2>/dev/null || true
    wait "$HUB_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step "building libfldm (cargo build -p fldm-ffi)"
cargo build -q -p fldm-ffi
if [ -z "${FLDM_BIN:-}" ]; then
  cargo build -q -p fldm-cli
  FLDM_BIN="$TARGET/debug/fldm"
fi
[ -x "$FLDM_BIN" ] || die "FLDM_BIN=$FLDM_BIN is not executable"

step "include/fldm.h is what cbindgen $CBINDGEN_VERSION generates"
(cd fldm-ffi && cbindgen --quiet --config cbindgen.toml --crate fldm-ffi --output "$WORK/fldm.h" .)
if ! diff -u fldm-ffi/include/fldm.h "$WORK/fldm.h"; then
  die "fldm-ffi/include/fldm.h is stale: run (cd fldm-ffi && cbindgen --config cbindgen.toml --crate fldm-ffi --output include/fldm.h .)"
fi
echo "header is fresh"

step "fldm.pc for pkg-config"
VERSION=$(sed -n 's/^#define FLDM_VERSION_STRING "\(.*\)"/\1/p' fldm-ffi/include/fldm.h)
mkdir -p "$LIBDIR/pkgconfig"
sed -e "s|@PREFIX@|$ROOT|" -e "s|@LIBDIR@|$LIBDIR|" \
    -e "s|@INCLUDEDIR@|$ROOT/fldm-ffi/include|" -e "s|@VERSION@|$VERSION|" \
    fldm-ffi/fldm.pc.in > "$LIBDIR/pkgconfig/fldm.pc"
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
echo "$LIBDIR/pkgconfig/fldm.pc: fldm $(pkg-config --modversion fldm)"

step "building the examples: dynamic, static and ASan, with -Wall -Wextra -Werror"
CFLAGS=(-std=c11 -O1 -g -Wall -Wextra -Werror)
BIN="$WORK/bin"
mkdir -p "$BIN"
PROGRAMS=(policy_check housing_office error_cases bench_apply import_and_delete)
for p in "${PROGRAMS[@]}"; do
  # shellcheck disable=SC2046
  gcc "${CFLAGS[@]}" $(pkg-config --cflags fldm) -o "$BIN/$p-dynamic" "examples/c/$p.c" \
      $(pkg-config --libs fldm) -Wl,-rpath,"$LIBDIR"
  # shellcheck disable=SC2046
  gcc "${CFLAGS[@]}" $(pkg-config --cflags fldm) -o "$BIN/$p-static" "examples/c/$p.c" \
      "$LIBDIR/libfldm.a" -lpthread -ldl -lm
  # shellcheck disable=SC2046
  gcc "${CFLAGS[@]}" -fsanitize=address -fno-omit-frame-pointer $(pkg-config --cflags fldm) \
      -o "$BIN/$p-asan" "examples/c/$p.c" $(pkg-config --libs fldm) -Wl,-rpath,"$LIBDIR"
done
static_deps=$(ldd "$BIN/policy_check-static")
dynamic_deps=$(ldd "$BIN/policy_check-dynamic")
case "$static_deps" in *libfldm*) die "the static build links libfldm dynamically" ;; esac
case "$dynamic_deps" in *libfldm.so*) ;; *) die "the dynamic build does not use libfldm.so" ;; esac
echo "built ${#PROGRAMS[@]} programs x (dynamic, static, asan)"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

step "starting a reference hub on loopback"
PORT=$(free_port)
PKI="$WORK/pki"
"$FLDM_BIN" init-pki "$PKI" --policy policies/reference.toml --listen "127.0.0.1:$PORT" >/dev/null
"$FLDM_BIN" hub seed --config "$PKI/hub.toml" --persons 40 --seed 11 >/dev/null
"$FLDM_BIN" hub serve --config "$PKI/hub.toml" >"$WORK/hub.log" 2>&1 &
HUB_PID=$!
for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  kill -0 "$HUB_PID" 2>/dev/null || { cat "$WORK/hub.log" >&2; die "the hub exited"; }
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || die "the hub did not start on port $PORT"
HUB_URL="https://127.0.0.1:$PORT"
UNREACHABLE_URL="https://127.0.0.1:$(free_port)"
echo "hub at $HUB_URL (pid $HUB_PID)"

"$FLDM_BIN" synth --count 20 --seed 7 --format json --out "$WORK/records.jsonl" >/dev/null
head -n 1 "$WORK/records.jsonl" > "$WORK/record.json"

# A journal with one changed byte and a bundle with a changed proof, for the
# 602/603 cases of error_cases: one read puts a record in the hub's journal,
# `fldm audit prove` writes a checkpoint and the bundle of entry 0.
"$FLDM_BIN" get --profile "$PKI/wohnungsamt.profile.toml" --purpose W01 --case WA-2026-0815 \
  P000000001 >/dev/null
"$FLDM_BIN" audit prove "$PKI/hub-audit" --index 0 --out "$WORK/bundle.json" \
  --signing-key "$PKI/hub-audit-signing.pk8" >/dev/null
cp -r "$PKI/hub-audit" "$WORK/tampered-audit"
python3 - "$WORK/bundle.json" "$WORK/bad-bundle.json" "$WORK/tampered-audit/entries.log" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
doc["inclusion_proof"] = ["00" * 32 for _ in doc["inclusion_proof"]] or ["00" * 32]
json.dump(doc, open(sys.argv[2], "w", encoding="utf-8"))
data = bytearray(open(sys.argv[3], "rb").read())
at = data.find(b"wohnungsamt")
assert at > 0, "no wohnungsamt record in the journal"
data[at:at + 11] = b"sozialamt__"
open(sys.argv[3], "wb").write(bytes(data))
PY

# valgrind.supp covers only ring's AES-GCM assembly (see the file).
VALGRIND=(valgrind -q --leak-check=full --error-exitcode=99 --errors-for-leak-kinds=definite,possible
          --suppressions="$ROOT/fldm-ffi/valgrind.supp")
# Rust's backtrace printer keeps a symbol cache for the life of the process,
# which leak checkers report; error_cases triggers a panic on purpose.
export RUST_BACKTRACE=0
FAILURES=0
PASSES=0
# run NAME EXPECTED_EXIT COMMAND...: runs with a time limit, checks the exit code.
run() {
  local name=$1 expected=$2
  shift 2
  local status=0
  timeout "$STEP_TIMEOUT" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || status=$?
  if [ "$status" -eq "$expected" ]; then
    echo "ok   $name"
    PASSES=$((PASSES + 1))
  else
    echo "FAIL $name: exit $status, expected $expected"
    sed 's/^/     | /' "$WORK/out.txt" "$WORK/err.txt" | tail -n 40
    FAILURES=$((FAILURES + 1))
  fi
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
for variant in dynamic static asan; do
  step "examples ($variant build)$([ $variant != asan ] && echo ' under valgrind')"
  if [ "$variant" = asan ]; then WRAP=(); else WRAP=("${VALGRIND[@]}"); fi
  run "policy_check ($variant)" 0 "${WRAP[@]}" "$BIN/policy_check-$variant" \
      policies/reference.toml "$WORK/records.jsonl" wohnungsamt W01 WA-2026-0815
  lines=$(wc -l <"$WORK/out.txt")
  [ "$lines" -eq 20 ] || { echo "FAIL policy_check ($variant): $lines disclosures, expected 20"; FAILURES=$((FAILURES + 1)); }
  if grep -q '"geburtsort"\|"doktorgrad"\|"aufenthalt"' "$WORK/out.txt"; then
    echo "FAIL policy_check ($variant): disclosed an attribute the housing office may not receive"
    FAILURES=$((FAILURES + 1))
  fi
  run "policy_check denial ($variant)" 1 "${WRAP[@]}" "$BIN/policy_check-$variant" \
      policies/reference.toml "$WORK/records.jsonl" wohnungsamt W01
  grep -q "case_reference_required" "$WORK/err.txt" || { echo "FAIL policy_check denial ($variant): no reason"; FAILURES=$((FAILURES + 1)); }
  run "error_cases ($variant)" 0 "${WRAP[@]}" "$BIN/error_cases-$variant" \
      policies/reference.toml "$PKI" "$UNREACHABLE_URL" "$HUB_URL" \
      "$WORK/tampered-audit" "$WORK/bad-bundle.json"
  cat "$WORK/out.txt"
  rm -rf "$WORK/journal-$variant"
  run "housing_office ($variant)" 0 "${WRAP[@]}" "$BIN/housing_office-$variant" \
      "$HUB_URL" "$PKI" "$WORK/journal-$variant"
  cat "$WORK/out.txt"
  # The record life cycle: the owning office imports (3 created, 1 refused
  # before sending), deletes and merges; the housing office reads both
  # tombstones and journals what it did. The tag keeps the runs apart.
  run "import_and_delete ($variant)" 0 "${WRAP[@]}" "$BIN/import_and_delete-$variant" \
      "$HUB_URL" "$PKI" "$WORK" "$variant"
  cat "$WORK/out.txt"
  grep -qx "import: created 3, updated 0, unchanged 0, refused 1 (1 batches)" "$WORK/out.txt" ||
    { echo "FAIL import_and_delete ($variant): unexpected import counts"; FAILURES=$((FAILURES + 1)); }
  grep -q "2 of this run acknowledged" "$WORK/out.txt" ||
    { echo "FAIL import_and_delete ($variant): tombstones not acknowledged"; FAILURES=$((FAILURES + 1)); }
  "$FLDM_BIN" audit show "$WORK/journal-$variant-wohnungsamt" >"$WORK/acks.txt" 2>&1 || true
  if ! grep -q "delete .*(wegzug)" "$WORK/acks.txt" || ! grep -q "combine .*(doppelerfassung)" "$WORK/acks.txt"; then
    echo "FAIL import_and_delete ($variant): the receiver's journal lacks the acknowledgements"
    sed 's/^/     | /' "$WORK/acks.txt" | tail -n 10
    FAILURES=$((FAILURES + 1))
  fi
done

step "benchmark: policy apply through the C ABI vs the same loop in Rust (debug build)"
run "bench_apply" 0 "$BIN/bench_apply-static" policies/reference.toml "$WORK/record.json" "${FLDM_C_BENCH_ITERATIONS:-1000}"
cat "$WORK/out.txt"

echo
echo "c-tests: $PASSES passed, $FAILURES failed"
[ "$FAILURES" -eq 0 ]
