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

/** Actions secrets the workflows read, by the secure config value each one is filled from. */
export const ACTIONS_SECRETS = {
    pulumiAccessToken: "PULUMI_ACCESS_TOKEN",
    pulumiConfigPassphrase: "PULUMI_CONFIG_PASSPHRASE",
} as const;

/** The branch releases are cut from: the only one production may deploy. */
export const RELEASE_BRANCH = "main";
