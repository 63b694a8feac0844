#!/usr/bin/env bash
# Property-based API tests of the live reference hub against docs/openapi.yaml
# with Schemathesis. Starts a hub with a fresh development PKI and 200
# synthetic persons on a free loopback port, then tests:
#
#   1. every operation as the housing office (wohnungsamt, purpose W01, case
#      reference set), all phases (examples, coverage, fuzzing, stateful);
#   2. short fuzzing passes as the offices whose rules unlock the rest:
#      statistikstelle (S01) for /v1/statistics, datenschutz (D01) for
#      /v1/audit/*, auslaenderbehoerde (70) for the person writes.
#
# Checks: no server error (5xx), and every response conforms to the schema
# documented for its status code. Exits non-zero on any failure, and on a
# run that does not finish within the time budget.
#
# Environment:
#   FLDM_BIN                   the `fldm` binary (default: target/debug/fldm)
#   VENV                       a Python venv with schemathesis installed
#                              (tests/python/requirements.txt; default: .venv)
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase (default 25)
#   SCHEMATHESIS_TIMEOUT       seconds for all Schemathesis runs together (default 270)
#   SCHEMATHESIS_SEED          random seed (default 2026; change it to explore)
#   SCHEMATHESIS_REPORT_DIR    write JUnit and NDJSON reports there (default: none)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

FLDM="${FLDM_BIN:-$ROOT/target/debug/fldm}"
VENV="${VENV:-$ROOT/.venv}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
BUDGET="${SCHEMATHESIS_TIMEOUT:-270}"
SEED="${SCHEMATHESIS_SEED:-2026}"
REPORT_DIR="${SCHEMATHESIS_REPORT_DIR:-}"
if [ -n "$REPORT_DIR" ]; then
  mkdir -p "$REPORT_DIR"
  REPORT_DIR=$(cd "$REPORT_DIR" && pwd)
fi
PERSONS=200
POPULATION_SEED=7

