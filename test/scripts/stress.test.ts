// backup.sh many times in a row, to the volume and to object storage, while every core is kept busy: a pipeline
// that can die of SIGPIPE, or a race on timing, shows up here as an unexpected failure. The count must be 0.
// The store starts with what months of operation leave behind (restore-test records, other files), so listings
// are larger than a pipe buffer, as they are in production.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { testPostgres, TestPostgres } from "../support/postgres";
import { createAppDatabase, dropDatabase, removeTempDirs, runScript, ScriptResult, startS3, TestS3, tempDir, uniqueName } from "./harness";

/** Runs per target. The issue asks for at least 50; lowering it makes the test prove less, not pass more often. */
export const STRESS_RUNS = 50;
const RECORDS = 1500;

/** One busy loop per core, in separate processes, until stopped. */
function burnCpus(): { count: number; stop(): Promise<void> } {
    const children: ChildProcess[] = [];
    // Each burner checks now and then that the test process still lives: killed mocha leaves no busy orphans.
    const loop = `const p = process.ppid; for (;;) { for (let i = 0; i < 5e7; i++); if (process.ppid !== p) process.exit(0); }`;
    for (let i = 0; i < os.cpus().length; i++) children.push(spawn(process.execPath, ["-e", loop], { stdio: "ignore" }));
    return {
        count: children.length,
        stop: () => Promise.all(children.map((c) => new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once("exit", () => resolve());
            c.kill("SIGKILL");
        }))).then(() => undefined),
    };
}

/** What a run must show to count as a success; anything else is an unexpected failure, with the reason. */
function verdict(r: ScriptResult): string | undefined {
    if (r.code !== 0) return `exit ${r.code}: stderr: ${r.stderr.trim()} stdout: ${r.stdout.trim()}`;
    if (!/^backup: OK fork-knife-\S+ size=\d+ sha256=[0-9a-f]{64}$/m.test(r.stdout)) return `no OK line: ${r.stdout.trim()}`;
    if (r.stderr.includes("FAILED")) return `FAILED on stderr: ${r.stderr.trim()}`;
    return undefined;
}

describe(`scripts: stress: backup.sh ${STRESS_RUNS} times per target under CPU load`, function () {
    let pg: TestPostgres;
    let db: string;
    let s3: TestS3;
    let burner: ReturnType<typeof burnCpus> | undefined;
    const failures: Record<string, string[]> = { pvc: [], s3: [] };
    const seconds: Record<string, number> = {};

    before(async function () {
        pg = testPostgres();
        db = uniqueName("stress");
        createAppDatabase(pg, db, 20);
        s3 = await startS3();
    });
    after(async function () {
        await burner?.stop();
        await s3?.close();
        if (db) dropDatabase(pg, db);
        removeTempDirs();
        console.log(`    stress: backup.sh under ${burner?.count ?? 0} CPU burners: pvc ${STRESS_RUNS - failures.pvc.length}/${STRESS_RUNS} ok ` +
            `in ${seconds.pvc ?? "-"} s, s3 ${STRESS_RUNS - failures.s3.length}/${STRESS_RUNS} ok in ${seconds.s3 ?? "-"} s, ` +
            `${failures.pvc.length + failures.s3.length} unexpected failures`);
    });

    async function runMany(target: "pvc" | "s3", env: (i: number) => Record<string, string>): Promise<void> {
        burner ??= burnCpus();
        const started = Date.now();
        for (let i = 0; i < STRESS_RUNS; i++) {
            // Every tenth run is a prune alone, the other mode of the CronJob's script.
            const prune = i % 10 === 9;
            const r = await runScript(pg, "backup.sh", env(i), prune ? ["prune"] : []);
            const problem = prune ? (r.code === 0 && !r.stderr.includes("FAILED") ? undefined : `prune exit ${r.code}: ${r.stderr.trim()}`) : verdict(r);
            if (problem) failures[target].push(`run ${i + 1}: ${problem}`);
        }
        seconds[target] = Math.round((Date.now() - started) / 100) / 10;
        assert.deepStrictEqual(failures[target], [], `${failures[target].length} unexpected failures out of ${STRESS_RUNS} runs`);
    }

    it(`to a volume (pvc): ${STRESS_RUNS} runs, 0 unexpected failures`, async function () {
        this.timeout(STRESS_RUNS * 30_000);
        const dir = tempDir("stress-pvc");
        for (let i = 0; i < RECORDS; i++) fs.writeFileSync(path.join(dir, `restore-test-2025${String(i).padStart(10, "0")}Z.json`), "{}");
        fs.writeFileSync(path.join(dir, "notes.txt"), "not ours");
        // A label per run: names never collide within one second, so no run waits for the clock.
        await runMany("pvc", (i) => ({ PGDATABASE: db, BACKUP_DIR: dir, WORK_DIR: tempDir("work"), BACKUP_LABEL: `stress-${i}` }));
    });

    it(`to object storage (s3rver through rclone): ${STRESS_RUNS} runs, 0 unexpected failures`, async function () {
        this.timeout(STRESS_RUNS * 60_000);
        const seed = tempDir("stress-seed");
        for (let i = 0; i < RECORDS / 5; i++) fs.writeFileSync(path.join(seed, `restore-test-2025${String(i).padStart(10, "0")}Z.json`), "{}");
        await s3.rclone(["copy", seed, `backup:${s3.bucket}/stress`]);
        const work = tempDir("work");
        await runMany("s3", (i) => s3.env({
            BACKUP_TARGET: `s3://${s3.bucket}/stress`, PGDATABASE: db, WORK_DIR: work, LOCK_SETTLE_SECONDS: "1", BACKUP_LABEL: `stress-${i}`,
        }));
    });
});
