import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../../tools/lib/stack-config";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DEFERRED } = require("../../tools/lazy-pulumi.js") as { DEFERRED: { module: string; namespace?: boolean; functions?: string[]; getters?: string[] }[] };

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
            return { esModule: x.__esModule === true, functions: Object.keys(x).filter((k) => typeof x[k] === "function").sort(), keys: Object.keys(x).sort() };
        })))`) as { esModule: boolean; functions: string[]; keys: string[] }[];
        DEFERRED.forEach((d, i) => {
            assert.ok(real[i].esModule, `${d.module} is an ES module namespace`);
            if (d.functions) assert.deepEqual([...d.functions].sort(), real[i].functions, d.module);
            if (d.getters) assert.deepEqual([...d.getters].sort(), real[i].keys, d.module);
        });
    });

    it("keeps npm's arborist, pacote, the closure serializer and Kubernetes' YAML and Helm loaders out of a process that loads the SDK", () => {
        const probe = `require("@pulumi/pulumi"); require("@pulumi/kubernetes");
            console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules\\/(@npmcli\\/arborist|pacote|sigstore|glob|minimatch)\\/|pulumi\\/(automation|runtime\\/closure)\\/|kubernetes\\/(yaml\\/yaml|helm\\/v3\\/helm|kustomize\\/kustomize)\\.js/.test(k))))`;
        const without = node([], probe) as string[];
        for (const loaded of ["@npmcli/arborist", "/glob/", "kubernetes/helm/v3/helm.js"]) {
            assert.ok(without.some((k) => k.includes(loaded)), `the SDKs alone load ${loaded}: nothing left to defer?`);
        }
        const withIt = node(["./tools/lazy-pulumi.js"], probe) as string[];
        const standIns = DEFERRED.map((d) => `node_modules/${d.module}`);
        assert.deepEqual(withIt.filter((k) => !standIns.some((s) => k.endsWith(s))), [], "only the stand-ins themselves are in the module cache");
    });

    it("a deferred Kubernetes component loads for real on first use: the Helm chart still extends the real YAML collection", () => {
        const r = node(["./tools/lazy-pulumi.js"], `const k8s = require("@pulumi/kubernetes");
            const before = require("./tools/lazy-pulumi.js").loadedForReal.length;
            console.log(JSON.stringify({ before, chart: k8s.helm.v3.Chart.prototype instanceof k8s.yaml.CollectionComponentResource,
                directory: k8s.kustomize.Directory.prototype instanceof k8s.yaml.CollectionComponentResource,
                parse: typeof k8s.yaml.parse, loaded: require("./tools/lazy-pulumi.js").loadedForReal.sort() }))`);
        assert.deepEqual(r, { before: 0, chart: true, directory: true, parse: "function",
            loaded: ["@pulumi/kubernetes/helm/v3/helm.js", "@pulumi/kubernetes/kustomize/kustomize.js", "@pulumi/kubernetes/yaml/yaml.js"] });
    });

    it("Pulumi's promises carry no formatted stack trace, unless PULUMI_DEBUG_PROMISE_LEAKS asks for it", () => {
        const probe = `const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable");
            const p = Promise.resolve(1);
            debuggablePromise(p, "probe").then(() => console.log(JSON.stringify({ frames: p._debugStackTrace.split("\\n").length - 1, limit: Error.stackTraceLimit })));`;
        assert.deepEqual(node(["./tools/lazy-pulumi.js"], probe), { frames: 0, limit: 10 }, "no frames, and the limit is put back");
        assert.ok(node([], probe).frames > 3, "the SDK alone formats the stack: nothing left to skip?");
        const debugging = spawnSync(process.execPath, ["-r", "./tools/lazy-pulumi.js", "-e", probe],
            { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "1" } });
        assert.ok(JSON.parse(debugging.stdout).frames > 3, debugging.stderr);
    });

    it("the runtime's leak detector still fails a program that leaves one of its promises pending", () => {
        const r = spawnSync(process.execPath, ["-r", "./tools/lazy-pulumi.js", "-e",
            `require("@pulumi/pulumi/runtime/debuggable").debuggablePromise(new Promise(() => undefined), "never settles")`],
        { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "" } });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /The Pulumi runtime detected that 1 promise was still active/);
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
