import { podPolicy } from "../lib/pod-policy";
import { isKind } from "../lib/k8s";

/** A Job's pod must end; restartPolicy Always is refused by the API and a missing one is a mistake waiting. */
export const restartPolicy = podPolicy({
    name: "job-restart-policy",
    description: "Every Job and CronJob pod sets restartPolicy Never or OnFailure.",
    checklist: "jobs",
    enforcementLevel: "mandatory",
}, (c) => {
    if (!isKind(c.type, "Job", "CronJob")) return;
    const p = c.pod.spec.restartPolicy;
    if (p !== "Never" && p !== "OnFailure") c.report(`${c.pod.path}.restartPolicy must be Never or OnFailure, got ${p ?? "unset"}`);
});
