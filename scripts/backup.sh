#!/usr/bin/env bash
# Daily (and pre-migration) PostgreSQL backup. Usage: backup.sh [run|prune]
#   run    (default) dump, verify, checksum, publish, update latest.json, then apply retention
#   prune  apply retention only
# Environment, besides lib-backup.sh's and libpq's PG* (PGDATABASE is the database dumped):
#   RETENTION_DAYS  delete our backups older than this, never the newest verified one (default 7)
#   BACKUP_FORMAT   custom (default, one compressed file) or directory (parallel dump and restore)
#   BACKUP_JOBS     parallel jobs for the directory format (default 1)
#   BACKUP_LABEL    optional [a-z0-9-] tag in the file name (e.g. pre-migrate-<release>)
#   LOCK_STALE_SECONDS  an S3 lock object older than this is taken over (default 21600)
#   LOCK_SETTLE_SECONDS wait between writing our S3 lock object and reading the others (default 2, at least 1)
#   RETENTION_MODE  script (default: prune deletes old backups with this identity) or lifecycle (the bucket's
#                   lifecycle rules and object lock do; this identity may not delete backups, so prune deletes nothing)
#                   or prune-identity (a run deletes nothing: its key may not; `backup.sh prune` deletes, run by the
#                   backup-prune CronJob with the prune identity's key, which may list and delete but not write backups)
set -Eeuo pipefail
# shellcheck source=lib-backup.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-backup.sh"

: "${RETENTION_DAYS:=7}"
: "${BACKUP_FORMAT:=custom}"
: "${BACKUP_JOBS:=1}"
: "${BACKUP_LABEL:=}"
: "${LOCK_STALE_SECONDS:=21600}"
: "${LOCK_SETTLE_SECONDS:=2}"
: "${RETENTION_MODE:=script}"
MODE=${1:-run}
ERR="$WORK_DIR/.backup.err.$$"
OUT="$WORK_DIR/.backup.out.$$"
PARTIAL=""
UPLOADING=""
LOCK_DIR=.backup.locks
LOCK_TOKEN=""
PUBLISHED=""
# One run's lock object: <UTC stamp>-<host>-<pid>-<random>; anything else under LOCK_DIR is garbage.
TOKEN_RE="^${STAMP_RE}-[a-z0-9-]+-[0-9]+-[0-9]+\$"

cleanup() {
    [ -n "$PARTIAL" ] && rm -rf -- "$PARTIAL"
    # An upload that did not finish with its checksum: a directory dump is many objects, and a run that fails
    # half-way would leave some of them behind. The name was free when the run (holding the lock) chose it.
    if [ -n "$UPLOADING" ]; then
        if [[ "$UPLOADING" == *.dir ]]; then "$RCLONE" delete "$(remote)/$UPLOADING/" >/dev/null 2>&1
        else "$RCLONE" deletefile "$(remote)/$UPLOADING" >/dev/null 2>&1; fi
        log "removed the unfinished upload of $UPLOADING"
    fi
    release_lock
    rm -f "$ERR" "$OUT"
}

# Removes our own lock object, by its name: never another run's, even one that took over from us.
release_lock() {
    [ -n "$LOCK_TOKEN" ] || return 0
    "$RCLONE" deletefile "$(remote)/$LOCK_DIR/$LOCK_TOKEN" >/dev/null 2>&1 ||
        log "could not remove our lock object $LOCK_DIR/$LOCK_TOKEN (taken over, or storage unreachable)"
    LOCK_TOKEN=""
}

[[ "$MODE" =~ ^(run|prune)$ ]] || fail "unknown mode $MODE (run or prune)"
[[ "$RETENTION_DAYS" =~ ^[1-9][0-9]{0,5}$ ]] || fail "RETENTION_DAYS must be a whole number of days >= 1"
[[ "$BACKUP_FORMAT" =~ ^(custom|directory)$ ]] || fail "BACKUP_FORMAT must be custom or directory"
[[ "$RETENTION_MODE" =~ ^(script|lifecycle|prune-identity)$ ]] || fail "RETENTION_MODE must be script, lifecycle or prune-identity"
[[ "$BACKUP_LABEL" =~ ^[a-z0-9-]*$ ]] || fail "BACKUP_LABEL may hold only a-z, 0-9 and -"
[[ "$LOCK_STALE_SECONDS" =~ ^[0-9]+$ ]] || fail "LOCK_STALE_SECONDS must be a whole number of seconds"
[[ "$LOCK_SETTLE_SECONDS" =~ ^[1-9][0-9]{0,5}$ ]] || fail "LOCK_SETTLE_SECONDS must be a whole number of seconds >= 1"
mkdir -p "$WORK_DIR"
is_s3 || [ -d "$BACKUP_DIR" ] || fail "backup directory $BACKUP_DIR does not exist (is the volume mounted?)"

