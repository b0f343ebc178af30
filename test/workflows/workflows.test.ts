import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CronExpressionParser } from "cron-parser";
import { ACTIONS_SECRETS, RELEASE_STACKS, REQUIRED_CHECKS } from "../../components/release-checks";
import { workflowProblems } from "./workflow-parser";

const DIR = path.join(__dirname, "..", "..", ".github", "workflows");
const read = (file: string) => fs.readFileSync(path.join(DIR, file), "utf8");
const workflow = (file: string) => parse(read(file));

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string; env?: Record<string, string> }
interface Job { name?: string; needs?: string | string[]; if?: string; environment?: { name: string } | string; steps: Step[];
    strategy?: { matrix?: Record<string, unknown[]> } }

/** Check names as GitHub reports them: one per matrix combination, `${{ matrix.x }}` filled in. */
function checkNames(jobs: Record<string, Job>): string[] {
    return Object.entries(jobs).flatMap(([id, job]) => {
        const template = job.name ?? id;
        const matrix = job.strategy?.matrix ?? {};
        let names = [template];
        for (const [key, values] of Object.entries(matrix)) {
            names = names.flatMap((n) => values.map((v) => n.replace(new RegExp(`\\$\\{\\{\\s*matrix\\.${key}\\s*\\}\\}`, "g"), String(v))));
        }
        return names;
    });
}

const stepIndex = (job: Job, pred: (s: Step) => boolean) => job.steps.findIndex(pred);

describe("GitHub workflows", () => {
    const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));

    it("are the three release workflows", () => {
        assert.deepStrictEqual(files.sort(), ["audit.yml", "deploy.yml", "pull-request.yml"]);
    });

    for (const file of ["audit.yml", "deploy.yml", "pull-request.yml"]) {
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
        const allowed = new Set<string>([...Object.values(ACTIONS_SECRETS), "GITHUB_TOKEN"]);
        for (const file of files) {
            for (const [, name] of read(file).matchAll(/secrets\.([A-Za-z0-9_]+)/g)) assert.ok(allowed.has(name), `${file} reads secrets.${name}`);
        }
    });

    it("pull-request: tests, synth of each stack with artifact and PR comment, preview with the policy pack per stack", () => {
        const wf = workflow("pull-request.yml");
        assert.ok(wf.on.pull_request);
        const test: Job = wf.jobs.test;
        const ci = stepIndex(test, (s) => s.run === "npm ci");
        assert.ok(ci >= 0 && stepIndex(test, (s) => s.run === "npm test") > ci);

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
    });

    it("deploy: main to staging on push; production by dispatch, export kept before up, /health after, rollback on failure", () => {
        const wf = workflow("deploy.yml");
        assert.deepStrictEqual(wf.on.push.branches, ["main"]);
        assert.ok("workflow_dispatch" in wf.on);
        const staging: Job = wf.jobs.staging;
        assert.match(staging.if!, /github\.event_name == 'push'/);
        assert.ok(staging.steps.some((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up" && s.with?.["stack-name"] === "staging"));

        const prod: Job = wf.jobs.production;
        assert.match(prod.if!, /github\.event_name == 'workflow_dispatch'/);
        assert.strictEqual(typeof prod.environment === "string" ? prod.environment : prod.environment!.name, "production");
        const exported = stepIndex(prod, (s) => /pulumi stack export --stack production/.test(s.run ?? ""));
        const kept = stepIndex(prod, (s) => !!s.uses?.startsWith("actions/upload-artifact@"));
        const up = stepIndex(prod, (s) => !!s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
        const health = stepIndex(prod, (s) => /\/health$/.test(s.env?.HEALTH_URL ?? "") && /curl --fail/.test(s.run ?? ""));
        const rollback = stepIndex(prod, (s) => s.if === "failure()" && /rollout undo/.test(s.run ?? "") && /exit 1/.test(s.run ?? ""));
        assert.ok(exported >= 0 && exported < kept && kept < up && up < health && health < rollback, `${exported} ${kept} ${up} ${health} ${rollback}`);
        assert.strictEqual(prod.steps[up].with!.policyPackConfigs, "policies/config/production.json");
    });

    it("audit: weekly, both stacks, fails through npm run audit's exit code", () => {
        const wf = workflow("audit.yml");
        const cron: string = wf.on.schedule[0].cron;
        const runs = CronExpressionParser.parse(cron, { tz: "Etc/UTC", currentDate: new Date("2026-01-01T00:00:00Z") });
        const [a, b] = [runs.next().getTime(), runs.next().getTime()];
        assert.strictEqual(b - a, 7 * 24 * 3600 * 1000);
        const job: Job = wf.jobs.audit;
        assert.deepStrictEqual(job.strategy!.matrix!.stack, [...RELEASE_STACKS]);
        assert.strictEqual(wf.defaults.run.shell, "bash", "bash -o pipefail keeps the audit's exit code through tee");
        const exp = stepIndex(job, (s) => /pulumi stack export --stack \$\{\{ matrix\.stack \}\} --file export\.json/.test(s.run ?? ""));
        const audit = stepIndex(job, (s) => /npm run --silent audit -- export\.json/.test(s.run ?? ""));
        assert.ok(exp >= 0 && audit > exp);
        assert.ok(job.steps.every((s) => !(s.run ?? "").includes("--show-secrets")), "the export must stay encrypted");
    });
});
