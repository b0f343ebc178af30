import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DEPENDABOT_PATH, dependabotYaml } from "../../components/dependabot";
import { REQUIRED_CHECKS } from "../../components/release-checks";
import { parseReviewers, Repository, RepositoryArgs } from "../../components/repository";
import { isSecretValue, MOCK_SECRET_MARKER, redactSecrets, RecordedResource, runProgram } from "../../tools/lib/program";

const TOKEN = `${MOCK_SECRET_MARKER}-pulumi-token`;
const PASSPHRASE = `${MOCK_SECRET_MARKER}-passphrase`;

function base(over: Partial<RepositoryArgs> = {}): RepositoryArgs {
    return {
        owner: "fork-knife", repository: "fork-knife-backend", requiredApprovals: 2,
        productionReviewers: ["alice", "fork-knife/sre"],
        pulumiAccessToken: pulumi.secret(TOKEN), pulumiConfigPassphrase: pulumi.secret(PASSPHRASE),
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
    });

    it("writes the committed Dependabot file before main is protected", () => {
        const [file] = ofType(resources, "github:index/repositoryFile:RepositoryFile");
        assert.strictEqual(file.inputs.file, DEPENDABOT_PATH);
        assert.strictEqual(file.inputs.content, fs.readFileSync(path.join(__dirname, "..", "..", DEPENDABOT_PATH), "utf8"));
        const [bp] = ofType(resources, "github:index/branchProtection:BranchProtection");
        assert.ok(bp.dependencies.includes(file.urn));
    });

    it("gates production on reviewers and main, leaves staging open", () => {
        const envs = ofType(resources, "github:index/repositoryEnvironment:RepositoryEnvironment");
        const prod = envs.find((e) => e.inputs.environment === "production")!.inputs as any;
        const staging = envs.find((e) => e.inputs.environment === "staging")!.inputs as any;
        assert.strictEqual(prod.reviewers[0].users.length, 1);
        assert.strictEqual(prod.reviewers[0].teams.length, 1);
        assert.strictEqual(prod.preventSelfReview, true);
        assert.strictEqual(prod.canAdminsBypass, false);
        assert.deepStrictEqual(prod.deploymentBranchPolicy, { protectedBranches: false, customBranchPolicies: true });
        assert.strictEqual(staging.reviewers, undefined);
        const [policy] = ofType(resources, "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy");
        assert.strictEqual(policy.inputs.environment, "production");
        assert.strictEqual(policy.inputs.branchPattern, "main");
    });

    it("stores the Pulumi token and passphrase as Actions secrets, marked secret", () => {
        const secrets = ofType(resources, "github:index/actionsSecret:ActionsSecret");
        assert.deepStrictEqual(secrets.map((s) => s.inputs.secretName).sort(), ["PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"]);
        for (const s of secrets) assert.ok(isSecretValue(s.inputs.value), `${s.inputs.secretName} is not a secret`);
        assert.ok(!JSON.stringify(redactSecrets(resources)).includes(MOCK_SECRET_MARKER));
    });

    it("creates no passphrase secret when there is none, and passes the GitHub token to the provider as a secret", async () => {
        const rs = await run(base({ pulumiConfigPassphrase: undefined, githubToken: pulumi.secret(`${MOCK_SECRET_MARKER}-gh`) }));
        assert.deepStrictEqual(ofType(rs, "github:index/actionsSecret:ActionsSecret").map((s) => s.inputs.secretName), ["PULUMI_ACCESS_TOKEN"]);
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

describe("Dependabot configuration", () => {
    it("is committed exactly as the Repository writes it, with monthly npm updates", () => {
        const committed = fs.readFileSync(path.join(__dirname, "..", "..", DEPENDABOT_PATH), "utf8");
        assert.strictEqual(committed, dependabotYaml());
        const npm = (require("yaml").parse(committed).updates as any[]).find((u) => u["package-ecosystem"] === "npm");
        assert.strictEqual(npm.schedule.interval, "monthly");
    });
});
