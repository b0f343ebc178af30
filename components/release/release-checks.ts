// The CI checks a pull request must pass before it can merge into main. Branch protection (Repository) and
// the workflows (.github/workflows/pull-request.yml) must agree on these names, so both are tested against
// this one list: a renamed job would otherwise leave main waiting for a check that never reports.

/** The stacks CI renders and previews, in the order the workflows' matrices list them. */
export const RELEASE_STACKS = ["staging", "production"] as const;

/** Status check names as GitHub reports them: a job's `name`, with its matrix value expanded. */
export const REQUIRED_CHECKS: readonly string[] = [
    "test",
    // The guide's security checklist: no known high or critical vulnerability in the dependencies.
    "npm audit",
    ...RELEASE_STACKS.map((stack) => `synth (${stack})`),
    ...RELEASE_STACKS.map((stack) => `preview (${stack})`),
];

/** Actions secret names the workflows read. They exist only as environment secrets (never repository-level):
 * which value each environment holds is in ENVIRONMENTS. */
export const ACTIONS_SECRETS = {
    pulumiAccessToken: "PULUMI_ACCESS_TOKEN",
    pulumiConfigPassphrase: "PULUMI_CONFIG_PASSPHRASE",
    /** The PagerDuty provider's API token (OnCall, production's `pagerduty` block): the steps that run the program. */
    pagerdutyToken: "PAGERDUTY_TOKEN",
} as const;

/** The backport workflow's token (push branches, open pull requests): GITHUB_TOKEN may not open pull requests here. */
export const BACKPORT_SECRET = "BACKPORT_TOKEN";

export type ActionsSecretName = typeof ACTIONS_SECRETS[keyof typeof ACTIONS_SECRETS] | typeof BACKPORT_SECRET;

export type EnvironmentName = "staging" | "production" | "production-preview" | "production-audit" | "production-refresh" | "backport";

/**
 * The secure config values (fork-knife:<key>) the Repository copies into environments. Production has one token
 * per kind of use, so a leaked preview or audit token cannot change production:
 * - `pulumiAccessToken`: the deploy token (Pulumi Cloud "Stack Write" on production): `pulumi up`, and so `destroy`.
 * - `pulumiReadAccessToken`: "Stack Read" on production: preview, `stack export`, decrypt config; never an update.
 * - `pulumiRefreshAccessToken`: for the weekly `pulumi refresh` only. Refresh rewrites state, and Pulumi Cloud has
 *   no narrower permission than "Stack Write" for that, so it is a separate token held by a job that runs no
 *   repository code, revocable on its own.
 */
export type CredentialKey = "pulumiAccessToken" | "pulumiReadAccessToken" | "pulumiRefreshAccessToken" | "pulumiConfigPassphrase" |
    "stagingPulumiAccessToken" | "stagingPulumiConfigPassphrase" | "backportGithubToken" | "pagerdutyToken";

/** The secure values that can update (and destroy) production: only the `production` environment may hold them. */
export const PRODUCTION_DEPLOY_CREDENTIALS: readonly CredentialKey[] = ["pulumiAccessToken"];

export interface EnvironmentSpec {
    /** The stack whose credentials the environment holds; a job in it may touch that stack only (none: no Pulumi credentials). */
    stack?: typeof RELEASE_STACKS[number];
    /** Each Actions secret it holds, and the secure config value it is written from. */
    credentials: Readonly<Partial<Record<ActionsSecretName, CredentialKey>>>;
    /** The Actions secrets it holds (the keys of `credentials`). */
    secrets: readonly ActionsSecretName[];
    /** Whether a job waits for one of the production reviewers before it gets the secrets. */
    reviewers: boolean;
    /** Whether only main may use it (a run on any other ref is refused before it starts). */
    mainOnly: boolean;
    /** Who uses it. */
    usedBy: string;
}

function env(spec: Omit<EnvironmentSpec, "secrets">): EnvironmentSpec {
    return { ...spec, secrets: Object.keys(spec.credentials) as ActionsSecretName[] };
}

const { pulumiAccessToken: TOKEN, pulumiConfigPassphrase: PASSPHRASE, pagerdutyToken: PAGERDUTY } = ACTIONS_SECRETS;

/**
 * GitHub environments and the credentials in each. Code that nobody has reviewed (a pull request's own index.ts
 * and policy pack, run by `preview`) only ever sees staging's credentials, or production's read token after a
 * production reviewer approved that run. Production's deploy token is in `production` alone.
 */
export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentSpec>> = {
    "staging": env({
        stack: "staging",
        credentials: { [TOKEN]: "stagingPulumiAccessToken", [PASSPHRASE]: "stagingPulumiConfigPassphrase" },
        reviewers: false, mainOnly: false,
        usedBy: "pull-request.yml preview (staging), deploy.yml deploy (staging), audit.yml refresh and audit (staging)",
    }),
    "production-preview": env({
        stack: "production",
        // The program runs (preview), so OnCall's PagerDuty provider needs its token.
        credentials: { [TOKEN]: "pulumiReadAccessToken", [PASSPHRASE]: "pulumiConfigPassphrase", [PAGERDUTY]: "pagerdutyToken" },
        reviewers: true, mainOnly: false,
        usedBy: "pull-request.yml preview (production)",
    }),
    "production": env({
        stack: "production",
        credentials: { [TOKEN]: "pulumiAccessToken", [PASSPHRASE]: "pulumiConfigPassphrase", [PAGERDUTY]: "pagerdutyToken" },
        reviewers: true, mainOnly: true,
        usedBy: "deploy.yml deploy (production)",
    }),
    // The weekly audit exports state without --show-secrets: a read token, never the passphrase.
    "production-audit": env({
        stack: "production",
        credentials: { [TOKEN]: "pulumiReadAccessToken" },
        reviewers: false, mainOnly: true,
        usedBy: "audit.yml audit (production)",
    }),
    // Refresh reads every resource back through its provider, whose configuration in the state is encrypted.
    "production-refresh": env({
        stack: "production",
        credentials: { [TOKEN]: "pulumiRefreshAccessToken", [PASSPHRASE]: "pulumiConfigPassphrase", [PAGERDUTY]: "pagerdutyToken" },
        reviewers: false, mainOnly: true,
        usedBy: "audit.yml refresh (production)",
    }),
    // No Pulumi credentials: a GitHub token that may push backport branches and open pull requests.
    "backport": env({
        credentials: { [BACKPORT_SECRET]: "backportGithubToken" },
        reviewers: false, mainOnly: true,
        usedBy: "backport.yml backport",
    }),
};

/** The commit status the staging deploy sets once staging runs a commit and its smoke checks and watch passed. */
export const STAGING_VERIFIED_CONTEXT = "release/staging-verified";

/** The branch releases are cut from: the only one production may deploy. */
export const RELEASE_BRANCH = "main";
