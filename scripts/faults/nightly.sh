#!/usr/bin/env bash
# The fault and load drills at their nightly sizes (docs/operations.md, "Fault and load drills").
# Run as root on a host where nothing else uses the machine's PostgreSQL cluster if PG_MODE=system
# (the default, private, starts a throw-away PostgreSQL server and disturbs no one).
#
#   scripts/faults/nightly.sh [OUT_DIR]        # JSON per drill in OUT_DIR (default var/drills/<date>)
#
# Exit 0 only when every drill passed. Environment: ROUNDS (kill_random, default 50), PG_ROUNDS
# (default 30), PG_MODE (private|system), DATABASE_URL_PG (the kill drill on PostgreSQL; default a
# scratch database ggzy_fault_kill on 127.0.0.1:5432), HALL_CLIENTS (1000), PORTAL_FRACTION (0.5).
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
OUT="${1:-var/drills/$(date -u +%Y-%m-%d)}"
mkdir -p "$OUT"
failed=0

run() {
  local name="$1"; shift
  echo "=== $name $* ($(date -u +%H:%M:%S))"
  if "$PY" "scripts/faults/$name.py" "$@" >"$OUT/$name$SUFFIX.json" 2>"$OUT/$name$SUFFIX.log"; then
    echo "    passed"
  else
    echo "    FAILED — see $OUT/$name$SUFFIX.json"
    failed=1
  fi
}

SUFFIX="" run kill_random --rounds "${ROUNDS:-50}"
SUFFIX="-postgresql" run kill_random --rounds "${ROUNDS:-50}" \
  --database-url "${DATABASE_URL_PG:-postgres://postgres@127.0.0.1:5432/ggzy_fault_kill}"
SUFFIX="" run pg_restart --rounds "${PG_ROUNDS:-30}" --pg-mode "${PG_MODE:-private}"
SUFFIX="" run full_disk
SUFFIX="" run hall_load --clients "${HALL_CLIENTS:-1000}" --events 20
SUFFIX="" run portal_load --fraction "${PORTAL_FRACTION:-0.5}"
exit "$failed"
