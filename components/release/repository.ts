// The guide's change management, enforced by GitHub: nothing reaches main without a reviewed PR whose CI
// passed, and production deploys only main, after a named reviewer approves. Uses its own github.Provider
// so the GitHub token never mixes with the Kubernetes stack's default providers.
//
// Pulumi credentials live in GitHub environments, never as repository-level secrets: a repository secret reaches
// every workflow run of every branch and pull request, including a PR's own index.ts and policy pack before
// anyone reviewed them. Which environment holds which stack's credentials is ENVIRONMENTS (release-checks.ts).
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { DEPENDABOT_PATH, dependabotYaml } from "./dependabot";
import { ENVIRONMENTS, EnvironmentName, RELEASE_BRANCH, REQUIRED_CHECKS } from "./release-checks";

/** GitHub allows at most six required reviewers on an environment. */
export const MAX_ENVIRONMENT_REVIEWERS = 6;

export interface RepositoryArgs {
    /** GitHub user or organisation that owns the repository. */
    owner: string;
    /** Repository name, without the owner. */
    repository: string;
    /** Approving reviews a PR needs before it can merge into main. */
    requiredApprovals: number;
    /** Who approves production deployments and production previews: user names, or org/team slugs of the owner's organisation. */
    productionReviewers: string[];
    /** Token for the GitHub provider (admin on the repository); undefined: the provider reads GITHUB_TOKEN. */
    githubToken?: pulumi.Input<string>;
    /**
     * Pulumi access token for the production stack: PULUMI_ACCESS_TOKEN of the production, production-preview and
     * production-audit environments.
     */
    pulumiAccessToken: pulumi.Input<string>;
    /** The production stack's passphrase (passphrase-encrypted stacks): production and production-preview. */
    pulumiConfigPassphrase?: pulumi.Input<string>;
    /**
     * A Pulumi access token that reaches the staging stack only (a team or organisation token scoped to it): the
     * staging environment's PULUMI_ACCESS_TOKEN, which every pull request's preview gets without an approval.
     * Without it staging holds no Pulumi credentials (its previews and deploys fail): the production token is never
     * put there, and an update refuses a staging token equal to the production one.
     */
    stagingPulumiAccessToken?: pulumi.Input<string>;
    /** The staging stack's own passphrase (passphrase-encrypted stacks); refused when equal to production's. */
    stagingPulumiConfigPassphrase?: pulumi.Input<string>;
}

export interface EnvironmentSecret {
    environment: EnvironmentName;
    secretName: string;
    secret: github.ActionsEnvironmentSecret;
}

export class Repository extends pulumi.ComponentResource {
    public readonly provider: github.Provider;
    public readonly branchProtection: github.BranchProtection;
    public readonly environments: Record<EnvironmentName, github.RepositoryEnvironment>;
    public readonly secrets: EnvironmentSecret[];
    public readonly dependabot: github.RepositoryFile;

    constructor(name: string, args: RepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:release:Repository", name, {}, opts);
        const reviewers = parseReviewers(args.owner, args.productionReviewers);
        this.provider = new github.Provider(name, {
            owner: args.owner,
            ...(args.githubToken !== undefined ? { token: pulumi.secret(args.githubToken) } : {}),
        }, { parent: this });
        const child = { parent: this, provider: this.provider };
        const repository = args.repository;

        // Written before main is protected: with admins included, a direct commit to a protected main is refused.
        // Later runs write the same text as the committed file, so there is nothing to push.
        this.dependabot = new github.RepositoryFile(`${name}-dependabot`, {
            repository,
            branch: RELEASE_BRANCH,
            file: DEPENDABOT_PATH,
            content: dependabotYaml(),
            commitMessage: "Dependabot: monthly dependency updates (managed by Pulumi)",
            overwriteOnCreate: true,
        }, child);

        this.branchProtection = new github.BranchProtection(`${name}-main`, {
            repositoryId: repository,
            pattern: RELEASE_BRANCH,
            enforceAdmins: true,
            allowsForcePushes: false,
            allowsDeletions: false,
            requireConversationResolution: true,
            requiredPullRequestReviews: [{
                requiredApprovingReviewCount: args.requiredApprovals,
                dismissStaleReviews: true,
                requireLastPushApproval: true,
            }],
            // strict: the branch must be up to date with main, so the checks ran against what will be merged.
            requiredStatusChecks: [{ strict: true, contexts: [...REQUIRED_CHECKS] }],
        }, { ...child, dependsOn: [this.dependabot] });

        // The same reviewers approve production deployments and production previews of pull requests.
        const reviewerIds = [{
            users: reviewers.users.map((username) => github.getUserOutput({ username }, child).id.apply(Number)),
            teams: reviewers.teams.map((slug) => github.getTeamOutput({ slug, summaryOnly: true }, child).id.apply(Number)),
        }];
        const environments = {} as Record<EnvironmentName, github.RepositoryEnvironment>;
        for (const [environment, spec] of Object.entries(ENVIRONMENTS) as [EnvironmentName, typeof ENVIRONMENTS[EnvironmentName]][]) {
            environments[environment] = new github.RepositoryEnvironment(`${name}-${environment}`, {
                repository,
                environment,
                // Nobody approves their own run (for a preview: the PR's author), and admins wait like everyone else.
                ...(spec.reviewers ? { reviewers: reviewerIds, preventSelfReview: true, canAdminsBypass: false } : {}),
                // Without a policy any branch (and any pull request) may use the environment.
                ...(spec.mainOnly ? { deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true } } : {}),
            }, child);
            if (spec.mainOnly) {
                new github.RepositoryEnvironmentDeploymentPolicy(`${name}-${environment}-main`, {
                    repository,
                    environment: environments[environment].environment,
                    branchPattern: RELEASE_BRANCH,
                }, child);
            }
        }
        this.environments = environments;

