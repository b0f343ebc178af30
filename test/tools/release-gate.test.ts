// Production's gate against a loopback stand-in for GitHub's commit-status API: the staging job records, the
// production job checks, and only the newest status set by the Actions bot for the same commit counts.
import * as assert from "assert";
import { spawn } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import { STAGING_VERIFIED_CONTEXT } from "../../components/release/release-checks";
import { DEPLOY_WORKFLOW, newestStatus, runIdOf, runProblem, STATUS_CREATOR, WorkflowRun } from "../../tools/lib/release-gate";
import { REPO_ROOT } from "../../tools/lib/stack-config";
import { toolArgv } from "../support/tools";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const OTHER = "fedcba9876543210fedcba9876543210fedcba98";
const status = (state: string, createdAt: string, login = STATUS_CREATOR, context = STAGING_VERIFIED_CONTEXT) =>
    ({ context, state, created_at: createdAt, creator: { login } });

const verdict = (sha: string, list: any[]) => { const n = newestStatus(sha, list); return typeof n === "string" ? n : undefined; };
const RUN: WorkflowRun = { path: DEPLOY_WORKFLOW, event: "push", head_branch: "main", head_sha: SHA, conclusion: null };

describe("release gate: the verdict", () => {
    it("passes on the newest staging status being a success by the Actions bot", () => {
        assert.strictEqual(verdict(SHA, [status("success", "2026-11-02T10:00:00Z"), status("failure", "2026-11-01T10:00:00Z")]), undefined);
    });

    it("the run behind the status must be deploy.yml for main on this commit, not failed", () => {
        assert.strictEqual(runProblem(SHA, RUN), undefined);
        assert.strictEqual(runProblem(SHA, { ...RUN, event: "workflow_dispatch", conclusion: "success" }), undefined);
        // A same-repository pull request's workflow can ask for statuses: write and post as the Actions bot.
        assert.match(runProblem(SHA, { ...RUN, path: ".github/workflows/pull-request.yml", event: "pull_request", head_branch: "feature" })!,
            /it is \.github\/workflows\/pull-request\.yml, not \.github\/workflows\/deploy\.yml; it ran for a pull_request event; it ran on feature, not main/);
        assert.match(runProblem(SHA, { ...RUN, head_sha: OTHER })!, new RegExp(`it ran commit ${OTHER}`));
        assert.match(runProblem(SHA, { ...RUN, conclusion: "failure" })!, /it ended failure/);
        assert.strictEqual(runIdOf({ target_url: "https://github.com/o/r/actions/runs/12345" }), "12345");
        assert.strictEqual(runIdOf({ target_url: "https://evil.example/" }), undefined);
    });
    it("refuses no status, another context only, a newer failure, and a success set by a person", () => {
        assert.match(verdict(SHA, [])!, new RegExp(`commit ${SHA} has no ${STAGING_VERIFIED_CONTEXT} status`));
        assert.match(verdict(SHA, [status("success", "2026-11-02T10:00:00Z", STATUS_CREATOR, "ci/test")])!, /has no/);
        assert.match(verdict(SHA, [status("success", "2026-11-01T10:00:00Z"), status("failure", "2026-11-02T10:00:00Z")])!,
            /its newest staging deploy ended failure \(2026-11-02T10:00:00Z\)/);
        assert.match(verdict(SHA, [status("success", "2026-11-02T10:00:00Z", "mallory"), status("failure", "2026-11-01T10:00:00Z")])!,
            /set by mallory, not by github-actions\[bot\]/);
    });
});

