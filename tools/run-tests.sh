#!/usr/bin/env bash
# `npm test`: type-check, then every mocha suite. Always ends with one "N passed, N failed" line, even when the
# type check fails or a test file cannot load (mocha then stops before its reporter prints anything).
set -Eeuo pipefail
trap 'echo "run-tests.sh: \"$BASH_COMMAND\" failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."
bin=node_modules/.bin

if ! "$bin/tsc" --noEmit -p .; then
    echo "type check failed (tsc --noEmit)"
    echo "0 passed, 1 failed"
    exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Two worker processes: the suite is CPU-bound and every file stands alone (its own databases, roles, scratch
# directories and Pulumi runtime); the PostgreSQL of test/support/global.ts is started once, in the main process.
# `npm test -- --no-parallel` runs it in one process.
rc=0
"$bin/mocha" --parallel --jobs 2 'test/**/*.test.ts' "$@" 2>&1 | tee "$log" || rc=$?
# Read the whole tail first: grep -q on a pipe could stop the writer early and fail the pipeline.
ending=$(tail -n 5 "$log")
if ! grep -qE '^[0-9]+ passed, [0-9]+ failed' <<<"$ending"; then
    echo "mocha ended without a summary (a test file failed to load?)"
    echo "0 passed, 1 failed"
    if [ "$rc" = 0 ]; then rc=1; fi
fi
exit "$rc"
