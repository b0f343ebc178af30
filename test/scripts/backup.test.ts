// backup.sh, restore.sh and restore-test.sh against the real test PostgreSQL: round trips and every fault
// the issue lists, each ending in a failed run that leaves the previous verified backup and latest.json intact.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { psql, testPostgres, TestPostgres } from "../support/postgres";
import {
    createAppDatabase, createStallingDatabase, databaseExists, dropDatabase, dumpWaiting, failedLines, fingerprint, lockTable, readManifest,
    removeTempDirs, runScript, sha256, shimBin, snapshotDir, stalledScratch, startScript, tempDir, uniqueName, waitFor,
} from "./harness";

describe("scripts: backup.sh and restore.sh (real PostgreSQL)", function () {
    let pg: TestPostgres;
    let source: string;
    const created: string[] = [];
    const newDb = (prefix: string) => { const n = uniqueName(prefix); created.push(n); return n; };

    before(function () {
        pg = testPostgres();
        source = newDb("bk_source");
        createAppDatabase(pg, source);
    });
    after(function () { for (const db of created) dropDatabase(pg, db); removeTempDirs(); });

    const backupEnv = (dir: string, extra: Record<string, string> = {}) => ({ PGDATABASE: source, BACKUP_DIR: dir, RETENTION_DAYS: "7", ...extra });

    async function verifiedBackup(dir: string, extra: Record<string, string> = {}): Promise<string> {
        const r = await runScript(pg, "backup.sh", backupEnv(dir, extra));
        assert.strictEqual(r.code, 0, r.stderr);
        return String(readManifest(dir).file);
    }

    it("a custom-format backup restores into an identical database, and latest.json describes it", async function () {
        const dir = tempDir("bk");
        const file = await verifiedBackup(dir);
        const manifest = readManifest(dir);
        assert.match(file, /^fork-knife-\d{8}T\d{6}Z\.dump$/);
        assert.strictEqual(manifest.sha256, sha256(path.join(dir, file)));
        assert.strictEqual(manifest.size, fs.statSync(path.join(dir, file)).size);
        assert.strictEqual(manifest.database, source);
        assert.ok(String(manifest.serverVersion).startsWith(psql(pg, source, "SHOW server_version")));
        assert.ok(Date.parse(String(manifest.finishedAt)) >= Date.parse(String(manifest.startedAt)));
        assert.strictEqual(fs.readFileSync(path.join(dir, `${file}.sha256`), "utf8").trim(), `${manifest.sha256}  ${file}`);
        assert.deepStrictEqual(fs.readdirSync(dir).filter((n) => n.endsWith(".partial")), []);

        const target = newDb("bk_copy");
        const r = await runScript(pg, "restore.sh", backupEnv(dir, { RESTORE_DATABASE: target }));
        assert.strictEqual(r.code, 0, r.stderr);
        const want = fingerprint(pg, source);
        assert.deepStrictEqual(Object.keys(want).sort(), ["_prisma_migrations", "orders", "users"]);
        assert.deepStrictEqual(fingerprint(pg, target), want);
        assert.strictEqual(psql(pg, target, "SELECT count(*) FROM big_orders"), psql(pg, source, "SELECT count(*) FROM big_orders"));
    });

    it("the directory format dumps and restores in parallel, checksummed file by file", async function () {
        const dir = tempDir("bk");
        const file = await verifiedBackup(dir, { BACKUP_FORMAT: "directory", BACKUP_JOBS: "2" });
        assert.match(file, /\.dir$/);
        assert.ok(fs.existsSync(path.join(dir, file, "SHA256SUMS")));
        const target = newDb("bk_copy_dir");
        const r = await runScript(pg, "restore.sh", backupEnv(dir, { RESTORE_DATABASE: target, RESTORE_JOBS: "2" }));
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(fingerprint(pg, target), fingerprint(pg, source));

        // One flipped byte in one table's file is caught before anything is restored.
        const dataFile = fs.readdirSync(path.join(dir, file)).filter((n) => n.endsWith(".dat.gz")).sort()[0];
        const p = path.join(dir, file, dataFile);
        const bytes = fs.readFileSync(p); bytes[Math.floor(bytes.length / 2)] ^= 0xff; fs.writeFileSync(p, bytes);
        const refused = newDb("bk_never");
        const bad = await runScript(pg, "restore.sh", backupEnv(dir, { RESTORE_DATABASE: refused }));
        assert.notStrictEqual(bad.code, 0);
        assert.match(failedLines(bad).join("\n"), /corrupted backup/);
        assert.strictEqual(databaseExists(pg, refused), false);
    });

    it("a corrupted dump file is caught by its sha256 before restore touches a database", async function () {
        const dir = tempDir("bk");
        const file = await verifiedBackup(dir);
        const p = path.join(dir, file);
        const bytes = fs.readFileSync(p); bytes[bytes.length - 100] ^= 0x01; fs.writeFileSync(p, bytes);
        const target = newDb("bk_never");
        const r = await runScript(pg, "restore.sh", backupEnv(dir, { RESTORE_DATABASE: target }));
        assert.notStrictEqual(r.code, 0);
        assert.strictEqual(failedLines(r).length, 1, r.stderr);
        assert.match(failedLines(r)[0], /corrupted backup, not restored: checksum mismatch/);
        assert.strictEqual(databaseExists(pg, target), false);
        const test = await runScript(pg, "restore-test.sh", backupEnv(dir));
        assert.notStrictEqual(test.code, 0);
        assert.match(failedLines(test).join("\n"), /checksum mismatch/);
    });

    it("refuses to restore over the live database unless confirmed by name, then replaces its data", async function () {
        const live = newDb("bk_live");
        createAppDatabase(pg, live, 50);
        const dir = tempDir("bk");
        await verifiedBackup(dir, { PGDATABASE: live });
        const before = fingerprint(pg, live);
        psql(pg, live, "DELETE FROM orders; UPDATE users SET email = 'changed-' || id");

        const refused = await runScript(pg, "restore.sh", backupEnv(dir, { RESTORE_DATABASE: live }));
        assert.notStrictEqual(refused.code, 0);
        assert.match(failedLines(refused)[0], /refusing to restore over the live database/);
        const wrongWord = await runScript(pg, "restore.sh", backupEnv(dir, { RESTORE_DATABASE: live, RESTORE_CONFIRM: "yes" }));
        assert.notStrictEqual(wrongWord.code, 0);
        assert.strictEqual(psql(pg, live, "SELECT count(*) FROM orders"), "0");

        const ok = await runScript(pg, "restore.sh", backupEnv(dir, { RESTORE_DATABASE: live, RESTORE_CONFIRM: live }));
        assert.strictEqual(ok.code, 0, ok.stderr);
        assert.deepStrictEqual(fingerprint(pg, live), before);
    });

    describe("faults: a failed run, no new latest.json, the previous verified backup intact", function () {
        async function expectFault(dir: string, env: Record<string, string>, reason: RegExp, pgBin?: string) {
            const before = snapshotDir(dir);
            const r = await runScript(pg, "backup.sh", backupEnv(dir, { ...env, ...(pgBin ? { PG_BIN: pgBin } : {}) }));
            assert.notStrictEqual(r.code, 0, r.stderr);
            const lines = failedLines(r);
            assert.strictEqual(lines.length, 1, r.stderr);
            assert.match(lines[0], reason);
            assert.ok(!r.stderr.includes(pg.password), "the password must never be printed");
            assert.deepStrictEqual(snapshotDir(dir), before);
            const manifest = readManifest(dir);
            assert.strictEqual(sha256(path.join(dir, String(manifest.file))), manifest.sha256);
        }

        it("database unreachable", async function () {
            const dir = tempDir("bk");
            await verifiedBackup(dir);
            await expectFault(dir, { PGPORT: "1" }, /FAILED: database unreachable at 127\.0\.0\.1:1/);
        });

        it("wrong password", async function () {
            const dir = tempDir("bk");
            await verifiedBackup(dir);
            await expectFault(dir, { PGPASSWORD: "not-the-password" }, /FAILED: authentication failed for user postgres/);
        });

        it("server/pg_dump major-version mismatch (the script's own check)", async function () {
            const dir = tempDir("bk");
            await verifiedBackup(dir);
            // A client one major behind whatever server this machine runs (Debian's 15, Ubuntu's 14 or 16, …).
            const server = Math.floor(Number(psql(pg, "postgres", "SHOW server_version_num")) / 10000);
            const client = server - 1;
            const bin = shimBin(pg, `if [ "\${1:-}" = --version ]; then echo "pg_dump (PostgreSQL) ${client}.11"; exit 0; fi\nexec "$REAL" "$@"`);
            await expectFault(dir, {}, new RegExp(`FAILED: version mismatch: server is PostgreSQL ${server} .*pg_dump is ${client}`), bin);
        });

        it("disk full (a 256 KiB tmpfs)", async function () {
            const db = newDb("bk_full");
            createAppDatabase(pg, db, 20);
            const dir = tempDir("bk-full");
            try {
                execOrThrow("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", dir]);
            } catch (e) {
                throw new Error(`this test mounts a 256 KiB tmpfs, which needs root with mount rights: run \`sudo npm test\` (${(e as Error).message.split("\n")[0]})`);
            }
            try {
                await verifiedBackup(dir, { PGDATABASE: db });
                // Incompressible rows, several times the free space.
                psql(pg, db, `CREATE TABLE noise AS SELECT g, decode(md5(random()::text) || md5(random()::text) || md5(random()::text), 'hex') AS b
                              FROM generate_series(1, 40000) g`);
                await expectFault(dir, { PGDATABASE: db }, /FAILED: pg_dump failed: disk full/);
            } finally {
                execOrThrow("umount", [dir]);
            }
        });

        it("pg_dump killed mid-dump; a killed run's .partial is swept by the next run", async function () {
            const dir = tempDir("bk");
            await verifiedBackup(dir);
            const pidFile = path.join(tempDir("pid"), "pg_dump.pid");
            const bin = shimBin(pg, `if [ "\${1:-}" != --version ]; then echo $$ > ${pidFile}; fi\nexec "$REAL" "$@"`);
            const before = snapshotDir(dir);
            const release = await lockTable(pg, source, "orders");
            try {
                const run = startScript(pg, "backup.sh", backupEnv(dir, { PG_BIN: bin }));
                await waitFor("pg_dump blocked on the table lock", () => dumpWaiting(pg, source));
                process.kill(Number(fs.readFileSync(pidFile, "utf8")), "SIGKILL");
                const r = await run.done;
                assert.notStrictEqual(r.code, 0);
                assert.match(failedLines(r).join("\n"), /FAILED: pg_dump failed/);
                assert.deepStrictEqual(snapshotDir(dir), before);
            } finally { await release(); }

            // A run killed outright (pod evicted) leaves its .partial; the next run removes ours and only ours.
            fs.writeFileSync(path.join(dir, "fork-knife-20240101T030000Z.dump.partial"), "half a dump");
            fs.writeFileSync(path.join(dir, "someone-elses.dump.partial"), "not ours");
            const next = await runScript(pg, "backup.sh", backupEnv(dir));
            assert.strictEqual(next.code, 0, next.stderr);
            assert.ok(!fs.existsSync(path.join(dir, "fork-knife-20240101T030000Z.dump.partial")));
            assert.ok(fs.existsSync(path.join(dir, "someone-elses.dump.partial")));
        });

        it("two concurrent runs do not both write", async function () {
            const dir = tempDir("bk");
            await verifiedBackup(dir);
            const release = await lockTable(pg, source, "users");
            let first;
            try {
                first = startScript(pg, "backup.sh", backupEnv(dir));
                await waitFor("the first run's pg_dump", () => dumpWaiting(pg, source));
                const before = snapshotDir(dir);
                const second = await runScript(pg, "backup.sh", backupEnv(dir));
                assert.notStrictEqual(second.code, 0);
                assert.match(failedLines(second)[0], /another backup is running/);
                assert.deepStrictEqual(snapshotDir(dir), before);
            } finally { await release(); }
            const r = await first.done;
            assert.strictEqual(r.code, 0, r.stderr);
            assert.strictEqual(fs.readdirSync(dir).filter((n) => n.endsWith(".dump")).length, 2);
        });
    });

    // The kubelet sends SIGTERM on activeDeadlineSeconds, eviction or a drain, then SIGKILL after the grace period.
    describe("signals: SIGTERM mid-run stops the work, cleans up, and fails with one line", function () {
        it("backup.sh interrupted during pg_dump: exit 143, no .partial, pg_dump stopped, the next run is not blocked", async function () {
            const db = newDb("bk_term");
            createAppDatabase(pg, db, 50);
            const dir = tempDir("bk");
            await verifiedBackup(dir, { PGDATABASE: db });
            const before = snapshotDir(dir);
            const release = await lockTable(pg, db, "orders");
            try {
                const run = startScript(pg, "backup.sh", backupEnv(dir, { PGDATABASE: db }));
                await waitFor("pg_dump blocked on the table lock", () => dumpWaiting(pg, db));
                assert.ok(fs.readdirSync(dir).some((n) => n.endsWith(".partial")), "the dump is in progress");
                run.child.kill("SIGTERM");
                const r = await run.done;
                assert.strictEqual(r.code, 143, r.stderr);
                assert.deepStrictEqual(failedLines(r), ["backup: FAILED: interrupted by SIGTERM while running pg_dump"], r.stderr);
                assert.deepStrictEqual(snapshotDir(dir), before, "no .partial, nothing new");
            } finally { await release(); }
            // pg_dump was stopped with the script: it no longer holds the flock it inherited, so a new run goes ahead.
            const next = await runScript(pg, "backup.sh", backupEnv(dir, { PGDATABASE: db }));
            assert.strictEqual(next.code, 0, next.stderr);
        });

        it("restore-test.sh interrupted during the restore: exit 143, the scratch database dropped, the failure recorded", async function () {
            const db = newDb("bk_stall");
            createStallingDatabase(pg, db);
            const dir = tempDir("bk");
            await verifiedBackup(dir, { PGDATABASE: db });
            const run = startScript(pg, "restore-test.sh", backupEnv(dir, { PGDATABASE: db }));
            let scratch = "";
            await waitFor("the restore stalled in the scratch database", () => (scratch = stalledScratch(pg)) !== "");
            run.child.kill("SIGTERM");
            const r = await run.done;
            assert.strictEqual(r.code, 143, r.stderr);
            assert.deepStrictEqual(failedLines(r), ["restore-test: FAILED: interrupted by SIGTERM while running restore.sh"], r.stderr);
            assert.strictEqual(databaseExists(pg, scratch), false, `${scratch} must be dropped`);
            assert.strictEqual(psql(pg, "postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'restore\\_test\\_%'"), "0");
            const record = JSON.parse(fs.readFileSync(path.join(dir, "restore-test-latest.json"), "utf8"));
            assert.strictEqual(record.result, "failed");
            assert.strictEqual(record.reason, "interrupted by SIGTERM while running restore.sh");
        });

        it("restore-test.sh drops scratch databases of killed runs older than a day, and no other database", async function () {
            const dir = tempDir("bk");
            await verifiedBackup(dir);
            const stamp = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/[-:T]/g, "").slice(0, 14);
            const old = `restore_test_${stamp(2 * 86400_000)}_4242`;
            const fresh = `restore_test_${stamp(3600_000)}_4343`;
            const notOurs = ["restore_test_keep", `restore_test_${stamp(2 * 86400_000)}_1_copy`, `xrestore_test_${stamp(2 * 86400_000)}_1`];
            for (const d of [old, fresh, ...notOurs]) { created.push(d); psql(pg, "postgres", `CREATE DATABASE "${d}"`); }
            try {
                const r = await runScript(pg, "restore-test.sh", backupEnv(dir));
                assert.strictEqual(r.code, 0, r.stderr);
                assert.match(r.stderr, new RegExp(`dropping scratch database ${old} left by an earlier run`));
                assert.strictEqual(databaseExists(pg, old), false);
                for (const d of [fresh, ...notOurs]) assert.strictEqual(databaseExists(pg, d), true, d);
            } finally { for (const d of [fresh, ...notOurs]) dropDatabase(pg, d); }
        });
    });

    it("retention keeps the newest verified backup even when every backup is older than retentionDays", async function () {
        const dir = tempDir("bk");
        const daysAgo = (d: number) => new Date(Date.now() - d * 86400_000).toISOString();
        for (const d of [40, 39, 38]) await verifiedBackup(dir, { BACKUP_NOW: daysAgo(d) });
        const newest = String(readManifest(dir).file);
        // Old files that are not provably ours: no checksum, a checksum naming another file, a foreign name.
        fs.writeFileSync(path.join(dir, "fork-knife-20200101T000000Z.dump"), "no checksum");
        fs.writeFileSync(path.join(dir, "fork-knife-20200102T000000Z.dump"), "x");
        fs.writeFileSync(path.join(dir, "fork-knife-20200102T000000Z.dump.sha256"), "00  other.dump\n");
        fs.writeFileSync(path.join(dir, "other-20200101T000000Z.dump"), "foreign");

        const r = await runScript(pg, "backup.sh", backupEnv(dir, { RETENTION_DAYS: "7" }), ["prune"]);
        assert.strictEqual(r.code, 0, r.stderr);
        const dumps = fs.readdirSync(dir).filter((n) => n.endsWith(".dump")).sort();
        assert.deepStrictEqual(dumps, ["fork-knife-20200101T000000Z.dump", "fork-knife-20200102T000000Z.dump", newest, "other-20200101T000000Z.dump"].sort());
        assert.ok(fs.existsSync(path.join(dir, `${newest}.sha256`)));

        // Once a newer verified backup exists, the 38-day-old one is no longer protected.
        const fresh = await verifiedBackup(dir, { RETENTION_DAYS: "30" });
        assert.ok(!fs.existsSync(path.join(dir, newest)) && !fs.existsSync(path.join(dir, `${newest}.sha256`)));
        assert.ok(fs.existsSync(path.join(dir, fresh)) && fs.existsSync(path.join(dir, "other-20200101T000000Z.dump")));
    });

    it("restore-test restores the latest backup into a scratch database, checks it, records the result and drops it", async function () {
        const dir = tempDir("bk");
        await verifiedBackup(dir);
        const ok = await runScript(pg, "restore-test.sh", backupEnv(dir, { RESTORE_TEST_TABLES: "users, public.orders" }));
        assert.strictEqual(ok.code, 0, ok.stderr);
        const record = JSON.parse(fs.readFileSync(path.join(dir, "restore-test-latest.json"), "utf8"));
        assert.strictEqual(record.result, "passed");
        assert.strictEqual(record.backup, readManifest(dir).file);
        assert.strictEqual(typeof record.restoreSeconds, "number");
        assert.strictEqual(psql(pg, "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'restore_test_%'"), "0");

        psql(pg, source, "CREATE TABLE audit_log (id int)");
        try {
            await verifiedBackup(dir);
            const empty = await runScript(pg, "restore-test.sh", backupEnv(dir, { RESTORE_TEST_TABLES: "users,audit_log" }));
            assert.notStrictEqual(empty.code, 0);
            assert.match(failedLines(empty)[0], /table audit_log has no rows/);
            const failed = JSON.parse(fs.readFileSync(path.join(dir, "restore-test-latest.json"), "utf8"));
            assert.strictEqual(failed.result, "failed");
            assert.match(failed.reason, /audit_log/);
            assert.strictEqual(psql(pg, "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'restore_test_%'"), "0");
        } finally { psql(pg, source, "DROP TABLE audit_log"); }

        const noPrisma = newDb("bk_noprisma");
        psql(pg, "postgres", `CREATE DATABASE "${noPrisma}"`);
        psql(pg, noPrisma, "CREATE TABLE users (id int); INSERT INTO users VALUES (1)");
        const dir2 = tempDir("bk");
        await verifiedBackup(dir2, { PGDATABASE: noPrisma });
        const missing = await runScript(pg, "restore-test.sh", backupEnv(dir2, { PGDATABASE: noPrisma }));
        assert.notStrictEqual(missing.code, 0);
        assert.match(failedLines(missing)[0], /no _prisma_migrations table/);
    });

    it("restore-test reports a check that fails for another reason (permission denied) as that reason, in one line", async function () {
        // The scratch database belongs to a role without superuser rights; one listed "table" is a view it cannot read.
        const role = uniqueName("bk_tester");
        const password = `pw-${role}`;
        psql(pg, "postgres", `CREATE ROLE ${role} LOGIN CREATEDB PASSWORD '${password}'`);
        try {
            const db = newDb("bk_perm");
            createAppDatabase(pg, db, 20);
            psql(pg, db, "CREATE VIEW role_names AS SELECT rolname FROM pg_catalog.pg_authid");
            const dir = tempDir("bk");
            await verifiedBackup(dir, { PGDATABASE: db });
            const r = await runScript(pg, "restore-test.sh", backupEnv(dir, { PGUSER: role, PGPASSWORD: password, RESTORE_TEST_TABLES: "users,role_names" }));
            assert.notStrictEqual(r.code, 0);
            assert.strictEqual(failedLines(r).length, 1, r.stderr);
            assert.match(failedLines(r)[0], /restore-test: FAILED: check failed: .*permission denied for table pg_authid$/);
            const record = JSON.parse(fs.readFileSync(path.join(dir, "restore-test-latest.json"), "utf8"));
            assert.strictEqual(record.result, "failed");
            assert.match(record.reason, /^check failed: .*permission denied for table pg_authid$/);
            assert.strictEqual(psql(pg, "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'restore\\_test\\_%'"), "0");
        } finally { psql(pg, "postgres", `DROP ROLE ${role}`); }
    });
});

function execOrThrow(cmd: string, args: string[]): void {
    const r = require("child_process").spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}
