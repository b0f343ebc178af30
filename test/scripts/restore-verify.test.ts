// How restore.sh and restore-test.sh prove a backup's sha256, and what they do when it does not match. restore-test
// hashes the file while pg_restore fills its scratch database (RESTORE_VERIFY=overlap, no second read before the
// restore); a mismatch must still fail the run, drop the scratch database and be recorded, even when pg_restore
// itself accepted the file. Everywhere else (the default, and always for the live database) the hash comes first.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { psql, testPostgres, TestPostgres } from "../support/postgres";
import {
    createAppDatabase, databaseExists, dropDatabase, failedLines, fingerprint, readManifest, removeTempDirs, runScript, sha256, tempDir, uniqueName,
} from "./harness";

describe("scripts: the backup's sha256, proven before or beside the restore", function () {
    let pg: TestPostgres;
    let source: string;
    const created: string[] = [];
    const newDb = (prefix: string) => { const n = uniqueName(prefix); created.push(n); return n; };
    const scratchLeft = () => psql(pg, "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'restore\\_test\\_%'");

    before(function () {
        pg = testPostgres();
        source = newDb("rv_source");
        createAppDatabase(pg, source, 100);
    });
    after(function () { for (const db of created) dropDatabase(pg, db); removeTempDirs(); });

    const env = (dir: string, extra: Record<string, string> = {}) => ({ PGDATABASE: source, BACKUP_DIR: dir, ...extra });

    async function backup(extra: Record<string, string> = {}): Promise<{ dir: string; file: string }> {
        const dir = tempDir("rv");
        const r = await runScript(pg, "backup.sh", env(dir, extra));
        assert.strictEqual(r.code, 0, r.stderr);
        return { dir, file: String(readManifest(dir).file) };
    }

    /** Changes one letter of the database name in the archive's header: pg_restore reads past it and restores
     *  everything, so only the sha256 can tell. */
    function corruptHeader(file: string): void {
        const bytes = fs.readFileSync(file);
        const at = bytes.indexOf(Buffer.from(source));
        assert.ok(at > 0 && at < 200, `the database name in the header (found at ${at})`);
        bytes[at] = bytes[at] === 0x72 ? 0x73 : 0x72;
        fs.writeFileSync(file, bytes);
    }

    /** A PG_BIN whose pg_restore logs "<database or --list> <exit status>" for every run, then exits as the real one did. */
    function loggingRestore(): { bin: string; runs: () => string[] } {
        const bin = tempDir("bin");
        const log = path.join(bin, "runs.log");
        for (const tool of ["psql", "pg_dump"]) fs.symlinkSync(path.join(pg.binDir, tool), path.join(bin, tool));
        fs.writeFileSync(path.join(bin, "pg_restore"), `#!/usr/bin/env bash
target=--list
prev=""; for a in "$@"; do [ "$prev" = -d ] && target=$a; prev=$a; done
status=0; ${path.join(pg.binDir, "pg_restore")} "$@" || status=$?
echo "$target $status" >>${log}
exit "$status"
`, { mode: 0o755 });
        return { bin, runs: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : []) };
    }

    it("restore-test: a mismatch found while pg_restore runs fails the run although the restore succeeded; the scratch database is dropped and the failure recorded", async function () {
        const { dir, file } = await backup();
        const want = sha256(path.join(dir, file));
        corruptHeader(path.join(dir, file));
        // The oracle: the corrupted file still restores, so the restore's own success cannot be what fails the run.
        const control = newDb("rv_control");
        psql(pg, "postgres", `CREATE DATABASE "${control}"`);
        const bare = spawnSync(path.join(pg.binDir, "pg_restore"), ["--exit-on-error", "--no-owner", "--no-privileges", "-d", control, path.join(dir, file)],
            { env: { ...process.env, ...pg.env }, encoding: "utf8" });
        assert.strictEqual(bare.status, 0, bare.stderr);
        assert.deepStrictEqual(fingerprint(pg, control), fingerprint(pg, source));

        const { bin, runs } = loggingRestore();
        const r = await runScript(pg, "restore-test.sh", env(dir, { PG_BIN: bin, RESTORE_TEST_TABLES: "users" }));
        assert.strictEqual(r.code, 1, r.stderr);
        const got = sha256(path.join(dir, file));
        const reason = `restore of ${file} failed: corrupted backup, not restored: checksum mismatch for ${file} (expected ${want}, got ${got})`;
        assert.deepStrictEqual(failedLines(r), [`restore-test: FAILED: ${reason}`]);
        assert.doesNotMatch(r.stdout, /OK/);
        // pg_restore listed the archive, then restored it into the scratch database, successfully.
        const [listed, restored] = runs();
        assert.strictEqual(listed, "--list 0");
        assert.match(restored, /^restore_test_\d{14}_\d+ 0$/);
        assert.strictEqual(databaseExists(pg, restored.split(" ")[0]), false, "the scratch database is dropped");
        assert.strictEqual(scratchLeft(), "0");
        const record = JSON.parse(fs.readFileSync(path.join(dir, "restore-test-latest.json"), "utf8"));
        assert.strictEqual(record.result, "failed");
        assert.strictEqual(record.reason, reason);
        assert.strictEqual(record.restoreSeconds, null);
    });

    it("restore.sh by default proves the sha256 first: the same file is refused before pg_restore runs or any database is created", async function () {
        const { dir, file } = await backup();
        corruptHeader(path.join(dir, file));
        const { bin, runs } = loggingRestore();
        const target = newDb("rv_never");
        const r = await runScript(pg, "restore.sh", env(dir, { PG_BIN: bin, RESTORE_DATABASE: target }));
        assert.strictEqual(r.code, 1, r.stderr);
        assert.strictEqual(failedLines(r).length, 1, r.stderr);
        assert.match(failedLines(r)[0], new RegExp(`^restore: FAILED: corrupted backup, not restored: checksum mismatch for ${file.replace(/\./g, "\\.")} \\(expected`));
        assert.deepStrictEqual(runs(), []);
        assert.strictEqual(databaseExists(pg, target), false);
    });

    it("RESTORE_VERIFY=overlap never applies to the live database: a mismatch there is refused before pg_restore touches it", async function () {
        const live = newDb("rv_live");
        createAppDatabase(pg, live, 30);
        const dir = tempDir("rv");
        const b = await runScript(pg, "backup.sh", { PGDATABASE: live, BACKUP_DIR: dir });
        assert.strictEqual(b.code, 0, b.stderr);
        const file = String(readManifest(dir).file);
        const before = fingerprint(pg, live);
        psql(pg, live, "INSERT INTO users (email) VALUES ('after-the-backup@example.test')");
        const changed = fingerprint(pg, live);
        const bytes = fs.readFileSync(path.join(dir, file));
        const at = bytes.indexOf(Buffer.from(live));
        bytes[at] ^= 0x01;
        fs.writeFileSync(path.join(dir, file), bytes);

        const { bin, runs } = loggingRestore();
        const r = await runScript(pg, "restore.sh", { BACKUP_DIR: dir, PG_BIN: bin, RESTORE_DATABASE: live, RESTORE_CONFIRM: live, RESTORE_VERIFY: "overlap" });
        assert.strictEqual(r.code, 1, r.stderr);
        assert.match(failedLines(r)[0], /^restore: FAILED: corrupted backup, not restored: checksum mismatch for /);
        assert.deepStrictEqual(runs(), [], "pg_restore never ran");
        assert.strictEqual(databaseExists(pg, live), true, "the live database is never dropped");
        assert.deepStrictEqual(fingerprint(pg, live), changed);
        assert.notDeepStrictEqual(changed, before);
    });

    it("restore.sh into an existing database that is not the live one: refused with its name, and that database left as it was", async function () {
        const { dir } = await backup();
        const other = newDb("rv_other");
        psql(pg, "postgres", `CREATE DATABASE "${other}"`);
        psql(pg, other, "CREATE TABLE keep (id int); INSERT INTO keep VALUES (7)");
        const r = await runScript(pg, "restore.sh", env(dir, { RESTORE_DATABASE: other }));
        assert.strictEqual(r.code, 1, r.stderr);
        assert.deepStrictEqual(failedLines(r), [`restore: FAILED: database ${other} already exists; restore into a new name or drop it first`]);
        assert.strictEqual(psql(pg, other, "SELECT id FROM keep"), "7");
    });

    it("restore.sh: a database that cannot be created fails with the server's reason, not as 'already exists'", async function () {
        const { dir } = await backup();
        const role = uniqueName("rv_nocreate");
        psql(pg, "postgres", `CREATE ROLE ${role} LOGIN PASSWORD 'pw-${role}'`);
        try {
            const target = newDb("rv_denied");
            const r = await runScript(pg, "restore.sh", env(dir, { RESTORE_DATABASE: target, PGUSER: role, PGPASSWORD: `pw-${role}` }));
            assert.strictEqual(r.code, 1, r.stderr);
            assert.strictEqual(failedLines(r).length, 1, r.stderr);
            assert.match(failedLines(r)[0], /^restore: FAILED: .*permission denied to create database$/);
            assert.strictEqual(databaseExists(pg, target), false);
        } finally { psql(pg, "postgres", `DROP ROLE ${role}`); }
    });

    describe("the hashing tool", function () {
        /** A PATH with everything in /usr/bin but openssl, as in an image without it. */
        function pathWithoutOpenssl(): string {
            const dir = tempDir("path");
            for (const name of fs.readdirSync("/usr/bin")) if (name !== "openssl") fs.symlinkSync(path.join("/usr/bin", name), path.join(dir, name));
            return dir;
        }

        it("without openssl, sha256sum gives the same verdicts: a good backup passes restore-test, a corrupted one fails with both digests", async function () {
            const noOpenssl = pathWithoutOpenssl();
            assert.strictEqual(spawnSync("bash", ["-c", "command -v openssl"], { env: { PATH: noOpenssl } }).status, 1, "openssl must be out of reach");
            const { dir, file } = await backup({ PATH: noOpenssl });
            const manifest = readManifest(dir);
            assert.strictEqual(manifest.sha256, sha256(path.join(dir, file)), "backup.sh's digest without openssl");
            assert.strictEqual(fs.readFileSync(path.join(dir, `${file}.sha256`), "utf8"), `${manifest.sha256}  ${file}\n`);
            const ok = await runScript(pg, "restore-test.sh", env(dir, { PATH: noOpenssl, RESTORE_TEST_TABLES: "users,orders" }));
            assert.strictEqual(ok.code, 0, ok.stderr);
            assert.match(ok.stdout, new RegExp(`^restore-test: OK ${file.replace(/\./g, "\\.")} restored and checked in`, "m"));

            const want = sha256(path.join(dir, file));
            corruptHeader(path.join(dir, file));
            const bad = await runScript(pg, "restore-test.sh", env(dir, { PATH: noOpenssl }));
            assert.strictEqual(bad.code, 1, bad.stderr);
            assert.deepStrictEqual(failedLines(bad), [`restore-test: FAILED: restore of ${file} failed: corrupted backup, not restored: ` +
                `checksum mismatch for ${file} (expected ${want}, got ${sha256(path.join(dir, file))})`]);
            assert.strictEqual(scratchLeft(), "0");
        });

        it("backup.sh: the digest written with openssl is the file's sha256; an openssl that fails fails the backup and publishes nothing", async function () {
            const { dir, file } = await backup();
            assert.strictEqual(readManifest(dir).sha256, sha256(path.join(dir, file)));
            const manifest = fs.readFileSync(path.join(dir, "latest.json"), "utf8");
            const broken = tempDir("path");
            fs.writeFileSync(path.join(broken, "openssl"), "#!/bin/sh\ncat >/dev/null\necho 'openssl: out of memory' >&2\nexit 1\n", { mode: 0o755 });
            const r = await runScript(pg, "backup.sh", env(dir, { PATH: `${broken}:${process.env.PATH}` }));
            assert.strictEqual(r.code, 1, r.stderr);
            assert.deepStrictEqual(failedLines(r), ["backup: FAILED: pg_dump failed: out of memory"]);
            assert.strictEqual(fs.readFileSync(path.join(dir, "latest.json"), "utf8"), manifest);
            assert.deepStrictEqual(fs.readdirSync(dir).filter((n) => n.endsWith(".dump")), [file], "no new dump, no .partial");
        });

        it("an openssl that fails is a refused restore naming the tool, never a pass", async function () {
            const broken = tempDir("path");
            fs.writeFileSync(path.join(broken, "openssl"), "#!/bin/sh\necho 'openssl: out of memory' >&2\nexit 1\n", { mode: 0o755 });
            const { dir, file } = await backup();
            const target = newDb("rv_nohash");
            const r = await runScript(pg, "restore.sh", env(dir, { PATH: `${broken}:${process.env.PATH}`, RESTORE_DATABASE: target }));
            assert.strictEqual(r.code, 1, r.stderr);
            assert.deepStrictEqual(failedLines(r), [`restore: FAILED: corrupted backup, not restored: cannot hash ${file} with openssl`]);
            assert.strictEqual(databaseExists(pg, target), false);

            const t = await runScript(pg, "restore-test.sh", env(dir, { PATH: `${broken}:${process.env.PATH}` }));
            assert.strictEqual(t.code, 1, t.stderr);
            assert.deepStrictEqual(failedLines(t), [`restore-test: FAILED: restore of ${file} failed: corrupted backup, not restored: cannot hash ${file} with openssl`]);
            assert.strictEqual(scratchLeft(), "0");
        });
    });

    describe("restore-test's checks, one psql session", function () {
        it("the first check that fails is the one named, though the checks after it would pass", async function () {
            const { dir } = await backup();
            const r = await runScript(pg, "restore-test.sh", env(dir, { RESTORE_TEST_TABLES: "users,ghost,orders" }));
            assert.strictEqual(r.code, 1, r.stderr);
            assert.match(failedLines(r).join("\n"), /^restore-test: FAILED: restored fork-knife-\S+ has no table ghost$/);
            assert.strictEqual(failedLines(r).length, 1, r.stderr);
            assert.strictEqual(scratchLeft(), "0");
        });

        it("every listed table is checked: the last one's empty table is caught", async function () {
            psql(pg, source, "CREATE TABLE rv_empty (id int)");
            try {
                const { dir } = await backup();
                const r = await runScript(pg, "restore-test.sh", env(dir, { RESTORE_TEST_TABLES: "users, public.orders, rv_empty" }));
                assert.strictEqual(r.code, 1, r.stderr);
                assert.deepStrictEqual(failedLines(r).map((l) => l.replace(/fork-knife-\d{8}T\d{6}Z\.dump/, "B")), ["restore-test: FAILED: restored B: table rv_empty has no rows"]);
                const ok = await runScript(pg, "restore-test.sh", env(dir, { RESTORE_TEST_TABLES: "users, public.orders" }));
                assert.strictEqual(ok.code, 0, ok.stderr);
            } finally { psql(pg, source, "DROP TABLE rv_empty"); }
        });
    });
});
