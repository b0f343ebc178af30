import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../../tools/lib/stack-config";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DEFERRED } = require("../../tools/lazy-pulumi.js") as { DEFERRED: { module: string; namespace?: boolean; functions?: string[] }[] };

/** A fresh node process from the repository root, with the given preloads, running `code`. */
function node(preloads: string[], code: string) {
    const r = spawnSync(process.execPath, [...preloads.flatMap((p) => ["-r", p]), "-e", code], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
}

describe("the deferred parts of the Pulumi SDK (tools/lazy-pulumi.js)", () => {
    it("stands in for exactly the functions the installed SDK's modules export (an upgrade that changes them fails here)", () => {
        // Without the preload: the real modules, as the SDK ships them.
        const real = node([], `console.log(JSON.stringify(${JSON.stringify(DEFERRED.map((d) => d.module))}.map((m) => {
            const x = require(m);
            return { esModule: x.__esModule === true, functions: Object.keys(x).filter((k) => typeof x[k] === "function").sort() };
        })))`) as { esModule: boolean; functions: string[] }[];
        DEFERRED.forEach((d, i) => {
            assert.ok(real[i].esModule, `${d.module} is an ES module namespace`);
            if (d.functions) assert.deepEqual([...d.functions].sort(), real[i].functions, d.module);
        });
    });

    it("keeps npm's arborist, pacote and the closure serializer out of a process that loads the SDK", () => {
        const probe = `require("@pulumi/pulumi"); require("@pulumi/kubernetes");
            console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules\\/(@npmcli\\/arborist|pacote|sigstore)\\/|pulumi\\/(automation|runtime\\/closure)\\//.test(k))))`;
        const without = node([], probe) as string[];
        assert.ok(without.some((k) => k.includes("@npmcli/arborist")), "the SDK alone loads arborist: nothing left to defer?");
        const withIt = node(["./tools/lazy-pulumi.js"], probe) as string[];
        assert.deepEqual(withIt.filter((k) => !k.endsWith("automation/index.js") && !/closure\/(serializeClosure|codePaths)\.js$/.test(k)), [],
            "only the stand-ins themselves are in the module cache");
    });

    it("loads a deferred module for real on first use, so a caller that needs it still works", () => {
        const r = node(["./tools/lazy-pulumi.js"], `const pulumi = require("@pulumi/pulumi");
            const before = Object.keys(require.cache).some((k) => k.includes("@npmcli/arborist"));
            const ws = typeof pulumi.automation.LocalWorkspace;
            const paths = typeof pulumi.runtime.computeCodePaths;
            console.log(JSON.stringify({ before, ws, paths, loaded: require("./tools/lazy-pulumi.js").loadedForReal }))`);
        assert.deepEqual(r, { before: false, ws: "function", paths: "function", loaded: ["@pulumi/pulumi/automation/index.js"] });
    });

    it("synth writes the same files with and without it", function () {
        this.timeout(240_000);
        const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "lazy-synth-")));
        try {
            const run = (preloads: string[], out: string) => {
                const r = spawnSync(process.execPath, [...preloads.flatMap((p) => ["-r", p]), "tools/synth.ts", "--stack", "production", "--now", "2026-11-25", "--out", out],
                    { cwd: REPO_ROOT, encoding: "utf8" });
                assert.equal(r.status, 0, r.stderr || r.stdout);
                return r.stdout.replace(out, "OUT");
            };
            assert.equal(run(["./tools/lazy-pulumi.js", "./tools/ts-cache.js"], dirs[0]), run(["./tools/ts-cache.js"], dirs[1]));
            const files = (d: string): string[] => fs.readdirSync(d, { recursive: true, withFileTypes: false }).map(String).sort();
            assert.deepEqual(files(dirs[0]), files(dirs[1]));
            assert.ok(files(dirs[0]).filter((f) => f.endsWith(".yaml")).length > 40, "manifests written");
            for (const f of files(dirs[0])) {
                const [a, b] = dirs.map((d) => path.join(d, f));
                if (fs.statSync(a).isFile()) assert.equal(fs.readFileSync(a, "utf8"), fs.readFileSync(b, "utf8"), f);
            }
        } finally {
            dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
        }
    });
});
