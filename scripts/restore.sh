#!/usr/bin/env bash
# Restores one backup into a database, after proving its sha256. Usage: restore.sh
# Environment, besides lib-backup.sh's and libpq's PG* (the restore role):
#   BACKUP_NAME        file to restore (default latest: the file latest.json names)
#   RESTORE_DATABASE   target database (required); created when missing
#   LIVE_DATABASE      the database the application uses (default: the one the backup was taken from)
#   RESTORE_CONFIRM    must equal RESTORE_DATABASE to restore over the live database (objects are replaced)
#   RESTORE_JOBS       parallel pg_restore jobs (default 1)
#   RESTORE_OWNERSHIP  skip (default: objects owned by the restoring role) or keep (original owners and grants)
#   RESTORE_MAINTENANCE_DB  database to connect to for CREATE DATABASE (default postgres)
#   RESTORE_VERIFY     first (default): the sha256 is proven before any database is touched; overlap: for a new
#                      database only (restore-test's scratch), the sha256 is checked while pg_restore runs, and a
#                      mismatch fails the run and drops the database it created (no second read of the file)
set -Eeuo pipefail
# shellcheck source=lib-backup.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-backup.sh"

: "${BACKUP_NAME:=latest}"
: "${RESTORE_DATABASE:=}"
: "${RESTORE_JOBS:=1}"
: "${RESTORE_OWNERSHIP:=skip}"
: "${RESTORE_MAINTENANCE_DB:=postgres}"
: "${RESTORE_VERIFY:=first}"
ERR="$WORK_DIR/.restore.err.$$"
OUT="$WORK_DIR/.restore.out.$$"
CREATED=0

cleanup() {
    # A half-restored database we created is worse than none: drop it on failure.
    if [ "$1" -ne 0 ] && [ "$CREATED" = 1 ]; then
        "$(pgbin psql)" -X -q -d "$RESTORE_MAINTENANCE_DB" -c "DROP DATABASE IF EXISTS $(quote_ident "$RESTORE_DATABASE") WITH (FORCE)" >/dev/null 2>&1
    fi
    rm -f "$ERR" "$OUT"
    if is_s3; then rm -rf -- "${WORK_DIR:?}/fetch"; fi
}

quote_ident() { printf '"%s"' "${1//\"/\"\"}"; }
quote_literal() { printf "'%s'" "${1//\'/\'\'}"; }
sql() { "$(pgbin psql)" -X -A -t -q -v ON_ERROR_STOP=1 -d "$RESTORE_MAINTENANCE_DB" -c "$1" 2>"$ERR" || fail "$(describe_error "$ERR")"; }

[ -n "$RESTORE_DATABASE" ] || fail "RESTORE_DATABASE must name the target database"
[[ "$RESTORE_JOBS" =~ ^[1-9][0-9]{0,3}$ ]] || fail "RESTORE_JOBS must be a whole number >= 1"
[[ "$RESTORE_OWNERSHIP" =~ ^(skip|keep)$ ]] || fail "RESTORE_OWNERSHIP must be skip or keep"
[[ "$RESTORE_VERIFY" =~ ^(first|overlap)$ ]] || fail "RESTORE_VERIFY must be first or overlap"
mkdir -p "$WORK_DIR"
is_s3 || [ -d "$BACKUP_DIR" ] || fail "backup directory $BACKUP_DIR does not exist (is the volume mounted?)"

started=$EPOCHREALTIME
name=$(resolve_backup_name "$BACKUP_NAME")
# One listing for the three lookups: on S3 each store_exists is an rclone call of its own.
listing=""
if is_s3; then listing=$(store_list) || exit 1; fi
in_store() { if is_s3; then has_line "$listing" "$1"; else store_exists "$1"; fi; }
in_store "$name" || fail "backup $name not found in $(store_label)"
in_store "$name.sha256" || fail "backup $name has no checksum file: refusing to restore what cannot be verified"
source_db=""
if in_store "$MANIFEST"; then manifest=$(store_cat "$MANIFEST"); source_db=$(json_field "$manifest" database); fi
live=${LIVE_DATABASE:-$source_db}

is_live=0
if [ "$RESTORE_DATABASE" = "$live" ] || [ "$RESTORE_DATABASE" = "$source_db" ]; then
    [ "${RESTORE_CONFIRM:-}" = "$RESTORE_DATABASE" ] ||
        fail "refusing to restore over the live database $RESTORE_DATABASE: set RESTORE_CONFIRM=$RESTORE_DATABASE to replace its objects"
    is_live=1
fi

# Integrity before anything touches a database: a corrupted or truncated file stops here. The long steps
# (download, hashing, pg_restore) run through `interruptible`, never inside $(...), so a SIGTERM stops them.
sidecar=$(store_cat "$name.sha256")
store_fetch "$name"
path=$FETCHED
# Overlap only into a database this run creates: a live database is never touched by an unverified file.
VERIFYING=""
if [ "$RESTORE_VERIFY" = overlap ] && [ "$is_live" = 0 ]; then
    verify_checksum "$path" "$name" "$sidecar" >"$OUT" 2>&1 &
    VERIFYING=$!
else
    interruptible verify_checksum "$path" "$name" "$sidecar" >"$OUT" || fail "corrupted backup, not restored: $(cat "$OUT")"
fi
interruptible "$(pgbin pg_restore)" --list "$path" >/dev/null 2>"$ERR" || fail "unreadable backup $name: $(describe_error "$ERR")"

# A new database is created straight away (one connection, not a lookup first); only when that fails is its
# existence looked up, to tell "already exists" from any other reason.
database_exists() {
    local count
    # `|| exit`: callers test this in a condition, where errexit is off (sql's fail already printed the reason).
    count=$(sql "SELECT count(*) FROM pg_database WHERE datname = $(quote_literal "$RESTORE_DATABASE")") || exit 1
    [ "$count" != 0 ]
}
create_database() {
    if "$(pgbin psql)" -X -A -t -q -v ON_ERROR_STOP=1 -d "$RESTORE_MAINTENANCE_DB" -c "CREATE DATABASE $(quote_ident "$RESTORE_DATABASE")" \
        >/dev/null 2>"$ERR"; then CREATED=1; return 0; fi
    local reason
    reason=$(describe_error "$ERR")
    if database_exists; then fail "database $RESTORE_DATABASE already exists; restore into a new name or drop it first"; fi
    fail "$reason"
}
if [ "$is_live" = 0 ]; then create_database
elif ! database_exists; then create_database; fi

args=(--exit-on-error -d "$RESTORE_DATABASE")
[ "$RESTORE_OWNERSHIP" = skip ] && args+=(--no-owner --no-privileges)
[ "$is_live" = 1 ] && args+=(--clean --if-exists)
if [ "$RESTORE_JOBS" -gt 1 ]; then args+=(-j "$RESTORE_JOBS"); elif [ "$is_live" = 1 ]; then args+=(--single-transaction); fi
log "restoring $name into $RESTORE_DATABASE"
restored=0
interruptible "$(pgbin pg_restore)" "${args[@]}" "$path" 2>"$ERR" || restored=$?
# A checksum mismatch outranks whatever pg_restore made of the corrupted file; cleanup drops the new database.
if [ -n "$VERIFYING" ]; then
    wait "$VERIFYING" || fail "corrupted backup, not restored: $(cat "$OUT")"
fi
[ "$restored" = 0 ] || fail "pg_restore into $RESTORE_DATABASE failed: $(describe_error "$ERR")"
CREATED=0
seconds=$(seconds_since "$started")
echo "$SCRIPT_NAME: OK restored $name into $RESTORE_DATABASE in ${seconds}s"
