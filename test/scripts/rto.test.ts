// The RTO as a check: restore-test.sh fails, records why, and so fires ForkKnifeRestoreTestFailed (its Job fails),
// when the restore took longer than RTO_BUDGET_SECONDS (backup.rtoBudgetSeconds, default 14400 s = 4 h).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { psql, testPostgres, TestPostgres } from "../support/postgres";
import { createAppDatabase, dropDatabase, failedLines, removeTempDirs, runScript, tempDir, uniqueName } from "./harness";

describe("scripts: restore-test.sh holds the restore to the RTO budget", function () {
    let pg: TestPostgres;
    let db: string;
    let dir: string;
    before(async function () {
        pg = testPostgres();
        db = uniqueName("rto");
        createAppDatabase(pg, db, 20);
        dir = tempDir("rto");
        const r = await runScript(pg, "backup.sh", { PGDATABASE: db, BACKUP_DIR: dir });
        assert.strictEqual(r.code, 0, r.stderr);
    });
    after(function () { dropDatabase(pg, db); removeTempDirs(); });

    const record = () => JSON.parse(fs.readFileSync(path.join(dir, "restore-test-latest.json"), "utf8"));
    const scratchLeft = () => psql(pg, "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'restore\\_test\\_%'");

    /** A PG_BIN whose pg_restore takes at least `seconds` longer when it restores (not for --list). */
    function slowRestore(seconds: number): string {
        const bin = tempDir("bin");
        for (const tool of ["psql", "pg_dump"]) fs.symlinkSync(path.join(pg.binDir, tool), path.join(bin, tool));
        fs.writeFileSync(path.join(bin, "pg_restore"), `#!/usr/bin/env bash
case " $* " in *" --list "*) ;; *) sleep ${seconds} ;; esac
exec ${path.join(pg.binDir, "pg_restore")} "$@"
`, { mode: 0o755 });
        return bin;
    }

    it("by default the budget is 14400 s, recorded next to the measured restore time", async function () {
        const r = await runScript(pg, "restore-test.sh", { BACKUP_DIR: dir });
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /^restore-test: OK fork-knife-\S+ restored and checked in [\d.]+s \(RTO budget 14400s\)$/m);
        const rec = record();
        assert.strictEqual(rec.result, "passed");
        assert.strictEqual(rec.rtoBudgetSeconds, 14400);
        assert.ok(rec.restoreSeconds < 14400, String(rec.restoreSeconds));
    });

    it("a restore slower than the budget fails the test, with the times in its one line and in the record", async function () {
        const r = await runScript(pg, "restore-test.sh", { BACKUP_DIR: dir, PG_BIN: slowRestore(3), RTO_BUDGET_SECONDS: "2" });
        assert.strictEqual(r.code, 1, r.stderr);
        const lines = failedLines(r);
        assert.strictEqual(lines.length, 1, r.stderr);
        assert.match(lines[0], /^restore-test: FAILED: restore of fork-knife-\S+ took (\d+\.\d)s, over the RTO budget of 2s$/);
        const rec = record();
        assert.strictEqual(rec.result, "failed");
        assert.strictEqual(rec.rtoBudgetSeconds, 2);
        assert.ok(rec.restoreSeconds > 2, String(rec.restoreSeconds));
        assert.match(rec.reason, /over the RTO budget of 2s$/);
        assert.strictEqual(scratchLeft(), "0", "the scratch database is dropped after a failed budget too");
    });

    it("the same slow restore inside a budget that covers it passes", async function () {
        const r = await runScript(pg, "restore-test.sh", { BACKUP_DIR: dir, PG_BIN: slowRestore(3), RTO_BUDGET_SECONDS: "120" });
        assert.strictEqual(r.code, 0, r.stderr);
        const rec = record();
        assert.strictEqual(rec.result, "passed");
        assert.ok(rec.restoreSeconds >= 3 && rec.restoreSeconds <= 120, String(rec.restoreSeconds));
    });

    it("a budget that is not a whole number of seconds >= 1 is refused before anything runs", async function () {
        const before = fs.readFileSync(path.join(dir, "restore-test-latest.json"), "utf8");
        for (const bad of ["0", "4h", "-5", "1.5"]) {
            const r = await runScript(pg, "restore-test.sh", { BACKUP_DIR: dir, RTO_BUDGET_SECONDS: bad });
            assert.strictEqual(r.code, 1, r.stderr);
            assert.deepStrictEqual(failedLines(r), [`restore-test: FAILED: RTO_BUDGET_SECONDS must be a whole number of seconds >= 1 (got ${bad})`]);
        }
        assert.strictEqual(fs.readFileSync(path.join(dir, "restore-test-latest.json"), "utf8"), before, "a refused run records nothing");
    });
});
