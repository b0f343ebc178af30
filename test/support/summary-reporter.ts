// Mocha's spec output, then one plain closing line that CI reads: "N passed, N failed[, N skipped]".
// Failed counts failing tests, failing hooks, and the tests a failing hook kept from running: a broken before()
// must never shrink the count into something that looks green.
import * as Mocha from "mocha";

const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        let passed = 0;
        let failedTests = 0;
        let failedHooks = 0;
        let skipped = 0;
        runner.on(EVENT_TEST_PASS, () => passed++);
        runner.on(EVENT_TEST_FAIL, (runnable: Mocha.Runnable) => {
            if (runnable instanceof Mocha.Hook) failedHooks++;
            else failedTests++;
        });
        runner.on(EVENT_TEST_PENDING, () => skipped++);
        runner.once(EVENT_RUN_END, () => {
            const neverRan = Math.max(0, runner.total - passed - failedTests - skipped);
            const failed = failedTests + failedHooks + neverRan;
            process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
        });
    }
}

export = SummaryReporter;
