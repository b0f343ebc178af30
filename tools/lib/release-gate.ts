// Production's release gate: the staging verification of one commit, judged from its commit statuses.
import { STAGING_VERIFIED_CONTEXT } from "../../components/release/release-checks";

/** Who may have set the status: the Actions bot of this repository's workflows, never a person's token. */
export const STATUS_CREATOR = "github-actions[bot]";

export interface Status { context?: string; state?: string; created_at?: string; creator?: { login?: string } }

/** Why the commit may not go to production, or undefined when staging verified it. */
export function verdict(sha: string, statuses: Status[]): string | undefined {
    const ours = statuses.filter((s) => s.context === STAGING_VERIFIED_CONTEXT)
        .sort((a, b) => Date.parse(b.created_at ?? "") - Date.parse(a.created_at ?? ""));
    const hint = "production deploys only a commit whose staging deploy, smoke checks and watch passed: merge it into main " +
        "and let deploy (staging) finish, or use the hotfix fast track (docs/release.md)";
    if (ours.length === 0) return `commit ${sha} has no ${STAGING_VERIFIED_CONTEXT} status: ${hint}`;
    const newest = ours[0];
    if (newest.creator?.login !== STATUS_CREATOR) {
        return `commit ${sha}: the newest ${STAGING_VERIFIED_CONTEXT} status was set by ${newest.creator?.login ?? "an unknown user"}, not by ${STATUS_CREATOR}: ${hint}`;
    }
    if (newest.state !== "success") return `commit ${sha}: its newest staging deploy ended ${newest.state ?? "without a state"} (${newest.created_at ?? "no time"}): ${hint}`;
    return undefined;
}