        const credentials = stackCredentials(args);
        this.secrets = [];
        for (const [environment, spec] of Object.entries(ENVIRONMENTS) as [EnvironmentName, typeof ENVIRONMENTS[EnvironmentName]][]) {
            for (const secretName of spec.secrets) {
                const value = credentials[spec.stack][secretName];
                if (value === undefined) continue;
                const secret = new github.ActionsEnvironmentSecret(`${name}-${environment}-${secretName.toLowerCase().replace(/_/g, "-")}`, {
                    repository,
                    environment: environments[environment].environment,
                    secretName,
                    value: pulumi.secret(value),
                }, child);
                this.secrets.push({ environment, secretName, secret });
            }
        }
        if (credentials.staging.PULUMI_ACCESS_TOKEN === undefined) {
            pulumi.log.warn("Repository: no stagingPulumiAccessToken, so the staging environment holds no Pulumi token: " +
                "preview (staging) and the staging deploy fail until one (scoped to the staging stack) is set", this);
        }

        this.registerOutputs({
            requiredChecks: [...REQUIRED_CHECKS],
            environments: Object.keys(ENVIRONMENTS),
            environmentSecrets: Object.fromEntries((Object.keys(ENVIRONMENTS) as EnvironmentName[]).map((e) =>
                [e, this.secrets.filter((s) => s.environment === e).map((s) => s.secretName)])),
        });
    }
}

type Credentials = Partial<Record<string, pulumi.Input<string>>>;

/**
 * Each stack's credentials by Actions secret name. The staging values are checked against production's when the
 * update runs (their values are secrets, unknown while the program is built): equal ones would hand production's
 * state, and with the committed Pulumi.production.yaml its decrypted config, to every unreviewed pull request.
 */
function stackCredentials(args: RepositoryArgs): Record<"staging" | "production", Credentials> {
    return {
        production: {
            PULUMI_ACCESS_TOKEN: args.pulumiAccessToken,
            PULUMI_CONFIG_PASSPHRASE: args.pulumiConfigPassphrase,
        },
        staging: {
            PULUMI_ACCESS_TOKEN: stagingCredential("stagingPulumiAccessToken", args.stagingPulumiAccessToken, args.pulumiAccessToken),
            PULUMI_CONFIG_PASSPHRASE: stagingCredential("stagingPulumiConfigPassphrase", args.stagingPulumiConfigPassphrase, args.pulumiConfigPassphrase),
        },
    };
}

/** The staging value, failing (without showing either value) when it equals the production one. */
export function stagingCredential(key: string, staging: pulumi.Input<string> | undefined,
    production: pulumi.Input<string> | undefined): pulumi.Output<string> | undefined {
    if (staging === undefined) return undefined;
    return pulumi.all([staging, production]).apply(([s, p]) => {
        if (p !== undefined && s === p) {
            throw new Error(`Repository: ${key} equals the production value; staging's credentials reach every ` +
                "pull request's preview without an approval, so they must not open the production stack");
        }
        return s;
    });
}

/** Splits reviewers into user names and team slugs; refuses what GitHub would refuse at deploy time. */
export function parseReviewers(owner: string, reviewers: string[]): { users: string[]; teams: string[] } {
    if (reviewers.length === 0) {
        throw new Error("github.productionReviewers: name at least one user or org/team: production deployments need an approver");
    }
    if (reviewers.length > MAX_ENVIRONMENT_REVIEWERS) {
        throw new Error(`github.productionReviewers: GitHub allows at most ${MAX_ENVIRONMENT_REVIEWERS} reviewers, got ${reviewers.length}`);
    }
    const users: string[] = [];
    const teams: string[] = [];
    for (const r of reviewers) {
        const [org, team] = r.split("/");
        if (team === undefined) users.push(r);
        else if (org.toLowerCase() !== owner.toLowerCase()) {
            throw new Error(`github.productionReviewers: team ${r} must belong to the repository's owner ${owner}`);
        } else teams.push(team);
    }
    return { users, teams };
}
