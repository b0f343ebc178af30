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

: "${BACKUP_TARGET:=pvc}"
: "${BACKUP_DIR:=/backups}"
: "${WORK_DIR:=${TMPDIR:-/tmp}}"
: "${BACKUP_PREFIX:=fork-knife}"
: "${RCLONE:=rclone}"
: "${RCLONE_REMOTE:=backup}"
: "${PGCONNECT_TIMEOUT:=10}"
export PGCONNECT_TIMEOUT
# Without this, a failure inside $(...) would not stop the command substitution.
shopt -s inherit_errexit
# rclone 1.60's S3 client cannot load AWS_CA_BUNDLE ("unsupported transport"); hand it to --ca-cert instead.
if [ -n "${AWS_CA_BUNDLE:-}" ]; then export RCLONE_CA_CERT=${RCLONE_CA_CERT:-$AWS_CA_BUNDLE}; unset AWS_CA_BUNDLE; fi

SCRIPT_NAME=$(basename "$0" .sh)
MANIFEST=latest.json
STAMP_RE='[0-9]{8}T[0-9]{6}Z'
# A backup of ours: prefix, UTC stamp, optional label, extension. Anything else is never deleted.
OWN_RE="^${BACKUP_PREFIX}-${STAMP_RE}(-[a-z0-9-]+)?\.(dump|dir)\$"
# A marker, not a variable: fail() may run inside $(...) whose variables die with it.
FAIL_MARK="$WORK_DIR/.${SCRIPT_NAME}.failed.$$"

log() { echo "$SCRIPT_NAME: $*" >&2; }

# The one line a failed run leaves behind; the exit status is always non-zero. FAIL_REASON keeps the reason for
# the exit hook (only when fail runs in the main shell, not inside $(...)).
fail() {
    FAIL_REASON=$*
    : >"$FAIL_MARK" 2>/dev/null || true
    echo "$SCRIPT_NAME: FAILED: $*" >&2
    exit 1
}

pgbin() { if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN/$1"; else echo "$1"; fi; }

# Turns a client's stderr into a reason a person on call can act on (libpq never prints the password).
describe_error() {
    local file=$1 text last
    text=$(tr '\n' ' ' <"$file" 2>/dev/null || true)
    last=$(grep -v '^[[:space:]]*$' "$file" 2>/dev/null | head -n 1 | sed -E 's/^[a-z_]+: (error: )?//' || true)
    case "$text" in
        *"No space left on device"*) echo "disk full: $last" ;;
        *"password authentication failed"*|*"no password supplied"*|*"authentication failed"*)
            echo "authentication failed for user ${PGUSER:-?} at ${PGHOST:-?}:${PGPORT:-5432}: $last" ;;
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
        echo "$SCRIPT_NAME: FAILED: unexpected error (exit $status) in: ${LAST_COMMAND:-?}" >&2
    fi
    rm -f "$FAIL_MARK" "$WORK_DIR/.rclone.err.$$" 2>/dev/null || true
}
trap 'LAST_COMMAND=$BASH_COMMAND' ERR
trap 'on_exit $?' EXIT

