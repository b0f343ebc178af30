import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { CODE_OWNED_PATHS, CODEOWNERS_PATH, codeownersText } from "../../../components/release/codeowners";
import { DEPENDABOT_PATH, dependabotYaml } from "../../../components/release/dependabot";
import { ENVIRONMENTS, PRODUCTION_DEPLOY_CREDENTIALS, REQUIRED_CHECKS } from "../../../components/release/release-checks";
import { distinctCredential, parseReviewers, Repository, RepositoryArgs, stagingCredential } from "../../../components/release/repository";
import { isSecretValue, MOCK_SECRET_MARKER, redactSecrets, RecordedResource, runProgram } from "../../../tools/lib/program";

const TOKEN = `${MOCK_SECRET_MARKER}-pulumi-token`;
const PASSPHRASE = `${MOCK_SECRET_MARKER}-passphrase`;
const STAGING_TOKEN = `${MOCK_SECRET_MARKER}-staging-pulumi-token`;
const STAGING_PASSPHRASE = `${MOCK_SECRET_MARKER}-staging-passphrase`;
const READ_TOKEN = `${MOCK_SECRET_MARKER}-read-token`;
const PAGERDUTY_TOKEN = `${MOCK_SECRET_MARKER}-pagerduty-token`;
const REFRESH_TOKEN = `${MOCK_SECRET_MARKER}-refresh-token`;
const BACKPORT_TOKEN = `${MOCK_SECRET_MARKER}-backport-token`;
const ROOT = path.join(__dirname, "..", "..", "..");
const ENVIRONMENT_TYPE = "github:index/repositoryEnvironment:RepositoryEnvironment";
const POLICY_TYPE = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy";
const SECRET_TYPE = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret";

function base(over: Partial<RepositoryArgs> = {}): RepositoryArgs {
    return {
        owner: "fork-knife", repository: "fork-knife-backend", requiredApprovals: 2,
        productionReviewers: ["alice", "fork-knife/sre"],
        pulumiAccessToken: pulumi.secret(TOKEN), pulumiConfigPassphrase: pulumi.secret(PASSPHRASE),
        stagingPulumiAccessToken: pulumi.secret(STAGING_TOKEN), stagingPulumiConfigPassphrase: pulumi.secret(STAGING_PASSPHRASE),
        pulumiReadAccessToken: pulumi.secret(READ_TOKEN), pulumiRefreshAccessToken: pulumi.secret(REFRESH_TOKEN),
        backportGithubToken: pulumi.secret(BACKPORT_TOKEN), pagerdutyToken: pulumi.secret(PAGERDUTY_TOKEN),
        ...over,
    };
}

async function run(args: RepositoryArgs): Promise<RecordedResource[]> {
    const result = await runProgram({ stack: "production", config: {}, secretKeys: [], program: () => { new Repository("repo", args); } });
    return result.resources;
}

const ofType = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);

