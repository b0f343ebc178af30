import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as YAML from "yaml";
import { ManifestWorker } from "../../tools/lib/manifest-worker";
import type { Manifest } from "../../tools/lib/render";
import { kindOfType, validateManifest } from "../../tools/lib/schema";
import { REPO_ROOT } from "../../tools/lib/stack-config";

const manifest = (apiVersion: string, kind: string, body: Record<string, unknown>): Manifest =>
    ({ urn: `urn:pulumi:test::p::${kind}::x`, apiVersion, kind, name: "x", body: { apiVersion, kind, metadata: { name: "x" }, ...body } });

const MANIFESTS = [
    manifest("v1", "ConfigMap", { data: { a: "1" } }),
    manifest("v1", "ConfigMap", { data: { a: 1 } }), // data values must be strings
    manifest("apps/v1", "Deployment", { spec: { selector: { matchLabels: { a: "b" } }, template: { spec: { containers: [{ name: "c", image: "i" }] } } } }),
    manifest("example.com/v1", "Widget", {}), // no schema shipped
];

describe("the manifest worker synth validates and renders in (tools/lib/manifest-worker.ts)", () => {
    it("reads the apiVersion and kind of Kubernetes type tokens, and nothing else", () => {
        assert.deepEqual(kindOfType("kubernetes:core/v1:Secret"), { apiVersion: "v1", kind: "Secret" });
        assert.deepEqual(kindOfType("kubernetes:apps/v1:Deployment"), { apiVersion: "apps/v1", kind: "Deployment" });
        assert.deepEqual(kindOfType("kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig"),
            { apiVersion: "monitoring.coreos.com/v1alpha1", kind: "AlertmanagerConfig" });
        for (const other of ["kubernetes:helm.sh/v3:Chart", "kubernetes:yaml/v2:ConfigGroup", "pulumi:providers:kubernetes",
            "fork-knife:app:AppService", "random:index/randomPassword:RandomPassword", "kubernetes:core/v1"]) {
            assert.equal(kindOfType(other), undefined, other);
        }
    });

    it("gives the schema problems and the YAML this thread would, in the manifests' order", async () => {
        const worker = new ManifestWorker().start();
        for (const t of ["kubernetes:core/v1:ConfigMap", "kubernetes:apps/v1:Deployment", "kubernetes:example.com/v1:Widget", "fork-knife:app:AppService"]) {
            worker.prefetch(t); // twice, and types without a schema: all harmless
            worker.prefetch(t);
        }
        const rendered = await worker.render(MANIFESTS);
        const here = (await Promise.all(MANIFESTS.map(validateManifest))).flat();
        assert.deepEqual(rendered.problems, here);
        assert.deepEqual(rendered.problems.map((p) => p.kind), ["ConfigMap", "Widget"], "the bad ConfigMap and the unknown kind, nothing else");
        assert.match(rendered.problems[1].message, /^no schema for example\.com\/v1 Widget: cannot validate$/);
        assert.deepEqual(rendered.yaml, MANIFESTS.map((m) => YAML.stringify(m.body, { lineWidth: 0 })));
        assert.deepEqual(await worker.render([]), { problems: [], yaml: [] });
    });

    it("a request open when the worker stops fails saying so, and the next request starts a new worker", async () => {
        const worker = new ManifestWorker().start();
        const open = worker.render(MANIFESTS);
        await (worker as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
        await assert.rejects(open, /^Error: manifest worker stopped \(exit code \d+\) before answering$/);
        assert.equal((await worker.render(MANIFESTS.slice(0, 1))).problems.length, 0);
    });

    it("keeps a process alive only while a request is open", () => {
        const script = (render: boolean) => `const { manifestWorker } = require("./tools/lib/manifest-worker.ts");
            const w = manifestWorker().start();
            w.prefetch("kubernetes:core/v1:ConfigMap");
            ${render ? `w.render(${JSON.stringify(MANIFESTS.slice(0, 2))}).then((r) => console.log(r.problems.length + " problem, " + r.yaml.length + " documents"));` : ""}`;
        for (const render of [false, true]) {
            const r = spawnSync(process.execPath, ["-r", "./tools/ts-cache.js", "-e", script(render)], { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000 });
            assert.equal(r.error, undefined, `the process did not exit (render: ${render})`);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stdout.trim(), render ? "1 problem, 2 documents" : "");
        }
    });
});
