import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { parse } from "yaml";
import { CronExpressionParser } from "cron-parser";
import {
    ACTIONS_SECRETS, BACKPORT_SECRET, ENVIRONMENTS, EnvironmentSpec, PRODUCTION_DEPLOY_CREDENTIALS, RELEASE_STACKS, REQUIRED_CHECKS, STAGING_VERIFIED_CONTEXT,
} from "../../components/release/release-checks";
import { workflowProblems } from "./workflow-parser";

const DIR = path.join(__dirname, "..", "..", ".github", "workflows");
const read = (file: string) => fs.readFileSync(path.join(DIR, file), "utf8");
const workflow = (file: string) => parse(read(file));

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string; env?: Record<string, string> }
interface Job { name?: string; needs?: string | string[]; if?: string; environment?: { name: string } | string; steps: Step[];
    strategy?: { matrix?: Record<string, unknown> }; env?: Record<string, string>; permissions?: Record<string, string>;
    concurrency?: unknown }
const WORKFLOWS = ["audit.yml", "backport.yml", "deploy.yml", "dr-drill.yml", "pull-request.yml"];

type Combination = Record<string, unknown>;

/**
 * A matrix's combinations as GitHub expands them: the cross product of its axes, minus `exclude`, then each
 * `include` entry added to every combination whose original values it does not overwrite, or appended as its own.
 */
function combinations(matrix: Record<string, unknown> | undefined): Combination[] {
    if (!matrix) return [{}];
    const { include = [], exclude = [], ...axes } = matrix as { include?: Combination[]; exclude?: Combination[] } & Record<string, unknown[]>;
    let combos: Combination[] = Object.keys(axes).length === 0 ? [] : [{}];
    for (const [key, values] of Object.entries(axes)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
    combos = combos.filter((c) => !exclude.some((e) => Object.entries(e).every(([k, v]) => c[k] === v)));
    const originals = combos.map((c) => ({ ...c }));
    for (const entry of include) {
        let matched = false;
        combos.forEach((c, i) => {
            if (Object.entries(entry).every(([k, v]) => !(k in originals[i]) || originals[i][k] === v)) { Object.assign(c, entry); matched = true; }
        });
        if (!matched) combos.push({ ...entry });
    }
    return combos;
}

/**
 * `${{ matrix.x }}` filled in from one combination, and a secret guarded by the matrix
 * (`${{ matrix.x == 'v' && secrets.S || '' }}`) resolved: `${{ secrets.S }}` where x is v, nothing elsewhere.
 */
function fill(text: string, combo: Combination): string {
    return text
        .replace(/\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*==\s*'([^']*)'\s*&&\s*(secrets\.[A-Za-z0-9_]+)\s*\|\|\s*''\s*\}\}/g,
            (m, key, value, secret) => (key in combo ? (String(combo[key]) === value ? `\${{ ${secret} }}` : "") : m))
        .replace(/\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}/g, (m, key) => (key in combo ? String(combo[key]) : m));
}

/** Check names as GitHub reports them: one per matrix combination, `${{ matrix.x }}` filled in. */
function checkNames(jobs: Record<string, Job>): string[] {
    return Object.entries(jobs).flatMap(([id, job]) => combinations(job.strategy?.matrix).map((c) => fill(job.name ?? id, c)));
}

const PULUMI_SECRETS = new Set<string>(Object.values(ACTIONS_SECRETS));
const secretsIn = (value: unknown) => [...JSON.stringify(value ?? {}).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
const environmentOf = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);

/**
 * Where a workflow's Pulumi credentials come from, as problems: a Pulumi secret read outside a GitHub environment
 * (that is, a repository- or organisation-level secret), by the workflow's or a job's env (every step, npm ci's
 * install scripts included, would see it), from an environment that does not hold it, or by a job whose stacks
 * are not its environment's stack.
 */
