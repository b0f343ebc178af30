// `npm run policy` and `npm run peer-check`, run as a user runs them.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../tools/lib/stack-config";
import { synth } from "../../tools/synth";
import { TODAY } from "../support/stacks";
import { runTool, scratchDirs } from "../support/tools";
import * as YAML from "yaml";
import { clone, cronJob, deployment, hpa, pdb, service } from "../policies/support";
import { policyCommand } from "../../tools/policy-check";

const tmp = scratchDirs("policy");

// A Helm-rendered chart: "# Source:" comments, an empty document, a List, and one bad Deployment.
const HELM_OUTPUT = `---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata: { name: shop, namespace: shop }
spec: { selector: { app: shop }, ports: [{ port: 80 }] }
---
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop, namespace: shop }
spec:
  selector: { matchLabels: { app: shop } }
  template:
    metadata: { labels: { app: shop } }
    spec:
      containers:
        - name: web
          image: nginx:latest
          securityContext: { privileged: true }
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: shop-settings, namespace: shop }
    data: { DATABASE_URL: "postgresql://shop:hunter2hunter2@db:5432/shop" }
`;

describe("npm run policy", () => {
    it("passes the manifests synth renders for production", async () => {
        const out = tmp();
        await synth({ stack: "production", now: TODAY, outDir: out });
        const r = runTool("policy-check.ts", ["--now", TODAY, path.join(out, "manifests")]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /0 mandatory and 0 advisory violations/);
    });

    it("reads Helm output (multi-document, List, comments) and names file, object, policy and field; exit 1", () => {
        const dir = tmp();
        fs.mkdirSync(path.join(dir, "chart"));
        const file = path.join(dir, "chart", "rendered.yaml");
        fs.writeFileSync(file, HELM_OUTPUT);
        const r = runTool("policy-check.ts", [dir]);
        assert.equal(r.status, 1, r.stdout + r.stderr);
        const lines = r.stdout.split("\n");
        const line = (policy: string) => lines.find((l) => l.startsWith(`${file}: `) && l.includes(`: ${policy}: `));
        assert.match(line("workload-privileged") ?? "", /^.*rendered\.yaml: Deployment\/shop: workload-privileged: .*container "web".*privileged/);
        assert.match(line("workload-image-pinned") ?? "", /Deployment\/shop: workload-image-pinned: .*nginx:latest/);
        assert.ok(line("secret-no-credentials-in-configmap")?.includes("ConfigMap/shop-settings"), "the List is unpacked");
        assert.ok(!r.stdout.includes("hunter2"), "a credential found is named, never printed");
        assert.match(r.stdout, /3 objects, \d+ policies \(production, relational; completeness ones with --complete-stack\)/);
    });

    it("judges staging by staging's rules: an unpinned digest is only production's concern", () => {
        const dir = tmp();
        const file = path.join(dir, "d.yaml");
        const deployment = (env: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: fk, labels: { app.kubernetes.io/name: fork-knife, app.kubernetes.io/component: backend, app.kubernetes.io/part-of: fork-knife, app.kubernetes.io/managed-by: pulumi, fork-knife.io/environment: ENV } }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api, app.kubernetes.io/name: fork-knife, app.kubernetes.io/component: backend, app.kubernetes.io/part-of: fork-knife, app.kubernetes.io/managed-by: pulumi, fork-knife.io/environment: ENV } }
    spec:
      containers: [{ name: api, image: "ghcr.io/fork-knife/backend:2026.11.3" }]
`.replace(/ENV/g, env);
        const grep = (env: string) => {
            fs.writeFileSync(file, deployment(env));
            return runTool("policy-check.ts", ["--environment", env, file]).stdout.split("\n").filter((l) => l.includes("workload-image-pinned"));
        };
        assert.equal(grep("staging").length, 0);
        assert.equal(grep("production").length, 1);
    });

    it("refuses bad arguments with exit 2 and the usage", () => {
        const r = runTool("policy-check.ts", ["--environment", "qa", "x.yaml"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /--environment must be staging or production, got qa/);
        assert.equal(runTool("policy-check.ts", []).status, 2);
    });
});

/** A compliant partial chart: the backend's Deployment, Service, HPA, PDB and a backup CronJob, nothing else of a stack. */
function partialChart(): Record<string, any> {
    const d = deployment();
    delete d.spec.replicas;
    // Production's backups go off the cluster (backup-off-cluster): the chart's CronJob writes to object storage.
    const backup = cronJob("backup", "0 3 * * *");
    backup.metadata.annotations["fork-knife.io/backup-target"] = "s3://fork-knife-backups/production";
    return {
        Deployment: { apiVersion: "apps/v1", kind: "Deployment", ...d },
        Service: { apiVersion: "v1", kind: "Service", ...service() },
        HorizontalPodAutoscaler: { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", ...hpa() },
        PodDisruptionBudget: { apiVersion: "policy/v1", kind: "PodDisruptionBudget", ...pdb() },
        CronJob: { apiVersion: "batch/v1", kind: "CronJob", ...backup },
    };
}

function writeChart(objects: Record<string, any>): string {
    const file = path.join(tmp(), "app.yaml");
    fs.writeFileSync(file, Object.values(objects).map((o) => YAML.stringify(o)).join("---\n"));
    return file;
}

describe("npm run policy judges what it is given (relational by default)", () => {
    it("passes a compliant partial chart (Deployment, Service, HPA, PDB, CronJob) without --complete-stack: exit 0", () => {
        const r = runTool("policy-check.ts", ["--environment", "production", "--now", TODAY, writeChart(partialChart())]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /^5 objects, \d+ policies \(production, relational; completeness ones with --complete-stack\): 0 mandatory and 0 advisory violations/m);
    });

    it("with --complete-stack the same chart fails for what a whole stack must have, and only for that", async () => {
        const file = writeChart(partialChart());
        const r = await policyCommand(["--complete-stack", "--now", TODAY, file]);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const failed = new Set([...r.stdout.matchAll(/^[^:]+: [^:]+: ([a-z0-9-]+): /gm)].map((m) => m[1]));
        assert.deepEqual([...failed].sort(), ["alert-rules-present", "backup-restore-test"]);
        // The old name of the flag is an alias.
        assert.equal((await policyCommand(["--with-stack-policies", "--now", TODAY, file])).stdout, r.stdout);
    });

    const breaches: [string, (c: Record<string, any>) => void, string, RegExp][] = [
        ["a Deployment behind a Service with no probes", (c) => { delete c.Deployment.spec.template.spec.containers[0].readinessProbe; delete c.Deployment.spec.template.spec.containers[0].livenessProbe; },
            "workload-probes", /Deployment\/fk-backend: workload-probes: container "app": spec\.template\.spec\.containers\[0\]\.readinessProbe must be set \(Service\/fork-knife-backend routes to this pod\)/],
        ["an HPA with minReplicas: 1", (c) => { c.HorizontalPodAutoscaler.spec.minReplicas = 1; },
            "workload-min-replicas", /Deployment\/fk-backend: workload-min-replicas: .*minReplicas must be at least 2 in production, got 1/],
        ["a PDB with maxUnavailable: 0", (c) => { c.PodDisruptionBudget.spec.maxUnavailable = 0; },
            "workload-pdb-allows-eviction", /PodDisruptionBudget\/backend-pdb: workload-pdb-allows-eviction: spec\.maxUnavailable must be at least 1, got 0/],
        ["a weekly backup CronJob", (c) => { c.CronJob.spec.schedule = "0 3 * * 0"; },
            "backup-daily", /CronJob\/backup: backup-daily: spec\.schedule "0 3 \* \* 0" leaves up to 7 days between backups; the RPO is 24 h/],
        ["a backup CronJob keeping 7 days in production", (c) => { c.CronJob.metadata.annotations["fork-knife.io/retention-days"] = "7"; },
            "backup-retention", /CronJob\/backup: backup-retention: .*must be at least 30 in production, got 7/],
    ];
    for (const [what, breach, policy, line] of breaches) {
        it(`flags ${what} (${policy}) in the default mode: exit 1, and nothing else`, async () => {
            const chart = clone(partialChart());
            breach(chart);
            const r = await policyCommand(["--now", TODAY, writeChart(chart)]);
            assert.equal(r.code, 1, r.stdout + r.stderr);
            assert.match(r.stdout, line);
            const failed = new Set([...r.stdout.matchAll(/^[^:]+: [^:]+: ([a-z0-9-]+): /gm)].map((m) => m[1]));
            assert.deepEqual([...failed], [policy]);
        });
    }
});

describe("npm run peer-check", () => {
    const cases = path.resolve(REPO_ROOT, "..", "shared", "peer-cases");

    it("agrees with every mapped kube-score and Polaris case (../shared/peer-cases must be there)", () => {
        assert.ok(fs.existsSync(path.join(cases, "expectations.json")), `${cases} is missing: CI lays ../shared beside the clone`);
        const r = runTool("peer-check.ts", []);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const m = /^agreement: (\d+)\/(\d+)$/m.exec(r.stdout);
        assert.ok(m, r.stdout);
        assert.ok(Number(m![2]) >= 150, "the mapped cases did not shrink");
        assert.equal(m![1], m![2], r.stdout.split("\ndisagreements:")[1] ?? "");
    });

    it("fails clearly when the cases are not there", () => {
        const r = runTool("peer-check.ts", ["--cases", path.join(tmp(), "nowhere")]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /expectations\.json not found/);
    });
});
