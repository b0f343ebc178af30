#!/usr/bin/env bash
# Proves the latest backup restores: restore into a scratch database, sanity checks, record the result and
# the restore duration (the RTO), drop the scratch database. Usage: restore-test.sh
# Environment, besides lib-backup.sh's, restore.sh's and libpq's PG* (a role allowed to CREATE DATABASE):
#   BACKUP_NAME           backup to test (default latest)
#   RESTORE_TEST_TABLES   tables that must have rows, separated by spaces or commas (schema.table or table)
#   RTO_BUDGET_SECONDS    the recovery time objective: a restore slower than this fails the test (default 14400)
set -Eeuo pipefail
# shellcheck source=lib-backup.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-backup.sh"

: "${BACKUP_NAME:=latest}"
: "${RESTORE_TEST_TABLES:=}"
: "${RESTORE_MAINTENANCE_DB:=postgres}"
: "${RTO_BUDGET_SECONDS:=14400}"
HERE=$(dirname "${BASH_SOURCE[0]}")
ERR="$WORK_DIR/.restore-test.err.$$"
OUT="$WORK_DIR/.restore-test.out.$$"
SCRATCH="restore_test_$(date -u +%Y%m%d%H%M%S)_$$"
CHECKED_AT=$(iso_now)
STAMP=$(utc_stamp)
RESULT=failed
REASON=""
SECONDS_TAKEN=""
NAME=""
RTO_RECORDED=""
STARTED=0

# Runs on every exit once the settings are valid: the result is recorded and the scratch database dropped whatever
# happened. A run refused for bad settings leaves the previous record alone.
cleanup() {
    local dropping
    [ "$STARTED" = 1 ] || { rm -f "$ERR" "$OUT"; return 0; }
    # The drop and the record do not depend on each other: side by side, and both waited for.
    "$(pgbin psql)" -X -q -d "$RESTORE_MAINTENANCE_DB" -c "DROP DATABASE IF EXISTS \"$SCRATCH\" WITH (FORCE)" >/dev/null 2>&1 &
    dropping=$!
    # Quiet: a failure to record is this warning, not a second FAILED line (fail speaks on SCRIPT_STDERR).
    (SCRIPT_STDERR=2; record) >/dev/null 2>&1 || log "WARNING: could not record the result in $(store_label)"
    wait "$dropping" || log "WARNING: could not drop scratch database $SCRATCH"
    rm -f "$ERR" "$OUT"
}

record() {
    local doc
    doc=$(cat <<EOF
{
  "result": "$RESULT",
  "backup": "$(json_escape "$NAME")",
  "checkedAt": "$CHECKED_AT",
  "restoreSeconds": ${SECONDS_TAKEN:-null},
  "rtoBudgetSeconds": ${RTO_RECORDED:-null},
  "tables": "$(json_escape "$RESTORE_TEST_TABLES")",
  "reason": "$(json_escape "${REASON:-$FAIL_REASON}")"
}
EOF
)
    # Explicit: record runs under `||`, where errexit is off.
    store_write "restore-test-$STAMP.json" <<<"$doc" || return 1
    store_write "restore-test-latest.json" <<<"$doc"
}

