# shellcheck shell=bash
# Shared by backup.sh, restore.sh and restore-test.sh. Sourced, never run.
#
# Environment (all optional except the libpq PG* variables):
#   BACKUP_TARGET   pvc (default) or s3://bucket/prefix
#   BACKUP_DIR      where backups live for the pvc target (default /backups)
#   WORK_DIR        scratch space for s3 staging and downloads (default $TMPDIR or /tmp)
#   BACKUP_PREFIX   file name prefix; retention only ever touches files that carry it (default fork-knife)
#   PG_BIN          directory of pg_dump/pg_restore/psql (default: PATH)
#   RCLONE          rclone binary (default: PATH); configured by RCLONE_CONFIG_<REMOTE>_* variables
#   RCLONE_REMOTE   name of the rclone remote for s3 targets (default backup)
#   PGSSLMODE, PGSSLROOTCERT  libpq's TLS settings; verify-ca / verify-full need the CA bundle in PGSSLROOTCERT
#                   (the database-ca volume), which pg_dump, pg_restore and psql then read on every connection

: "${BACKUP_TARGET:=pvc}"
: "${BACKUP_DIR:=/backups}"
: "${WORK_DIR:=${TMPDIR:-/tmp}}"
: "${BACKUP_PREFIX:=fork-knife}"
: "${RCLONE:=rclone}"
: "${RCLONE_REMOTE:=backup}"
: "${PGCONNECT_TIMEOUT:=10}"
export PGCONNECT_TIMEOUT
# The callers set these too; repeated here so that no script can source the library without them. errtrace (-E)
# makes the ERR trap fire inside functions and $(...), so an unexpected failure is named where it happens.
set -Eeuo pipefail
# Without this, a failure inside $(...) would not stop the command substitution.
shopt -s inherit_errexit
# Pipelines and pipefail: a reader that stops early (grep -q, head, sed q) kills its writer with SIGPIPE (exit
# 141), and pipefail turns that into a failure at random, depending on how the writer's output was chunked and how
# busy the machine is. An empty `grep` exits 1 and fails the pipeline just the same. So text that is already in a
# variable is matched with [[ ]] and the helpers below (has_line, own_name, json_field), never piped into grep;
# and where a pipeline remains, every reader in it reads its input to the end (sort, sed without q, awk, cat).
# rclone 1.60's S3 client cannot load AWS_CA_BUNDLE ("unsupported transport"); hand it to --ca-cert instead.
if [ -n "${AWS_CA_BUNDLE:-}" ]; then export RCLONE_CA_CERT=${RCLONE_CA_CERT:-$AWS_CA_BUNDLE}; unset AWS_CA_BUNDLE; fi

SCRIPT_NAME=$(basename "$0" .sh)
MANIFEST=latest.json
STAMP_RE='[0-9]{8}T[0-9]{6}Z'
# A backup of ours: prefix, UTC stamp, optional label, extension. Anything else is never deleted.
OWN_RE="^${BACKUP_PREFIX}-${STAMP_RE}(-[a-z0-9-]+)?\.(dump|dir)\$"
# A marker, not a variable: fail() may run inside $(...) whose variables die with it.
FAIL_MARK="$WORK_DIR/.${SCRIPT_NAME}.failed.$$"
# Where an ERR inside $(...) or another subshell leaves its description for the main shell (a variable would die
# with the subshell).
ERR_NOTE="$WORK_DIR/.${SCRIPT_NAME}.errcmd.$$"

# The script's own stderr, opened before anything can redirect it: a line printed from inside a redirected call
# (`store_write … 2>"$ERR"`) must still reach the log, not a scratch file that cleanup deletes.
exec {SCRIPT_STDOUT}>&1 {SCRIPT_STDERR}>&2
log() { echo "$SCRIPT_NAME: $*" >&"$SCRIPT_STDERR"; }

# The one line a failed run leaves behind; the exit status is always non-zero. FAIL_REASON keeps the reason for
# the exit hook (only when fail runs in the main shell, not inside $(...)).
fail() {
    FAIL_REASON=$*
    : >"$FAIL_MARK" 2>/dev/null || true
    echo "$SCRIPT_NAME: FAILED: $*" >&"$SCRIPT_STDERR"
    exit 1
}

