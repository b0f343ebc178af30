// The pack's shape: what the CLI loads (index.ts, config files) and what the docs and tests promise about each policy.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { packConfigFor } from "../../policies/lib/pack-config";
import { FkPolicy } from "../../policies/lib/policy";
import { POLICIES } from "../../policies/registry";

const ROOT = path.resolve(__dirname, "..", "..");
const PREFIX: Record<string, RegExp> = { workloads: /^workload-/, jobs: /^job-/, secrets: /^secret-/, backups: /^backup-/, release: /^(release|alert)-/ };
const COMPLIANT_CASE = /^\s*it\("passes\b/m;
const VIOLATING_CASE = /^\s*it\("(flags|fails|warns)\b/m;

/** The file under policies/ that exports the policy object (registry.ts imports one policy per file). */
function sourceOf(p: FkPolicy): string {
    const found: string[] = [];
    for (const checklist of Object.keys(PREFIX)) {
        const dir = path.join(ROOT, "policies", checklist);
        for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
            const mod = require(path.join(dir, f)); // eslint-disable-line @typescript-eslint/no-require-imports
            if (Object.values(mod).includes(p)) found.push(path.join(dir, f));
        }
    }
    assert.strictEqual(found.length, 1, `${p.name}: exported by ${found.length} files under policies/<checklist>/`);
    return found[0];
}

/** Runs policies/index.ts as the CLI would and resolves with the first line it prints (the gRPC port). */
function servedPort(): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"],
            { cwd: path.join(ROOT, "policies"), stdio: ["ignore", "pipe", "pipe"] });
        let out = "", err = "";
        const timer = setTimeout(() => { child.kill(); reject(new Error(`no port within 60 s: ${err}`)); }, 60_000);
        child.stdout.on("data", (d) => {
            out += d;
            if (out.includes("\n")) { clearTimeout(timer); child.kill(); resolve(out.split("\n")[0].trim()); }
        });
        child.stderr.on("data", (d) => { err += d; });
        child.on("exit", (code) => { clearTimeout(timer); if (!out.includes("\n")) reject(new Error(`index.ts exited ${code}: ${err}`)); });
    });
}


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
    it("has, per policy, a test file at the mirrored path with a compliant (passes…) and a violating (flags/fails/warns…) case", () => {
        for (const p of POLICIES) {
            const source = sourceOf(p);
            const rel = path.relative(path.join(ROOT, "policies"), source).replace(/\.ts$/, ".test.ts");
            assert.strictEqual(rel.split(path.sep)[0], p.checklist, `${p.name}: ${source} is not in policies/${p.checklist}/`);
            const file = path.join(ROOT, "test", "policies", rel);
            assert.ok(fs.existsSync(file), `${p.name}: no test file test/policies/${rel}`);
            const text = fs.readFileSync(file, "utf8");
            assert.ok(text.includes(`describe("policy ${p.name}"`), `test/policies/${rel}: no describe("policy ${p.name}")`);
            assert.match(text, COMPLIANT_CASE, `test/policies/${rel}: no compliant case (it("passes…"))`);
            assert.match(text, VIOLATING_CASE, `test/policies/${rel}: no violating case (it("flags…"), it("fails…") or it("warns…"))`);
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
    it("is a loadable CrossGuard pack: PulumiPolicy.yaml, a versioned package.json, index.ts serving PolicyPack", async () => {
        assert.match(fs.readFileSync(path.join(ROOT, "policies", "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
        assert.match(JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "package.json"), "utf8")).version, /^\d+\.\d+\.\d+$/);
        // What the Pulumi CLI does: run index.ts in the pack's folder and read the analyzer's port from stdout.
        // PolicyPack validates the policies (names, config schemas) and reads package.json's version first.
        assert.match(await servedPort(), /^\d+$/);
    });
});
