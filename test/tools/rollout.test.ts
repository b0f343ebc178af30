// The watched rollout against real HTTP: a small app server on loopback standing in for the backend, a fake
// Prometheus HTTP API (/api/v1/query), and a fake kubectl (no cluster is allowed in tests) that records its calls.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import {
    firingAlerts, HEALTH_FAILURES_TO_FAIL, kubectl, ReleaseInfo, releaseFromAuditOutput, rollbackCommands, SMOKE_ATTEMPTS, watchRollout,
} from "../../tools/lib/rollout";
import { REPO_ROOT } from "../../tools/lib/stack-config";
import { scratchDirs, toolArgv } from "../support/tools";

const scratch = scratchDirs("rollout");
const NS = "fork-knife-staging";
const AUDIT = {
    namespace: NS, environment: "staging",
    release: { tag: "2026.11.3", checks: { healthPath: "/health", smokePaths: ["/api/menu", "/api/orders/health"], watchMinutes: 30, pollSeconds: 30 } },
    scaling: { backend: { deployment: "fork-knife-backend" }, worker: { deployment: "fork-knife-worker" } },
};

/** A loopback HTTP server whose answers the test sets per path; it counts requests. */
class Fake {
    readonly hits: string[] = [];
    answers = new Map<string, (n: number) => { status: number; body?: string }>();
    private server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://x");
        this.hits.push(url.pathname + url.search);
        const n = this.hits.filter((h) => h.startsWith(url.pathname)).length;
        const answer = this.answers.get(url.pathname)?.(n) ?? { status: 404 };
        res.writeHead(answer.status, { "Content-Type": "application/json" }).end(answer.body ?? "{}");
    });
    async start(): Promise<string> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }
    stop(): Promise<void> { return new Promise((resolve) => this.server.close(() => resolve())); }
    count(p: string) { return this.hits.filter((h) => h.startsWith(p)).length; }
}

const alerts = (...names: string[]) => () => ({ status: 200, body: JSON.stringify({ status: "success", data: { resultType: "vector",
    result: names.map((alertname) => ({ metric: { __name__: "ALERTS", alertname, alertstate: "firing", namespace: NS, severity: "critical" }, value: [0, "1"] })) } }) });

