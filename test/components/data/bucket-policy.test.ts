// What each object-storage identity may do, and that synth writes it: in lifecycle mode the backup key can add and
// read backups and delete only its own lock objects, history is protected by an explicit deny, and retention is the
// bucket's lifecycle rule and object lock of retentionDays; in script mode (staging) the key prunes; in prune-identity
// mode a second key may list and delete backups but write nothing but its lock objects. That these documents allow
// what the scripts actually send is test/scripts/bucket-policy-s3.test.ts's job.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { bucketDocuments, splitTarget } from "../../../components/data/bucket-policy";
import * as YAML from "yaml";
import { runTool, scratchDirs } from "../../support/tools";

type Statement = { Sid: string; Effect: string; Action: string[]; Resource?: string | string[]; NotResource?: string | string[] };
const statements = (doc: Record<string, unknown>) => doc.Statement as Statement[];
const allowed = (doc: Record<string, unknown>, action: string) =>
    statements(doc).filter((s) => s.Effect === "Allow" && s.Action.includes(action)).flatMap((s) => ([] as string[]).concat(s.Resource ?? []));

describe("bucket policy documents", function () {
    it("splits s3://bucket/prefix, with and without a prefix", () => {
        assert.deepStrictEqual(splitTarget("s3://fork-knife-backups/production/db/"), { bucket: "fork-knife-backups", prefix: "production/db" });
        assert.deepStrictEqual(splitTarget("s3://b"), { bucket: "b", prefix: "" });
    });

    it("lifecycle: the backup key adds and reads backups, deletes only lock objects, and may never erase a version", () => {
        const docs = bucketDocuments("s3://fork-knife-backups/production", "lifecycle", 30);
        const policy = docs["backup-identity-policy"];
        assert.deepStrictEqual(allowed(policy, "s3:PutObject"), ["arn:aws:s3:::fork-knife-backups/production/*"]);
        // Its lock objects, and the single lock object of earlier versions that a run removes once stale.
        assert.deepStrictEqual(allowed(policy, "s3:DeleteObject"), ["arn:aws:s3:::fork-knife-backups/production/.backup.locks/*",
            "arn:aws:s3:::fork-knife-backups/production/.backup.lock"]);
        const deny = statements(policy).find((s) => s.Effect === "Deny")!;
        for (const a of ["s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning", "s3:BypassGovernanceRetention"]) {
            assert.ok(deny.Action.includes(a), a);
        }
        const rules = (docs["lifecycle-configuration"]!.Rules as any[]);
        const expire = rules.find((r) => r.Expiration);
        assert.deepStrictEqual([expire.Filter.Prefix, expire.Expiration.Days, expire.NoncurrentVersionExpiration.NoncurrentDays],
            ["production/fork-knife-", 30, 30]);
        // Replaced manifests and deleted lock objects leave noncurrent versions under the whole prefix: they expire too.
        const everything = rules.find((r) => !r.Expiration && r.NoncurrentVersionExpiration);
        assert.deepStrictEqual([everything.Filter.Prefix, everything.NoncurrentVersionExpiration.NoncurrentDays], ["production/", 30]);
        assert.deepStrictEqual(docs["object-lock-configuration"], { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 30 } } });
    });

    it("script (staging): the same key prunes, so it may delete backups, and there is no lifecycle document", () => {
        const docs = bucketDocuments("s3://b/staging", "script", 7);
        assert.deepStrictEqual(allowed(docs["backup-identity-policy"], "s3:DeleteObject").sort(),
            ["arn:aws:s3:::b/staging/*", "arn:aws:s3:::b/staging/.backup.locks/*", "arn:aws:s3:::b/staging/.backup.lock"].sort());
        assert.strictEqual(docs["lifecycle-configuration"], undefined);
        assert.strictEqual(docs["prune-identity-policy"], undefined);
        assert.ok(!statements(docs["backup-identity-policy"]).some((s) => s.Effect === "Deny"));
    });

    describe("prune-identity", () => {
        const docs = bucketDocuments("s3://fork-knife-backups/production/db", "prune-identity", 30);
        const backupKey = docs["backup-identity-policy"];
        const pruneKey = docs["prune-identity-policy"]!;

        it("the backup key deletes only lock objects and may never erase a version, as in lifecycle mode", () => {
            assert.deepStrictEqual(allowed(backupKey, "s3:DeleteObject"), ["arn:aws:s3:::fork-knife-backups/production/db/.backup.locks/*",
                "arn:aws:s3:::fork-knife-backups/production/db/.backup.lock"]);
            const deny = statements(backupKey).filter((s) => s.Effect === "Deny").flatMap((s) => s.Action);
            for (const a of ["s3:DeleteObjectVersion", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:BypassGovernanceRetention"]) assert.ok(deny.includes(a), a);
        });

        it("the prune key lists, reads and deletes backups (fork-knife-*) under the prefix, writes only its lock objects", () => {
            assert.deepStrictEqual(allowed(pruneKey, "s3:ListBucket"), ["arn:aws:s3:::fork-knife-backups"]);
            const list = statements(pruneKey).find((s) => s.Action.includes("s3:ListBucket"))! as Statement & { Condition: any };
            assert.deepStrictEqual(list.Condition, { StringLike: { "s3:prefix": ["production/db", "production/db/*"] } });
            assert.deepStrictEqual(allowed(pruneKey, "s3:GetObject"), ["arn:aws:s3:::fork-knife-backups/production/db/*"]);
            assert.deepStrictEqual(allowed(pruneKey, "s3:DeleteObject").sort(), ["arn:aws:s3:::fork-knife-backups/production/db/fork-knife-*",
                "arn:aws:s3:::fork-knife-backups/production/db/.backup.locks/*", "arn:aws:s3:::fork-knife-backups/production/db/.backup.lock"].sort());
            assert.deepStrictEqual(allowed(pruneKey, "s3:PutObject").sort(), ["arn:aws:s3:::fork-knife-backups/production/db/.backup.locks/*",
                "arn:aws:s3:::fork-knife-backups/production/db/.backup.lock"].sort());
            // Every other put is denied outright, so a broader grant elsewhere cannot let it overwrite a backup or latest.json.
            const noPut = statements(pruneKey).find((s) => s.Effect === "Deny" && s.Action.includes("s3:PutObject"))!;
            assert.deepStrictEqual(([] as string[]).concat(noPut.NotResource!).sort(), ["arn:aws:s3:::fork-knife-backups/production/db/.backup.locks/*",
                "arn:aws:s3:::fork-knife-backups/production/db/.backup.lock"].sort());
            assert.strictEqual(noPut.Resource, undefined);
            const deny = statements(pruneKey).filter((s) => s.Effect === "Deny").flatMap((s) => s.Action);
            for (const a of ["s3:DeleteObjectVersion", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutBucketPolicy",
                "s3:PutObjectRetention", "s3:BypassGovernanceRetention", "s3:DeleteBucket"]) assert.ok(deny.includes(a), a);
        });

        it("a custom backup prefix narrows the prune key's deletes to that prefix's names", () => {
            const custom = bucketDocuments("s3://b", "prune-identity", 7, "shop")["prune-identity-policy"]!;
            assert.ok(allowed(custom, "s3:DeleteObject").includes("arn:aws:s3:::b/shop-*"));
            assert.ok(!allowed(custom, "s3:DeleteObject").includes("arn:aws:s3:::b/fork-knife-*"));
        });

        it("no lifecycle expiry of current backups (the prune does it), but deleted versions expire after retentionDays, under object lock", () => {
            const rules = docs["lifecycle-configuration"]!.Rules as any[];
            assert.ok(!rules.some((r) => r.Expiration), "no Expiration of current versions");
            const noncurrent = rules.find((r) => r.NoncurrentVersionExpiration);
            assert.deepStrictEqual([noncurrent.Filter.Prefix, noncurrent.NoncurrentVersionExpiration.NoncurrentDays], ["production/db/", 30]);
            assert.deepStrictEqual(docs["object-lock-configuration"], { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 30 } } });
        });
    });

    describe("synth", function () {
        this.timeout(300_000);
        const scratch = scratchDirs("bucket-policies");
        it("writes out/<stack>/bucket-policies/ for production's s3:// target, and nothing for staging's PVC", () => {
            const prod = scratch();
            const r = runTool("synth.ts", ["--stack", "production", "--out", prod, "--now", "2026-11-25"]);
            assert.strictEqual(r.status, 0, r.stdout + r.stderr);
            const files = fs.readdirSync(path.join(prod, "bucket-policies")).sort();
            assert.deepStrictEqual(files, ["backup-identity-policy.json", "lifecycle-configuration.json", "object-lock-configuration.json"]);
            const policy = JSON.parse(fs.readFileSync(path.join(prod, "bucket-policies", "backup-identity-policy.json"), "utf8"));
            assert.deepStrictEqual(allowed(policy, "s3:DeleteObject"), ["arn:aws:s3:::fork-knife-backups/production/.backup.locks/*",
                "arn:aws:s3:::fork-knife-backups/production/.backup.lock"]);
            const staging = scratch();
            const s = runTool("synth.ts", ["--stack", "staging", "--out", staging, "--now", "2026-11-25"]);
            assert.strictEqual(s.status, 0, s.stdout + s.stderr);
            assert.ok(!fs.existsSync(path.join(staging, "bucket-policies")));
        });

        it("production with retentionMode prune-identity: synth passes every policy, writes both identities' policies, and the prune key's age is policed and audited", () => {
            const dir = scratch();
            const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "Pulumi.production.yaml"), "utf8"));
            doc.config["fork-knife:backup"].retentionMode = "prune-identity";
            doc.config["fork-knife:rotation"].backupPruneS3 = { rotatedAt: "2026-10-15" };
            doc.config["fork-knife:backupPruneS3AccessKeyId"] = { secure: "v1:prune-key-id" };
            doc.config["fork-knife:backupPruneS3SecretAccessKey"] = { secure: "v1:prune-secret" };
            const file = path.join(dir, "Pulumi.production.yaml");
            fs.writeFileSync(file, YAML.stringify(doc));
            const out = path.join(dir, "out");
            const r = runTool("synth.ts", ["--config-file", file, "--out", out, "--now", "2026-11-25"]);
            assert.strictEqual(r.status, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /policies: \d+ pass, 0 warn, 0 fail/);
            assert.deepStrictEqual(fs.readdirSync(path.join(out, "bucket-policies")).sort(),
                ["backup-identity-policy.json", "lifecycle-configuration.json", "object-lock-configuration.json", "prune-identity-policy.json"]);
            const prune = JSON.parse(fs.readFileSync(path.join(out, "bucket-policies", "prune-identity-policy.json"), "utf8"));
            assert.ok(allowed(prune, "s3:DeleteObject").includes("arn:aws:s3:::fork-knife-backups/production/fork-knife-*"));
            const manifests = fs.readdirSync(path.join(out, "manifests"), { recursive: true }).map(String).filter((f) => f.endsWith(".yaml"));
            const text = manifests.map((f) => fs.readFileSync(path.join(out, "manifests", f), "utf8")).join("\n");
            assert.match(text, /name: backup-prune\n/);
            assert.ok(!text.includes("prune-secret"), "the prune key never reaches a manifest");

            // The rotation machinery covers the prune key like every credential: rotated 2026-10-15, 180 days, due
            // 2027-04-13; the policies warn on the due day and refuse the day after, and the audit says overdue.
            const prunePolicyLines = (now: string) => runTool("policy-check.ts", ["--now", now, path.join(out, "manifests")]).stdout
                .split("\n").filter((l) => l.includes("Secret/backup-prune-s3-credentials"));
            assert.deepStrictEqual(prunePolicyLines("2027-04-13").map((l) => l.replace(/^.*?: Secret/, "Secret")),
                ["Secret/backup-prune-s3-credentials: secret-rotation-due-soon: object-storage-prune-key rotation is due on 2027-04-13, in 0 day(s) (next-rotation-due annotation) (advisory)"]);
            assert.deepStrictEqual(prunePolicyLines("2027-04-14").map((l) => l.replace(/^.*?: Secret/, "Secret")),
                ["Secret/backup-prune-s3-credentials: secret-rotation-overdue: object-storage-prune-key rotation was due on 2027-04-13 (next-rotation-due annotation); rotate it and update fork-knife:rotation"]);
            const audit = runTool("audit.ts", [path.join(out, "stack-export.json"), "--format", "json", "--now", "2027-04-14"]);
            const entry = JSON.parse(audit.stdout).secrets.find((x: any) => x.name === "backup-prune-s3-credentials");
            assert.deepStrictEqual([entry.kind, entry.maxAgeDays, entry.dueDate, entry.status], ["object-storage-prune-key", 180, "2027-04-13", "overdue"]);
        });
    });
});