describe("Repository", () => {
    let resources: RecordedResource[];
    before(async () => { resources = await run(base()); });

    it("puts every GitHub resource under the component and its own provider", () => {
        const component = resources.find((r) => r.type === "fork-knife:release:Repository")!;
        const provider = ofType(resources, "pulumi:providers:github")[0];
        assert.ok(component && provider);
        assert.strictEqual(provider.parent, component.urn);
        assert.strictEqual(provider.inputs.owner, "fork-knife");
        const githubResources = resources.filter((r) => r.type.startsWith("github:"));
        assert.ok(githubResources.length >= 6);
        for (const r of githubResources) {
            assert.strictEqual(r.parent, component.urn, r.urn);
            assert.ok(r.provider?.startsWith(provider.urn), `${r.urn} uses ${r.provider}`);
        }
    });

    it("protects main: reviews, stale reviews dismissed, the CI checks up to date, no force pushes, admins included", () => {
        const [bp] = ofType(resources, "github:index/branchProtection:BranchProtection");
        const i = bp.inputs as any;
        assert.strictEqual(i.pattern, "main");
        assert.strictEqual(i.repositoryId, "fork-knife-backend");
        assert.strictEqual(i.requiredPullRequestReviews[0].requiredApprovingReviewCount, 2);
        assert.strictEqual(i.requiredPullRequestReviews[0].dismissStaleReviews, true);
        assert.deepStrictEqual(i.requiredStatusChecks[0].contexts, [...REQUIRED_CHECKS]);
        assert.strictEqual(i.requiredStatusChecks[0].strict, true);
        assert.strictEqual(i.allowsForcePushes, false);
        assert.strictEqual(i.allowsDeletions, false);
        assert.strictEqual(i.enforceAdmins, true);
        assert.strictEqual(i.requiredPullRequestReviews[0].requireCodeOwnerReviews, true);
    });

    it("hardens the repository: vulnerability alerts and Dependabot security updates on, GITHUB_TOKEN read-only, no PR approval by workflows, SHA-pinned actions", () => {
        const one = (type: string) => { const rs = ofType(resources, type); assert.strictEqual(rs.length, 1, type); return rs[0]; };
        const alerts = one("github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts");
        assert.deepStrictEqual(alerts.inputs, { repository: "fork-knife-backend", enabled: true });
        const updates = one("github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates");
        assert.deepStrictEqual(updates.inputs, { repository: "fork-knife-backend", enabled: true });
        // GitHub refuses security updates while alerts are off: the order matters on a fresh repository.
        assert.ok(updates.dependencies.includes(alerts.urn));
        assert.deepStrictEqual(one("github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions").inputs,
            { repository: "fork-knife-backend", defaultWorkflowPermissions: "read", canApprovePullRequestReviews: false });
        const actions = one("github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions").inputs as any;
        assert.deepStrictEqual([actions.enabled, actions.shaPinningRequired], [true, true]);
    });

    it("writes CODEOWNERS for the workflows, the policies and the stack files, owned by the production reviewers, before main is protected", () => {
        const file = ofType(resources, "github:index/repositoryFile:RepositoryFile").find((f) => f.inputs.file === CODEOWNERS_PATH)!;
        const lines = String(file.inputs.content).split("\n").filter((l) => l && !l.startsWith("#"));
        assert.deepStrictEqual(lines.map((l) => l.split(/\s+/)), [
            ["/.github/", "@alice", "@fork-knife/sre"], ["/policies/", "@alice", "@fork-knife/sre"],
            ["/Pulumi.yaml", "@alice", "@fork-knife/sre"], ["/Pulumi.*.yaml", "@alice", "@fork-knife/sre"],
        ]);
        const [bp] = ofType(resources, "github:index/branchProtection:BranchProtection");
        assert.ok(bp.dependencies.includes(file.urn));
        assert.throws(() => codeownersText([]), /at least one reviewer/);
    });

    it("writes the committed Dependabot file before main is protected", () => {
        const file = ofType(resources, "github:index/repositoryFile:RepositoryFile").find((f) => f.inputs.file === DEPENDABOT_PATH)!;
        assert.strictEqual(file.inputs.content, fs.readFileSync(path.join(__dirname, "..", "..", "..", DEPENDABOT_PATH), "utf8"));
        const [bp] = ofType(resources, "github:index/branchProtection:BranchProtection");
        assert.ok(bp.dependencies.includes(file.urn));
    });

    const envs = () => ofType(resources, ENVIRONMENT_TYPE);
    const env = (name: string) => envs().find((e) => e.inputs.environment === name)!.inputs as any;
    const branchPolicies = () => ofType(resources, POLICY_TYPE).map((p) => p.inputs as any);

    it("creates exactly the environments the workflows use", () => {
        assert.deepStrictEqual(envs().map((e) => e.inputs.environment).sort(), Object.keys(ENVIRONMENTS).sort());
        assert.deepStrictEqual(Object.keys(ENVIRONMENTS).sort(), ["backport", "production", "production-audit", "production-preview", "production-refresh", "staging"]);
    });

    it("gates production on reviewers and main, leaves staging open to any branch", () => {
        const prod = env("production");
        assert.strictEqual(prod.reviewers[0].users.length, 1);
        assert.strictEqual(prod.reviewers[0].teams.length, 1);
        assert.strictEqual(prod.preventSelfReview, true);
        assert.strictEqual(prod.canAdminsBypass, false);
        assert.deepStrictEqual(prod.deploymentBranchPolicy, { protectedBranches: false, customBranchPolicies: true });
        assert.deepStrictEqual(branchPolicies().filter((p) => p.environment === "production").map((p) => p.branchPattern), ["main"]);
        const staging = env("staging");
        assert.strictEqual(staging.reviewers, undefined);
        assert.strictEqual(staging.deploymentBranchPolicy, undefined);
        assert.ok(!branchPolicies().some((p) => p.environment === "staging"));
    });

    it("production-preview: the production reviewers approve, self-review refused, any branch (pull requests) allowed", () => {
        const preview = env("production-preview");
        assert.deepStrictEqual(preview.reviewers, env("production").reviewers);
        assert.ok(preview.reviewers[0].users.length + preview.reviewers[0].teams.length > 0);
        assert.strictEqual(preview.preventSelfReview, true);
        assert.strictEqual(preview.canAdminsBypass, false);
        // A branch policy would refuse pull-request refs (refs/pull/N/merge), and the preview would never run.
        assert.strictEqual(preview.deploymentBranchPolicy, undefined);
        assert.ok(!branchPolicies().some((p) => p.environment === "production-preview"));
    });

    it("production-audit and production-refresh: main only, no reviewers (the weekly audit runs unattended)", () => {
        const refresh = env("production-refresh");
        assert.strictEqual(refresh.reviewers, undefined);
        assert.deepStrictEqual(branchPolicies().filter((p) => p.environment === "production-refresh").map((p) => p.branchPattern), ["main"]);
        const audit = env("production-audit");
        assert.strictEqual(audit.reviewers, undefined);
        assert.deepStrictEqual(audit.deploymentBranchPolicy, { protectedBranches: false, customBranchPolicies: true });
        assert.deepStrictEqual(branchPolicies().filter((p) => p.environment === "production-audit").map((p) => p.branchPattern), ["main"]);
    });

    it("every environment's reviewers and branch rule are what ENVIRONMENTS says", () => {
        for (const [name, spec] of Object.entries(ENVIRONMENTS)) {
            const e = env(name);
            assert.strictEqual(e.reviewers !== undefined, spec.reviewers, name);
            assert.strictEqual(e.deploymentBranchPolicy !== undefined, spec.mainOnly, name);
            assert.strictEqual(branchPolicies().some((p) => p.environment === name && p.branchPattern === "main"), spec.mainOnly, name);
        }
    });

    it("creates no repository-level Actions secret: every Pulumi credential is an environment secret", () => {
        assert.deepStrictEqual(ofType(resources, "github:index/actionsSecret:ActionsSecret"), []);
        assert.deepStrictEqual(ofType(resources, "github:index/actionsOrganizationSecret:ActionsOrganizationSecret"), []);
        const secrets = ofType(resources, SECRET_TYPE);
        assert.deepStrictEqual(secrets.map((s) => `${s.inputs.environment}/${s.inputs.secretName}`).sort(),
            Object.entries(ENVIRONMENTS).flatMap(([e, spec]) => spec.secrets.map((n) => `${e}/${n}`)).sort());
        for (const s of secrets) assert.ok(isSecretValue(s.inputs.value), `${s.inputs.environment}/${s.inputs.secretName} is not a secret`);
        assert.ok(!JSON.stringify(redactSecrets(resources)).includes(MOCK_SECRET_MARKER));
    });

    it("holds each stack's own credentials: production's only behind reviewers or main, staging's in staging", () => {
        const value = (environment: string, secretName: string) =>
            (ofType(resources, SECRET_TYPE).find((s) => s.inputs.environment === environment && s.inputs.secretName === secretName)?.inputs.value as any)?.value;
        assert.strictEqual(value("staging", "PULUMI_ACCESS_TOKEN"), STAGING_TOKEN);
        assert.strictEqual(value("staging", "PULUMI_CONFIG_PASSPHRASE"), STAGING_PASSPHRASE);
        assert.strictEqual(value("production", "PULUMI_ACCESS_TOKEN"), TOKEN);
        assert.strictEqual(value("production-preview", "PULUMI_ACCESS_TOKEN"), READ_TOKEN);
        assert.strictEqual(value("production-audit", "PULUMI_ACCESS_TOKEN"), READ_TOKEN);
        assert.strictEqual(value("production-refresh", "PULUMI_ACCESS_TOKEN"), REFRESH_TOKEN);
        for (const e of ["production", "production-preview", "production-refresh"]) assert.strictEqual(value(e, "PULUMI_CONFIG_PASSPHRASE"), PASSPHRASE, e);
        assert.strictEqual(value("production-audit", "PULUMI_CONFIG_PASSPHRASE"), undefined, "the audit never decrypts");
        assert.strictEqual(value("backport", "BACKPORT_TOKEN"), BACKPORT_TOKEN);
        assert.strictEqual(env("backport").reviewers, undefined);
        assert.deepStrictEqual(branchPolicies().filter((p) => p.environment === "backport").map((p) => p.branchPattern), ["main"]);
        // The deploy token is in the production environment and nowhere else.
        assert.deepStrictEqual(ofType(resources, SECRET_TYPE).filter((x) => (x.inputs.value as any).value === TOKEN).map((x) => x.inputs.environment), ["production"]);
        assert.deepStrictEqual(Object.entries(ENVIRONMENTS).filter(([, spec]) => Object.values(spec.credentials).some((k) => PRODUCTION_DEPLOY_CREDENTIALS.includes(k!)))
            .map(([e]) => e), ["production"]);
        // Every environment that holds the production token gates it behind reviewers or main.
        for (const s of ofType(resources, SECRET_TYPE).filter((x) => (x.inputs.value as any).value === TOKEN)) {
            const spec = ENVIRONMENTS[s.inputs.environment as keyof typeof ENVIRONMENTS];
            assert.ok(spec.reviewers || spec.mainOnly, `${s.inputs.environment} holds the production token ungated`);
        }
    });

    it("never puts the production credentials into staging when staging has none of its own", async () => {
        const rs = await run(base({ stagingPulumiAccessToken: undefined, stagingPulumiConfigPassphrase: undefined }));
        const secrets = ofType(rs, SECRET_TYPE);
        assert.ok(!secrets.some((s) => s.inputs.environment === "staging"), "staging got a secret");
        assert.deepStrictEqual(secrets.map((s) => `${s.inputs.environment}/${s.inputs.secretName}`).sort(), [
            "backport/BACKPORT_TOKEN", "production-audit/PULUMI_ACCESS_TOKEN",
            "production-preview/PAGERDUTY_TOKEN", "production-preview/PULUMI_ACCESS_TOKEN", "production-preview/PULUMI_CONFIG_PASSPHRASE",
            "production-refresh/PAGERDUTY_TOKEN", "production-refresh/PULUMI_ACCESS_TOKEN", "production-refresh/PULUMI_CONFIG_PASSPHRASE",
            "production/PAGERDUTY_TOKEN",
            "production/PULUMI_ACCESS_TOKEN", "production/PULUMI_CONFIG_PASSPHRASE",
        ]);
    });

    it("never puts the deploy token into the preview, audit or refresh environments when their own tokens are missing", async () => {
        const rs = await run(base({ pulumiReadAccessToken: undefined, pulumiRefreshAccessToken: undefined }));
        const tokens = ofType(rs, SECRET_TYPE).filter((s) => s.inputs.secretName === "PULUMI_ACCESS_TOKEN");
        assert.deepStrictEqual(tokens.map((s) => s.inputs.environment).sort(), ["production", "staging"]);
    });

    it("refuses a read or refresh token equal to the deploy token, without showing either", async () => {
        const value = (o: pulumi.Output<string> | undefined) => (o as any).promise() as Promise<string>;
        for (const key of ["pulumiReadAccessToken", "pulumiRefreshAccessToken"]) {
            await assert.rejects(value(distinctCredential(key, pulumi.secret(TOKEN), pulumi.secret(TOKEN), "the deploy token (pulumiAccessToken)")),
                (e: Error) => e.message.startsWith(`Repository: ${key} equals the deploy token (pulumiAccessToken)`) && !e.message.includes(MOCK_SECRET_MARKER));
        }
        assert.strictEqual(await value(distinctCredential("pulumiReadAccessToken", READ_TOKEN, TOKEN, "x")), READ_TOKEN);
    });

    it("refuses a staging token or passphrase equal to production's, without showing either", async () => {
        const value = (o: pulumi.Output<string> | undefined) => (o as any).promise() as Promise<string>;
        await assert.rejects(value(stagingCredential("stagingPulumiAccessToken", pulumi.secret(TOKEN), pulumi.secret(TOKEN))),
            (e: Error) => /stagingPulumiAccessToken equals the production value/.test(e.message) && !e.message.includes(MOCK_SECRET_MARKER));
        await assert.rejects(value(stagingCredential("stagingPulumiConfigPassphrase", PASSPHRASE, pulumi.secret(PASSPHRASE))),
            /stagingPulumiConfigPassphrase equals the production value/);
        assert.strictEqual(await value(stagingCredential("stagingPulumiAccessToken", STAGING_TOKEN, TOKEN)), STAGING_TOKEN);
        assert.strictEqual(await value(stagingCredential("stagingPulumiConfigPassphrase", STAGING_PASSPHRASE, undefined)), STAGING_PASSPHRASE);
        assert.strictEqual(stagingCredential("stagingPulumiAccessToken", undefined, TOKEN), undefined);
    });

    it("writes the PagerDuty token, as a secret, into the environments whose jobs run the program in production only", async () => {
        const rs = await run(base());
        const pd = ofType(rs, SECRET_TYPE).filter((s) => s.inputs.secretName === "PAGERDUTY_TOKEN");
        assert.deepStrictEqual(pd.map((s) => s.inputs.environment).sort(), ["production", "production-preview", "production-refresh"]);
        for (const s of pd) assert.ok(isSecretValue(s.inputs.value) && (s.inputs.value as any).value === PAGERDUTY_TOKEN);
    });

    it("creates no passphrase secret when there is none, and passes the GitHub token to the provider as a secret", async () => {
        const rs = await run(base({ pulumiConfigPassphrase: undefined, stagingPulumiConfigPassphrase: undefined, pagerdutyToken: undefined,
            githubToken: pulumi.secret(`${MOCK_SECRET_MARKER}-gh`) }));
        assert.deepStrictEqual(ofType(rs, SECRET_TYPE).map((s) => s.inputs.secretName).sort(),
            Object.values(ENVIRONMENTS).map((e) => (e.stack ? "PULUMI_ACCESS_TOKEN" : "BACKPORT_TOKEN")).sort());
        const [provider] = ofType(rs, "pulumi:providers:github");
        assert.ok(isSecretValue(provider.inputs.token));
    });
});