function credentialProblems(file: string, wf: { env?: unknown; jobs: Record<string, Job> }): string[] {
    const problems: string[] = [];
    for (const name of secretsIn(wf.env)) problems.push(`${file}: the workflow's env reads secrets.${name}`);
    for (const [id, job] of Object.entries(wf.jobs)) {
        for (const name of secretsIn(job.env).filter((n) => PULUMI_SECRETS.has(n))) {
            problems.push(`${file} ${id}: the job's env reads secrets.${name}; give it to the steps that call Pulumi`);
        }
        for (const combo of combinations(job.strategy?.matrix)) {
            const what = `${file} ${fill(job.name ?? id, combo)}`;
            const read = secretsIn(JSON.parse(fill(JSON.stringify(job), combo))).filter((n) => PULUMI_SECRETS.has(n));
            if (read.length === 0) continue;
            const envName = environmentOf(job) === undefined ? undefined : fill(environmentOf(job)!, combo);
            const spec = envName === undefined ? undefined : (ENVIRONMENTS as Record<string, EnvironmentSpec>)[envName];
            if (!spec) {
                problems.push(`${what}: reads ${read.map((n) => `secrets.${n}`).join(", ")} outside the Repository's environments (environment: ${envName ?? "none"})`);
                continue;
            }
            for (const n of new Set(read)) if (!spec.secrets.includes(n as never)) problems.push(`${what}: environment ${envName} holds no ${n}`);
            const text = fill(JSON.stringify(job.steps), combo);
            const stacks = new Set([...text.matchAll(/"stack-name":"([^"]+)"|--stack ([A-Za-z0-9_.${}-]+)/g)].map((m) => m[1] ?? m[2]));
            if (stacks.size === 0) problems.push(`${what}: names no stack`);
            for (const stack of stacks) if (stack !== spec.stack) problems.push(`${what}: touches stack ${stack} with ${envName}'s ${spec.stack} credentials`);
        }
    }
    return problems;
}

const stepIndex = (job: Job, pred: (s: Step) => boolean) => job.steps.findIndex(pred);

describe("GitHub workflows", () => {
    const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));

    it("are the release workflows", () => {
        assert.deepStrictEqual(files.sort(), WORKFLOWS);
    });

    for (const file of WORKFLOWS) {
        it(`${file} passes GitHub's workflow parser`, async () => {
            assert.deepStrictEqual(await workflowProblems(file, read(file)), []);
        });
    }

    it("the parser does catch broken workflows (so a pass means something)", async () => {
        const broken = read("pull-request.yml").replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    stepz: []")
            .replace("${{ matrix.stack }}", "${{ matrix.stack( }}");
        const problems = await workflowProblems("broken.yml", broken);
        assert.ok(problems.some((p) => p.includes("stepz")), problems.join("\n"));
        assert.ok(problems.some((p) => p.includes("Unexpected symbol: '('")), problems.join("\n"));
    });

    it("pull-request jobs report exactly the checks branch protection requires", () => {
        assert.deepStrictEqual(checkNames(workflow("pull-request.yml").jobs).sort(), [...REQUIRED_CHECKS].sort());
    });

    it("read no secret that the Repository does not create", () => {
        const allowed = new Set<string>([...Object.values(ACTIONS_SECRETS), BACKPORT_SECRET, "GITHUB_TOKEN"]);
        for (const file of files) {
            for (const [, name] of read(file).matchAll(/secrets\.([A-Za-z0-9_]+)/g)) assert.ok(allowed.has(name), `${file} reads secrets.${name}`);
        }
    });

    it("the matrix expansion follows GitHub's include rules", () => {
        assert.deepStrictEqual(combinations({ stack: ["a", "b"], include: [{ stack: "b", env: "x" }, { stack: "c" }] }),
            [{ stack: "a" }, { stack: "b", env: "x" }, { stack: "c" }]);
        assert.deepStrictEqual(combinations({ include: [{ stack: "a" }] }), [{ stack: "a" }]);
        assert.deepStrictEqual(combinations({ stack: ["a", "b"], exclude: [{ stack: "a" }] }), [{ stack: "b" }]);
        assert.deepStrictEqual(combinations(undefined), [{}]);
    });

    it("every job that reads a Pulumi secret runs in the Repository's environment for its own stack; none reads one at workflow or job level", () => {
        for (const file of files) assert.deepStrictEqual(credentialProblems(file, workflow(file)), [], file);
        // ...and some job does read them, so the loop above checked something.
        assert.ok(files.some((f) => Object.values(workflow(f).jobs as Record<string, Job>).some((j) => secretsIn(j).includes("PULUMI_ACCESS_TOKEN"))));
    });

    it("the credential check catches a repository-level secret, a wrong environment, a crossed stack and a job-level env", () => {
        const pr = workflow("pull-request.yml");
        delete pr.jobs.preview.environment;
        assert.deepStrictEqual(credentialProblems("pr", pr).filter((p) => /outside the Repository's environments/.test(p)).length, 2);

        const open = workflow("pull-request.yml");
        open.jobs.preview.strategy.matrix.include[1].environment = "staging";
        assert.ok(credentialProblems("pr", open).includes("pr preview (production): touches stack production with staging's staging credentials"));

        const audit = workflow("audit.yml");
        audit.jobs.audit.strategy.matrix.include[1].environment = "production";
        assert.deepStrictEqual(credentialProblems("audit", audit), []);
        audit.jobs.audit.strategy.matrix.include[1].environment = "staging";
        assert.ok(credentialProblems("audit", audit).some((p) => p.includes("touches stack production")));

        const deploy = workflow("deploy.yml");
        deploy.env = { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" };
        deploy.jobs.staging.env = { PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" };
        const problems = credentialProblems("deploy", deploy);
        assert.ok(problems.includes("deploy: the workflow's env reads secrets.PULUMI_ACCESS_TOKEN"), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("deploy staging: the job's env reads secrets.PULUMI_CONFIG_PASSPHRASE")), problems.join("\n"));

        const passphrase = workflow("audit.yml");
        passphrase.jobs.audit.steps[0].env = { PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" };
        assert.ok(credentialProblems("audit", passphrase).includes("audit audit (production): environment production-audit holds no PULUMI_CONFIG_PASSPHRASE"));
    });

    it("nothing runs a fork's code with secrets: no pull_request_target or workflow_run trigger", () => {
        for (const file of files) {
            const on = workflow(file).on;
            const triggers = typeof on === "string" ? [on] : Array.isArray(on) ? on : Object.keys(on);
            assert.ok(!triggers.includes("pull_request_target") && !triggers.includes("workflow_run"), `${file}: ${triggers.join(", ")}`);
        }
    });

    it("pull-request previews: staging in staging, production in production-preview (a reviewer approves first), no job-level if", () => {
        const wf = workflow("pull-request.yml");
        assert.strictEqual(wf.permissions["pull-requests"], undefined, "only the jobs that comment may write to pull requests");
        assert.strictEqual(wf.jobs.test.permissions, undefined);
        const preview: Job = wf.jobs.preview;
        const byStack = Object.fromEntries(combinations(preview.strategy!.matrix).map((c) => [c.stack, fill(environmentOf(preview)!, c)]));
        assert.deepStrictEqual(byStack, { staging: "staging", production: "production-preview" });
        assert.strictEqual(ENVIRONMENTS["production-preview"].reviewers, true);
        assert.strictEqual(ENVIRONMENTS.staging.stack, "staging");
        // A job skipped by `if:` reports success, which would satisfy the required check without a preview.
        assert.strictEqual(preview.if, undefined);
        assert.strictEqual(preview.permissions!["pull-requests"], "write");
    });

    it("a preview without a token (fork, Dependabot, unset environment) fails first, with the reason, before any code runs", () => {
        const preview: Job = workflow("pull-request.yml").jobs.preview;
        const [first] = preview.steps;
        assert.strictEqual(first.if, undefined);
        assert.strictEqual(first.env!.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        assert.strictEqual(stepIndex(preview, (s) => !!s.uses?.startsWith("actions/checkout@")), 1);
        const script = fill(first.run!, { stack: "production", environment: "production-preview" });
        assert.ok(!script.includes("${{"), script);
        const run = (token: string, headRepo: string, actor: string) => spawnSync("bash", ["-e", "-c", script], {
            env: { PATH: process.env.PATH, PULUMI_ACCESS_TOKEN: token, HEAD_REPO: headRepo, GITHUB_REPOSITORY: "fork-knife/backend", GITHUB_ACTOR: actor },
            encoding: "utf8",
        });
        assert.strictEqual(run("token", "fork-knife/backend", "alice").status, 0);
        const fork = run("", "mallory/backend", "mallory");
        assert.strictEqual(fork.status, 1);
        assert.match(fork.stdout, /^::error::pull requests from forks get no secrets, so production cannot be previewed here/);
        const bot = run("", "fork-knife/backend", "dependabot[bot]");
        assert.strictEqual(bot.status, 1);
        assert.match(bot.stdout, /::error::Dependabot's runs get no Actions secrets/);
        const unset = run("", "fork-knife/backend", "alice");
        assert.strictEqual(unset.status, 1);
        assert.match(unset.stdout, /^::error::the production-preview environment holds no PULUMI_ACCESS_TOKEN/);
    });

    it("Pulumi credentials reach only the steps that call Pulumi", () => {
        for (const file of files) {
            for (const [id, job] of Object.entries(workflow(file).jobs as Record<string, Job>)) {
                for (const step of job.steps) {
                    const read = secretsIn(step).filter((n) => PULUMI_SECRETS.has(n));
                    if (read.length === 0) continue;
                    const callsPulumi = (step.uses?.startsWith("pulumi/actions@") && step.with?.command !== undefined) || /\bpulumi /.test(step.run ?? "");
                    const tokenCheck = step === job.steps[0] && /-n "\$PULUMI_ACCESS_TOKEN"/.test(step.run ?? "") && read.join() === "PULUMI_ACCESS_TOKEN";
                    assert.ok(callsPulumi || tokenCheck, `${file} ${id}: step "${step.name ?? step.uses ?? step.run}" reads ${read.join(", ")}`);
                }
            }
        }
    });

    /** Every step, per matrix combination, that gets secrets.PAGERDUTY_TOKEN: "<file> <job> / <step>". */
    function pagerdutyTokenSteps(wfs: Record<string, { jobs: Record<string, Job> }>): string[] {
        return Object.entries(wfs).flatMap(([file, wf]) => Object.entries(wf.jobs).flatMap(([id, job]) =>
            combinations(job.strategy?.matrix).flatMap((combo) => job.steps
                .filter((step) => secretsIn(JSON.parse(fill(JSON.stringify(step), combo))).includes(ACTIONS_SECRETS.pagerdutyToken))
                .map((step) => `${file} ${fill(job.name ?? id, combo)} / ${fill(step.name ?? step.uses ?? step.run ?? "", combo)}`))));
    }

    it("PAGERDUTY_TOKEN reaches only the production steps that run Pulumi (preview, up, refresh), from the environments that hold it", () => {
        const wfs = Object.fromEntries(files.map((f) => [f, workflow(f)]));
        assert.deepStrictEqual(pagerdutyTokenSteps(wfs).sort(), [
            "audit.yml refresh (production) / pulumi refresh production",
            "deploy.yml deploy (production) / pulumi up production with the policy pack",
            "pull-request.yml preview (production) / pulumi preview production with the policy pack",
        ]);
        // The environments of those jobs, and no other, hold it (written from the secure value pagerdutyToken).
        const holders = (Object.keys(ENVIRONMENTS) as (keyof typeof ENVIRONMENTS)[])
            .filter((e) => ENVIRONMENTS[e].secrets.includes(ACTIONS_SECRETS.pagerdutyToken)).sort();
        assert.deepStrictEqual(holders, ["production", "production-preview", "production-refresh"]);
        for (const e of holders) assert.strictEqual(ENVIRONMENTS[e].credentials[ACTIONS_SECRETS.pagerdutyToken], "pagerdutyToken");
        // The guard resolves per combination: staging's preview step gets an empty value.
        const step = (wfs["pull-request.yml"].jobs.preview as Job).steps.find((s) => s.name?.startsWith("pulumi preview"))!;
        assert.strictEqual(fill(step.env!.PAGERDUTY_TOKEN, { stack: "staging" }), "");
        assert.strictEqual(fill(step.env!.PAGERDUTY_TOKEN, { stack: "production" }), "${{ secrets.PAGERDUTY_TOKEN }}");
    });

    it("the PAGERDUTY_TOKEN checks catch a token on another step and an unguarded one in staging", () => {
        const pr = workflow("pull-request.yml");
        const install = (pr.jobs.preview as Job).steps.find((s) => s.run === "npm ci --ignore-scripts")!;
        install.env = { PAGERDUTY_TOKEN: "${{ secrets.PAGERDUTY_TOKEN }}" };
        assert.ok(pagerdutyTokenSteps({ "pull-request.yml": pr }).includes("pull-request.yml preview (staging) / npm ci --ignore-scripts"));

        const unguarded = workflow("pull-request.yml");
        const preview = (unguarded.jobs.preview as Job).steps.find((s) => s.name?.startsWith("pulumi preview"))!;
        preview.env!.PAGERDUTY_TOKEN = "${{ secrets.PAGERDUTY_TOKEN }}";
        assert.ok(credentialProblems("pr", unguarded).includes("pr preview (staging): environment staging holds no PAGERDUTY_TOKEN"),
            credentialProblems("pr", unguarded).join("\n"));
    });

    it("pull-request: tests, synth of each stack with artifact and PR comment, preview with the policy pack per stack", () => {
        const wf = workflow("pull-request.yml");
        assert.ok(wf.on.pull_request);
        const test: Job = wf.jobs.test;
        const ci = stepIndex(test, (s) => s.run === "npm ci");
        // npm test runs as root: the disk-full test mounts a tmpfs (tools/test-prereqs.sh checks for it).
        assert.ok(ci >= 0 && stepIndex(test, (s) => /^sudo -E env "PATH=\$PATH" npm test$/.test(s.run ?? "")) > ci);

        const synth: Job = wf.jobs.synth;
        assert.deepStrictEqual(synth.strategy!.matrix!.stack, [...RELEASE_STACKS]);
        assert.ok(synth.steps.some((s) => s.run === "npm run synth -- --stack ${{ matrix.stack }}"));
        const upload = synth.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
        assert.strictEqual(upload.with!.path, "out/${{ matrix.stack }}/");
        const comment = synth.steps.find((s) => s.uses?.startsWith("marocchino/sticky-pull-request-comment@"))!;
        assert.strictEqual(comment.with!.path, "out/${{ matrix.stack }}/report.md");

        const preview: Job = wf.jobs.preview;
        assert.deepStrictEqual(preview.strategy!.matrix!.stack, [...RELEASE_STACKS]);
        const pulumi = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
        assert.deepStrictEqual(pulumi.with, {
            ...pulumi.with,
            command: "preview", "stack-name": "${{ matrix.stack }}", "comment-on-pr": true,
            policyPacks: "policies", policyPackConfigs: "policies/config/${{ matrix.stack }}.json",
        });
        // The job will hold credentials: no dependency's install script runs in it.
        const installs = preview.steps.filter((s) => /\bnpm (ci|install)\b/.test(s.run ?? ""));
        assert.deepStrictEqual(installs.map((s) => s.run), ["npm ci --ignore-scripts"]);
    });

    it("deploy: one ordering for both environments, never cancelled half-way", () => {
        const wf = workflow("deploy.yml");
        // A constant group: staging and production deploys queue behind each other, whatever the event.
        assert.deepStrictEqual(wf.concurrency, { "group": "deploy", "cancel-in-progress": false });
        for (const job of Object.values(wf.jobs as Record<string, Job>)) assert.strictEqual(job.concurrency, undefined, "no job-level group splits the order");
        assert.deepStrictEqual(wf.on.push.branches, ["main"]);
        assert.deepStrictEqual(Object.keys(wf.on.workflow_dispatch.inputs).sort(), ["hotfix", "reason"]);
    });

    it("deploy (staging): up, then the watched rollout, and only then the commit recorded as verified; a failure recorded too", () => {
        const staging: Job = workflow("deploy.yml").jobs.staging;
        assert.strictEqual(environmentOf(staging), "staging");
        assert.strictEqual(staging.if, "github.event_name == 'push' || inputs.hotfix");
        assert.deepStrictEqual(staging.permissions, { contents: "read", statuses: "write" });
        const snapshot = stepIndex(staging, (s) => /npm run --silent rollout -- snapshot /.test(s.run ?? ""));
        const up = stepIndex(staging, (s) => !!s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up" && s.with?.["stack-name"] === "staging");
        const watch = stepIndex(staging, (s) => /npm run --silent rollout -- "\$\{args\[@\]\}"/.test(s.run ?? "") && /args=\(watch /.test(s.run ?? ""));
        const record = stepIndex(staging, (s) => /release-gate -- record --sha "\$GITHUB_SHA" --state success /.test(s.run ?? ""));
        const recordFailure = stepIndex(staging, (s) => /release-gate -- record --sha "\$GITHUB_SHA" --state failure /.test(s.run ?? ""));
        assert.ok(snapshot >= 0 && snapshot < up && up < watch && watch < record && record < recordFailure, `${snapshot} ${up} ${watch} ${record} ${recordFailure}`);
        // Success is recorded only when every step before it passed (no if:), failure only on failure.
        for (const i of [up, watch, record]) assert.strictEqual(staging.steps[i].if, undefined, staging.steps[i].name);
        assert.strictEqual(staging.steps[recordFailure].if, "failure()");
        assert.strictEqual(staging.steps[watch].env!.BASE_URL, "${{ vars.STAGING_URL }}");
        assert.strictEqual(staging.steps[watch].env!.PROMETHEUS_URL, "${{ vars.STAGING_PROMETHEUS_URL }}");
        // The hotfix fast track shortens only the watch; the smoke checks always run.
        assert.strictEqual(staging.steps[watch].env!.WATCH_SECONDS, "${{ inputs.hotfix && '600' || '' }}");
        assert.strictEqual(STAGING_VERIFIED_CONTEXT, "release/staging-verified");
    });

    it("deploy (production) cannot start without staging's success for the same SHA", () => {
        const wf = workflow("deploy.yml");
        const gate: Job = wf.jobs.gate;
        const prod: Job = wf.jobs.production;
        // production waits for the gate and starts only when it succeeded; the gate runs after a staging success
        // (hotfix) or when staging did not run (a dispatch), never after a staging failure.
        assert.strictEqual(prod.needs, "gate");
        assert.strictEqual(prod.if, "${{ !cancelled() && needs.gate.result == 'success' }}");
        assert.strictEqual(gate.needs, "staging");
        assert.strictEqual(gate.if, "${{ !cancelled() && github.event_name == 'workflow_dispatch' && (needs.staging.result == 'success' || needs.staging.result == 'skipped') }}");
        const check = gate.steps.find((s) => /release-gate -- check /.test(s.run ?? ""))!;
        assert.strictEqual(check.run, 'npm run --silent release-gate -- check --sha "$GITHUB_SHA"');
        assert.strictEqual(check.if, undefined);
        assert.deepStrictEqual(gate.permissions, { contents: "read", statuses: "read" });
        assert.strictEqual(secretsIn(gate).length, 0, "the gate holds no Pulumi secret");
        // The SHA production deploys is the one the gate checked: GITHUB_SHA, no other ref checked out.
        for (const job of [gate, prod]) {
            for (const s of job.steps.filter((x) => x.uses?.startsWith("actions/checkout@"))) assert.strictEqual(s.with?.ref, undefined);
        }
        assert.strictEqual(environmentOf(prod), "production");
        assert.strictEqual(ENVIRONMENTS.production.mainOnly, true);
        assert.strictEqual(ENVIRONMENTS.production.reviewers, true);
    });

    it("deploy (production): state kept before up, the watched rollout after, rollback on failure", () => {
        const prod: Job = workflow("deploy.yml").jobs.production;
        const exported = stepIndex(prod, (s) => /pulumi stack export --stack production/.test(s.run ?? ""));
        const kept = stepIndex(prod, (s) => !!s.uses?.startsWith("actions/upload-artifact@"));
        const snapshot = stepIndex(prod, (s) => /rollout -- snapshot /.test(s.run ?? ""));
        const up = stepIndex(prod, (s) => !!s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
        const watch = stepIndex(prod, (s) => /args=\(watch /.test(s.run ?? ""));
        const rollback = stepIndex(prod, (s) => s.if === "failure()" && /rollout undo/.test(s.run ?? "") && /exit 1/.test(s.run ?? ""));
        assert.ok(exported >= 0 && exported < kept && kept < snapshot && snapshot < up && up < watch && watch < rollback,
            `${exported} ${kept} ${snapshot} ${up} ${watch} ${rollback}`);
        assert.strictEqual(prod.steps[up].with!.policyPackConfigs, "policies/config/production.json");
        // Production watches the full window from its settings: no override.
        assert.strictEqual(prod.steps[watch].env!.WATCH_SECONDS, undefined);
        assert.strictEqual(prod.steps[watch].env!.BASE_URL, "${{ vars.PRODUCTION_URL }}");
    });

    it("audit: weekly, both stacks, refreshed first, fails through npm run audit's exit code and on a failed refresh", () => {
        const wf = workflow("audit.yml");
        const cron: string = wf.on.schedule[0].cron;
        const runs = CronExpressionParser.parse(cron, { tz: "Etc/UTC", currentDate: new Date("2026-01-01T00:00:00Z") });
        const [a, b] = [runs.next().getTime(), runs.next().getTime()];
        assert.strictEqual(b - a, 7 * 24 * 3600 * 1000);
        assert.strictEqual(wf.defaults.run.shell, "bash", "bash -o pipefail keeps the audit's exit code through tee");

        const refresh: Job = wf.jobs.refresh;
        assert.deepStrictEqual(refresh.strategy!.matrix!.stack, [...RELEASE_STACKS]);
        const byStack = Object.fromEntries(combinations(refresh.strategy!.matrix).map((c) => [c.stack, fill(environmentOf(refresh)!, c)]));
        assert.deepStrictEqual(byStack, { staging: "staging", production: "production-refresh" });
        const step = refresh.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
        assert.deepStrictEqual([step.with!.command, step.with!["stack-name"]], ["refresh", "${{ matrix.stack }}"]);
        // The job that holds a write-capable token installs and runs none of the repository's code.
        assert.ok(refresh.steps.every((s) => !s.run && (s.uses?.startsWith("actions/checkout@") || s.uses?.startsWith("pulumi/actions@"))),
            refresh.steps.map((s) => s.name ?? s.uses).join(", "));

        const job: Job = wf.jobs.audit;
        assert.strictEqual(job.needs, "refresh");
        assert.strictEqual(job.if, "${{ !cancelled() }}");
        assert.deepStrictEqual(job.strategy!.matrix!.stack, [...RELEASE_STACKS]);
        const exp = stepIndex(job, (s) => /pulumi stack export --stack \$\{\{ matrix\.stack \}\} --file export\.json/.test(s.run ?? ""));
        const audit = stepIndex(job, (s) => /npm run --silent audit -- export\.json/.test(s.run ?? ""));
        const refreshed = stepIndex(job, (s) => s.if === "${{ !cancelled() && needs.refresh.result != 'success' }}" && /exit 1/.test(s.run ?? ""));
        assert.ok(exp >= 0 && audit > exp && refreshed > audit, `${exp} ${audit} ${refreshed}`);
        assert.ok(!job.steps[audit].run!.includes("--declared"), "the weekly audit judges live state");
        assert.ok(job.steps.every((s) => !(s.run ?? "").includes("--show-secrets")), "the export must stay encrypted");
    });
});

describe("GitHub workflows: supply chain and least privilege", () => {
    const files = WORKFLOWS;
    const jobsOf = (file: string) => Object.entries(workflow(file).jobs as Record<string, Job>);

    it("every action not owned by the repository is pinned to a full commit SHA, with its tag in a comment", () => {
        let checked = 0;
        for (const file of files) {
            for (const line of read(file).split("\n")) {
                const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
                if (!m) continue;
                checked++;
                if (m[1].startsWith("./")) continue;
                assert.match(m[1], /^[A-Za-z0-9-]+\/[A-Za-z0-9._\/-]+@[0-9a-f]{40}$/, `${file}: ${line.trim()}`);
                assert.match(m[2], /^ # v\d+\.\d+\.\d+$/, `${file}: ${line.trim()} needs its tag as a comment`);
            }
        }
        assert.ok(checked >= 20, `${checked} uses: lines`);
        // The check itself: a tag, a short SHA and an uppercase SHA are refused.
        for (const bad of ["actions/checkout@v4", "actions/checkout@11bd719", "actions/checkout@11BD71901BBE5B1630CEEA73D27597364C9AF683"]) {
            assert.doesNotMatch(bad, /^[A-Za-z0-9-]+\/[A-Za-z0-9._\/-]+@[0-9a-f]{40}$/);
        }
    });

    it("one action is pinned to one SHA everywhere (Dependabot moves them together)", () => {
        const pins = new Map<string, Set<string>>();
        for (const file of files) {
            for (const [, action, sha] of read(file).matchAll(/uses:\s*([^@\s]+)@([0-9a-f]{40})/g)) pins.set(action, (pins.get(action) ?? new Set()).add(sha));
        }
        for (const [action, shas] of pins) assert.strictEqual(shas.size, 1, `${action}: ${[...shas].join(", ")}`);
    });

    it("the Pulumi CLI version is pinned, the same in every step that installs it", () => {
        const versions = new Set<string>();
        for (const file of files) {
            for (const [, job] of jobsOf(file)) {
                for (const step of job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"))) {
                    const v = String(step.with?.["pulumi-version"] ?? "");
                    assert.match(v, /^\d+\.\d+\.\d+$/, `${file} ${step.name}: pulumi-version ${v || "missing"}`);
                    versions.add(v);
                }
            }
        }
        assert.deepStrictEqual([...versions], ["3.248.0"]);
    });

    it("every job that holds a secret installs without scripts; none checks out another ref than the event's", () => {
        for (const file of files) {
            for (const [id, job] of jobsOf(file)) {
                const holdsSecret = secretsIn(job).length > 0 || JSON.stringify(job).includes("github.token") ||
                    Object.values(job.permissions ?? {}).includes("write");
                const installs = job.steps.filter((s) => /\bnpm (ci|install|i)\b/.test(s.run ?? ""));
                if (holdsSecret) for (const s of installs) assert.strictEqual(s.run, "npm ci --ignore-scripts", `${file} ${id}`);
                for (const s of job.steps.filter((x) => x.uses?.startsWith("actions/checkout@"))) {
                    assert.strictEqual(s.with?.ref, undefined, `${file} ${id} checks out ${s.with?.ref}`);
                }
            }
        }
    });

    /** The jobs (as "file id") whose environment gives them a production deploy credential; pull-request code there fails. */
    function deployTokenJobs(file: string, wf: any): string[] {
        const reach: string[] = [];
        const on = Object.keys(wf.on);
        for (const [id, job] of Object.entries(wf.jobs as Record<string, Job>)) {
            if (!secretsIn(job).includes(ACTIONS_SECRETS.pulumiAccessToken)) continue;
            for (const combo of combinations(job.strategy?.matrix)) {
                const credential = (ENVIRONMENTS as Record<string, EnvironmentSpec>)[fill(environmentOf(job) ?? "", combo)]?.credentials.PULUMI_ACCESS_TOKEN;
                if (!credential || !PRODUCTION_DEPLOY_CREDENTIALS.includes(credential)) continue;
                reach.push(`${file} ${id}`);
                assert.ok(!on.includes("pull_request") && !on.includes("pull_request_target"), `${file} ${id} runs pull-request code with the deploy token`);
            }
        }
        return reach;
    }

    it("the deploy token is only reachable by deploy (production): no preview, audit or refresh job, no pull-request code", () => {
        assert.deepStrictEqual(files.flatMap((f) => deployTokenJobs(f, workflow(f))), ["deploy.yml production"]);
        // And by construction: no environment but production holds a deploy credential.
        const holders = Object.entries(ENVIRONMENTS).filter(([, e]) => Object.values(e.credentials).some((c) => PRODUCTION_DEPLOY_CREDENTIALS.includes(c!)));
        assert.deepStrictEqual(holders.map(([n]) => n), ["production"]);
    });

    it("the check above catches a preview or an audit moved into the production environment", () => {
        const pr = workflow("pull-request.yml");
        pr.jobs.preview.strategy.matrix.include[1].environment = "production";
        assert.throws(() => deployTokenJobs("pull-request.yml", pr), /pull-request\.yml preview runs pull-request code with the deploy token/);
        const audit = workflow("audit.yml");
        audit.jobs.audit.strategy.matrix.include[1].environment = "production";
        assert.deepStrictEqual(deployTokenJobs("audit.yml", audit), ["audit.yml audit"]);
    });

    it("no run script interpolates event data (titles, branch names, labels): it goes through env", () => {
        for (const file of files) {
            for (const [id, job] of jobsOf(file)) {
                for (const s of job.steps) assert.doesNotMatch(s.run ?? "", /\$\{\{\s*(github\.event\.|github\.head_ref|inputs\.)/, `${file} ${id} ${s.name ?? ""}`);
            }
        }
    });

    it("npm audit --audit-level=high is a required pull-request check with nothing installed", () => {
        const job: Job = workflow("pull-request.yml").jobs["npm-audit"];
        assert.strictEqual(job.name, "npm audit");
        assert.ok(REQUIRED_CHECKS.includes("npm audit"));
        assert.deepStrictEqual(job.steps.filter((s) => s.run).map((s) => s.run), ["npm audit --audit-level=high"]);
        assert.strictEqual(secretsIn(job).length, 0);
    });

    it("backport: on main's pushes (or by hand), in the backport environment, running only git and gh", () => {
        const wf = workflow("backport.yml");
        assert.deepStrictEqual(Object.keys(wf.on).sort(), ["push", "workflow_dispatch"]);
        assert.deepStrictEqual(wf.on.push.branches, ["main"]);
        const job: Job = wf.jobs.backport;
        assert.strictEqual(environmentOf(job), "backport");
        assert.strictEqual(ENVIRONMENTS.backport.mainOnly, true);
        assert.deepStrictEqual([...new Set(secretsIn(job))], [BACKPORT_SECRET]);
        assert.ok(job.steps.every((s) => !/\bnpm\b/.test(s.run ?? "")));
        assert.match(job.steps.at(-1)!.run!, /\nbash \.github\/scripts\/backport\.sh\n?$/);
    });

    it("dr-drill: yearly, opens the issue with GITHUB_TOKEN's issues permission only", () => {
        const wf = workflow("dr-drill.yml");
        const runs = CronExpressionParser.parse(wf.on.schedule[0].cron, { tz: "Etc/UTC", currentDate: new Date("2026-02-01T00:00:00Z") });
        const [a, b] = [runs.next().toDate(), runs.next().toDate()];
        assert.deepStrictEqual([a.toISOString().slice(0, 10), b.toISOString().slice(0, 10)], ["2027-01-15", "2028-01-15"]);
        const job: Job = wf.jobs["open-issue"];
        assert.deepStrictEqual(job.permissions, { contents: "read", issues: "write" });
        assert.strictEqual(secretsIn(job).length, 0);
        assert.match(job.steps.at(-1)!.run!, /bash \.github\/scripts\/dr-drill-issue\.sh$/);
    });
});
