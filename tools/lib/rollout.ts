// The watched rollout after `pulumi up` (docs/release.md "Watched rollout"): both Deployments rolled out, the
// smoke checks (health and the critical paths of `release.smokePaths`), then a watch window that polls health and,
// with a Prometheus URL, the namespace's firing alerts. Any failure ends with the exact rollback commands for this
// release: `kubectl rollout undo` to the revisions recorded before the update, then the durable revert.
import { execFile } from "child_process";

/** What the deploy knows about the release: `pulumi stack output audit --json` (index.ts, docs/auditing.md). */
export interface ReleaseInfo {
    namespace: string;
    /** Deployment names, backend first. */
    deployments: string[];
    tag?: string;
    healthPath: string;
    smokePaths: string[];
    watchMinutes: number;
    pollSeconds: number;
}

export class RolloutInputError extends Error {}

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The release from the stack's `audit` output; every missing or malformed field is named. */
export function releaseFromAuditOutput(doc: unknown): ReleaseInfo {
    const fail = (what: string) => { throw new RolloutInputError(`release file: ${what} (expected \`pulumi stack output audit --json\`)`); };
    if (!isObject(doc)) fail("not a JSON object");
    const audit = doc as Record<string, any>;
    if (typeof audit.namespace !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(audit.namespace)) fail("namespace is missing or not a DNS label");
    const deployments = ["backend", "worker"].map((c) => audit.scaling?.[c]?.deployment);
    if (!deployments.every((d) => typeof d === "string" && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(d))) fail("scaling.backend.deployment or scaling.worker.deployment is missing");
    const checks = audit.release?.checks;
    if (!isObject(checks)) fail("release.checks is missing (a release deployed before the watched rollout existed?)");
    const { healthPath, smokePaths, watchMinutes, pollSeconds } = checks as Record<string, unknown>;
    if (typeof healthPath !== "string" || !healthPath.startsWith("/")) fail("release.checks.healthPath is not a URL path");
    if (!Array.isArray(smokePaths) || !smokePaths.every((p) => typeof p === "string" && p.startsWith("/"))) fail("release.checks.smokePaths is not a list of URL paths");
    if (!Number.isInteger(watchMinutes) || (watchMinutes as number) < 0) fail("release.checks.watchMinutes is not a whole number of minutes");
    if (!Number.isInteger(pollSeconds) || (pollSeconds as number) < 1) fail("release.checks.pollSeconds is not a whole number of seconds");
    return {
        namespace: audit.namespace, deployments: deployments as string[], tag: typeof audit.release?.tag === "string" ? audit.release.tag : undefined,
        healthPath: healthPath as string, smokePaths: smokePaths as string[], watchMinutes: watchMinutes as number, pollSeconds: pollSeconds as number,
    };
}

export interface Kubectl {
    /** Runs kubectl with these arguments; resolves with stdout, rejects with the first line of stderr. */
    run(args: string[], timeoutMs: number): Promise<string>;
}

export function kubectl(binary = process.env.KUBECTL ?? "kubectl"): Kubectl {
    return {
        run: (args, timeoutMs) => new Promise((resolve, reject) => {
            execFile(binary, args, { timeout: timeoutMs, maxBuffer: 4 * 2 ** 20 }, (error, stdout, stderr) => {
                if (error) {
                    const why = String(stderr).trim().split("\n")[0] || (error.killed ? `timed out after ${timeoutMs / 1000} s` : error.message.split("\n")[0]);
                    reject(new Error(`kubectl ${args.join(" ")}: ${why}`));
                } else resolve(String(stdout));
            });
        }),
    };
}

/** Each Deployment's `deployment.kubernetes.io/revision`, the number `kubectl rollout undo --to-revision` takes. */
export async function revisions(k: Kubectl, release: Pick<ReleaseInfo, "namespace" | "deployments">): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of release.deployments) {
        const text = await k.run(["-n", release.namespace, "get", "deployment", name, "-o", "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}"], 60_000);
        out[name] = text.trim();
    }
    return out;
}

export interface WatchOptions {
    baseUrl: string;
    prometheusUrl?: string;
    /** Overrides the release's watch window (tests use seconds). */
    watchSeconds?: number;
    pollSeconds?: number;
    rolloutTimeoutSeconds: number;
    /** Revisions recorded before `pulumi up` (`rollout snapshot`), for exact undo commands. */
    before?: Record<string, string>;
    commit?: string;
    log: (line: string) => void;
    sleep?: (ms: number) => Promise<void>;
}

export interface WatchResult {
    ok: boolean;
    /** The first failure, one line. */
    failure?: string;
    /** The commands that take this release back, in order. */
    rollback: string[];
}

/** Consecutive failed health polls that fail the watch: one blip (a pod restarting behind the Service) is tolerated. */
export const HEALTH_FAILURES_TO_FAIL = 2;
/** Attempts per smoke check: the Service may need a moment after the rollout to route to the new pods. */
export const SMOKE_ATTEMPTS = 3;
const REQUEST_TIMEOUT_MS = 10_000;

async function get(url: string): Promise<{ status: number; body: string }> {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { status: res.status, body: await res.text() };
}

async function checkPath(url: string): Promise<string | undefined> {
    try {
        const { status } = await get(url);
        return status >= 200 && status < 300 ? undefined : `${url} answered ${status}`;
    } catch (e) {
        return `${url} did not answer: ${(e as Error).message}`;
    }
}

