// The pack's shape: what the CLI loads (index.ts, config files) and what the docs and tests promise about each policy.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { packConfigFor } from "../../policies/lib/pack-config";
import { POLICIES } from "../../policies/registry";

const ROOT = path.resolve(__dirname, "..", "..");
const PREFIX: Record<string, RegExp> = { workloads: /^workload-/, jobs: /^job-/, secrets: /^secret-/, backups: /^backup-/, release: /^(release|alert)-/ };

describe("policy pack", () => {
    it("names every policy uniquely, kebab-case, prefixed by its checklist, with a one-sentence description", () => {
        assert.strictEqual(new Set(POLICIES.map((p) => p.name)).size, POLICIES.length);
        for (const p of POLICIES) {
            assert.match(p.name, PREFIX[p.checklist], p.name);
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.match(p.description, /^[A-Z(][^]*\.$/, p.name);
            assert.ok(!/\.\s+[A-Z]/.test(p.description), `${p.name}: one sentence`);
            assert.ok(["advisory", "mandatory"].includes(p.enforcementLevel));
        }
    });
    it("has a test file per policy in the checklist's folder", () => {
        for (const p of POLICIES) {
            const dir = path.join(ROOT, "test", "policies", p.checklist);
            const files = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
            assert.ok(files.some((f) => f.includes(`"policy ${p.name}"`)), `no test for ${p.name}`);
        }
    });
    it("keeps policies/config/<stack>.json equal to the policies' own levels", () => {
        for (const env of ["staging", "production"] as const) {
            const file = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", `${env}.json`), "utf8"));
            assert.deepStrictEqual(file, packConfigFor(POLICIES, env), `regenerate policies/config/${env}.json`);
        }
        assert.strictEqual(packConfigFor(POLICIES, "staging")["secret-rotation-overdue"].enforcementLevel, "advisory");
        assert.strictEqual(packConfigFor(POLICIES, "production")["secret-rotation-overdue"].enforcementLevel, "mandatory");
    });
    it("is a loadable CrossGuard pack: PulumiPolicy.yaml, a versioned package.json, index.ts building PolicyPack", () => {
        assert.match(fs.readFileSync(path.join(ROOT, "policies", "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
        assert.match(JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "package.json"), "utf8")).version, /^\d+\.\d+\.\d+$/);
        assert.match(fs.readFileSync(path.join(ROOT, "policies", "index.ts"), "utf8"), /new PolicyPack\("fork-knife"/);
    });
});
