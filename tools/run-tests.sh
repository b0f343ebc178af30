#!/usr/bin/env bash
# `npm test`: type-check, then every mocha suite. Always ends with one "N passed, N failed" line, even when the
# type check fails or a test file cannot load (mocha then stops before its reporter prints anything).
set -Eeuo pipefail
trap 'echo "run-tests: FAILED: $BASH_COMMAND (line $LINENO)" >&2' ERR
cd "$(dirname "$0")/.."
bin=node_modules/.bin

if ! "$bin/tsc" --noEmit -p .; then
    echo "type check failed (tsc --noEmit)"
    echo "0 passed, 1 failed"
    exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
# One process, files in order. Parallel workers (tried: --parallel --jobs 2) share the one PostgreSQL, and a
# restore-test.sh run in one worker sweeps the stale scratch databases another worker's test planted; the stress
# suite's CPU burners would also starve the alert pipeline's timings. Serial is slower and deterministic.
"$bin/mocha" 'test/**/*.test.ts' "$@" 2>&1 | tee "$log" || rc=$?
# grep -c reads the whole tail: a reader that stopped at the first match could kill tail with SIGPIPE.
if [ "$(tail -n 5 "$log" | grep -cE '^[0-9]+ passed, [0-9]+ failed' || true)" = 0 ]; then
    echo "mocha ended without a summary (a test file failed to load?)"
    echo "0 passed, 1 failed"
    [ "$rc" = 0 ] && rc=1
fi
exit "$rc"