pgbin() { if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN/$1"; else echo "$1"; fi; }

# Turns a client's stderr into a reason a person on call can act on (libpq never prints the password).
# Reads the whole file in this shell: no pipeline, so nothing in it can die of SIGPIPE.
describe_error() {
    local file=$1 text="" last="" line
    if [ -r "$file" ]; then
        while IFS= read -r line || [ -n "$line" ]; do
            text+="$line "
            if [ -z "$last" ] && [[ "$line" =~ [^[:space:]] ]]; then last=$line; fi
        done <"$file"
    fi
    if [[ "$last" =~ ^[a-z_]+:\ (error:\ )?(.*)$ ]]; then last=${BASH_REMATCH[2]}; fi
    case "$text" in
        *"No space left on device"*) echo "disk full: $last" ;;
        *"password authentication failed"*|*"no password supplied"*|*"authentication failed"*)
            echo "authentication failed for user ${PGUSER:-?} at ${PGHOST:-?}:${PGPORT:-5432}: $last" ;;
        *"certificate verify failed"*|*"does not match host name"*|*"root certificate file"*|*"certificate present, but not private key"*)
            echo "TLS verification of the database server failed at ${PGHOST:-?}:${PGPORT:-5432} (PGSSLMODE=${PGSSLMODE:-?}, CA ${PGSSLROOTCERT:-none}): $last" ;;
        *"Connection refused"*|*"could not connect"*|*"could not translate host name"*|*"timeout expired"*|*"No route to host"*|*"Network is unreachable"*)
            echo "database unreachable at ${PGHOST:-?}:${PGPORT:-5432}: $last" ;;
        *) echo "${last:-no error output}" ;;
    esac
}

# Exit hook: unexpected errors (set -e) still end in exactly one FAILED line.
on_exit() {
    local status=$1
    # A SIGTERM now must not cut the cleanup short (the kubelet's SIGKILL still bounds it).
    trap '' TERM INT
    if declare -F cleanup >/dev/null; then cleanup "$status" || true; fi
    if [ "$status" -ne 0 ] && [ ! -e "$FAIL_MARK" ]; then
        echo "$SCRIPT_NAME: FAILED: unexpected error (exit $status) in: ${LAST_COMMAND:-?}" >&"$SCRIPT_STDERR"
    fi
    rm -f "$FAIL_MARK" "$ERR_NOTE" "$WORK_DIR/.rclone.err.$$" "$WORK_DIR/.store-write.$$" 2>/dev/null || true
}
# With errtrace the trap runs where the command failed: $LINENO, BASH_SOURCE and FUNCNAME are that command's. In a
# subshell (a failure inside $(...)) the innermost failing command is noted in ERR_NOTE; the main shell's trap then
# names it, and the command that ran the subshell, e.g. "stat -c %s … (lib-backup.sh line 9, in backup_size),
# called from size=$(backup_size …) (backup.sh line 7, in dump_and_publish)".
note_error() {
    local inner
    if [ "$BASHPID" != "$$" ]; then
        [ -e "$ERR_NOTE" ] || { printf '%s' "$1" >"$ERR_NOTE"; } 2>/dev/null || true
        return 0
    fi
    LAST_COMMAND=$1
    [ -e "$ERR_NOTE" ] || return 0
    inner=$(<"$ERR_NOTE") || inner=""
    rm -f "$ERR_NOTE" 2>/dev/null || true
    if [ -n "$inner" ] && [[ "$1" == *"\$("* ]]; then LAST_COMMAND="$inner, called from $1"; fi
}
trap 'note_error "$BASH_COMMAND (${BASH_SOURCE[0]##*/} line $LINENO${FUNCNAME[0]:+, in ${FUNCNAME[0]}})"' ERR
trap 'on_exit $?' EXIT

# ---- signals -----------------------------------------------------------------------------------
# The scripts are the container's PID 1, and PID 1 ignores every signal it has no handler for: without this
# trap the kubelet's SIGTERM (activeDeadlineSeconds, eviction, a drain) does nothing, SIGKILL follows after the
# grace period, and the EXIT hook never runs (scratch database, S3 lock and partial uploads left behind).
# On TERM/INT: stop every process below this shell, print the one FAILED line, exit 143 (130 for INT), and the
# EXIT hook cleans up. Bash runs a trap only between commands, so long commands go through `interruptible`.
RUNNING=""
FAIL_REASON=""
# The trap may run inside a redirection (`interruptible pg_dump 2>"$ERR"`): it speaks on the script's own stdout/stderr
# (SCRIPT_STDOUT/SCRIPT_STDERR, opened above).
on_signal() {
    trap '' TERM INT
    exec 1>&"$SCRIPT_STDOUT" 2>&"$SCRIPT_STDERR"
    FAIL_REASON="interrupted by SIG$1${RUNNING:+ while running $RUNNING}"
    stop_children
    : >"$FAIL_MARK" 2>/dev/null || true
    echo "$SCRIPT_NAME: FAILED: $FAIL_REASON" >&"$SCRIPT_STDERR"
    exit "$2"
}
trap 'on_signal TERM 143' TERM
trap 'on_signal INT 130' INT

