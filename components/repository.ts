// The guide's change management, enforced by GitHub: nothing reaches main without a reviewed PR whose CI
// passed, and production deploys only main, after a named reviewer approves. Uses its own github.Provider
// so the GitHub token never mixes with the Kubernetes stack's default providers.
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { DEPENDABOT_PATH, dependabotYaml } from "./dependabot";
import { ACTIONS_SECRETS, RELEASE_BRANCH, REQUIRED_CHECKS } from "./release-checks";

/** GitHub allows at most six required reviewers on an environment. */
export const MAX_ENVIRONMENT_REVIEWERS = 6;

export interface RepositoryArgs {
    /** GitHub user or organisation that owns the repository. */
    owner: string;
    /** Repository name, without the owner. */
    repository: string;
    /** Approving reviews a PR needs before it can merge into main. */
    requiredApprovals: number;
    /** Who approves production deployments: user names, or org/team slugs of the owner's organisation. */
    productionReviewers: string[];
    /** Token for the GitHub provider (admin on the repository); undefined: the provider reads GITHUB_TOKEN. */
    githubToken?: pulumi.Input<string>;
    /** Pulumi access token, stored as an Actions secret for the workflows. */
    pulumiAccessToken: pulumi.Input<string>;
    /** Passphrase of passphrase-encrypted stacks, stored as an Actions secret when given. */
    pulumiConfigPassphrase?: pulumi.Input<string>;
}

export class Repository extends pulumi.ComponentResource {
    public readonly provider: github.Provider;
    public readonly branchProtection: github.BranchProtection;
    public readonly environments: Record<"staging" | "production", github.RepositoryEnvironment>;
    public readonly secrets: github.ActionsSecret[];
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

        const staging = new github.RepositoryEnvironment(`${name}-staging`, {
            repository,
            environment: "staging",
        }, child);
        const production = new github.RepositoryEnvironment(`${name}-production`, {
            repository,
            environment: "production",
            reviewers: [{
                users: reviewers.users.map((username) => github.getUserOutput({ username }, child).id.apply(Number)),
                teams: reviewers.teams.map((slug) => github.getTeamOutput({ slug, summaryOnly: true }, child).id.apply(Number)),
            }],
            preventSelfReview: true,
            canAdminsBypass: false,
            deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
        }, child);
        new github.RepositoryEnvironmentDeploymentPolicy(`${name}-production-main`, {
            repository,
            environment: production.environment,
            branchPattern: RELEASE_BRANCH,
        }, child);
        this.environments = { staging, production };

        const secretValues: [string, pulumi.Input<string> | undefined][] = [
            [ACTIONS_SECRETS.pulumiAccessToken, args.pulumiAccessToken],
            [ACTIONS_SECRETS.pulumiConfigPassphrase, args.pulumiConfigPassphrase],
        ];
        this.secrets = secretValues.filter(([, value]) => value !== undefined).map(([secretName, value]) =>
            new github.ActionsSecret(`${name}-${secretName.toLowerCase().replace(/_/g, "-")}`, {
                repository,
                secretName,
                value: pulumi.secret(value!),
            }, child));

        this.registerOutputs({
            requiredChecks: [...REQUIRED_CHECKS],
            environments: ["staging", "production"],
            secretNames: secretValues.filter(([, v]) => v !== undefined).map(([n]) => n),
        });
    }
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
