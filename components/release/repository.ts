// The guide's change management, enforced by GitHub: nothing reaches main without a reviewed PR whose CI
// passed, and production deploys only main, after a named reviewer approves. Uses its own github.Provider
// so the GitHub token never mixes with the Kubernetes stack's default providers.
//
// Pulumi credentials live in GitHub environments, never as repository-level secrets: a repository secret reaches
// every workflow run of every branch and pull request, including a PR's own index.ts and policy pack before
// anyone reviewed them. Which environment holds which stack's credentials is ENVIRONMENTS (release-checks.ts).
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { CODEOWNERS_PATH, codeownersText } from "./codeowners";
import { DEPENDABOT_PATH, dependabotYaml } from "./dependabot";
import { CredentialKey, ENVIRONMENTS, EnvironmentName, RELEASE_BRANCH, REQUIRED_CHECKS } from "./release-checks";

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
     * Production's deploy token (Pulumi Cloud "Stack Write" on production): PULUMI_ACCESS_TOKEN of the `production`
     * environment only, which waits for a production reviewer and admits main only.
     */
    pulumiAccessToken: pulumi.Input<string>;
    /**
     * A read-only token for production ("Stack Read": preview, export, decrypt; no update): the production-preview
     * and production-audit environments. Refused when equal to the deploy token. Without it they hold no token.
     */
    pulumiReadAccessToken?: pulumi.Input<string>;
    /**
     * The token the weekly audit's `pulumi refresh` uses (production-refresh, main only). Refresh writes state, so it
     * needs "Stack Write": a token of its own, never the deploy token (refused when equal), revocable on its own.
     */
    pulumiRefreshAccessToken?: pulumi.Input<string>;
    /** The production stack's passphrase (passphrase-encrypted stacks): production, production-preview, production-refresh. */
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
    /**
     * A GitHub token that may push branches and open pull requests (a fine-grained token or an app's): the backport
     * environment's BACKPORT_TOKEN. Without it the backport workflow cannot open its pull requests.
     */
    backportGithubToken?: pulumi.Input<string>;
    /**
     * The PagerDuty API token OnCall's provider reads from PAGERDUTY_TOKEN: the production environments whose jobs
     * run the program (production-preview, production, production-refresh). Without it they hold none.
     */
    pagerdutyToken?: pulumi.Input<string>;
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
    public readonly codeowners: github.RepositoryFile;

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
        this.codeowners = new github.RepositoryFile(`${name}-codeowners`, {
            repository,
            branch: RELEASE_BRANCH,
            file: CODEOWNERS_PATH,
            content: codeownersText(args.productionReviewers),
            commitMessage: "CODEOWNERS: production reviewers own workflows, policies and stack files (managed by Pulumi)",
            overwriteOnCreate: true,
        }, child);

        // The guide's security checklist: GitHub reports vulnerable dependencies and Dependabot opens the fixing PRs
        // at once (the "patches within 24-48 h"), besides the monthly version updates of dependabot.yml.
        const alerts = new github.RepositoryVulnerabilityAlerts(`${name}-vulnerability-alerts`, { repository, enabled: true }, child);
        new github.RepositoryDependabotSecurityUpdates(`${name}-dependabot-security-updates`, { repository, enabled: true },
            { ...child, dependsOn: [alerts] });
        // GITHUB_TOKEN is read-only unless a workflow asks for more per job, and no workflow may approve a PR
        // (a workflow's approval would count towards requiredApprovals). Actions must be pinned to a commit SHA.
        new github.WorkflowRepositoryPermissions(`${name}-workflow-permissions`, {
            repository, defaultWorkflowPermissions: "read", canApprovePullRequestReviews: false,
        }, child);
        new github.ActionsRepositoryPermissions(`${name}-actions-permissions`, {
            repository, enabled: true, allowedActions: "all", shaPinningRequired: true,
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
                // CODEOWNERS: workflows, policies and stack files need a production reviewer's approval.
                requireCodeOwnerReviews: true,
            }],
            // strict: the branch must be up to date with main, so the checks ran against what will be merged.
            requiredStatusChecks: [{ strict: true, contexts: [...REQUIRED_CHECKS] }],
        }, { ...child, dependsOn: [this.dependabot, this.codeowners] });

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

        const credentials = allCredentials(args);
        this.secrets = [];
        for (const [environment, spec] of Object.entries(ENVIRONMENTS) as [EnvironmentName, typeof ENVIRONMENTS[EnvironmentName]][]) {
            for (const secretName of spec.secrets) {
                const value = credentials[spec.credentials[secretName]!];
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
        if (credentials.stagingPulumiAccessToken === undefined) {
            pulumi.log.warn("Repository: no stagingPulumiAccessToken, so the staging environment holds no Pulumi token: " +
                "preview (staging) and the staging deploy fail until one (scoped to the staging stack) is set", this);
        }
        for (const key of ["pulumiReadAccessToken", "pulumiRefreshAccessToken"] as const) {
            if (credentials[key] !== undefined) continue;
            const holders = (Object.keys(ENVIRONMENTS) as EnvironmentName[]).filter((e) => Object.values(ENVIRONMENTS[e].credentials).includes(key));
            pulumi.log.warn(`Repository: no ${key}, so ${holders.join(" and ")} ${holders.length === 1 ? "holds" : "hold"} no Pulumi token (the deploy token is never put there): ` +
                "their jobs fail until it is set (docs/release.md, Pulumi tokens)", this);
        }

        this.registerOutputs({
            requiredChecks: [...REQUIRED_CHECKS],
            environments: Object.keys(ENVIRONMENTS),
            environmentSecrets: Object.fromEntries((Object.keys(ENVIRONMENTS) as EnvironmentName[]).map((e) =>
                [e, this.secrets.filter((s) => s.environment === e).map((s) => s.secretName)])),
        });
    }
}