describe("parseReviewers", () => {
    it("splits users from teams of the owner", () => {
        assert.deepStrictEqual(parseReviewers("Fork-Knife", ["bob", "fork-knife/sre"]), { users: ["bob"], teams: ["sre"] });
    });
    it("refuses no reviewers, too many, and teams of another organisation", () => {
        assert.throws(() => parseReviewers("o", []), /at least one/);
        assert.throws(() => parseReviewers("o", ["a", "b", "c", "d", "e", "f", "g"]), /at most 6/);
        assert.throws(() => parseReviewers("o", ["other/sre"]), /must belong to the repository's owner o/);
    });
});

describe("CODEOWNERS", () => {
    it("is committed exactly as the Repository writes it for the production stack's reviewers", () => {
        const stackFile = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8"));
        const reviewers: string[] = stackFile.config["fork-knife:github"].productionReviewers;
        assert.strictEqual(fs.readFileSync(path.join(ROOT, CODEOWNERS_PATH), "utf8"), codeownersText(reviewers));
    });

    it("owns every path that decides how production changes, and they exist", () => {
        assert.deepStrictEqual([...CODE_OWNED_PATHS], ["/.github/", "/policies/", "/Pulumi.yaml", "/Pulumi.*.yaml"]);
        for (const p of ["/.github/", "/policies/", "/Pulumi.yaml", "/Pulumi.production.yaml", "/Pulumi.staging.yaml"]) assert.ok(fs.existsSync(path.join(ROOT, p)), p);
    });
});

describe("Dependabot configuration", () => {
    it("is committed exactly as the Repository writes it, with monthly npm updates", () => {
        const committed = fs.readFileSync(path.join(__dirname, "..", "..", "..", DEPENDABOT_PATH), "utf8");
        assert.strictEqual(committed, dependabotYaml());
        const updates = parseYaml(committed).updates as any[];
        const npm = updates.find((u) => u["package-ecosystem"] === "npm");
        assert.strictEqual(npm.schedule.interval, "monthly");
        // The SHA-pinned actions (workflows.test.ts) stay current through Dependabot's github-actions updates.
        const actions = updates.find((u) => u["package-ecosystem"] === "github-actions");
        assert.deepStrictEqual([actions.directory, actions.schedule.interval], ["/", "monthly"]);
    });
});