flunk() { REASON=$*; fail "$*"; }
# The sanity checks: yes/no queries, each with the reason it fails with. They run in one psql session, one -c
# each, in order (run_checks), not one connection per query.
CHECK_SQL=()
CHECK_REASON=()
add_check() { CHECK_SQL+=(-c "$1"); CHECK_REASON+=("$2"); }
# psql prints one answer a query and stops at the first query that errors (ON_ERROR_STOP), so the first answer
# that is not t names the failed check, and a missing answer is a query that failed for another reason (a
# connection or permission error is not "no rows"). Never inside $(...): a failure ends the run in the main shell.
run_checks() {
    local answers="" status=0 i
    local -a got=()
    answers=$("$(pgbin psql)" -X -A -t -q -v ON_ERROR_STOP=1 -d "$SCRATCH" "${CHECK_SQL[@]}" 2>"$ERR") || status=$?
    if [ -n "$answers" ]; then mapfile -t got <<<"$answers"; fi
    for i in "${!CHECK_REASON[@]}"; do
        [ "$i" -lt "${#got[@]}" ] || flunk "check failed: $(describe_error "$ERR")"
        [ "${got[$i]}" = t ] || flunk "${CHECK_REASON[$i]}"
    done
    [ "$status" = 0 ] || flunk "check failed: $(describe_error "$ERR")"
}
# The reason on the last FAILED line a child script wrote to FILE; empty when there is none (never fails).
last_failure() {
    local line reason=""
    while IFS= read -r line || [ -n "$line" ]; do
        if [[ "$line" == *"FAILED: "* ]]; then reason=${line##*FAILED: }; fi
    done <"$1"
    printf '%s' "$reason"
}
quote_table() { local t=$1; if [[ "$t" == *.* ]]; then printf '"%s"."%s"' "${t%%.*}" "${t#*.}"; else printf '"%s"' "$t"; fi; }

# Scratch databases of runs killed outright (SIGKILL, OOM, a node lost) hold a full copy of production. This
# script owns the name pattern restore_test_<UTC yyyymmddHHMMSS>_<pid>; those older than a day are dropped
# (a restore test never runs that long: the Job's deadline is 6 h). Other databases are never touched.
drop_stale_scratch() {
    local names name stamp epoch cutoff
    names=$("$(pgbin psql)" -X -A -t -q -v ON_ERROR_STOP=1 -d "$RESTORE_MAINTENANCE_DB" \
        -c "SELECT datname FROM pg_database WHERE datname ~ '^restore_test_[0-9]{14}_[0-9]+\$'" 2>"$ERR") ||
        { log "WARNING: could not list old scratch databases: $(describe_error "$ERR")"; return 0; }
    cutoff=$(( EPOCHSECONDS - 86400 ))
    while IFS= read -r name; do
        [ -n "$name" ] || continue
        stamp=${name#restore_test_}; stamp=${stamp%%_*}
        epoch=$(date -u -d "${stamp:0:8} ${stamp:8:2}:${stamp:10:2}:${stamp:12:2}" +%s 2>/dev/null) || continue
        [ "$epoch" -lt "$cutoff" ] || continue
        log "dropping scratch database $name left by an earlier run"
        "$(pgbin psql)" -X -q -d "$RESTORE_MAINTENANCE_DB" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>"$ERR" ||
            log "WARNING: could not drop $name: $(describe_error "$ERR")"
    done <<<"$names"
}

[[ "$RTO_BUDGET_SECONDS" =~ ^[1-9][0-9]{0,6}$ ]] || fail "RTO_BUDGET_SECONDS must be a whole number of seconds >= 1 (got $RTO_BUDGET_SECONDS)"
RTO_RECORDED=$RTO_BUDGET_SECONDS
STARTED=1
mkdir -p "$WORK_DIR"
drop_stale_scratch
NAME=$(resolve_backup_name "$BACKUP_NAME") || { REASON="no backup to test"; exit 1; }

started=$EPOCHREALTIME
# In the background (interruptible), never in $(...): a SIGTERM must stop the restore, not wait for it.
if ! BACKUP_NAME="$NAME" RESTORE_DATABASE="$SCRATCH" LIVE_DATABASE="" RESTORE_CONFIRM="" RESTORE_VERIFY=overlap interruptible bash "$HERE/restore.sh" >"$OUT" 2>&1; then
    flunk "restore of $NAME failed: $(last_failure "$OUT")"
fi
SECONDS_TAKEN=$(seconds_since "$started")

# Prisma's bookkeeping proves the schema came back; the listed tables prove the data did.
add_check "SELECT to_regclass('public._prisma_migrations') IS NOT NULL" "restored $NAME has no _prisma_migrations table"
add_check "SELECT EXISTS (SELECT 1 FROM public._prisma_migrations)" "restored $NAME has an empty _prisma_migrations table"
for table in ${RESTORE_TEST_TABLES//,/ }; do
    [[ "$table" =~ ^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$ ]] || flunk "not a table name: $table"
    add_check "SELECT to_regclass('$(quote_table "$table")') IS NOT NULL" "restored $NAME has no table $table"
    add_check "SELECT EXISTS (SELECT 1 FROM $(quote_table "$table"))" "restored $NAME: table $table has no rows"
done
run_checks

# The RTO as a check: a backup that restores, but slower than the budget, fails the test (and its alert fires).
# SECONDS_TAKEN has one decimal: compared in tenths, whole numbers only.
(( 10#${SECONDS_TAKEN/./} <= RTO_BUDGET_SECONDS * 10 )) ||
    flunk "restore of $NAME took ${SECONDS_TAKEN}s, over the RTO budget of ${RTO_BUDGET_SECONDS}s"

RESULT=passed
echo "$SCRIPT_NAME: OK $NAME restored and checked in ${SECONDS_TAKEN}s (RTO budget ${RTO_BUDGET_SECONDS}s)"
