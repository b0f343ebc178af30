// tools/run-tests.sh, the `npm test` driver CI reads, run for real with stand-ins for tsc and mocha: its last line
// must be the sum of every mocha run, and anything that ends a run without its summary must count as a failure.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../../tools/lib/stack-config";

/** A checkout with the real run-tests.sh and fake tools: mocha prints what MOCHA_<label> says for its run. */
function checkout(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "run-tests-"));
    fs.mkdirSync(path.join(dir, "tools"));
    fs.mkdirSync(path.join(dir, "node_modules", ".bin"), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, "tools", "run-tests.sh"), path.join(dir, "tools", "run-tests.sh"));
    const fake = (name: string, body: string) => fs.writeFileSync(path.join(dir, "node_modules", ".bin", name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    fake("tsc", 'exit "${TSC_STATUS:-0}"');
    for (const f of ["test/b/c.test.ts", "test/a.test.ts", "test/scripts/stress.test.ts", "test/scripts/s3.test.ts", "test/support/helper.ts"]) {
        fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), "");
    }
    // The stress run is the one that names only stress.test.ts; every run's args are logged for the assertions.
    fake("mocha", [
        'echo "$*" >>"$ARGS_LOG"',
        'if [[ "$*" != test/scripts/stress.test.ts ]]; then out=${MOCHA_SUITES-}; rc=${MOCHA_SUITES_RC:-0}; else out=${MOCHA_STRESS-}; rc=${MOCHA_STRESS_RC:-0}; fi',
        'echo "  ✔ a test"; [[ -z "$out" ]] || printf "\\n%s\\n" "$out"; exit "$rc"',
    ].join("\n"));
    return dir;
}

function run(env: Record<string, string>) {
    const dir = checkout();
    const argsLog = path.join(dir, "args.log");
    try {
        const r = spawnSync("bash", ["tools/run-tests.sh"], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH!, ARGS_LOG: argsLog, ...env } });
        const lines = r.stdout.trimEnd().split("\n");
        return { status: r.status, last: lines[lines.length - 1], stdout: r.stdout, stderr: r.stderr, runs: fs.existsSync(argsLog) ? fs.readFileSync(argsLog, "utf8").trim().split("\n") : [] };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("npm test's driver (tools/run-tests.sh)", () => {
    it("by default runs every test file once in 3 workers, a slow one first, without the stress suite, and ends with their count", () => {
        const r = run({ MOCHA_SUITES: "12 passed, 0 failed" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.last, "12 passed, 0 failed");
        assert.equal(r.runs.length, 1);
        assert.equal(r.runs[0], "test/scripts/s3.test.ts test/a.test.ts test/b/c.test.ts --parallel --jobs 3");
        assert.match(r.stdout, /^suites: 12 passed, 0 failed$/m, "the run's own line is labelled, so only the total is plain");
        assert.equal(r.stdout.match(/^\d+ passed, \d+ failed/gm)!.length, 1);
    });

    it("FORK_KNIFE_TEST_JOBS=1 runs one process; 0, 100 and words are refused with exit 2 before anything runs", () => {
        assert.equal(run({ FORK_KNIFE_TEST_JOBS: "1", MOCHA_SUITES: "3 passed, 0 failed" }).runs[0], "test/scripts/s3.test.ts test/a.test.ts test/b/c.test.ts");
        assert.match(run({ FORK_KNIFE_TEST_JOBS: "99", MOCHA_SUITES: "3 passed, 0 failed" }).runs[0], /--jobs 99$/);
        for (const bad of ["0", "100", "two", "2 "]) {
            const r = run({ FORK_KNIFE_TEST_JOBS: bad });
            assert.equal(r.status, 2, bad);
            assert.match(r.stderr, new RegExp(`FORK_KNIFE_TEST_JOBS=${bad}: must be a number of mocha workers from 1 to 99`));
            assert.deepEqual(r.runs, []);
        }
    });

    it("FORK_KNIFE_STRESS=1 adds the stress suite alone, after the others, and the last line is the sum", () => {
        const r = run({ FORK_KNIFE_STRESS: "1", MOCHA_SUITES: "12 passed, 1 failed", MOCHA_SUITES_RC: "1", MOCHA_STRESS: "2 passed, 0 failed" });
        assert.equal(r.runs.length, 2);
        assert.equal(r.runs[1], "test/scripts/stress.test.ts");
        assert.equal(r.last, "14 passed, 1 failed");
        assert.equal(r.status, 1);
        assert.equal(run({ FORK_KNIFE_STRESS: "yes" }).status, 2);
    });

    it("a run that ends without its summary (a file that cannot load) counts as a failure, never as green", () => {
        const r = run({ FORK_KNIFE_STRESS: "1", MOCHA_SUITES: "5 passed, 0 failed", MOCHA_STRESS: "", MOCHA_STRESS_RC: "1" });
        assert.equal(r.last, "5 passed, 1 failed");
        assert.match(r.stdout, /stress: mocha ended without a summary/);
        assert.equal(r.status, 1);
        // A summary that says 0 failed with a failing exit status still fails the run, and the count says so.
        const late = run({ MOCHA_SUITES: "5 passed, 0 failed", MOCHA_SUITES_RC: "3" });
        assert.equal(late.status, 1);
        assert.equal(late.last, "5 passed, 1 failed");
        assert.match(late.stdout, /suites: mocha exited 3 after reporting no failure/);
    });

    it("the files it starts first are this repository's test files (a renamed one would silently lose its head start)", () => {
        const script = fs.readFileSync(path.join(REPO_ROOT, "tools", "run-tests.sh"), "utf8");
        const list = /SLOWEST_FIRST=\(([^)]*)\)/.exec(script)![1].trim().split(/\s+/);
        assert.ok(list.length >= 3, list.join(" "));
        for (const f of list) assert.ok(f.endsWith(".test.ts") && fs.existsSync(path.join(REPO_ROOT, f)), f);
    });

    it("a type error ends with 0 passed, 1 failed and runs no suite", () => {
        const r = run({ TSC_STATUS: "2", MOCHA_SUITES: "5 passed, 0 failed" });
        assert.equal(r.last, "0 passed, 1 failed");
        assert.equal(r.status, 1);
        assert.deepEqual(r.runs, []);
    });
});
