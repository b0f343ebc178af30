// The object-storage target for real: the scripts drive rclone (the client the CronJob runs) against a local
// S3-compatible server (s3rver), configured by the same RCLONE_CONFIG_* variables the pod gets.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { testPostgres, TestPostgres } from "../support/postgres";
import {
    createAppDatabase, databaseExists, dropDatabase, dumpWaiting, failedLines, fingerprint, lockTable, removeTempDirs, runScript, ScriptResult,
    startS3, startScript, tempDir, TestS3, uniqueName, waitFor,
} from "./harness";

describe("scripts: S3-compatible target through rclone (s3rver)", function () {
    let pg: TestPostgres;
    let s3: TestS3;
    let source: string;
    const dbs: string[] = [];
    const target = "s3://backups/staging/db";

    before(async function () {
        pg = testPostgres();
        s3 = await startS3("backups");
        source = uniqueName("s3_source");
        dbs.push(source);
        createAppDatabase(pg, source, 200);
    });
    after(async function () {
        for (const db of dbs) dropDatabase(pg, db);
        await s3.close();
        removeTempDirs();
    });

    // startS3 gives the "backup" remote's variables (the component's own rclone mapping, s3rver's only keys).
    const env = (extra: Record<string, string> = {}) => s3.env({
        BACKUP_TARGET: target, WORK_DIR: tempDir("work"), PGDATABASE: source, RETENTION_DAYS: "7", LOCK_SETTLE_SECONDS: "1", ...extra,
    });
    const rclone = (args: string[], input?: Buffer) => s3.rclone(args, input);
    const text = async (args: string[]) => (await rclone(args)).toString();
    const list = async (prefix = "backup:backups/staging/db") => (await text(["lsf", prefix])).split("\n").filter(Boolean).sort();

    it("backs up to the bucket, restores an identical database, and restore-test records its result there", async function () {
        const first = await runScript(pg, "backup.sh", env());
        assert.strictEqual(first.code, 0, first.stderr);
        const manifest = JSON.parse(await text(["cat", "backup:backups/staging/db/latest.json"]));
        assert.match(manifest.file, /^fork-knife-\d{8}T\d{6}Z\.dump$/);
        assert.strictEqual(manifest.target, target);
        assert.ok((await list()).includes(`${manifest.file}.sha256`));
        const object = await rclone(["cat", `backup:backups/staging/db/${manifest.file}`]);
        assert.strictEqual(object.length, manifest.size);

        const copy = uniqueName("s3_copy");
        dbs.push(copy);
        const restored = await runScript(pg, "restore.sh", env({ RESTORE_DATABASE: copy }));
        assert.strictEqual(restored.code, 0, restored.stderr);
        assert.deepStrictEqual(fingerprint(pg, copy), fingerprint(pg, source));

        const test = await runScript(pg, "restore-test.sh", env({ RESTORE_TEST_TABLES: "users,orders" }));
        assert.strictEqual(test.code, 0, test.stderr);
        const record = JSON.parse(await text(["cat", "backup:backups/staging/db/restore-test-latest.json"]));
        assert.strictEqual(record.result, "passed");
        assert.strictEqual(record.backup, manifest.file);
    });

    // Each test below has its own prefix in the bucket, so it can run alone (--grep) and in any order.
    const backupTo = async (prefix: string, extra: Record<string, string> = {}) => {
        const r = await runScript(pg, "backup.sh", env({ BACKUP_TARGET: `s3://backups/${prefix}`, ...extra }));
        assert.strictEqual(r.code, 0, r.stderr);
        const manifest = JSON.parse(await text(["cat", `backup:backups/${prefix}/latest.json`]));
        return { manifest, name: manifest.file as string, remote: `backup:backups/${prefix}` };
    };
    const leftovers = (dir: string) => fs.readdirSync(dir).filter((n) => n !== ".backup.lock");

    it("a directory-format backup goes to the bucket as a .dir prefix and restores an identical database", async function () {
        const work = tempDir("work");
        const { manifest, name, remote } = await backupTo("dir-roundtrip", { BACKUP_FORMAT: "directory", BACKUP_JOBS: "2", WORK_DIR: work });
        assert.match(name, /^fork-knife-\d{8}T\d{6}Z\.dir$/);
        assert.strictEqual(manifest.format, "directory");
        assert.deepStrictEqual(leftovers(work), [], "the staged directory is removed after the upload");
        // Every file of the dump is an object under the prefix, SHA256SUMS lists them all, and the sidecar hashes that list.
        const objects = await list(`${remote}/${name}`);
        assert.ok(objects.includes("toc.dat") && objects.includes("SHA256SUMS"), objects.join(" "));
        assert.ok(objects.some((o) => /^\d+\.dat\.gz$/.test(o)), objects.join(" "));
        const sums = (await text(["cat", `${remote}/${name}/SHA256SUMS`])).trim().split("\n").map((l) => l.split(/\s+/)[1]).sort();
        assert.deepStrictEqual(sums, objects.filter((o) => o !== "SHA256SUMS").sort());
        const sidecar = (await text(["cat", `${remote}/${name}.sha256`])).trim();
        const listHash = crypto.createHash("sha256").update(await rclone(["cat", `${remote}/${name}/SHA256SUMS`])).digest("hex");
        assert.strictEqual(sidecar, `${listHash}  ${name}/SHA256SUMS`);
        assert.strictEqual(manifest.sha256, listHash);

        const copy = uniqueName("s3_dir_copy");
        dbs.push(copy);
        const restoreWork = tempDir("work");
        const restored = await runScript(pg, "restore.sh", env({ BACKUP_TARGET: "s3://backups/dir-roundtrip", RESTORE_DATABASE: copy, RESTORE_JOBS: "2", WORK_DIR: restoreWork }));
        assert.strictEqual(restored.code, 0, restored.stderr);
        assert.match(restored.stdout, new RegExp(`OK restored ${name.replace(/\./g, "\\.")} into ${copy}`));
        assert.deepStrictEqual(fingerprint(pg, copy), fingerprint(pg, source));
        assert.deepStrictEqual(leftovers(restoreWork), [], "the downloaded copy is removed after the restore");

        const test = await runScript(pg, "restore-test.sh", env({ BACKUP_TARGET: "s3://backups/dir-roundtrip", RESTORE_TEST_TABLES: "users,orders" }));
        assert.strictEqual(test.code, 0, test.stderr);
        const record = JSON.parse(await text(["cat", `${remote}/restore-test-latest.json`]));
        assert.deepStrictEqual([record.result, record.backup], ["passed", name]);
    });

    it("a corrupted .dump object is refused before restore", async function () {
        const { name, remote } = await backupTo("corrupt-dump");
        assert.match(name, /\.dump$/);
        const bytes = await rclone(["cat", `${remote}/${name}`]);
        bytes[10] ^= 0xff;
        await rclone(["rcat", `${remote}/${name}`], bytes);
        const copy = uniqueName("s3_never");
        dbs.push(copy);
        const bad = await runScript(pg, "restore.sh", env({ BACKUP_TARGET: "s3://backups/corrupt-dump", RESTORE_DATABASE: copy, BACKUP_NAME: name }));
        assert.notStrictEqual(bad.code, 0);
        assert.deepStrictEqual(failedLines(bad).length, 1, bad.stderr);
        assert.match(failedLines(bad)[0], new RegExp(`corrupted backup, not restored: checksum mismatch for ${name.replace(/\./g, "\\.")} \\(expected`));
        assert.strictEqual(databaseExists(pg, copy), false);
    });

    it("a .dir object with a changed or a missing file is refused before restore", async function () {
        const { name, remote } = await backupTo("corrupt-dir", { BACKUP_FORMAT: "directory" });
        const prefix = `${remote}/${name}`;
        const data = (await list(prefix)).filter((o) => /^\d+\.dat\.gz$/.test(o));
        assert.ok(data.length >= 2, data.join(" "));
        const restore = async () => {
            const copy = uniqueName("s3_never");
            dbs.push(copy);
            const r = await runScript(pg, "restore.sh", env({ BACKUP_TARGET: "s3://backups/corrupt-dir", RESTORE_DATABASE: copy, BACKUP_NAME: name }));
            return { r, created: databaseExists(pg, copy) };
        };
        const inside = new RegExp(`corrupted backup, not restored: checksum mismatch inside ${name.replace(/\./g, "\\.")}$`);

        // One flipped byte in a table's data: the archive's table of contents is intact, only the checksums see it.
        const original = await rclone(["cat", `${prefix}/${data[0]}`]);
        const changed = Buffer.from(original);
        changed[changed.length - 5] ^= 0xff;
        await rclone(["rcat", `${prefix}/${data[0]}`], changed);
        const flipped = await restore();
        assert.notStrictEqual(flipped.r.code, 0);
        assert.deepStrictEqual(failedLines(flipped.r).length, 1, flipped.r.stderr);
        assert.match(failedLines(flipped.r)[0], inside);
        assert.strictEqual(flipped.created, false);

        // The file put back and another one lost (an interrupted upload, a lifecycle rule): refused as well.
        await rclone(["rcat", `${prefix}/${data[0]}`], original);
        await rclone(["deletefile", `${prefix}/${data[1]}`]);
        const missing = await restore();
        assert.notStrictEqual(missing.r.code, 0);
        assert.match(failedLines(missing.r)[0], inside);
        assert.strictEqual(missing.created, false);

        // A rewritten SHA256SUMS does not match the sidecar recorded at backup time.
        await rclone(["rcat", `${prefix}/SHA256SUMS`], Buffer.from(""));
        const list2 = await restore();
        assert.match(failedLines(list2.r)[0], new RegExp(`checksum mismatch for ${name.replace(/\./g, "\\.")}/SHA256SUMS`));
        assert.strictEqual(list2.created, false);
    });

    it("an unreachable bucket fails the run with one line and changes nothing", async function () {
        await backupTo("unreachable");
        const remote = "backup:backups/unreachable";
        const manifestBefore = await text(["cat", `${remote}/latest.json`]);
        const objectsBefore = await list(remote);
        const work = tempDir("work");
        const down = await runScript(pg, "backup.sh", env({ BACKUP_TARGET: "s3://backups/unreachable", RCLONE_CONFIG_BACKUP_ENDPOINT: "http://127.0.0.1:1", WORK_DIR: work }));
        assert.notStrictEqual(down.code, 0);
        assert.strictEqual(failedLines(down).length, 1, down.stderr);
        assert.match(failedLines(down)[0], /object storage .* failed/);
        assert.deepStrictEqual(await list(remote), objectsBefore);
        assert.strictEqual(await text(["cat", `${remote}/latest.json`]), manifestBefore);
        assert.deepStrictEqual(leftovers(work), []);
    });

    it("an upload of a .dir that fails half-way leaves no half backup in the bucket, and the next run succeeds", async function () {
        const { name: first, remote } = await backupTo("dir-interrupted", { BACKUP_FORMAT: "directory" });
        const manifestBefore = await text(["cat", `${remote}/latest.json`]);
        // An rclone whose directory upload stops after one file, as a dropped connection or a killed pod would leave it.
        const bin = tempDir("rclone");
        const real = execFileSync("bash", ["-c", "command -v rclone"], { encoding: "utf8" }).trim();
        fs.writeFileSync(path.join(bin, "rclone"), `#!/usr/bin/env bash
for a in "$@"; do if [ "$a" = copy ]; then
    src=\${@: -2:1} dst=\${@: -1}
    case "$dst" in *:*) "${real}" copyto "$src/toc.dat" "$dst/toc.dat"; echo "ERROR : upload interrupted" >&2; exit 1 ;; esac
fi; done
exec "${real}" "$@"
`, { mode: 0o755 });
        const work = tempDir("work");
        const broken = await runScript(pg, "backup.sh", env({ BACKUP_TARGET: "s3://backups/dir-interrupted", BACKUP_FORMAT: "directory", RCLONE: path.join(bin, "rclone"), WORK_DIR: work }));
        assert.notStrictEqual(broken.code, 0);
        assert.strictEqual(failedLines(broken).length, 1, broken.stderr);
        assert.match(failedLines(broken)[0], /object storage .* copy failed: upload interrupted/);
        assert.deepStrictEqual(await list(remote), [first + "/", `${first}.sha256`, "latest.json"].sort());
        assert.strictEqual(await text(["cat", `${remote}/latest.json`]), manifestBefore);
        assert.deepStrictEqual(leftovers(work), []);

        const { name: second } = await backupTo("dir-interrupted", { BACKUP_FORMAT: "directory" });
        assert.notStrictEqual(second, first);
        assert.deepStrictEqual(await list(remote), [first + "/", `${first}.sha256`, second + "/", `${second}.sha256`, "latest.json"].sort());
    });

    describe("the lock: one lock object per run under .backup.locks/, the oldest wins", function () {
        const locks = async (prefix: string) => (await list(`backup:backups/${prefix}`)).includes(".backup.locks/")
            ? await list(`backup:backups/${prefix}/.backup.locks`) : [];
        const token = (host: string) => `${new Date().toISOString().replace(/[-:]/g, "").slice(0, 15)}Z-${host}-4242-17`;
        let db: string;
        before(function () { db = uniqueName("s3_lock"); dbs.push(db); createAppDatabase(pg, db, 50); });

        it("SIGTERM during pg_dump: exit 143, one FAILED line, the lock object and the staged .partial removed", async function () {
            const prefix = "sigterm";
            await backupTo(prefix, { PGDATABASE: db });
            const objectsBefore = await list(`backup:backups/${prefix}`);
            const work = tempDir("work");
            const release = await lockTable(pg, db, "orders");
            let r: ScriptResult;
            try {
                const run = startScript(pg, "backup.sh", env({ BACKUP_TARGET: `s3://backups/${prefix}`, PGDATABASE: db, WORK_DIR: work }));
                await waitFor("pg_dump blocked on the table lock", () => dumpWaiting(pg, db));
                assert.strictEqual((await locks(prefix)).length, 1, "the run holds its lock object");
                assert.ok(fs.readdirSync(work).some((n) => n.endsWith(".partial")), "the dump is being staged");
                run.child.kill("SIGTERM");
                r = await run.done;
            } finally { await release(); }
            assert.strictEqual(r.code, 143, r.stderr);
            assert.deepStrictEqual(failedLines(r), ["backup: FAILED: interrupted by SIGTERM while running pg_dump"], r.stderr);
            assert.deepStrictEqual(await locks(prefix), [], "the lock object is released");
            assert.deepStrictEqual(leftovers(work), [], "no .partial, no scratch files");
            assert.deepStrictEqual(await list(`backup:backups/${prefix}`), objectsBefore.filter((o) => o !== ".backup.locks/"));
            await backupTo(prefix, { PGDATABASE: db });
        });

        it("an empty legacy .backup.lock and a garbled lock object are treated as stale, with a log line each", async function () {
            const prefix = "garbled";
            const remote = `backup:backups/${prefix}`;
            await rclone(["rcat", `${remote}/.backup.lock`], Buffer.from(""));
            await rclone(["rcat", `${remote}/.backup.locks/not a token`], Buffer.from("garbage"));
            const r = await runScript(pg, "backup.sh", env({ BACKUP_TARGET: `s3://backups/${prefix}`, PGDATABASE: db }));
            assert.strictEqual(r.code, 0, r.stderr);
            assert.match(r.stderr, /lock object \.backup\.lock is not a lock token \(0 bytes\): treating it as stale and removing it/);
            assert.match(r.stderr, /lock object \.backup\.locks\/not a token is not a lock token of this tool: treating it as stale/);
            assert.ok(!(await list(remote)).includes(".backup.lock"));
            assert.deepStrictEqual(await locks(prefix), []);

            // A well-formed legacy lock (a run of the previous version) is still honoured while fresh.
            await rclone(["rcat", `${remote}/.backup.lock`], Buffer.from(`old-pod-1-2 ${Math.floor(Date.now() / 1000) - 60}\n`));
            const refused = await runScript(pg, "backup.sh", env({ BACKUP_TARGET: `s3://backups/${prefix}`, PGDATABASE: db }));
            assert.notStrictEqual(refused.code, 0);
            assert.deepStrictEqual(failedLines(refused).length, 1, refused.stderr);
            assert.match(failedLines(refused)[0], /another backup is running \(lock object s3:\/\/backups\/garbled\/\.backup\.lock, \d+s old\)/);
        });

        it("a fresh lock object of another run makes the run fail, and our cleanup leaves that object alone", async function () {
            const prefix = "foreign";
            const remote = `backup:backups/${prefix}`;
            await backupTo(prefix, { PGDATABASE: db });
            const theirs = token("other-pod");
            await rclone(["rcat", `${remote}/.backup.locks/${theirs}`], Buffer.from(`${theirs} ${Math.floor(Date.now() / 1000)}\n`));
            const r = await runScript(pg, "backup.sh", env({ BACKUP_TARGET: `s3://backups/${prefix}`, PGDATABASE: db }));
            assert.notStrictEqual(r.code, 0);
            assert.deepStrictEqual(failedLines(r).length, 1, r.stderr);
            assert.match(failedLines(r)[0], new RegExp(`another backup is running \\(lock object s3://backups/foreign/\\.backup\\.locks/${theirs}, \\d+s old\\)`));
            assert.deepStrictEqual(await locks(prefix), [theirs]);
        });

        it("a run whose lock was taken over does not delete the new holder's lock object when it ends", async function () {
            const prefix = "takeover";
            const remote = `backup:backups/${prefix}`;
            const release = await lockTable(pg, db, "users");
            let r: ScriptResult;
            const theirs = token("new-holder");
            try {
                const run = startScript(pg, "backup.sh", env({ BACKUP_TARGET: `s3://backups/${prefix}`, PGDATABASE: db }));
                await waitFor("pg_dump blocked on the table lock", () => dumpWaiting(pg, db));
                // What a later run does once this one's lock looks stale: removes it and writes its own.
                const [ours] = await locks(prefix);
                assert.ok(ours, "the run holds a lock object");
                await rclone(["deletefile", `${remote}/.backup.locks/${ours}`]);
                await rclone(["rcat", `${remote}/.backup.locks/${theirs}`], Buffer.from(`${theirs} ${Math.floor(Date.now() / 1000)}\n`));
                await release();
                r = await run.done;
            } finally { await release(); }
            assert.strictEqual(r.code, 0, r.stderr);
            assert.deepStrictEqual(await locks(prefix), [theirs]);
        });

        it("two runs started together: exactly one goes ahead", async function () {
            const prefix = "together";
            const release = await lockTable(pg, db, "users");
            const runs = [0, 1].map(() => startScript(pg, "backup.sh", env({ BACKUP_TARGET: `s3://backups/${prefix}`, PGDATABASE: db })));
            let results: ScriptResult[];
            try {
                // The loser ends on its own; the winner waits in pg_dump until the table lock is released.
                const loser = await Promise.race(runs.map((run) => run.done));
                assert.notStrictEqual(loser.code, 0, loser.stderr);
                assert.deepStrictEqual(failedLines(loser).length, 1, loser.stderr);
                assert.match(failedLines(loser)[0], /another backup is running \(lock object s3:\/\/backups\/together\/\.backup\.locks\//);
                await waitFor("the winner's pg_dump", () => dumpWaiting(pg, db));
            } finally {
                await release();
                results = await Promise.all(runs.map((run) => run.done));
            }
            assert.deepStrictEqual(results.map((r) => r.code).sort(), [0, 1], results.map((r) => r.stderr).join("\n"));
            assert.deepStrictEqual(await locks(prefix), []);
        });
    });

    it("retention in the bucket deletes old backups of ours and keeps the newest verified one", async function () {
        const prefix = "backup:backups/retention";
        const at = (days: number) => ({ BACKUP_TARGET: "s3://backups/retention", BACKUP_NOW: new Date(Date.now() - days * 86400_000).toISOString() });
        for (const days of [60, 50]) {
            const r = await runScript(pg, "backup.sh", env(at(days)));
            assert.strictEqual(r.code, 0, r.stderr);
        }
        const stale = "fork-knife-20200101T000000Z.dump";
        await rclone(["rcat", `${prefix}/${stale}`], Buffer.from("not provably ours: no checksum"));
        const newest = JSON.parse(await text(["cat", `${prefix}/latest.json`])).file;
        const prune = await runScript(pg, "backup.sh", env({ BACKUP_TARGET: "s3://backups/retention", RETENTION_DAYS: "30" }), ["prune"]);
        assert.strictEqual(prune.code, 0, prune.stderr);
        const left = await list(prefix);
        assert.deepStrictEqual(left, [stale, newest, `${newest}.sha256`, "latest.json"].sort());
    });
});