[ -x "$FLDM" ] || { echo "schemathesis.sh: no fldm binary at $FLDM (set FLDM_BIN)" >&2; exit 2; }
ST="$VENV/bin/schemathesis"
[ -x "$ST" ] || { echo "schemathesis.sh: no schemathesis in $VENV (set VENV)" >&2; exit 2; }
PY="$VENV/bin/python"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fldm-schemathesis.XXXXXX")
HUB_PID=""
cleanup() {
  if [ -n "$HUB_PID" ] && kill -0 "$HUB_PID" 2>/dev/null; then
    kill -TERM "$HUB_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$HUB_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$HUB_PID" 2>/dev/null || true
    wait "$HUB_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$FLDM" init-pki "$WORK/pki" --policy policies/reference.toml --listen "127.0.0.1:$PORT" >/dev/null
"$FLDM" hub seed --config "$WORK/pki/hub.toml" --persons "$PERSONS" --seed "$POPULATION_SEED" >/dev/null
"$FLDM" hub serve --config "$WORK/pki/hub.toml" >"$WORK/hub.log" 2>&1 &
HUB_PID=$!

# Wait (at most 30 s) until the hub accepts connections.
for i in $(seq 1 300); do
  if "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()' "$PORT" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$HUB_PID" 2>/dev/null; then
    echo "schemathesis.sh: the hub exited:" >&2
    cat "$WORK/hub.log" >&2
    exit 1
  fi
  [ "$i" -eq 300 ] && { echo "schemathesis.sh: the hub did not start within 30 s" >&2; exit 1; }
  sleep 0.1
done

# Most generated path ids are ids of seeded persons (the population is
# deterministic), so that successful responses are checked against their
# schemas too, not only the problem responses for unknown ids.
"$FLDM" synth --count "$PERSONS" --seed "$POPULATION_SEED" --format json --out "$WORK/population.jsonl" >/dev/null
"$PY" - "$WORK/population.jsonl" "$WORK/schemathesis.toml" <<'EOF'
import json, sys

ids, azr = [], []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        p = json.loads(line)
        ids.append(p["fldm_id"])
        if p.get("azr_nummer"):
            azr.append(p["azr_nummer"])
step = max(1, len(ids) // 40)
ids, azr = ids[::step][:40], azr[::step][:40]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("[dictionaries.fldm_ids]\nvalues = %s\n" % json.dumps(ids))
    out.write("[dictionaries.azr_nummern]\nvalues = %s\n" % json.dumps(azr))
    out.write("[parameters]\n")
    out.write('"path.fldm_id" = { dictionary = "fldm_ids", probability = 0.8 }\n')
    out.write('"path.azr_nummer" = { dictionary = "azr_nummern", probability = 0.8 }\n')
    out.write("[phases.stateful]\nmax-steps = 6\n")
    # No state left in the working tree between runs.
    out.write("[cache]\nenabled = false\n")
    # The housing office may not create records (every case of the coverage
    # phase would be the same 403); creates are fuzzed as the foreigners'
    # authority below.
    out.write('[[operations]]\ninclude-operation-id = "createPerson"\n')
    out.write("phases.coverage.enabled = false\n")
EOF

DEADLINE=$((SECONDS + BUDGET))
status=0

# run NAME OFFICE PURPOSE CASE [schemathesis options...]
run() {
  local name=$1 office=$2 purpose=$3 case_ref=$4
  shift 4
  local left=$((DEADLINE - SECONDS))
  if [ "$left" -lt 10 ]; then
    echo "schemathesis.sh: no time left for the $name run (budget $BUDGET s)" >&2
    status=1
    return
  fi
  local headers=(-H "FLDM-User: $office-schemathesis" -H "FLDM-Purpose: $purpose")
  [ -n "$case_ref" ] && headers+=(-H "FLDM-Case: $case_ref")
  local reports=()
  if [ -n "$REPORT_DIR" ]; then
    mkdir -p "$REPORT_DIR/$name"
    reports=(--report junit,ndjson --report-dir "$REPORT_DIR/$name")
  fi
  echo
  echo "==> schemathesis ($name): $office, purpose $purpose, at most $MAX_EXAMPLES examples per operation and phase, $left s left"
  local rc=0
  # Run inside $WORK so that Schemathesis and Hypothesis leave no state in
  # the working tree.
  (cd "$WORK" && timeout --kill-after=10 "$left" \
    "$ST" --config-file "$WORK/schemathesis.toml" run "$ROOT/docs/openapi.yaml" \
    --url "https://127.0.0.1:$PORT" \
    --tls-verify "$WORK/pki/ca.pem" \
    --request-cert "$WORK/pki/$office.pem" \
    --request-cert-key "$WORK/pki/$office-key.pem" \
    "${headers[@]}" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --workers 1 \
    --request-timeout 10 \
    --generation-database none \
    --no-color \
    "${reports[@]}" "$@") || rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "schemathesis.sh: the $name run did not finish within the time budget ($BUDGET s in all)" >&2
  fi
  if [ "$rc" -ne 0 ]; then
    status=1
  fi
  if ! kill -0 "$HUB_PID" 2>/dev/null; then
    echo "schemathesis.sh: the hub died during the $name run:" >&2
    tail -n 50 "$WORK/hub.log" >&2
    exit 1
  fi
}

echo "schemathesis $("$ST" --version | awk '{print $NF}') against the hub at https://127.0.0.1:$PORT ($PERSONS persons), seed $SEED"
run housing-office wohnungsamt W01 WA-2026-0001
run statistics statistikstelle S01 "" \
  --phases examples,fuzzing --include-path /v1/statistics
run data-protection datenschutz D01 DS-2026-0001 \
  --phases examples,fuzzing --include-path-regex '^/v1/audit/'
run foreigners-authority auslaenderbehoerde 70 ABH-2026-0001 \
  --phases examples,fuzzing --include-path-regex '^/v1/persons'

if [ "$status" -ne 0 ]; then
  echo "schemathesis.sh: FAILED" >&2
else
  echo "schemathesis.sh: all runs passed"
fi
exit "$status"
