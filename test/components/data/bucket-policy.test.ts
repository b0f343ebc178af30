// What each object-storage identity may do, and that synth writes it: in lifecycle mode the backup key can add and
// read backups and delete only its own lock objects, history is protected by an explicit deny, and retention is the
// bucket's lifecycle rule and object lock of retentionDays; in script mode (staging) the key prunes.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { bucketDocuments, splitTarget } from "../../../components/data/bucket-policy";
import { runTool, scratchDirs } from "../../support/tools";

type Statement = { Sid: string; Effect: string; Action: string[]; Resource: string | string[] };
const statements = (doc: Record<string, unknown>) => doc.Statement as Statement[];
const allowed = (doc: Record<string, unknown>, action: string) =>
    statements(doc).filter((s) => s.Effect === "Allow" && s.Action.includes(action)).flatMap((s) => ([] as string[]).concat(s.Resource));

describe("bucket policy documents", function () {
    it("splits s3://bucket/prefix, with and without a prefix", () => {
        assert.deepStrictEqual(splitTarget("s3://fork-knife-backups/production/db/"), { bucket: "fork-knife-backups", prefix: "production/db" });
        assert.deepStrictEqual(splitTarget("s3://b"), { bucket: "b", prefix: "" });
    });

    it("lifecycle: the backup key adds and reads backups, deletes only lock objects, and may never erase a version", () => {
        const docs = bucketDocuments("s3://fork-knife-backups/production", "lifecycle", 30);
        const policy = docs["backup-identity-policy"];
        assert.deepStrictEqual(allowed(policy, "s3:PutObject"), ["arn:aws:s3:::fork-knife-backups/production/*"]);
        assert.deepStrictEqual(allowed(policy, "s3:DeleteObject"), ["arn:aws:s3:::fork-knife-backups/production/.backup.locks/*"]);
        const deny = statements(policy).find((s) => s.Effect === "Deny")!;
        for (const a of ["s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning", "s3:BypassGovernanceRetention"]) {
            assert.ok(deny.Action.includes(a), a);
        }
        const rules = (docs["lifecycle-configuration"]!.Rules as any[]);
        const expire = rules.find((r) => r.Expiration);
        assert.deepStrictEqual([expire.Filter.Prefix, expire.Expiration.Days, expire.NoncurrentVersionExpiration.NoncurrentDays],
            ["production/fork-knife-", 30, 30]);
        assert.deepStrictEqual(docs["object-lock-configuration"], { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 30 } } });
    });

    it("script (staging): the same key prunes, so it may delete backups, and there is no lifecycle document", () => {
        const docs = bucketDocuments("s3://b/staging", "script", 7);
        assert.deepStrictEqual(allowed(docs["backup-identity-policy"], "s3:DeleteObject").sort(), ["arn:aws:s3:::b/staging/*", "arn:aws:s3:::b/staging/.backup.locks/*"].sort());
        assert.strictEqual(docs["lifecycle-configuration"], undefined);
        assert.ok(!statements(docs["backup-identity-policy"]).some((s) => s.Effect === "Deny"));
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
            assert.deepStrictEqual(allowed(policy, "s3:DeleteObject"), ["arn:aws:s3:::fork-knife-backups/production/.backup.locks/*"]);
            const staging = scratch();
            const s = runTool("synth.ts", ["--stack", "staging", "--out", staging, "--now", "2026-11-25"]);
            assert.strictEqual(s.status, 0, s.stdout + s.stderr);
            assert.ok(!fs.existsSync(path.join(staging, "bucket-policies")));
        });
    });
});