/** A kubectl stand-in: logs each call, answers revisions, and fails `rollout status` of FAKE_FAIL_ROLLOUT. */
function fakeKubectl(dir: string): { binary: string; calls: () => string[][] } {
    const log = path.join(dir, "kubectl.log");
    const binary = path.join(dir, "kubectl");
    fs.writeFileSync(binary, `#!/usr/bin/env bash
set -Eeuo pipefail
printf '%s\\n' "$*" >> ${JSON.stringify(log)}
if [[ "$*" == *"rollout status deployment/\${FAKE_FAIL_ROLLOUT:-none} "* ]]; then
  echo "error: deployment \\"\${FAKE_FAIL_ROLLOUT}\\" exceeded its progress deadline" >&2
  exit 1
fi
if [[ "$*" == *" get deployment fork-knife-backend "* ]]; then printf '%s' "\${FAKE_BACKEND_REVISION:-5}"; fi
if [[ "$*" == *" get deployment fork-knife-worker "* ]]; then printf '%s' "\${FAKE_WORKER_REVISION:-3}"; fi
exit 0
`, { mode: 0o755 });
    return { binary, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").map((l) => l.split(" ")) : []) };
}

describe("rollout: the release it reads", () => {
    it("takes namespace, Deployments and checks from `pulumi stack output audit --json`", () => {
        assert.deepStrictEqual(releaseFromAuditOutput(AUDIT), {
            namespace: NS, deployments: ["fork-knife-backend", "fork-knife-worker"], tag: "2026.11.3",
            healthPath: "/health", smokePaths: ["/api/menu", "/api/orders/health"], watchMinutes: 30, pollSeconds: 30,
        });
    });

    it("names what is missing or malformed", () => {
        const without = (edit: (a: any) => void) => { const a = JSON.parse(JSON.stringify(AUDIT)); edit(a); return () => releaseFromAuditOutput(a); };
        assert.throws(without((a) => { delete a.release.checks; }), /release\.checks is missing/);
        assert.throws(without((a) => { a.namespace = "Bad_NS"; }), /namespace is missing or not a DNS label/);
        assert.throws(without((a) => { delete a.scaling.worker; }), /scaling\.backend\.deployment or scaling\.worker\.deployment/);
        assert.throws(without((a) => { a.release.checks.smokePaths = ["api"]; }), /smokePaths is not a list of URL paths/);
        assert.throws(without((a) => { a.release.checks.watchMinutes = 1.5; }), /watchMinutes/);
        assert.throws(() => releaseFromAuditOutput([]), /not a JSON object/);
    });
});

describe("rollout: rollback commands", () => {
    const release = releaseFromAuditOutput(AUDIT);
    it("undo to the revisions recorded before the update, skip a Deployment the release did not change, then the revert", () => {
        const lines = rollbackCommands(release, { "fork-knife-backend": "4", "fork-knife-worker": "3" }, { "fork-knife-backend": "5", "fork-knife-worker": "3" }, "a".repeat(40));
        assert.deepStrictEqual(lines.slice(0, 2), [
            `kubectl -n ${NS} rollout undo deployment/fork-knife-backend --to-revision=4`,
            "# deployment/fork-knife-worker: unchanged by this release (revision 3), nothing to undo",
        ]);
        assert.match(lines[2], new RegExp(`git revert ${"a".repeat(40)}`));
    });
    it("without a snapshot: the previous revision, and says so", () => {
        assert.match(rollbackCommands(release, undefined, undefined, undefined)[0], /rollout undo deployment\/fork-knife-backend {3}# previous revision: no snapshot/);
    });
});

describe("rollout: watch against a loopback app and a fake Prometheus", function () {
    this.timeout(60_000);
    const app = new Fake();
    const prom = new Fake();
    let appUrl: string;
    let promUrl: string;
    let kube: ReturnType<typeof fakeKubectl>;
    const release: ReleaseInfo = releaseFromAuditOutput(AUDIT);
    const lines: string[] = [];
    const healthy = () => ({ status: 200, body: "{\"status\":\"ok\"}" });

    before(async () => {
        appUrl = await app.start();
        promUrl = await prom.start();
    });
    after(async () => { await app.stop(); await prom.stop(); });
    beforeEach(() => {
        app.hits.length = 0; prom.hits.length = 0; lines.length = 0;
        app.answers = new Map([["/health", healthy], ["/api/menu", healthy], ["/api/orders/health", healthy]]);
        prom.answers = new Map([["/api/v1/query", alerts()]]);
        kube = fakeKubectl(scratch());
        delete process.env.FAKE_FAIL_ROLLOUT;
    });

    const watch = (over: Partial<Parameters<typeof watchRollout>[2]> = {}) => watchRollout(kubectl(kube.binary), release, {
        baseUrl: appUrl, prometheusUrl: promUrl, watchSeconds: 0.6, pollSeconds: 0.1, rolloutTimeoutSeconds: 30,
        before: { "fork-knife-backend": "4", "fork-knife-worker": "3" }, commit: "c".repeat(40), log: (l) => lines.push(l), ...over,
    });

    it("passes: both rollouts awaited, health and every smoke path checked, the window polled until it ends", async () => {
        const result = await watch({ watchSeconds: 1 });
        assert.deepStrictEqual(result, { ok: true, rollback: [] });
        const statusCalls = kube.calls().filter((c) => c.includes("status"));
        assert.deepStrictEqual(statusCalls, [
            ["-n", NS, "rollout", "status", "deployment/fork-knife-backend", "--timeout=30s"],
            ["-n", NS, "rollout", "status", "deployment/fork-knife-worker", "--timeout=30s"],
        ]);
        assert.strictEqual(app.count("/api/menu"), 1);
        assert.strictEqual(app.count("/api/orders/health"), 1);
        // 1 s at 0.1 s: the first poll at once, then until the deadline (how many depends on the machine's load).
        assert.ok(app.count("/health") >= 1 + 2, `${app.count("/health")} health requests`);
        assert.strictEqual(prom.count("/api/v1/query"), app.count("/health") - 1);
        assert.ok(prom.hits.every((h) => decodeURIComponent(h).includes(`ALERTS{alertstate="firing",namespace="${NS}"}`)), prom.hits[0]);
        assert.match(lines.at(-1)!, /^watch: passed \(\d+ polls\)$/);
    });

    it("a failed rollout: red at once, with the exact undo commands for this release", async () => {
        process.env.FAKE_FAIL_ROLLOUT = "fork-knife-worker";
        try {
            const result = await watch();
            assert.strictEqual(result.ok, false);
            assert.match(result.failure!, /^rollout of deployment\/fork-knife-worker did not complete: kubectl .*exceeded its progress deadline/);
            assert.deepStrictEqual(result.rollback.slice(0, 2), [
                `kubectl -n ${NS} rollout undo deployment/fork-knife-backend --to-revision=4`,
                "# deployment/fork-knife-worker: unchanged by this release (revision 3), nothing to undo",
            ]);
            assert.strictEqual(app.count("/health"), 0, "no smoke check after a failed rollout");
        } finally { delete process.env.FAKE_FAIL_ROLLOUT; }
    });

    it(`a smoke path that keeps failing: red after ${SMOKE_ATTEMPTS} attempts; one that recovers on the last attempt passes`, async () => {
        app.answers.set("/api/menu", () => ({ status: 503 }));
        const failed = await watch();
        assert.strictEqual(failed.ok, false);
        assert.match(failed.failure!, new RegExp(`smoke check failed after ${SMOKE_ATTEMPTS} attempts: ${appUrl}/api/menu answered 503`));
        assert.strictEqual(app.count("/api/menu"), SMOKE_ATTEMPTS);

        app.hits.length = 0;
        app.answers.set("/api/menu", (n) => (n < SMOKE_ATTEMPTS ? { status: 502 } : healthy()));
        assert.strictEqual((await watch()).ok, true);
    });

    it("a 3xx is no pass: a redirect to a login page is not the critical path working", async () => {
        app.answers.set("/api/orders/health", () => ({ status: 302 }));
        const result = await watch();
        assert.match(result.failure!, /api\/orders\/health answered 302/);
    });

    it(`health during the watch: one failed poll is tolerated, ${HEALTH_FAILURES_TO_FAIL} in a row fail`, async () => {
        // Request 1 is the smoke check; the watch's polls follow.
        // A window long enough for the polls the case needs on a busy machine; a failure ends it early.
        app.answers.set("/health", (n) => (n === 3 ? { status: 500 } : healthy()));
        assert.strictEqual((await watch({ watchSeconds: 2 })).ok, true, lines.join("\n"));
        assert.ok(app.count("/health") >= 4, "the poll after the failed one happened");
        app.hits.length = 0;
        app.answers.set("/health", (n) => (n === 3 || n === 4 ? { status: 500 } : healthy()));
        const result = await watch({ watchSeconds: 30 });
        assert.strictEqual(result.ok, false);
        assert.match(result.failure!, new RegExp(`health failed ${HEALTH_FAILURES_TO_FAIL} polls in a row during the watch: .*/health answered 500`));
        assert.strictEqual(app.count("/health"), 4, "stops at the failure");
    });

    it("a firing alert in the namespace fails the watch, naming it", async () => {
        prom.answers.set("/api/v1/query", (n) => (n >= 2 ? alerts("BackendHighErrorRate")() : alerts()()));
        const result = await watch({ watchSeconds: 30 });
        assert.strictEqual(result.ok, false);
        assert.strictEqual(result.failure, `alerts firing in ${NS} during the watch: BackendHighErrorRate (critical)`);
    });

    it("a Prometheus that cannot answer fails the watch (an unwatched window is no pass); without PROMETHEUS_URL alerts are not polled", async () => {
        prom.answers.set("/api/v1/query", () => ({ status: 503 }));
        const result = await watch();
        assert.match(result.failure!, /^watch cannot see the alerts: Prometheus answered 503/);
        prom.hits.length = 0;
        app.hits.length = 0;
        assert.strictEqual((await watch({ prometheusUrl: undefined })).ok, true);
        assert.strictEqual(prom.hits.length, 0);
        assert.ok(lines.some((l) => l.includes("no PROMETHEUS_URL: alerts not watched")));
    });

    it("firingAlerts reads the Prometheus HTTP API's vector result", async () => {
        prom.answers.set("/api/v1/query", alerts("A", "B"));
        assert.deepStrictEqual(await firingAlerts(`${promUrl}/`, NS), ["A (critical)", "B (critical)"]);
        prom.answers.set("/api/v1/query", () => ({ status: 200, body: "{\"status\":\"error\"}" }));
        assert.deepStrictEqual(await firingAlerts(promUrl, NS), { error: `Prometheus gave no result for ALERTS{alertstate="firing",namespace="${NS}"}` });
    });

    it("watch window 0 skips the watch after the smoke checks", async () => {
        const result = await watch({ watchSeconds: 0 });
        assert.strictEqual(result.ok, true);
        assert.strictEqual(app.count("/health"), 1);
        assert.ok(lines.includes("watch: skipped (release.watchMinutes is 0)"));
    });

    describe("the command line (npm run rollout)", () => {
        /** The CLI as package.json runs it, asynchronously: the fake servers live in this process. */
        function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
            return new Promise((resolve) => {
                const child = spawn(process.execPath, toolArgv("rollout.ts", args),
                    { cwd: REPO_ROOT, env: { PATH: process.env.PATH, KUBECTL: kube.binary, ...env } });
                let stdout = ""; let stderr = "";
                child.stdout.on("data", (d) => { stdout += d; });
                child.stderr.on("data", (d) => { stderr += d; });
                child.on("close", (code) => resolve({ code, stdout, stderr }));
            });
        }
        let auditFile: string;
        before(() => {
            const dir = scratch();
            auditFile = path.join(dir, "audit.json");
            fs.writeFileSync(auditFile, JSON.stringify(AUDIT));
        });

        it("snapshot, then a failing watch: exit 1, the failure and the rollback commands (also in the step summary)", async () => {
            const dir = scratch();
            const before = path.join(dir, "before.json");
            const snap = await cli(["snapshot", "--release", auditFile, "--out", before], { FAKE_BACKEND_REVISION: "4", FAKE_WORKER_REVISION: "3" });
            assert.strictEqual(snap.code, 0, snap.stderr);
            assert.deepStrictEqual(JSON.parse(fs.readFileSync(before, "utf8")), { "fork-knife-backend": "4", "fork-knife-worker": "3" });

            app.answers.set("/api/menu", () => ({ status: 500 }));
            const summary = path.join(dir, "summary.md");
            const run = await cli(["watch", "--release", auditFile, "--base-url", appUrl, "--before", before, "--poll-seconds", "0.05", "--watch-seconds", "0.2"],
                { FAKE_BACKEND_REVISION: "5", FAKE_WORKER_REVISION: "4", GITHUB_SHA: "d".repeat(40), GITHUB_STEP_SUMMARY: summary, PROMETHEUS_URL: promUrl });
            assert.strictEqual(run.code, 1, run.stderr);
            assert.match(run.stdout, /rollout: FAILED: smoke check failed after 3 attempts: .*\/api\/menu answered 500/);
            assert.match(run.stdout, new RegExp(` {4}kubectl -n ${NS} rollout undo deployment/fork-knife-backend --to-revision=4\\n {4}kubectl -n ${NS} rollout undo deployment/fork-knife-worker --to-revision=3\\n`));
            assert.match(run.stdout, new RegExp(`git revert ${"d".repeat(40)}`));
            assert.match(fs.readFileSync(summary, "utf8"), /## Rollout failed[\s\S]*```sh\nkubectl -n fork-knife-staging rollout undo deployment\/fork-knife-backend --to-revision=4/);
        });

        it("passes: exit 0", async () => {
            const run = await cli(["watch", "--release", auditFile, "--base-url", appUrl, "--poll-seconds", "0.05", "--watch-seconds", "0.2"]);
            assert.strictEqual(run.code, 0, run.stdout + run.stderr);
            assert.match(run.stdout, /rollout: fork-knife-staging 2026\.11\.3 passed/);
        });

        it("bad input: exit 2 and one line naming the flag and what is allowed", async () => {
            const cases: [string[], RegExp][] = [
                [["watch", "--release", auditFile, "--base-url", "ftp://x"], /^rollout: --base-url ftp:\/\/x: must be an http:\/\/ or https:\/\/ URL\n$/],
                [["watch", "--release", auditFile, "--base-url", appUrl, "--watch-seconds", "-1"], /^rollout: (--watch-seconds -1: must be a number of seconds, at least 0|.*'--watch-seconds'.*)\n$/],
                [["deploy", "--release", auditFile], /^rollout: expected the command snapshot or watch, got deploy\n$/],
                [["watch", "--release", path.join(REPO_ROOT, "package.json"), "--base-url", appUrl], /^rollout: release file: namespace is missing/],
            ];
            for (const [args, message] of cases) {
                const run = await cli(args);
                assert.strictEqual(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
                assert.match(run.stderr, message);
                assert.strictEqual(run.stdout, "");
            }
        });
    });
});
