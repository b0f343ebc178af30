import { podPolicy } from "../lib/pod-policy";

/** PSS baseline "HostPath Volumes". */
export const hostPath = podPolicy({
    name: "workload-host-path",
    description: "Pods mount no hostPath volumes (Pod Security Standards baseline: HostPath Volumes).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    (c.pod.spec.volumes ?? []).forEach((v: { name?: string; hostPath?: unknown }, i: number) => {
        if (v?.hostPath) c.report(`${c.pod.path}.volumes[${i}] ("${v.name}") must not be a hostPath volume`);
    });
});