# Every process below this shell, read from /proc without forking (a forked reader would list itself).
# Empty when /proc does not show this shell's PID namespace, so it can never name someone else's process.
DESCENDANTS=()
find_descendants() {
    local f line pid rest ppid c queue
    local -A kids=()
    DESCENDANTS=()
    read -r line </proc/self/stat 2>/dev/null || return 0
    [ "${line%% *}" = "$$" ] || return 0
    for f in /proc/[0-9]*/stat; do
        # stderr first: a process that exited since the glob must not print "No such file".
        read -r line 2>/dev/null <"$f" || continue
        pid=${line%% *}; rest=${line##*) }; ppid=${rest#* }; ppid=${ppid%% *}
        kids[$ppid]="${kids[$ppid]:-} $pid"
    done
    queue=("$$")
    while [ "${#queue[@]}" -gt 0 ]; do
        pid=${queue[0]}; queue=("${queue[@]:1}")
        for c in ${kids[$pid]:-}; do DESCENDANTS+=("$c"); queue+=("$c"); done
    done
}

# TERM to every descendant (a child script runs its own trap and cleanup), then wait for our children.
stop_children() {
    find_descendants
    if [ "${#DESCENDANTS[@]}" -gt 0 ]; then kill -TERM "${DESCENDANTS[@]}" 2>/dev/null || true; fi
    wait 2>/dev/null || true
}

# Runs a command or function in the background and waits for it, so that a SIGTERM arriving meanwhile runs
# the trap at once instead of after the command ends. Exit status and redirections are the command's own;
# stdin is not passed (background commands read /dev/null).
interruptible() {
    local child status=0
    RUNNING=${RUNNING_AS:-${1##*/}}
    if [[ "$RUNNING" =~ ^(bash|sh|env)$ ]]; then RUNNING=${2##*/}; fi
    "$@" &
    child=$!
    wait "$child" || status=$?
    RUNNING=""
    return "$status"
}

# Seconds elapsed since START (an earlier $EPOCHREALTIME), to a tenth: "12.3". Bash's own clock, no `date` fork.
# EPOCHREALTIME always has six decimals, so its digits alone are microseconds, whatever the locale's separator.
# A wall clock stepped back (NTP) reads as 0.0, never as a negative time.
seconds_since() {
    local tenths=$(( (${EPOCHREALTIME//[!0-9]/} - ${1//[!0-9]/} + 50000) / 100000 ))
    if [ "$tenths" -lt 0 ]; then tenths=0; fi
    printf '%d.%d\n' $(( tenths / 10 )) $(( tenths % 10 ))
}
utc_stamp() { date -u -d "${BACKUP_NOW:-now}" +%Y%m%dT%H%M%SZ; }
iso_now() { date -u -d "${BACKUP_NOW:-now}" +%Y-%m-%dT%H:%M:%SZ; }
now_epoch() { date -u -d "${BACKUP_NOW:-now}" +%s; }

# A JSON string's content: backslash, quote and control characters escaped.
json_escape() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\r'/\\r}; s=${s//$'\t'/\\t}
    printf '%s' "${s//[[:cntrl:]]/ }"
}
# One string field of the flat JSON documents these scripts write (one key per line): json_field DOCUMENT KEY.
# Prints nothing when the key is absent; never fails.
json_field() {
    local line re="^ *\"$2\": *\"([^\"]*)\""
    while IFS= read -r line; do
        if [[ "$line" =~ $re ]]; then printf '%s\n' "${BASH_REMATCH[1]}"; return 0; fi
    done <<<"$1"
}

# Is the line $2 one of the lines of $1? Exact match, no pattern, no pipe.
has_line() { [[ $'\n'"$1"$'\n' == *$'\n'"$2"$'\n'* ]]; }
# Is $1 the name of a backup of ours (prefix, stamp, optional label, extension)?
own_name() { [[ "$1" =~ $OWN_RE ]]; }

# ---- the store: a directory (pvc) or an S3 prefix through rclone -------------------------------
is_s3() { [[ "$BACKUP_TARGET" == s3://* ]]; }
remote() { local rest=${BACKUP_TARGET#s3://}; echo "${RCLONE_REMOTE}:${rest%/}"; }

rclone_run() {
    local err="$WORK_DIR/.rclone.err.$$" reason status=0
    interruptible "$RCLONE" --retries 3 --low-level-retries 5 "$@" 2>"$err" || status=$?
    if [ "$status" -ne 0 ]; then
        reason=$(tail -n 1 "$err"); reason=${reason##*ERROR : }
        rm -f "$err"
        fail "object storage ($(remote)) $1 failed: $reason"
    fi
    rm -f "$err"
}

# One name a line, directories without their trailing slash. Not `ls`: its output is for people.
store_list() {
    local listing
    if is_s3; then
        # `|| return`: callers run this inside $(...) || ..., where errexit is off and a failed assignment would
        # otherwise read as an empty store.
        # The trailing slash names a directory: without it rclone first asks for an object named like the prefix
        # (HEAD <prefix>), a read outside what the keys' bucket policies grant (components/data/bucket-policy.ts).
        listing=$(rclone_run lsf --max-depth 1 "$(remote)/") || return 1
        listing=${listing//$'/\n'/$'\n'}
        if [ -n "$listing" ]; then printf '%s\n' "${listing%/}"; fi
    else find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -printf '%f\n'; fi
}

store_exists() {
    local names
    if ! is_s3; then [ -e "$BACKUP_DIR/$1" ]; return; fi
    # Not a pipeline: a listing error must end the run, not read as "absent".
    names=$(store_list) || exit 1
    has_line "$names" "$1"
}

store_cat() {
    if is_s3; then rclone_run cat "$(remote)/$1"; else cat "$BACKUP_DIR/$1"; fi
}

# Replaces a small object atomically: readers see the old or the new content, never a mix.
store_write() {
    local name=$1 staged="$WORK_DIR/.store-write.$$"
    if is_s3; then
        # Staged in a file, not streamed with rcat: rclone cannot retry an rcat (its input is gone), but it retries a
        # copyto whose upload failed or came back with the wrong size or checksum (--retries). The stress suite saw
        # such a transfer ("corrupted on transfer: sizes differ") fail a backup that was already uploaded.
        if ! cat >"$staged"; then rm -f "$staged"; return 1; fi
        rclone_run copyto --ignore-times "$staged" "$(remote)/$name"
        rm -f "$staged"
        return
    fi
    # Explicit checks: callers use `|| fail`, which switches set -e off in here.
    if ! cat >"$BACKUP_DIR/.$name.tmp"; then rm -f "$BACKUP_DIR/.$name.tmp"; return 1; fi
    sync "$BACKUP_DIR/.$name.tmp" 2>/dev/null || true
    mv -f "$BACKUP_DIR/.$name.tmp" "$BACKUP_DIR/$name"
}

store_delete() {
    if is_s3; then
        # `delete`, not `purge`: purge asks whether the bucket is versioned (GetBucketVersioning) and on a versioned
        # bucket removes every version, which no key may do; `delete` removes each current object (DeleteObject),
        # leaving the noncurrent versions to the bucket's lifecycle rule.
        if "$RCLONE" lsf "$(remote)/$1/" >/dev/null 2>&1 && [ -n "$("$RCLONE" lsf "$(remote)/$1/" 2>/dev/null)" ]; then
            rclone_run delete "$(remote)/$1/"
        else rclone_run deletefile "$(remote)/$1"; fi
    else rm -rf -- "${BACKUP_DIR:?}/$1"; fi
}

# Sets FETCHED to the local path of a backup, downloading it first for s3 targets. Not meant for $(...):
# a download is long, and a trap waits for a command substitution to end.
store_fetch() {
    local name=$1
    if ! is_s3; then FETCHED="$BACKUP_DIR/$name"; return; fi
    mkdir -p "$WORK_DIR/fetch"
    rm -rf -- "${WORK_DIR:?}/fetch/$name"
    if [[ "$name" == *.dir ]]; then rclone_run copy "$(remote)/$name" "$WORK_DIR/fetch/$name"
    else rclone_run copyto "$(remote)/$name" "$WORK_DIR/fetch/$name"; fi
    # shellcheck disable=SC2034  # FETCHED is this function's result, read by the caller
    FETCHED="$WORK_DIR/fetch/$name"
}

# ---- checksums ---------------------------------------------------------------------------------
# OpenSSL's SHA-256 uses the CPU's SHA extensions: 0.05 s of CPU for an 82 MB dump where coreutils' sha256sum
# takes 0.24 s, CPU that the pg_dump or pg_restore running beside the hash needs. The PostgreSQL image carries
# openssl (postgresql-common depends on ssl-cert, which depends on openssl); without it, sha256sum gives the same
# digest, slower.
if command -v openssl >/dev/null 2>&1; then SHA256_TOOL=openssl; else SHA256_TOOL=sha256sum; fi
# The sha256 of standard input as 64 hex digits (the tool reads to the end: safe at the end of a pipeline);
# returns 1 with a reason on stderr when it cannot hash.
sha256_stream() {
    local out
    if [ "$SHA256_TOOL" = openssl ]; then out=$(openssl dgst -sha256 -r) || return 1
    else out=$(sha256sum) || return 1; fi
    out=${out%% *}
    [[ "$out" =~ ^[0-9a-f]{64}$ ]] || { echo "$SHA256_TOOL printed no sha256" >&2; return 1; }
    printf '%s\n' "$out"
}
sha256_of() { sha256_stream <"$1"; }

# A dump file is hashed whole; a directory dump carries SHA256SUMS and the sidecar hashes that list.
write_checksums() {
    local path=$1 name=$2 sum
    if [ -d "$path" ]; then
        # shellcheck disable=SC2094  # find skips SHA256SUMS by name: the list never hashes itself
        (cd "$path" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -r sha256sum -- >SHA256SUMS) || return 1
        sum=$(sha256_of "$path/SHA256SUMS") || return 1
        echo "$sum  $name/SHA256SUMS"
    else
        sum=$(sha256_of "$path") || return 1
        echo "$sum  $name"
    fi
}

# Proves a local copy matches the sha256 recorded at backup time; prints the problem and returns 1 if not.
verify_checksum() {
    local path=$1 name=$2 sidecar=$3 want="" got recorded="" rest
    read -r want recorded rest <<<"$sidecar" || true
    if [ -d "$path" ]; then
        [ "$recorded" = "$name/SHA256SUMS" ] || { echo "checksum file does not name $name"; return 1; }
        # Explicit: callers run this under `||`, where errexit is off.
        got=$(sha256_of "$path/SHA256SUMS" 2>/dev/null) || { echo "cannot hash $name/SHA256SUMS with $SHA256_TOOL"; return 1; }
        [ "$got" = "$want" ] || { echo "checksum mismatch for $name/SHA256SUMS"; return 1; }
        (cd "$path" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1) || { echo "checksum mismatch inside $name"; return 1; }
    else
        [ "$recorded" = "$name" ] || { echo "checksum file does not name $name"; return 1; }
        got=$(sha256_of "$path" 2>/dev/null) || { echo "cannot hash $name with $SHA256_TOOL"; return 1; }
        [ "$got" = "$want" ] || { echo "checksum mismatch for $name (expected $want, got $got)"; return 1; }
    fi
}

backup_size() {
    local size
    if [ -d "$1" ]; then size=$(du -sb "$1"); echo "${size%%[[:space:]]*}"; else stat -c %s "$1"; fi
}

# Resolves "latest" (or nothing) to the manifest's file; any other value must be one of our names.
resolve_backup_name() {
    local want=${1:-latest} name doc
    if [ "$want" = latest ]; then
        store_exists "$MANIFEST" || fail "no $MANIFEST in $(store_label): no verified backup yet"
        # `|| exit`: callers may run this under `||`, where errexit is off (fail already printed the reason).
        doc=$(store_cat "$MANIFEST") || exit 1
        name=$(json_field "$doc" file)
        [ -n "$name" ] || fail "$MANIFEST in $(store_label) names no file"
    else name=$want; fi
    own_name "$name" || fail "$name is not a backup name of this tool (${BACKUP_PREFIX}-<stamp>.dump|dir)"
    echo "$name"
}

store_label() { if is_s3; then echo "$BACKUP_TARGET"; else echo "$BACKUP_DIR"; fi; }

# ---- TLS to the database -----------------------------------------------------------------------------
# With verify-ca / verify-full libpq checks the server against PGSSLROOTCERT; without it libpq falls back to
# ~/.postgresql/root.crt and fails with a message that names neither. Say what is missing before any connection.
check_database_tls() {
    case "${PGSSLMODE:-}" in
        verify-ca|verify-full)
            [ -n "${PGSSLROOTCERT:-}" ] ||
                fail "PGSSLMODE=$PGSSLMODE needs PGSSLROOTCERT: the database CA bundle (the database-ca volume, /var/run/secrets/fork-knife/database-ca/ca.crt)"
            [ -r "$PGSSLROOTCERT" ] || fail "PGSSLROOTCERT $PGSSLROOTCERT is not readable (is the database-ca volume mounted?)"
            export PGSSLROOTCERT ;;
    esac
}
check_database_tls