# ---- signals -----------------------------------------------------------------------------------
# The scripts are the container's PID 1, and PID 1 ignores every signal it has no handler for: without this
# trap the kubelet's SIGTERM (activeDeadlineSeconds, eviction, a drain) does nothing, SIGKILL follows after the
# grace period, and the EXIT hook never runs (scratch database, S3 lock and partial uploads left behind).
# On TERM/INT: stop every process below this shell, print the one FAILED line, exit 143 (130 for INT), and the
# EXIT hook cleans up. Bash runs a trap only between commands, so long commands go through `interruptible`.
RUNNING=""
FAIL_REASON=""
# The trap may run inside a redirection (`interruptible pg_dump 2>"$ERR"`): it speaks on the script's own stdout/stderr.
exec {SCRIPT_STDOUT}>&1 {SCRIPT_STDERR}>&2
on_signal() {
    trap '' TERM INT
    exec 1>&"$SCRIPT_STDOUT" 2>&"$SCRIPT_STDERR"
    FAIL_REASON="interrupted by SIG$1${RUNNING:+ while running $RUNNING}"
    stop_children
    : >"$FAIL_MARK" 2>/dev/null || true
    echo "$SCRIPT_NAME: FAILED: $FAIL_REASON" >&2
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
    RUNNING=${1##*/}
    if [[ "$RUNNING" =~ ^(bash|sh|env)$ ]]; then RUNNING=${2##*/}; fi
    "$@" &
    child=$!
    wait "$child" || status=$?
    RUNNING=""
    return "$status"
}

utc_stamp() { date -u -d "${BACKUP_NOW:-now}" +%Y%m%dT%H%M%SZ; }
iso_now() { date -u -d "${BACKUP_NOW:-now}" +%Y-%m-%dT%H:%M:%SZ; }
now_epoch() { date -u -d "${BACKUP_NOW:-now}" +%s; }
# Age comes from the stamp in the name, never from mtimes that a copy or an upload may reset.
stamp_epoch() {
    local s
    s=$(echo "$1" | grep -oE "$STAMP_RE" | head -n 1)
    date -u -d "${s:0:4}-${s:4:2}-${s:6:2} ${s:9:2}:${s:11:2}:${s:13:2}" +%s
}

json_escape() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
# Reads one string field of the flat JSON documents these scripts write (one key per line).
json_field() { sed -n "s/^ *\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" | head -n 1; }

# ---- the store: a directory (pvc) or an S3 prefix through rclone -------------------------------
is_s3() { [[ "$BACKUP_TARGET" == s3://* ]]; }
remote() { local rest=${BACKUP_TARGET#s3://}; echo "${RCLONE_REMOTE}:${rest%/}"; }

rclone_run() {
    local err="$WORK_DIR/.rclone.err.$$" reason status=0
    # rcat reads stdin (small objects only): it runs in the foreground, everything else is interruptible.
    if [ "$1" = rcat ]; then "$RCLONE" --retries 3 --low-level-retries 5 "$@" 2>"$err" || status=$?
    else interruptible "$RCLONE" --retries 3 --low-level-retries 5 "$@" 2>"$err" || status=$?; fi
    if [ "$status" -ne 0 ]; then
        reason=$(tail -n 1 "$err" | sed 's/^.*ERROR : //')
        rm -f "$err"
        fail "object storage ($(remote)) $1 failed: $reason"
    fi
    rm -f "$err"
}

store_list() {
    if is_s3; then rclone_run lsf --max-depth 1 "$(remote)" | sed 's:/$::'
    else ls -1A "$BACKUP_DIR"; fi
}

store_exists() {
    local names
    if ! is_s3; then [ -e "$BACKUP_DIR/$1" ]; return; fi
    # Not a pipeline: a listing error must end the run, not read as "absent".
    names=$(store_list) || exit 1
    grep -qxF -- "$1" <<<"$names"
}

store_cat() {
    if is_s3; then rclone_run cat "$(remote)/$1"; else cat "$BACKUP_DIR/$1"; fi
}

# Replaces a small object atomically: readers see the old or the new content, never a mix.
store_write() {
    local name=$1
    if is_s3; then rclone_run rcat "$(remote)/$name"; return; fi
    # Explicit checks: callers use `|| fail`, which switches set -e off in here.
    if ! cat >"$BACKUP_DIR/.$name.tmp"; then rm -f "$BACKUP_DIR/.$name.tmp"; return 1; fi
    sync "$BACKUP_DIR/.$name.tmp" 2>/dev/null || true
    mv -f "$BACKUP_DIR/.$name.tmp" "$BACKUP_DIR/$name"
}

store_delete() {
    if is_s3; then
        if "$RCLONE" lsf "$(remote)/$1/" >/dev/null 2>&1 && [ -n "$("$RCLONE" lsf "$(remote)/$1/" 2>/dev/null)" ]; then
            rclone_run purge "$(remote)/$1"
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
    FETCHED="$WORK_DIR/fetch/$name"
}

# ---- checksums ---------------------------------------------------------------------------------
# A dump file is hashed whole; a directory dump carries SHA256SUMS and the sidecar hashes that list.
write_checksums() {
    local path=$1 name=$2 sum
    if [ -d "$path" ]; then
        (cd "$path" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -r sha256sum -- >SHA256SUMS) || return 1
        sum=$(sha256sum <"$path/SHA256SUMS") || return 1
        echo "${sum%% *}  $name/SHA256SUMS"
    else
        sum=$(sha256sum <"$path") || return 1
        echo "${sum%% *}  $name"
    fi
}

# Proves a local copy matches the sha256 recorded at backup time; prints the problem and returns 1 if not.
verify_checksum() {
    local path=$1 name=$2 sidecar=$3 want got recorded
    want=$(echo "$sidecar" | awk 'NR==1{print $1}')
    recorded=$(echo "$sidecar" | awk 'NR==1{print $2}')
    if [ -d "$path" ]; then
        [ "$recorded" = "$name/SHA256SUMS" ] || { echo "checksum file does not name $name"; return 1; }
        got=$(sha256sum <"$path/SHA256SUMS" | cut -d' ' -f1)
        [ "$got" = "$want" ] || { echo "checksum mismatch for $name/SHA256SUMS"; return 1; }
        (cd "$path" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1) || { echo "checksum mismatch inside $name"; return 1; }
    else
        [ "$recorded" = "$name" ] || { echo "checksum file does not name $name"; return 1; }
        got=$(sha256sum <"$path" | cut -d' ' -f1)
        [ "$got" = "$want" ] || { echo "checksum mismatch for $name (expected $want, got $got)"; return 1; }
    fi
}

backup_size() { if [ -d "$1" ]; then du -sb "$1" | cut -f1; else stat -c %s "$1"; fi; }

# Resolves "latest" (or nothing) to the manifest's file; any other value must be one of our names.
resolve_backup_name() {
    local want=${1:-latest} name
    if [ "$want" = latest ]; then
        store_exists "$MANIFEST" || fail "no $MANIFEST in $(store_label): no verified backup yet"
        name=$(store_cat "$MANIFEST" | json_field file)
        [ -n "$name" ] || fail "$MANIFEST in $(store_label) names no file"
    else name=$want; fi
    echo "$name" | grep -qE "$OWN_RE" || fail "$name is not a backup name of this tool (${BACKUP_PREFIX}-<stamp>.dump|dir)"
    echo "$name"
}

store_label() { if is_s3; then echo "$BACKUP_TARGET"; else echo "$BACKUP_DIR"; fi; }