/** The alert names firing in the namespace, or a one-line reason Prometheus could not tell. */
export async function firingAlerts(prometheusUrl: string, namespace: string): Promise<string[] | { error: string }> {
    const query = `ALERTS{alertstate="firing",namespace="${namespace}"}`;
    const url = `${prometheusUrl.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`;
    try {
        const { status, body } = await get(url);
        if (status !== 200) return { error: `Prometheus answered ${status} to ${query}` };
        const doc = JSON.parse(body);
        if (doc?.status !== "success" || !Array.isArray(doc?.data?.result)) return { error: `Prometheus gave no result for ${query}` };
        return doc.data.result.map((r: any) => `${r.metric?.alertname ?? "unnamed"}${r.metric?.severity ? ` (${r.metric.severity})` : ""}`);
    } catch (e) {
        return { error: `Prometheus at ${prometheusUrl} did not answer: ${(e as Error).message}` };
    }
}

/** The exact commands that undo this release, from the revisions before and after it. */
export function rollbackCommands(release: ReleaseInfo, before: Record<string, string> | undefined, after: Record<string, string> | undefined,
    commit: string | undefined): string[] {
    const lines: string[] = [];
    for (const name of release.deployments) {
        const was = before?.[name];
        const now = after?.[name];
        if (was && now && was === now) {
            lines.push(`# deployment/${name}: unchanged by this release (revision ${was}), nothing to undo`);
        } else if (was) {
            lines.push(`kubectl -n ${release.namespace} rollout undo deployment/${name} --to-revision=${was}`);
        } else {
            // Without the snapshot, the previous revision is the best guess: say so.
            lines.push(`kubectl -n ${release.namespace} rollout undo deployment/${name}   # previous revision: no snapshot was taken before the update`);
        }
    }
    lines.push(`# then make it stick (the next pulumi up would re-apply this release): git revert ${commit ?? "<this release's merge commit>"}, ` +
        "pull request, merge; staging deploys it; run deploy for production (docs/release.md, Rollback)");
    return lines;
}

/** Rollout status of both Deployments, the smoke checks, then the watch window. */
export async function watchRollout(k: Kubectl, release: ReleaseInfo, o: WatchOptions): Promise<WatchResult> {
    const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const base = o.baseUrl.replace(/\/+$/, "");
    const pollMs = (o.pollSeconds ?? release.pollSeconds) * 1000;
    const watchMs = (o.watchSeconds ?? release.watchMinutes * 60) * 1000;
    let after: Record<string, string> | undefined;
    const fail = async (failure: string): Promise<WatchResult> => {
        try { after = after ?? await revisions(k, release); } catch { /* the undo commands fall back to the snapshot alone */ }
        return { ok: false, failure, rollback: rollbackCommands(release, o.before, after, o.commit) };
    };

    for (const name of release.deployments) {
        o.log(`rollout: deployment/${name} in ${release.namespace}`);
        try {
            await k.run(["-n", release.namespace, "rollout", "status", `deployment/${name}`, `--timeout=${o.rolloutTimeoutSeconds}s`], (o.rolloutTimeoutSeconds + 30) * 1000);
        } catch (e) {
            return fail(`rollout of deployment/${name} did not complete: ${(e as Error).message}`);
        }
    }
    try { after = await revisions(k, release); } catch { /* only needed for the rollback commands */ }

    for (const p of [release.healthPath, ...release.smokePaths]) {
        let problem: string | undefined;
        for (let attempt = 1; attempt <= SMOKE_ATTEMPTS; attempt++) {
            problem = await checkPath(`${base}${p}`);
            if (!problem) break;
            if (attempt < SMOKE_ATTEMPTS) await sleep(Math.min(pollMs, 10_000));
        }
        if (problem) return fail(`smoke check failed after ${SMOKE_ATTEMPTS} attempts: ${problem}`);
        o.log(`smoke: ${p} ok`);
    }

    if (watchMs <= 0) {
        o.log("watch: skipped (release.watchMinutes is 0)");
        return { ok: true, rollback: [] };
    }
    o.log(`watch: ${watchMs / 60_000} min, polling every ${pollMs / 1000} s: ${release.healthPath}` +
        `${o.prometheusUrl ? ` and firing alerts in ${release.namespace}` : " (no PROMETHEUS_URL: alerts not watched)"}`);
    const deadline = Date.now() + watchMs;
    let healthFailures = 0;
    let polls = 0;
    for (;;) {
        polls++;
        const health = await checkPath(`${base}${release.healthPath}`);
        healthFailures = health ? healthFailures + 1 : 0;
        if (healthFailures >= HEALTH_FAILURES_TO_FAIL) return fail(`health failed ${healthFailures} polls in a row during the watch: ${health}`);
        if (o.prometheusUrl) {
            const alerts = await firingAlerts(o.prometheusUrl, release.namespace);
            if (!Array.isArray(alerts)) return fail(`watch cannot see the alerts: ${alerts.error}`);
            if (alerts.length > 0) return fail(`alerts firing in ${release.namespace} during the watch: ${alerts.join(", ")}`);
        }
        const left = deadline - Date.now();
        if (left <= 0) break;
        await sleep(Math.min(pollMs, left));
    }
    o.log(`watch: passed (${polls} polls)`);
    return { ok: true, rollback: [] };
}
