// The object-storage target for real: the scripts drive rclone (the client the CronJob runs) against a local
// S3-compatible server (s3rver), configured by the same RCLONE_CONFIG_* variables the pod gets.
import * as assert from "assert";
import { spawn } from "child_process";
import * as net from "net";
import { psql, testPostgres, TestPostgres } from "../support/postgres";
import { createAppDatabase, dropDatabase, failedLines, fingerprint, removeTempDirs, runScript, tempDir, uniqueName } from "./harness";
import { rcloneEnv } from "../../components/backup-storage";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const S3rver = require("s3rver");

describe("scripts: S3-compatible target through rclone (s3rver)", function () {
    let pg: TestPostgres;
    let server: { close(): Promise<void> };
    let endpoint: string;
    let source: string;
    const dbs: string[] = [];
    const target = "s3://backups/staging/db";

    before(async function () {
        pg = testPostgres();
        server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: tempDir("s3"), configureBuckets: [{ name: "backups" }] });
        const address = await (server as unknown as { run(): Promise<net.AddressInfo> }).run();
        endpoint = `http://127.0.0.1:${address.port}`;
        source = uniqueName("s3_source");
        dbs.push(source);
        createAppDatabase(pg, source, 200);
    });
    after(async function () {
        for (const db of dbs) dropDatabase(pg, db);
        await server.close();
        removeTempDirs();
    });

    // S3RVER/S3RVER are the only keys s3rver accepts; the env mapping is the component's own helper.
    const env = (extra: Record<string, string> = {}) => ({
        ...plainEnv(rcloneEnv({ endpoint, region: "us-east-1" })),
        RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID: "S3RVER",
        RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY: "S3RVER",
        BACKUP_TARGET: target, WORK_DIR: tempDir("work"), PGDATABASE: source, RETENTION_DAYS: "7", ...extra,
    });
    // Asynchronous on purpose: s3rver answers from this very process, so a synchronous child would deadlock.
    const rclone = (args: string[], input?: Buffer) => new Promise<Buffer>((resolve, reject) => {
        const child = spawn("rclone", args, { env: { PATH: process.env.PATH, HOME: "/tmp", ...env() } });
        const out: Buffer[] = [];
        let err = "";
        child.stdout.on("data", (d) => out.push(d));
        child.stderr.on("data", (d) => (err += d));
        child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`rclone ${args.join(" ")}: ${err}`))));
        child.stdin.end(input ?? Buffer.alloc(0));
    });
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

    it("a corrupted object is refused before restore; an unreachable bucket fails the run and changes nothing", async function () {
        const ok = await runScript(pg, "backup.sh", env({ BACKUP_FORMAT: "directory", BACKUP_JOBS: "2" }));
        assert.strictEqual(ok.code, 0, ok.stderr);
        const manifestBefore = await text(["cat", "backup:backups/staging/db/latest.json"]);
        const dumpName = (await list()).find((n) => n.endsWith(".dump"))!;
        const bytes = await rclone(["cat", `backup:backups/staging/db/${dumpName}`]);
        bytes[10] ^= 0xff;
        await rclone(["rcat", `backup:backups/staging/db/${dumpName}`], bytes);
        const copy = uniqueName("s3_never");
        const bad = await runScript(pg, "restore.sh", env({ RESTORE_DATABASE: copy, BACKUP_NAME: dumpName }));
        assert.notStrictEqual(bad.code, 0);
        assert.match(failedLines(bad)[0], /corrupted backup, not restored: checksum mismatch/);
        assert.strictEqual(psql(pg, "postgres", `SELECT count(*) FROM pg_database WHERE datname = '${copy}'`), "0");

        const objectsBefore = await list();
        const down = await runScript(pg, "backup.sh", env({ RCLONE_CONFIG_BACKUP_ENDPOINT: "http://127.0.0.1:1" }));
        assert.notStrictEqual(down.code, 0);
        assert.strictEqual(failedLines(down).length, 1, down.stderr);
        assert.match(failedLines(down)[0], /object storage .* failed/);
        assert.deepStrictEqual(await list(), objectsBefore);
        assert.strictEqual(await text(["cat", "backup:backups/staging/db/latest.json"]), manifestBefore);
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

function plainEnv(vars: { name: unknown; value?: unknown }[]): Record<string, string> {
    return Object.fromEntries(vars.filter((v) => typeof v.value === "string").map((v) => [String(v.name), v.value as string]));
}
