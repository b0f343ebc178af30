// `npm run release-gate -- record|check …`: production deploys only a commit that staging runs and whose staging
// checks passed (docs/release.md "Staging first, the same commit"). The staging deploy job records the outcome as
// a commit status; production's gate reads it back. Exit 0 verified or recorded, 1 not verified (or GitHub
// could not tell), 2 bad input. Reads GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN, as Actions sets them.
//
//   record --sha SHA --state success|failure [--target-url URL]    after staging's smoke checks and watch
//   check --sha SHA                                                 before production starts
import { parseArgs } from "util";
import { STAGING_VERIFIED_CONTEXT } from "../components/release/release-checks";
import { newestStatus, runIdOf, runProblem, Status, WorkflowRun } from "./lib/release-gate";

class InputError extends Error {}

interface Env { api: string; repository: string; token: string }

function env(): Env {
    const api = process.env.GITHUB_API_URL || "https://api.github.com";
    const repository = process.env.GITHUB_REPOSITORY ?? "";
    const token = process.env.GITHUB_TOKEN ?? "";
    if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repository)) throw new InputError(`GITHUB_REPOSITORY ${JSON.stringify(repository)}: must be owner/name`);
    if (!token) throw new InputError("GITHUB_TOKEN is not set (the job's github.token)");
    return { api: api.replace(/\/+$/, ""), repository, token };
}

async function github(e: Env, method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${e.api}${path}`, {
        method,
        headers: { "Authorization": `Bearer ${e.token}`, "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
            ...(body ? { "Content-Type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`GitHub answered ${res.status} to ${method} ${path}`);
    return res.json();
}

async function main(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv, allowPositionals: true,
        options: { "sha": { type: "string" }, "state": { type: "string" }, "target-url": { type: "string" } },
    });
    const [command, ...rest] = positionals;
    if (rest.length > 0 || (command !== "record" && command !== "check")) throw new InputError(`expected the command record or check, got ${positionals.join(" ") || "nothing"}`);
    const sha = values.sha ?? "";
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new InputError(`--sha ${JSON.stringify(sha)}: must be a full 40-hex commit SHA`);
    const e = env();
    if (command === "record") {
        if (values.state !== "success" && values.state !== "failure") throw new InputError(`--state ${values.state ?? "(none)"}: must be success or failure`);
        if (!values["target-url"] || !/\/actions\/runs\/\d+$/.test(values["target-url"])) {
            throw new InputError(`--target-url ${values["target-url"] ?? "(none)"}: must be this workflow run's URL (…/actions/runs/<id>): the gate checks that run`);
        }
        await github(e, "POST", `/repos/${e.repository}/statuses/${sha}`, {
            state: values.state, context: STAGING_VERIFIED_CONTEXT,
            description: values.state === "success" ? "staging runs this commit; smoke checks and watch passed" : "staging deploy, smoke checks or watch failed",
            target_url: values["target-url"],
        });
        process.stdout.write(`release-gate: recorded ${values.state} of ${STAGING_VERIFIED_CONTEXT} for ${sha}\n`);
        return 0;
    }
    const statuses = await github(e, "GET", `/repos/${e.repository}/commits/${sha}/statuses?per_page=100`);
    if (!Array.isArray(statuses)) throw new Error(`GitHub gave no list of statuses for ${sha}`);
    const refuse = (why: string) => { process.stdout.write(`::error::${why}\n`); return 1; };
    const newest = newestStatus(sha, statuses as Status[]);
    if (typeof newest === "string") return refuse(newest);
    const runId = runIdOf(newest);
    if (!runId) return refuse(`commit ${sha}: its ${STAGING_VERIFIED_CONTEXT} status names no workflow run (${newest.target_url ?? "no target URL"})`);
    const why = runProblem(sha, await github(e, "GET", `/repos/${e.repository}/actions/runs/${runId}`) as WorkflowRun);
    if (why) return refuse(why);
    process.stdout.write(`release-gate: ${sha} passed staging (${STAGING_VERIFIED_CONTEXT}: success)\n`);
    return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: Error) => {
    const bad = err instanceof InputError || String((err as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`release-gate: ${err.message.split("\n")[0]}\n`);
    process.exitCode = bad ? 2 : 1;
});
