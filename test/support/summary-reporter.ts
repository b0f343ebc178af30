// Mocha's spec output, then one plain closing line that CI reads: "N passed, N failed[, N skipped]".
import * as Mocha from "mocha";

const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        let passed = 0;
        let failed = 0;
        let skipped = 0;
        runner.on(EVENT_TEST_PASS, () => passed++);
        // Hook failures count too: a failing before() must not leave a green-looking summary.
        runner.on(EVENT_TEST_FAIL, () => failed++);
        runner.on(EVENT_TEST_PENDING, () => skipped++);
        runner.once(EVENT_RUN_END, () => {
            process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
        });
    }
}

export = SummaryReporter;
