// `npm run rollout -- snapshot|watch …`: the watched rollout the deploy workflow runs around `pulumi up`
// (docs/release.md "Watched rollout"). Exit 0 passed, 1 a check failed (the rollback commands are printed),
// 2 bad input (one line naming the flag or field).
//
//   snapshot --release audit.json --out before.json        before `pulumi up`: each Deployment's revision
//   watch --release audit.json --base-url URL [--before before.json] [--prometheus-url URL] [--commit SHA]
//         [--watch-seconds N] [--poll-seconds N] [--rollout-timeout-seconds N]
//
// audit.json is `pulumi stack output audit --json`. PROMETHEUS_URL and GITHUB_SHA are read when the flags are not
// given; the watch window and poll interval come from the stack's `release` settings unless overridden.
import * as fs from "fs";
import { parseArgs } from "util";
import { kubectl, ReleaseInfo, releaseFromAuditOutput, revisions, RolloutInputError, watchRollout } from "./lib/rollout";

class UsageError extends Error {}

function readJson(flag: string, file: string): unknown {
    let text: string;
    try { text = fs.readFileSync(file, "utf8"); } catch (e) { throw new UsageError(`${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? "unreadable"})`); }
    try { return JSON.parse(text); } catch { throw new UsageError(`${flag} ${file}: not JSON`); }
}

function httpUrl(flag: string, value: string): string {
    let u: URL;
    try { u = new URL(value); } catch { throw new UsageError(`${flag} ${value}: must be an http:// or https:// URL`); }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new UsageError(`${flag} ${value}: must be an http:// or https:// URL`);
    return value;
}

function seconds(flag: string, value: string | undefined, min: number): number | undefined {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || n < min) throw new UsageError(`${flag} ${value}: must be a number of seconds, at least ${min}`);
    return n;
}

async function main(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv, allowPositionals: true,
        options: {
            "release": { type: "string" }, "out": { type: "string" }, "before": { type: "string" }, "base-url": { type: "string" },
            "prometheus-url": { type: "string" }, "commit": { type: "string" }, "watch-seconds": { type: "string" },
            "poll-seconds": { type: "string" }, "rollout-timeout-seconds": { type: "string" },
        },
    });
    const [command, ...rest] = positionals;
    if (rest.length > 0 || (command !== "snapshot" && command !== "watch")) throw new UsageError(`expected the command snapshot or watch, got ${positionals.join(" ") || "nothing"}`);
    if (!values.release) throw new UsageError("--release is required");
    const release: ReleaseInfo = releaseFromAuditOutput(readJson("--release", values.release));
    const k = kubectl();

    if (command === "snapshot") {
        if (!values.out) throw new UsageError("--out is required");
        const before = await revisions(k, release);
        fs.writeFileSync(values.out, `${JSON.stringify(before, null, 2)}\n`);
        process.stdout.write(`snapshot: ${Object.entries(before).map(([d, r]) => `deployment/${d} revision ${r || "(none)"}`).join(", ")}\n`);
        return 0;
    }

    if (!values["base-url"]) throw new UsageError("--base-url is required");
    const prometheus = values["prometheus-url"] ?? (process.env.PROMETHEUS_URL || undefined);
    const before = values.before === undefined ? undefined : readJson("--before", values.before);
    if (before !== undefined && (typeof before !== "object" || before === null || Array.isArray(before))) throw new UsageError(`--before ${values.before}: not a snapshot`);
    const result = await watchRollout(k, release, {
        baseUrl: httpUrl("--base-url", values["base-url"]),
        prometheusUrl: prometheus === undefined ? undefined : httpUrl(values["prometheus-url"] ? "--prometheus-url" : "PROMETHEUS_URL", prometheus),
        watchSeconds: seconds("--watch-seconds", values["watch-seconds"], 0),
        pollSeconds: seconds("--poll-seconds", values["poll-seconds"], 0.01),
        rolloutTimeoutSeconds: seconds("--rollout-timeout-seconds", values["rollout-timeout-seconds"], 1) ?? 600,
        before: before as Record<string, string> | undefined,
        commit: values.commit ?? (process.env.GITHUB_SHA || undefined),
        log: (line) => process.stdout.write(`${line}\n`),
    });
    if (result.ok) {
        process.stdout.write(`rollout: ${release.namespace} ${release.tag ?? ""} passed\n`);
        return 0;
    }
    const report = [`rollout: FAILED: ${result.failure}`, "", `Roll this release back (${release.namespace}${release.tag ? `, ${release.tag}` : ""}):`, "",
        ...result.rollback.map((l) => `    ${l}`), ""];
    process.stdout.write(`${report.join("\n")}\n`);
    if (process.env.GITHUB_STEP_SUMMARY) {
        fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, ["## Rollout failed", "", `${result.failure}`, "", "```sh", ...result.rollback, "```", ""].join("\n"));
    }
    return 1;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: Error) => {
    const known = e instanceof UsageError || e instanceof RolloutInputError || String((e as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`rollout: ${e.message.split("\n")[0]}\n`);
    // A kubectl failure in snapshot is not bad input, but it still must stop the deploy before the update.
    process.exitCode = known ? 2 : 1;
});
