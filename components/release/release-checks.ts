// The CI checks a pull request must pass before it can merge into main. Branch protection (Repository) and
// the workflows (.github/workflows/pull-request.yml) must agree on these names, so both are tested against
// this one list: a renamed job would otherwise leave main waiting for a check that never reports.

/** The stacks CI renders and previews, in the order the workflows' matrices list them. */
export const RELEASE_STACKS = ["staging", "production"] as const;

/** Status check names as GitHub reports them: a job's `name`, with its matrix value expanded. */
export const REQUIRED_CHECKS: readonly string[] = [
    "test",
    ...RELEASE_STACKS.map((stack) => `synth (${stack})`),
    ...RELEASE_STACKS.map((stack) => `preview (${stack})`),
];

/** Actions secret names the workflows read. They exist only as environment secrets (never repository-level):
 * which value each environment holds is in ENVIRONMENTS. */
export const ACTIONS_SECRETS = {
    pulumiAccessToken: "PULUMI_ACCESS_TOKEN",
    pulumiConfigPassphrase: "PULUMI_CONFIG_PASSPHRASE",
} as const;

export type ActionsSecretName = typeof ACTIONS_SECRETS[keyof typeof ACTIONS_SECRETS];

export type EnvironmentName = "staging" | "production" | "production-preview" | "production-audit";

export interface EnvironmentSpec {
    /** The stack whose credentials the environment holds; a job in it may touch that stack only. */
    stack: typeof RELEASE_STACKS[number];
    /** The Actions secrets it holds (the passphrase only when that stack has one). */
    secrets: readonly ActionsSecretName[];
    /** Whether a job waits for one of the production reviewers before it gets the secrets. */
    reviewers: boolean;
    /** Whether only main may use it (a run on any other ref is refused before it starts). */
    mainOnly: boolean;
    /** Who uses it. */
    usedBy: string;
}

/**
 * GitHub environments and the credentials in each. Code that nobody has reviewed (a pull request's own index.ts
 * and policy pack, run by `preview`) only ever sees staging's credentials, or production's after a production
 * reviewer approved that run.
 */
export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentSpec>> = {
    "staging": {
        stack: "staging",
        secrets: [ACTIONS_SECRETS.pulumiAccessToken, ACTIONS_SECRETS.pulumiConfigPassphrase],
        reviewers: false, mainOnly: false,
        usedBy: "pull-request.yml preview (staging), deploy.yml deploy (staging), audit.yml audit (staging)",
    },
    "production-preview": {
        stack: "production",
        secrets: [ACTIONS_SECRETS.pulumiAccessToken, ACTIONS_SECRETS.pulumiConfigPassphrase],
        reviewers: true, mainOnly: false,
        usedBy: "pull-request.yml preview (production)",
    },
    "production": {
        stack: "production",
        secrets: [ACTIONS_SECRETS.pulumiAccessToken, ACTIONS_SECRETS.pulumiConfigPassphrase],
        reviewers: true, mainOnly: true,
        usedBy: "deploy.yml deploy (production)",
    },
    // The weekly audit exports state without --show-secrets: it needs the token, never the passphrase.
    "production-audit": {
        stack: "production",
        secrets: [ACTIONS_SECRETS.pulumiAccessToken],
        reviewers: false, mainOnly: true,
        usedBy: "audit.yml audit (production)",
    },
};

/** The branch releases are cut from: the only one production may deploy. */
export const RELEASE_BRANCH = "main";