describe("release gate: the command line against a fake GitHub API", function () {
    this.timeout(60_000);
    const statuses = new Map<string, any[]>();
    const requests: { method: string; url: string; auth?: string; body?: any }[] = [];
    let failWith: number | undefined;
    const runs = new Map<string, WorkflowRun>([["1", RUN], ["2", { path: ".github/workflows/pull-request.yml", event: "pull_request", head_branch: "x", head_sha: SHA }]]);
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => { body += d; });
        req.on("end", () => {
            requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body: body ? JSON.parse(body) : undefined });
            if (failWith) { res.writeHead(failWith).end("{}"); return; }
            const post = /^\/repos\/fork-knife\/backend\/statuses\/([0-9a-f]{40})$/.exec(req.url!);
            const get = /^\/repos\/fork-knife\/backend\/commits\/([0-9a-f]{40})\/statuses\?per_page=100$/.exec(req.url!);
            const run = /^\/repos\/fork-knife\/backend\/actions\/runs\/(\d+)$/.exec(req.url!);
            if (req.method === "POST" && post) {
                const list = statuses.get(post[1]) ?? [];
                list.unshift({ ...JSON.parse(body), created_at: new Date(Date.now() + list.length * 1000).toISOString(), creator: { login: STATUS_CREATOR } });
                statuses.set(post[1], list);
                res.writeHead(201, { "Content-Type": "application/json" }).end("{}");
            } else if (req.method === "GET" && get) {
                res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(statuses.get(get[1]) ?? []));
            } else if (req.method === "GET" && run && runs.has(run[1])) {
                res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(runs.get(run[1])));
            } else res.writeHead(404).end("{}");
        });
    });
    let api: string;
    before(async () => {
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    function gate(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
        return new Promise((resolve) => {
            const child = spawn(process.execPath, toolArgv("release-gate.ts", args), {
                cwd: REPO_ROOT, env: { PATH: process.env.PATH, GITHUB_API_URL: api, GITHUB_REPOSITORY: "fork-knife/backend", GITHUB_TOKEN: "gh-token-for-test", ...env },
            });
            let stdout = ""; let stderr = "";
            child.stdout.on("data", (d) => { stdout += d; });
            child.stderr.on("data", (d) => { stderr += d; });
            child.on("close", (code) => resolve({ code, stdout, stderr }));
        });
    }

    it("production cannot start for a commit staging never ran; after staging records success it can, for that commit only", async () => {
        const before = await gate(["check", "--sha", SHA]);
        assert.strictEqual(before.code, 1);
        assert.match(before.stdout, new RegExp(`^::error::commit ${SHA} has no ${STAGING_VERIFIED_CONTEXT} status`));

        const record = await gate(["record", "--sha", SHA, "--state", "success", "--target-url", "https://github.com/fork-knife/backend/actions/runs/1"]);
        assert.strictEqual(record.code, 0, record.stderr);
        const posted = requests.find((r) => r.method === "POST")!;
        assert.strictEqual(posted.auth, "Bearer gh-token-for-test");
        assert.deepStrictEqual([posted.body.state, posted.body.context, posted.body.target_url], ["success", STAGING_VERIFIED_CONTEXT, "https://github.com/fork-knife/backend/actions/runs/1"]);

        assert.strictEqual((await gate(["check", "--sha", SHA])).code, 0);
        assert.strictEqual((await gate(["check", "--sha", OTHER])).code, 1, "another commit is not verified by this one's staging run");

        // A success posted by a pull request's run (it asked for statuses: write) does not count.
        assert.strictEqual((await gate(["record", "--sha", SHA, "--state", "success", "--target-url", "https://github.com/fork-knife/backend/actions/runs/2"])).code, 0);
        const forged = await gate(["check", "--sha", SHA]);
        assert.strictEqual(forged.code, 1);
        assert.match(forged.stdout, /no staging deploy of it \(it is \.github\/workflows\/pull-request\.yml/);

        // A later staging failure of the same commit (a re-run) withdraws the verification.
        assert.strictEqual((await gate(["record", "--sha", SHA, "--state", "failure", "--target-url", "https://github.com/fork-knife/backend/actions/runs/1"])).code, 0);
        const after = await gate(["check", "--sha", SHA]);
        assert.strictEqual(after.code, 1);
        assert.match(after.stdout, /its newest staging deploy ended failure/);
    });

    it("GitHub not answering is no pass: exit 1 with the status code", async () => {
        failWith = 502;
        try {
            const run = await gate(["check", "--sha", SHA]);
            assert.strictEqual(run.code, 1);
            assert.match(run.stderr, /^release-gate: GitHub answered 502 to GET \/repos\/fork-knife\/backend\/commits\/[0-9a-f]{40}\/statuses/);
        } finally { failWith = undefined; }
    });

    it("bad input: exit 2, one line naming the flag or variable", async () => {
        const cases: [string[], Record<string, string>, RegExp][] = [
            [["check", "--sha", "abc123"], {}, /^release-gate: --sha "abc123": must be a full 40-hex commit SHA\n$/],
            [["record", "--sha", SHA, "--state", "pending"], {}, /^release-gate: --state pending: must be success or failure\n$/],
            [["record", "--sha", SHA, "--state", "success"], {}, /^release-gate: --target-url \(none\): must be this workflow run's URL/],
            [["check", "--sha", SHA], { GITHUB_TOKEN: "" }, /^release-gate: GITHUB_TOKEN is not set/],
            [["promote", "--sha", SHA], {}, /^release-gate: expected the command record or check, got promote\n$/],
        ];
        for (const [args, env, message] of cases) {
            const run = await gate(args, env);
            assert.strictEqual(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
            assert.match(run.stderr, message);
        }
    });
});
