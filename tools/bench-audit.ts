// `npm run bench:audit`: how the audit scales with the size of a stack. Generates exports of 500, 5,000 and
// 20,000 resources (a realistic mix, secrets as ciphertext), audits each end to end (read, parse, report,
// Markdown) and prints times and ratios against the smallest, measured in the same run.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { auditCommand } from "./lib/audit-cli";
import { SECRET_SIG, SECRET_SIG_KEY } from "./lib/audit-export";

const SIZES = [500, 5_000, 20_000];
const ROUNDS = 5;

const labels = (component: string) => ({
    "app.kubernetes.io/name": "fork-knife", "app.kubernetes.io/component": component, "app.kubernetes.io/part-of": "fork-knife",
    "app.kubernetes.io/managed-by": "pulumi", "fork-knife.io/environment": "production",
});
const secret = (i: number) => ({ [SECRET_SIG_KEY]: SECRET_SIG, ciphertext: `v1:bench${i}:${"x".repeat(64)}` });

function resource(i: number): Record<string, unknown> {
    const ns = `tenant-${i % 50}`;
    const meta = (kind: string, component: string, annotations: Record<string, string> = {}) =>
        ({ name: `${kind.toLowerCase()}-${i}`, namespace: ns, labels: labels(component), annotations });
    const urn = (type: string) => `urn:pulumi:production::fork-knife::${type}::r${i}`;
    const containers = [{ name: "app", image: `ghcr.io/fork-knife/backend:2026.11.${i % 9}`, env: [{ name: "KEY", value: secret(i) }] }];
    const shapes: [string, Record<string, unknown>][] = [
        ["kubernetes:core/v1:Secret", { metadata: meta("Secret", "secrets", { "fork-knife.io/secret-kind": "jwt", "fork-knife.io/rotated-at": "2026-10-01",
            "fork-knife.io/max-age-days": "90" }), data: secret(i) }],
        ["kubernetes:apps/v1:Deployment", { metadata: meta("Deployment", "backend"), spec: { template: { spec: { containers } } } }],
        ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", { metadata: meta("HPA", "backend"), spec: { minReplicas: 2, maxReplicas: 8, scaleTargetRef: { name: "d" } } }],
        ["kubernetes:core/v1:Service", { metadata: meta("Service", "backend"), spec: { ports: [{ port: 80, targetPort: 3000 }] } }],
        ["kubernetes:batch/v1:CronJob", { metadata: meta("CronJob", ["backup", "restore-test", "maintenance"][i % 3], { "fork-knife.io/retention-days": "30" }),
            spec: { schedule: "0 3 * * *", timeZone: "Etc/UTC", startingDeadlineSeconds: 3600,
                jobTemplate: { spec: { activeDeadlineSeconds: 21600, template: { spec: { containers } } } } },
            status: { lastScheduleTime: "2026-10-31T03:00:00Z", lastSuccessfulTime: "2026-10-31T03:04:00Z" } }],
        ["kubernetes:batch/v1:Job", { metadata: meta("Job", i % 3 ? "backup" : "migration"),
            spec: { template: { spec: { containers } } }, status: { succeeded: 1, completionTime: "2026-10-31T03:04:00Z" } }],
        ["kubernetes:core/v1:ConfigMap", { metadata: { name: `cm-${i}`, namespace: ns }, data: { key: "value".repeat(20) } }],
        ["random:index/randomPassword:RandomPassword", { length: 32, result: secret(i) }],
    ];
    const [type, outputs] = shapes[i % shapes.length];
    return { urn: urn(type), custom: true, id: `id-${i}`, type, inputs: {}, outputs, ...(i % 97 === 0 ? { protect: true } : {}) };
}

function writeExport(dir: string, n: number): string {
    const file = path.join(dir, `export-${n}.json`);
    const resources = [{ urn: "urn:pulumi:production::fork-knife::pulumi:pulumi:Stack::fork-knife-production", custom: false, type: "pulumi:pulumi:Stack" },
        ...Array.from({ length: n - 1 }, (_, i) => resource(i))];
    fs.writeFileSync(file, JSON.stringify({ version: 3, deployment: { manifest: { time: new Date().toISOString() }, resources } }));
    return file;
}

function timeAudit(file: string): number {
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
        const start = process.hrtime.bigint();
        const run = auditCommand([file, "--now", "2026-11-01"]);
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (run.code === 2) throw new Error(run.stderr);
    }
    return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-audit-"));
try {
    const rows = SIZES.map((n) => {
        const file = writeExport(dir, n);
        timeAudit(file); // warm-up: JIT and caches, not measured
        return { n, mb: fs.statSync(file).size / 2 ** 20, ms: timeAudit(file) };
    });
    const base = rows[0];
    console.log(`audit of generated exports (median of ${ROUNDS} runs, read + parse + report + Markdown)`);
    console.log("resources      size    time   time ratio   size ratio   per-resource ratio");
    for (const r of rows) {
        console.log(`${String(r.n).padStart(9)} ${r.mb.toFixed(1).padStart(7)} MB ${r.ms.toFixed(1).padStart(7)} ms ` +
            `${(r.ms / base.ms).toFixed(1).padStart(8)}x ${(r.n / base.n).toFixed(0).padStart(10)}x ` +
            `${((r.ms / r.n) / (base.ms / base.n)).toFixed(2).padStart(14)}x`);
    }
} finally {
    fs.rmSync(dir, { recursive: true, force: true });
}