# One writer at a time. flock dies with the process, so a killed run never leaves a stale lock behind.
acquire_lock() {
    if ! is_s3; then
        exec 9>>"$BACKUP_DIR/.backup.lock" || fail "cannot create lock file in $BACKUP_DIR"
        flock -n 9 || fail "another backup is running (lock $BACKUP_DIR/.backup.lock is held)"
        return
    fi
    exec 9>>"$WORK_DIR/.backup.lock"; flock -n 9 || fail "another backup is running in this pod"
    acquire_s3_lock
}

# Object storage has no lock primitive that rclone 1.60 can use (no conditional writes), so each run writes its
# own lock object under LOCK_DIR, waits LOCK_SETTLE_SECONDS, lists them all, and goes ahead only if its own is
# the oldest by the server's LastModified (ties: the lexically smaller name). Runs that see each other agree on
# one winner. A run that listed before the other's write saw only itself, but then the other wrote at least
# LOCK_SETTLE_SECONDS after the first one's write, so its LastModified is later (1 s resolution) and it loses.
# What this still relies on: a store with strong read-after-write listing (AWS S3 since 2020, MinIO, Ceph RGW;
# a store with eventually consistent listings can let two runs through), a LastModified set when the write
# lands, and a settle time longer than the listing's 1 s resolution. A run killed with SIGKILL leaves its lock
# object until it is LOCK_STALE_SECONDS old. concurrencyPolicy Forbid remains the first line of defence.
acquire_s3_lock() {
    local host token listing when name epoch now age first sorted oldest=""
    check_legacy_lock
    host=${HOSTNAME:-local}; host=${host,,}; host=${host//[^a-z0-9-]/-}; host=${host:0:63}
    token="$(date -u +%Y%m%dT%H%M%SZ)-${host:-local}-$$-$RANDOM"
    LOCK_TOKEN=$token
    store_write "$LOCK_DIR/$token" <<<"$token $(date +%s)"
    interruptible sleep "$LOCK_SETTLE_SECONDS"
    listing=$(rclone_run lsf --files-only --use-server-modtime --format tp --separator ';' "$(remote)/$LOCK_DIR/")
    now=$(date +%s)
    while IFS=';' read -r when name; do
        [ -n "$name" ] || continue
        epoch=$(date -d "$when" +%s 2>/dev/null || true)
        if ! [[ "$name" =~ $TOKEN_RE ]] || [ -z "$epoch" ]; then
            log "lock object $LOCK_DIR/$name is not a lock token of this tool: treating it as stale and removing it"
            "$RCLONE" deletefile "$(remote)/$LOCK_DIR/$name" >/dev/null 2>&1 || true
            continue
        fi
        age=$(( now - epoch ))
        if [ "$name" != "$token" ] && [ "$age" -gt "$LOCK_STALE_SECONDS" ]; then
            log "taking over from a stale lock object $LOCK_DIR/$name (${age}s old)"
            "$RCLONE" deletefile "$(remote)/$LOCK_DIR/$name" >/dev/null 2>&1 || true
            continue
        fi
        oldest+="$epoch $name"$'\n'
    done <<<"$listing"
    # sort reads all its input and the first line is taken here: no reader in the pipeline stops early.
    sorted=$(printf '%s' "$oldest" | LC_ALL=C sort -k1,1n -k2,2)
    first=${sorted%%$'\n'*}
    if [ "${first#* }" = "$token" ]; then return 0; fi
    release_lock
    [[ -n "$first" && $'\n'"$oldest" == *" $token"$'\n'* ]] ||
        fail "our lock object $BACKUP_TARGET/$LOCK_DIR/$token is not listed after writing it (listing not consistent?)"
    fail "another backup is running (lock object $BACKUP_TARGET/$LOCK_DIR/${first#* }, $(( now - ${first%% *} ))s old)"
}

# Earlier versions used one object, .backup.lock, holding "<token> <epoch seconds>". A fresh one means such a
# run is still going; a stale, empty or garbled one is removed.
check_legacy_lock() {
    local held age
    store_exists .backup.lock || return 0
    held=$(store_cat .backup.lock)
    if [[ "$held" =~ ^[^[:space:]]+\ ([0-9]{1,12})$ ]]; then
        age=$(( $(date +%s) - BASH_REMATCH[1] ))
        [ "$age" -gt "$LOCK_STALE_SECONDS" ] || fail "another backup is running (lock object $BACKUP_TARGET/.backup.lock, ${age}s old)"
        log "removing a stale lock object .backup.lock (${age}s old)"
    else
        log "lock object .backup.lock is not a lock token (${#held} bytes): treating it as stale and removing it"
    fi
    "$RCLONE" deletefile "$(remote)/.backup.lock" >/dev/null 2>&1 || true
}

# Leftovers of killed runs. Safe only under the lock, and only for names that are ours. Globs, not `ls`: a
# directory or file name with spaces stays one word.
sweep_partials() {
    local dir path name
    local -a dirs=("$WORK_DIR")
    is_s3 || dirs+=("$BACKUP_DIR")
    for dir in "${dirs[@]}"; do
        for path in "$dir/$BACKUP_PREFIX"-*.partial; do
            [ -e "$path" ] || continue   # the unmatched glob itself
            name=${path##*/}
            own_name "${name%.partial}" || continue
            log "removing orphaned $path from an interrupted run"
            rm -rf -- "$path"
        done
    done
}

# The custom-format archive goes through tee into the file and into sha256sum at once, so the checksum costs no
# second read of a file that may be hundreds of GB. Prints the sidecar line. pg_dump -f would fsync the file; tee
# does not, hence the sync. (Written to a pipe, the archive has no data offsets: fine for pg_restore with one job,
# which is all the custom format is restored with; parallel restores use the directory format.)
dump_custom_hashed() {
    local path=$1 name=$2 sum
    sum=$("$(pgbin pg_dump)" -Fc | tee -- "$path" | sha256_stream) || return 1
    sync -- "$path" || return 1
    echo "$sum  $name"
}

server_version_num() {
    "$(pgbin psql)" -X -A -t -v ON_ERROR_STOP=1 -c 'SHOW server_version_num' 2>"$ERR" || fail "$(describe_error "$ERR")"
}

# pg_dump must be the server's major version: older refuses newer servers, newer writes archives an older
# pg_restore cannot read. The image tag pins the client; this catches a server upgraded underneath it.
check_versions() {
    local dump_version dump_major
    SERVER_VERSION_NUM=$(server_version_num)
    SERVER_MAJOR=$(( SERVER_VERSION_NUM / 10000 ))
    dump_version=$("$(pgbin pg_dump)" --version 2>"$ERR") || fail "pg_dump not usable: $(describe_error "$ERR")"
    dump_major=""
    if [[ "$dump_version" =~ [0-9]+ ]]; then dump_major=${BASH_REMATCH[0]}; fi
    [ "$dump_major" = "$SERVER_MAJOR" ] ||
        fail "version mismatch: server is PostgreSQL $SERVER_MAJOR ($SERVER_VERSION_NUM), pg_dump is $dump_major ($dump_version); use the postgres:$SERVER_MAJOR image"
    SERVER_VERSION=$("$(pgbin psql)" -X -A -t -c 'SHOW server_version' 2>"$ERR") || fail "$(describe_error "$ERR")"
}

dump_and_publish() {
    local started name ext stage final sidecar size finished attempt manifest
    started=$(iso_now)
    if [ "$BACKUP_FORMAT" = directory ]; then ext=dir; else ext=dump; fi
    if is_s3; then stage=$WORK_DIR; else stage=$BACKUP_DIR; fi
    # Names have one-second resolution: two runs in the same second wait for the next one.
    for attempt in 1 2 3; do
        name="${BACKUP_PREFIX}-$(utc_stamp)${BACKUP_LABEL:+-$BACKUP_LABEL}.$ext"
        store_exists "$name" || break
        if [ "$attempt" -ge 3 ] || [ -n "${BACKUP_NOW:-}" ]; then fail "$name already exists; refusing to overwrite a backup"; fi
        sleep 1
    done
    PARTIAL="$stage/$name.partial"
    log "dumping ${PGDATABASE:-?} (PostgreSQL $SERVER_VERSION) to $name"
    # Long steps run through `interruptible` and write to files, not $(...), so a SIGTERM stops them at once.
    if [ "$BACKUP_FORMAT" = directory ]; then
        interruptible "$(pgbin pg_dump)" -Fd -j "$BACKUP_JOBS" -f "$PARTIAL" 2>"$ERR" || fail "pg_dump failed: $(describe_error "$ERR")"
    else
        RUNNING_AS=pg_dump interruptible dump_custom_hashed "$PARTIAL" "$name" >"$OUT" 2>"$ERR" || fail "pg_dump failed: $(describe_error "$ERR")"
        sidecar=$(<"$OUT")
    fi
    # A readable table of contents of the finished file proves the archive is complete and not truncated.
    interruptible "$(pgbin pg_restore)" --list "$PARTIAL" >"$OUT" 2>"$ERR" || fail "verification failed: pg_restore --list cannot read the dump: $(describe_error "$ERR")"
    [ -s "$OUT" ] || fail "verification failed: the dump has an empty table of contents"
    if [ "$BACKUP_FORMAT" = directory ]; then
        interruptible write_checksums "$PARTIAL" "$name" >"$OUT" 2>"$ERR" || fail "checksum failed: $(describe_error "$ERR")"
        sidecar=$(<"$OUT")
    fi
    size=$(backup_size "$PARTIAL")
    final="$stage/$name"
    if is_s3; then
        mv -T "$PARTIAL" "$final"; PARTIAL="$final"; UPLOADING="$name"
        if [ -d "$final" ]; then rclone_run copy "$final" "$(remote)/$name"; else rclone_run copyto "$final" "$(remote)/$name"; fi
        store_write "$name.sha256" <<<"$sidecar"
        UPLOADING=""
        rm -rf -- "$final"; PARTIAL=""
    else
        printf '%s\n' "$sidecar" >"$stage/.$name.sha256.tmp" 2>"$ERR" || { rm -f "$stage/.$name.sha256.tmp"; fail "$(describe_error "$ERR")"; }
        mv -T "$stage/.$name.sha256.tmp" "$stage/$name.sha256"
        mv -T "$PARTIAL" "$final"; PARTIAL=""
        # pg_dump already fsynced the data; this makes the rename itself durable.
        sync "$stage" 2>/dev/null || true
    fi
    finished=$(iso_now)
    manifest="{
  \"file\": \"$name\",
  \"size\": $size,
  \"sha256\": \"${sidecar%% *}\",
  \"format\": \"$BACKUP_FORMAT\",
  \"startedAt\": \"$started\",
  \"finishedAt\": \"$finished\",
  \"database\": \"$(json_escape "${PGDATABASE:-}")\",
  \"serverVersion\": \"$(json_escape "$SERVER_VERSION")\",
  \"target\": \"$(json_escape "$BACKUP_TARGET")\"
}"
    store_write "$MANIFEST" <<<"$manifest" 2>"$ERR" || fail "could not update $MANIFEST: $(describe_error "$ERR")"
    PUBLISHED=$name
    echo "$SCRIPT_NAME: OK $name size=$size sha256=${sidecar%% *}"
}

# Deletes our backups older than RETENTION_DAYS. Never the newest verified backup (the manifest's, and the
# newest with a checksum), never a name that is not ours, never a file without a checksum naming it.
# With no backup of ours in the store (a new target, or only other files) there is nothing to do: exit 0.
prune() {
    if [ "$RETENTION_MODE" = lifecycle ]; then
        log "retention: left to the bucket's lifecycle rules and object lock (RETENTION_MODE=lifecycle): this identity deletes no backup"
        return 0
    fi
    if [ "$RETENTION_MODE" = prune-identity ] && [ "$MODE" = run ]; then
        log "retention: left to the backup-prune CronJob and its own key (RETENTION_MODE=prune-identity): this identity deletes no backup"
        return 0
    fi
    local names keep="" newest="" cutoff name sidecar sum recorded rest
    local -a ours=()
    names=$(store_list)
    while IFS= read -r name; do
        own_name "$name" && ours+=("$name")
    done <<<"$names"
    [ "${#ours[@]}" -gt 0 ] || return 0
    # The manifest names what this run just published; read it back only when this run published nothing.
    if [ -n "$PUBLISHED" ]; then keep=$PUBLISHED
    elif has_line "$names" "$MANIFEST"; then sidecar=$(store_cat "$MANIFEST"); keep=$(json_field "$sidecar" file); fi
    # The newest of ours with a checksum; names sort by their UTC stamp.
    for name in "${ours[@]}"; do
        if has_line "$names" "$name.sha256" && [[ -z "$newest" || "$name" > "$newest" ]]; then newest=$name; fi
    done
    # Age comes from the stamp in the name, never from mtimes that a copy or an upload may reset. UTC stamps of one
    # fixed width compare as text: one `date` for the cutoff instead of one per backup.
    cutoff=$(date -u -d "@$(( $(now_epoch) - RETENTION_DAYS * 86400 ))" +%Y%m%dT%H%M%SZ)
    for name in "${ours[@]}"; do
        if [ "$name" = "$keep" ] || [ "$name" = "$newest" ]; then continue; fi
        [[ "$name" =~ $STAMP_RE && "${BASH_REMATCH[0]}" < "$cutoff" ]] || continue
        if ! has_line "$names" "$name.sha256"; then log "retention: keeping $name: no checksum, not provably ours"; continue; fi
        sidecar=$(store_cat "$name.sha256")
        recorded=""
        read -r sum recorded rest <<<"$sidecar" || true
        case "$recorded" in
            "$name"|"$name/SHA256SUMS") ;;
            *) log "retention: keeping $name: its checksum file names another file"; continue ;;
        esac
        log "retention: deleting $name (older than $RETENTION_DAYS days)"
        store_delete "$name"
        store_delete "$name.sha256"
    done
}

acquire_lock
sweep_partials
if [ "$MODE" = run ]; then
    check_versions
    dump_and_publish
fi
prune
