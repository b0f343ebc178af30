import * as assert from "assert";
import { REQUIRED_CHECKS } from "../../../components/release/release-checks";
import { res, violations } from "../support";

const TYPE = "github:index/branchProtection:BranchProtection";
const protection = (approvals: number, contexts: string[]) => res(TYPE, "repo-main", {
    pattern: "main", allowsForcePushes: false, allowsDeletions: false,
    requiredPullRequestReviews: [{ requiredApprovingReviewCount: approvals }], requiredStatusChecks: [{ strict: true, contexts }],
});

describe("policy release-branch-protection", () => {
    it("passes reviews and every CI check", async () => {
        assert.deepStrictEqual(await violations("release-branch-protection", [protection(2, [...REQUIRED_CHECKS])]), []);
    });
    it("flags no required review and a missing check", async () => {
        assert.deepStrictEqual(await violations("release-branch-protection", [protection(0, REQUIRED_CHECKS.filter((c) => c !== "test"))]), [
            "BranchProtection/repo-main: requiredPullRequestReviews[0].requiredApprovingReviewCount must be at least 1, got 0",
            "BranchProtection/repo-main: requiredStatusChecks[0].contexts must include test",
        ]);
    });
});
