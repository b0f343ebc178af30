// CODEOWNERS: who must review changes to what decides how production changes. The workflows (which hold the
// deploy token), the policy pack (what a deploy is allowed to do) and the stack files (what is deployed) need a
// production reviewer's approval; branch protection requires code-owner review (Repository). The Repository
// writes this text, and the same text is committed as .github/CODEOWNERS (a test keeps the two equal).

export const CODEOWNERS_PATH = ".github/CODEOWNERS";

/** The paths that need a code owner's review, most general first (GitHub applies the last matching line). */
export const CODE_OWNED_PATHS = [
    "/.github/",
    "/policies/",
    "/Pulumi.yaml",
    "/Pulumi.*.yaml",
] as const;

/** A reviewer as CODEOWNERS spells it: `@user` or `@org/team`. */
export function codeOwner(reviewer: string): string {
    return `@${reviewer}`;
}

/** The file's exact text for these reviewers (`productionReviewers`: user names or org/team slugs). */
export function codeownersText(reviewers: readonly string[]): string {
    if (reviewers.length === 0) throw new Error("CODEOWNERS: at least one reviewer is needed, or nobody could approve these paths");
    const owners = reviewers.map(codeOwner).join(" ");
    const width = Math.max(...CODE_OWNED_PATHS.map((p) => p.length)) + 1;
    return "# Managed by components/release/codeowners.ts (Pulumi writes it with the Repository component).\n" +
        "# Changes to these paths need a review by a production reviewer (branch protection: code-owner review).\n" +
        CODE_OWNED_PATHS.map((p) => `${p.padEnd(width)}${owners}\n`).join("");
}
