// Production's release gate: the staging verification of one commit, judged from its commit statuses and the
// workflow run each status points to.
import { RELEASE_BRANCH, STAGING_VERIFIED_CONTEXT } from "../../components/release/release-checks";

/** Who may have set the status: the Actions bot of this repository's workflows, never a person's token. */
export const STATUS_CREATOR = "github-actions[bot]";
/** The workflow whose staging job verifies commits. */
export const DEPLOY_WORKFLOW = ".github/workflows/deploy.yml";

export interface Status { context?: string; state?: string; created_at?: string; target_url?: string; creator?: { login?: string } }
export interface WorkflowRun { path?: string; event?: string; head_branch?: string; head_sha?: string; conclusion?: string | null }

const HINT = "production deploys only a commit whose staging deploy, smoke checks and watch passed: merge it into main " +
    "and let deploy (staging) finish, or use the hotfix fast track (docs/release.md)";

/** The newest staging-verified status of the commit, or why there is none that counts. */
export function newestStatus(sha: string, statuses: Status[]): Status | string {
    const ours = statuses.filter((s) => s.context === STAGING_VERIFIED_CONTEXT)
        .sort((a, b) => Date.parse(b.created_at ?? "") - Date.parse(a.created_at ?? ""));
    if (ours.length === 0) return `commit ${sha} has no ${STAGING_VERIFIED_CONTEXT} status: ${HINT}`;
    const newest = ours[0];
    if (newest.creator?.login !== STATUS_CREATOR) {
        return `commit ${sha}: the newest ${STAGING_VERIFIED_CONTEXT} status was set by ${newest.creator?.login ?? "an unknown user"}, not by ${STATUS_CREATOR}: ${HINT}`;
    }
    if (newest.state !== "success") return `commit ${sha}: its newest staging deploy ended ${newest.state ?? "without a state"} (${newest.created_at ?? "no time"}): ${HINT}`;
    return newest;
}

/** The Actions run id in a status's target URL (`…/actions/runs/<id>`). */
export function runIdOf(status: Status): string | undefined {
    return /\/actions\/runs\/(\d+)(?:\/|$)/.exec(status.target_url ?? "")?.[1];
}

/**
 * Why the run a success status points to does not prove it, or undefined. Any workflow with `statuses: write`
 * (a same-repository pull request may ask for it) can post as the Actions bot; only deploy.yml running for main
 * on this very commit, and not failed, is staging's deploy.
 */
export function runProblem(sha: string, run: WorkflowRun): string | undefined {
    const problems: string[] = [];
    if (!(run.path ?? "").startsWith(DEPLOY_WORKFLOW)) problems.push(`it is ${run.path ?? "an unknown workflow"}, not ${DEPLOY_WORKFLOW}`);
    if (run.event !== "push" && run.event !== "workflow_dispatch") problems.push(`it ran for a ${run.event ?? "unknown"} event`);
    if (run.head_branch !== RELEASE_BRANCH) problems.push(`it ran on ${run.head_branch ?? "an unknown branch"}, not ${RELEASE_BRANCH}`);
    if (run.head_sha !== sha) problems.push(`it ran commit ${run.head_sha ?? "unknown"}`);
    if (run.conclusion && !["success", "neutral"].includes(run.conclusion)) problems.push(`it ended ${run.conclusion}`);
    return problems.length ? `commit ${sha}: the run behind its ${STAGING_VERIFIED_CONTEXT} status is no staging deploy of it (${problems.join("; ")}): ${HINT}` : undefined;
}
