// Dependabot's configuration: the guide's maintenance schedule reviews dependencies once a month. The
// Repository writes this text to GitHub, and the same text is committed as .github/dependabot.yml (a test
// keeps the two equal), so the repository works the same with or without the Pulumi-managed file.
import { stringify } from "yaml";

export const DEPENDABOT_PATH = ".github/dependabot.yml";


export const DEPENDABOT_CONFIG = {
    version: 2,
    updates: [
        {
            "package-ecosystem": "npm",
            directory: "/",
            schedule: { interval: "monthly" },
            "open-pull-requests-limit": 10,
            labels: ["dependencies"],
            // One PR for the Pulumi SDK and providers: they are released together and tested together.
            groups: { pulumi: { patterns: ["@pulumi/*"] } },
        },
        {
            // Workflows pin every action to a commit SHA (the tag in a comment); Dependabot moves both together,
            // in the same monthly review. Security updates come at once (Repository: Dependabot security updates).
            "package-ecosystem": "github-actions",
            directory: "/",
            schedule: { interval: "monthly" },
            labels: ["dependencies"],
        },
    ],
};

/** The file's exact text. */
export function dependabotYaml(): string {
    return "# Managed by components/release/dependabot.ts (Pulumi writes it with the Repository component).\n" +
        stringify(DEPENDABOT_CONFIG, { aliasDuplicateObjects: false });
}
