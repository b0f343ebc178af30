// Do the rendered bucket policies allow what the scripts really do, and nothing that matters more? s3rver enforces
// no IAM, so the scripts run against it through a proxy that records every request; each request is then read the
// way AWS authorises it (test/support/iam.ts, from AWS's documentation) and judged against the policy of the key
// that sent it. The backups are real (pg_dump of the test database, rclone 1.60 as in the pods).
import * as assert from "assert";
import { bucketDocuments } from "../../components/data/bucket-policy";
import { testPostgres, TestPostgres } from "../support/postgres";
import { Authorisation, authorisations, evaluate, RecordingProxy, startRecordingProxy, wildcard } from "../support/iam";
import { createAppDatabase, dropDatabase, removeTempDirs, runScript, startS3, tempDir, TestS3, uniqueName } from "./harness";

describe("the rendered IAM policy evaluator (test support)", () => {
    const policy = {
        Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: "arn:aws:s3:::b", Condition: { StringLike: { "s3:prefix": ["p", "p/*"] } } },
            { Effect: "Allow", Action: ["s3:GetObject", "s3:DeleteObject"], Resource: "arn:aws:s3:::b/p/*" },
            { Effect: "Deny", Action: ["s3:DeleteObject"], Resource: "arn:aws:s3:::b/p/keep/*" },
            { Effect: "Deny", Action: ["s3:PutObject"], NotResource: ["arn:aws:s3:::b/p/locks/*"] },
            { Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::b/*" },
        ],
    };
    const on = (action: string, resource: string, context: Record<string, string> = {}): Authorisation => ({ action, resource, context });
    it("an explicit deny wins over an allow; NotResource exempts only what it names; * crosses slashes", () => {
        assert.strictEqual(evaluate(policy, on("s3:DeleteObject", "arn:aws:s3:::b/p/a/b/c")), "allow");
        assert.strictEqual(evaluate(policy, on("s3:DeleteObject", "arn:aws:s3:::b/p/keep/x")), "explicit-deny");
        assert.strictEqual(evaluate(policy, on("s3:PutObject", "arn:aws:s3:::b/p/locks/t")), "allow");
        assert.strictEqual(evaluate(policy, on("s3:PutObject", "arn:aws:s3:::b/p/x")), "explicit-deny");
        assert.strictEqual(evaluate(policy, on("s3:GetObject", "arn:aws:s3:::b/q/x")), "implicit-deny");
    });
    it("a StringLike condition fails when the request lacks the key (HeadBucket has no s3:prefix)", () => {
        assert.strictEqual(evaluate(policy, on("s3:ListBucket", "arn:aws:s3:::b", { "s3:prefix": "p/" })), "allow");
        assert.strictEqual(evaluate(policy, on("s3:ListBucket", "arn:aws:s3:::b", { "s3:prefix": "q/" })), "implicit-deny");
        assert.strictEqual(evaluate(policy, on("s3:ListBucket", "arn:aws:s3:::b")), "implicit-deny");
    });
    it("maps REST calls to actions and refuses shapes it does not know", () => {
        const req = (method: string, url: string, extra: { body?: string; copySource?: string } = {}) => {
            const u = new URL(url, "http://x");
            return authorisations({ method, path: u.pathname, query: u.searchParams, integrityHeader: false, ...extra }).map((a) => `${a.action} ${a.resource}`);
        };
        assert.deepStrictEqual(req("HEAD", "/b/p/a%20b.dump"), ["s3:GetObject arn:aws:s3:::b/p/a b.dump"]);
        assert.deepStrictEqual(req("DELETE", "/b/p/x?uploadId=1"), ["s3:AbortMultipartUpload arn:aws:s3:::b/p/x"]);
        assert.deepStrictEqual(req("POST", "/b?delete", { body: "<Delete><Object><Key>p/1</Key></Object><Object><Key>p/2</Key><VersionId>v</VersionId></Object></Delete>" }),
            ["s3:DeleteObject arn:aws:s3:::b/p/1", "s3:DeleteObjectVersion arn:aws:s3:::b/p/2"]);
        assert.deepStrictEqual(req("PUT", "/b/p/y", { copySource: "/b/p/x" }), ["s3:PutObject arn:aws:s3:::b/p/y", "s3:GetObject arn:aws:s3:::b/p/x"]);
        assert.throws(() => req("PUT", "/b?versioning"), /unmapped S3 request: PUT \/b\?versioning/);
        assert.ok(wildcard("arn:aws:s3:::b/p/fork-knife-*", "arn:aws:s3:::b/p/fork-knife-1.dir/a/b"));
        assert.ok(!wildcard("arn:aws:s3:::b/p/fork-knife-*", "arn:aws:s3:::b/p/latest.json"));
    });
});

describe("scripts: every S3 request each key sends is allowed by its rendered policy (s3rver behind a recording proxy)", function () {
    this.timeout(600_000);
    let pg: TestPostgres;
    let s3: TestS3;
    let proxy: RecordingProxy;
    let source: string;

    before(async function () {
        pg = testPostgres();
        s3 = await startS3("backups");
        proxy = await startRecordingProxy(s3.endpoint);
        source = uniqueName("iam_source");
        createAppDatabase(pg, source, 50);
    });
    after(async function () {
        dropDatabase(pg, source);
        await proxy?.close();
        await s3?.close();
        removeTempDirs();
    });

    const env = (prefix: string, extra: Record<string, string>) => s3.env({
        RCLONE_CONFIG_BACKUP_ENDPOINT: proxy.endpoint, BACKUP_TARGET: `s3://backups/${prefix}`, WORK_DIR: tempDir("work"),
        PGDATABASE: source, LOCK_SETTLE_SECONDS: "1", ...extra,
    });
    /** Runs one script invocation and returns the authorisations its requests needed. */
    const recorded = async (what: string, prefix: string, extra: Record<string, string>, args: string[] = []) => {
        const from = proxy.requests.length;
        const r = await runScript(pg, "backup.sh", env(prefix, extra), args);
        assert.strictEqual(r.code, 0, `${what}: ${r.stderr}`);
        const requests = proxy.requests.slice(from);
        // An object-locked bucket (lifecycle and prune-identity) refuses an upload without an integrity header.
        const bare = requests.filter((q) => q.method === "PUT" && !q.copySource && !q.integrityHeader && q.path.split("/").length > 2);
        assert.deepStrictEqual(bare.map((q) => q.path), [], `${what}: uploads without Content-MD5 or x-amz-checksum-*`);
        return { stderr: r.stderr, needed: requests.flatMap(authorisations) };
    };
    const list = async (prefix: string) => (await s3.rclone(["lsf", "-R", "--files-only", `backup:backups/${prefix}`])).toString().split("\n").filter(Boolean).sort();
    /** A stale single lock object of an earlier version: each run removes it, so each key needs that delete too. */
    const staleLegacyLock = (prefix: string) => s3.rclone(["rcat", `backup:backups/${prefix}/.backup.lock`], Buffer.from("old-token 1000\n"));
    const judge = (policy: Record<string, unknown>, needed: Authorisation[]) =>
        needed.map((a) => ({ a, decision: evaluate(policy, a) })).filter((x) => x.decision !== "allow")
            .map((x) => `${x.decision}: ${x.a.action} ${x.a.resource}${Object.keys(x.a.context).length ? ` ${JSON.stringify(x.a.context)}` : ""}`);
    const some = (needed: Authorisation[], action: string, resource: RegExp) => needed.filter((a) => a.action === action && resource.test(a.resource));

    it("prune-identity: the backup key's runs and the prune key's `backup.sh prune` need only what their policies allow", async function () {
        const prefix = "production/db";
        const docs = bucketDocuments(`s3://backups/${prefix}`, "prune-identity", 7);
        const backupPolicy = docs["backup-identity-policy"];
        const prunePolicy = docs["prune-identity-policy"]!;
        const mode = { RETENTION_MODE: "prune-identity", RETENTION_DAYS: "7" };

        await staleLegacyLock(prefix);
        const backups: Authorisation[] = [];
        for (const [at, format] of [["2026-01-01T00:00:00Z", "custom"], ["2026-01-02T00:00:00Z", "directory"], ["2026-01-20T00:00:00Z", "custom"]]) {
            const run = await recorded(`backup at ${at}`, prefix, { ...mode, BACKUP_NOW: at, BACKUP_FORMAT: format, BACKUP_JOBS: "2" });
            assert.match(run.stderr, /retention: left to the backup-prune CronJob and its own key \(RETENTION_MODE=prune-identity\): this identity deletes no backup/);
            backups.push(...run.needed);
        }
        const afterBackups = await list(prefix);
        assert.ok(afterBackups.includes("fork-knife-20260101T000000Z.dump"), "the backup runs deleted nothing");
        assert.ok(afterBackups.includes("fork-knife-20260102T000000Z.dir/SHA256SUMS"));

        await staleLegacyLock(prefix);
        const prune = await recorded("prune", prefix, { ...mode, BACKUP_NOW: "2026-01-20T00:00:01Z" }, ["prune"]);
        assert.match(prune.stderr, /retention: deleting fork-knife-20260101T000000Z\.dump/);
        assert.match(prune.stderr, /retention: deleting fork-knife-20260102T000000Z\.dir/);
        assert.deepStrictEqual(await list(prefix), ["fork-knife-20260120T000000Z.dump", "fork-knife-20260120T000000Z.dump.sha256", "latest.json"]);

        // Not vacuous: the recordings hold the writes, the deletes and the lock traffic the policies are about.
        const objects = (p: string) => new RegExp(`^arn:aws:s3:::backups/production/db/${p}`);
        assert.ok(some(backups, "s3:PutObject", objects("fork-knife-20260102T000000Z\\.dir/")).length > 1, "directory dump objects uploaded");
        assert.ok(some(backups, "s3:DeleteObject", objects("\\.backup\\.locks/")).length >= 3, "each backup removed its lock object");
        assert.ok(some(backups, "s3:DeleteObject", objects("\\.backup\\.lock$")).length === 1, "the backup removed the stale legacy lock");
        assert.ok(some(prune.needed, "s3:DeleteObject", objects("fork-knife-20260101T000000Z\\.dump$")).length === 1);
        assert.ok(some(prune.needed, "s3:DeleteObject", objects("fork-knife-20260101T000000Z\\.dump\\.sha256$")).length === 1);
        assert.ok(some(prune.needed, "s3:DeleteObject", objects("fork-knife-20260102T000000Z\\.dir/")).length > 1, "the directory dump's objects");
        assert.ok(some(prune.needed, "s3:PutObject", objects("\\.backup\\.locks/")).length === 1, "the prune takes the lock");
        assert.ok(some(prune.needed, "s3:DeleteObject", objects("\\.backup\\.lock$")).length === 1, "the prune removed the stale legacy lock");

        assert.deepStrictEqual(judge(backupPolicy, backups), [], "every request of the backup runs is allowed by backup-identity-policy");
        assert.deepStrictEqual(judge(prunePolicy, prune.needed), [], "every request of backup.sh prune is allowed by prune-identity-policy");

        // Each key is refused the other's work: the backup key cannot prune, the prune key cannot write a backup.
        const backupDeletes = some(prune.needed, "s3:DeleteObject", objects("fork-knife-"));
        assert.ok(backupDeletes.every((a) => evaluate(backupPolicy, a) !== "allow"), "the backup key may not delete a backup");
        const backupWrites = some(backups, "s3:PutObject", /./).filter((a) => !/\.backup\.locks\//.test(a.resource));
        assert.ok(backupWrites.length > 0);
        for (const a of backupWrites) assert.strictEqual(evaluate(prunePolicy, a), "explicit-deny", `the prune key may not write ${a.resource}`);
        // Nor may either key touch versions: the history a delete leaves behind stays for the lifecycle rule.
        for (const policy of [backupPolicy, prunePolicy]) {
            assert.strictEqual(evaluate(policy, { action: "s3:DeleteObjectVersion", resource: "arn:aws:s3:::backups/production/db/fork-knife-20260120T000000Z.dump", context: {} }), "explicit-deny");
        }
    });

    it("script and lifecycle: the backup key's runs need only what those modes' backup policies allow", async function () {
        for (const mode of ["script", "lifecycle"] as const) {
            const prefix = `staging/${mode}`;
            const policy = bucketDocuments(`s3://backups/${prefix}`, mode, 7)["backup-identity-policy"];
            await staleLegacyLock(prefix);
            const needed: Authorisation[] = [];
            for (const at of ["2026-01-01T00:00:00Z", "2026-01-20T00:00:00Z"]) {
                needed.push(...(await recorded(`${mode} backup at ${at}`, prefix, { RETENTION_MODE: mode, RETENTION_DAYS: "7", BACKUP_NOW: at })).needed);
            }
            const deleted = some(needed, "s3:DeleteObject", /fork-knife-20260101T000000Z\.dump$/);
            // script: the run's own prune deleted the old backup with this key; lifecycle: nothing was deleted.
            assert.strictEqual(deleted.length, mode === "script" ? 1 : 0, mode);
            assert.deepStrictEqual(judge(policy, needed), [], `every request of the ${mode} backup runs is allowed by its backup-identity-policy`);
        }
    });
});
