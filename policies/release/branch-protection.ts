import { RELEASE_BRANCH, REQUIRED_CHECKS } from "../../components/release/release-checks";
import { resourcePolicy } from "../lib/policy";

export const BRANCH_PROTECTION_TYPE = "github:index/branchProtection:BranchProtection";

/** The guide's release process: nothing reaches main without a review and a green CI. */
export const branchProtection = resourcePolicy({
    name: "release-branch-protection",
    description: "Branch protection on main requires at least one approving review and every CI check (test, synth and preview per stack), with force pushes and deletion refused.",
    checklist: "release",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== BRANCH_PROTECTION_TYPE) return;
        const p = args.props;
        const what = `BranchProtection/${args.name}`;
        if (p.pattern !== RELEASE_BRANCH) return;
        const reviews = p.requiredPullRequestReviews?.[0];
        if (!(reviews?.requiredApprovingReviewCount >= 1)) {
            report(`${what}: requiredPullRequestReviews[0].requiredApprovingReviewCount must be at least 1, got ${reviews?.requiredApprovingReviewCount ?? "unset"}`);
        }
        const checks = p.requiredStatusChecks?.[0];
        const present: string[] = [...(checks?.contexts ?? []), ...(checks?.checks ?? []).map((c: string) => String(c).split(":")[0])];
        const missing = REQUIRED_CHECKS.filter((c) => !present.includes(c));
        if (missing.length > 0) report(`${what}: requiredStatusChecks[0].contexts must include ${missing.join(", ")}`);
        if (p.allowsForcePushes === true) report(`${what}: allowsForcePushes must be false`);
        if (p.allowsDeletions === true) report(`${what}: allowsDeletions must be false`);
    },
});