/**
 * Every credential by its config key. Values that must differ are checked when the update runs (they are secrets,
 * unknown while the program is built): a staging value equal to production's would hand production's state, and
 * with the committed Pulumi.production.yaml its decrypted config, to every unreviewed pull request; a read or
 * refresh token equal to the deploy token would make the least privilege a fiction.
 */
function allCredentials(args: RepositoryArgs): Partial<Record<CredentialKey, pulumi.Input<string>>> {
    return {
        pulumiAccessToken: args.pulumiAccessToken,
        pulumiConfigPassphrase: args.pulumiConfigPassphrase,
        pulumiReadAccessToken: distinctCredential("pulumiReadAccessToken", args.pulumiReadAccessToken, args.pulumiAccessToken, "the deploy token (pulumiAccessToken)"),
        pulumiRefreshAccessToken: distinctCredential("pulumiRefreshAccessToken", args.pulumiRefreshAccessToken, args.pulumiAccessToken, "the deploy token (pulumiAccessToken)"),
        stagingPulumiAccessToken: stagingCredential("stagingPulumiAccessToken", args.stagingPulumiAccessToken, args.pulumiAccessToken),
        stagingPulumiConfigPassphrase: stagingCredential("stagingPulumiConfigPassphrase", args.stagingPulumiConfigPassphrase, args.pulumiConfigPassphrase),
        backportGithubToken: args.backportGithubToken,
        pagerdutyToken: args.pagerdutyToken,
    };
}

/** The value, failing (without showing either value) when it equals the one it must differ from. */
export function distinctCredential(key: string, value: pulumi.Input<string> | undefined, other: pulumi.Input<string> | undefined,
    otherName: string, why = "a token that previews or audits must not be able to update production"): pulumi.Output<string> | undefined {
    if (value === undefined) return undefined;
    return pulumi.all([value, other]).apply(([v, o]) => {
        if (o !== undefined && v === o) throw new Error(`Repository: ${key} equals ${otherName}; ${why}`);
        return v;
    });
}

/** The staging value, failing (without showing either value) when it equals the production one. */
export function stagingCredential(key: string, staging: pulumi.Input<string> | undefined,
    production: pulumi.Input<string> | undefined): pulumi.Output<string> | undefined {
    return distinctCredential(key, staging, production, "the production value", "staging's credentials reach every " +
        "pull request's preview without an approval, so they must not open the production stack");
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
