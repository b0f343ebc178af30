#!/usr/bin/env bash
# `npm test`: type-check, then every mocha suite. Always ends with one "N passed, N failed" line, even when the
# type check fails or a test file cannot load (mocha then stops before its reporter prints anything).
#   FORK_KNIFE_TEST_JOBS   mocha workers (default 3; 1 runs the files serially in one process)
#   FORK_KNIFE_STRESS=1    also run the stress suite (test/scripts/stress.test.ts, 100 backups under CPU load,
#                          about 8 minutes) after the others, alone; CI sets it (.ci/run). `npm run test:stress`
#                          runs it by itself.
set -Eeuo pipefail
trap 'echo "run-tests: FAILED: $BASH_COMMAND (line $LINENO)" >&2' ERR
cd "$(dirname "$0")/.."
bin=node_modules/.bin
# Three workers on two cores: the alert pipeline's end-to-end test mostly waits on Prometheus's and Alertmanager's
# clocks, and the script suites on PostgreSQL and rclone, so a third worker uses what they leave idle.
jobs=${FORK_KNIFE_TEST_JOBS:-3}
stress=${FORK_KNIFE_STRESS:-0}
if ! [[ "$jobs" =~ ^[1-9][0-9]?$ ]]; then
    echo "run-tests: FORK_KNIFE_TEST_JOBS=$jobs: must be a number of mocha workers from 1 to 99" >&2
    exit 2
fi
if [[ "$stress" != 0 && "$stress" != 1 ]]; then
    echo "run-tests: FORK_KNIFE_STRESS=$stress: must be 0 or 1" >&2
    exit 2
fi

if ! "$bin/tsc" --noEmit -p .; then
    echo "type check failed (tsc --noEmit)"
    echo "0 passed, 1 failed"
    exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0
failed=0
rc=0

# One mocha run; its closing line is renamed "<label>: N passed, N failed" so only the total below is the plain
# line CI reads. A run that ends without its line (a file failed to load) counts as one failure.
run_mocha() {
    local label=$1 status=0 line
    shift
    : >"$log"
    "$bin/mocha" "$@" 2>&1 | sed -u -E "s/^([0-9]+ passed, [0-9]+ failed.*)$/$label: \\1/" | tee "$log" || status=$?
    # grep without -q reads the whole input: a reader that stopped at the first match could kill tail with SIGPIPE.
    line=$(tail -n 5 "$log" | grep -E "^$label: [0-9]+ passed, [0-9]+ failed" || true)
    if [[ -z "$line" ]]; then
        echo "$label: mocha ended without a summary (a test file failed to load?)"
        failed=$((failed + 1))
        rc=1
        return 0
    fi
    [[ "$line" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
    # mocha failing after a clean count (an error once the tests ended) is a failure the count must show.
    if [[ "$status" != 0 && "${BASH_REMATCH[2]}" == 0 ]]; then
        echo "$label: mocha exited $status after reporting no failure"
        failed=$((failed + 1))
    fi
    [[ "$status" == 0 ]] || rc=1
}

# The suites without the stress suite, in $jobs workers. Each worker starts its own PostgreSQL (test/support/global.ts).
# The slowest files go first, so they start at once instead of holding up the end of the run; then every other
# file in name order. mocha's parallel mode runs a file named twice twice, so the list has each file once.
SLOWEST_FIRST=(test/alerts/pipeline.e2e.test.ts test/scripts/s3.test.ts test/alerts/promtool.test.ts test/tools/dr-drill.test.ts
    test/scripts/bucket-policy-s3.test.ts test/scripts/backup.test.ts test/tools/synth.test.ts)
files=()
declare -A listed=()
for f in "${SLOWEST_FIRST[@]}"; do
    if [[ -f "$f" ]]; then files+=("$f"); listed[$f]=1; fi
done
while IFS= read -r f; do
    [[ -n "${listed[$f]:-}" || "$f" == test/scripts/stress.test.ts ]] || files+=("$f")
done < <(find test -name '*.test.ts' -type f | LC_ALL=C sort)
if [[ "$jobs" == 1 ]]; then
    run_mocha suites "${files[@]}" "$@"
else
    run_mocha suites "${files[@]}" --parallel --jobs "$jobs" "$@"
fi
# The stress suite alone: its busy loops on every core would starve the timing of whatever ran beside it.
if [[ "$stress" == 1 ]]; then
    run_mocha stress test/scripts/stress.test.ts
fi
echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]] || rc=1
exit "$rc"
