// Which of our policies answer each kube-score and Polaris check, for `npm run peer-check`. A peer "warn"
// agrees with any violation of ours (advisory or mandatory): both mean "not clean"; "pass" needs none.
import { Environment } from "./lib/policy";

export interface SharedCheck {
    /** Our policies that together answer the peer's check. */
    policies: string[];
    /** Environment to evaluate in: production-only rules (replicas, digests) need the right one. */
    environment: Environment;
    /** When our policy checks more than the peer's check, only messages about the peer's field count. */
    match?: RegExp;
}

const s = (environment: Environment, ...policies: string[]): SharedCheck => ({ policies, environment });
const only = (check: SharedCheck, match: RegExp): SharedCheck => ({ ...check, match });

export const SHARED: Record<string, SharedCheck> = {
    // Polaris
    runAsPrivileged: s("staging", "workload-privileged"),
    automountServiceAccountToken: s("staging", "workload-service-account-token"),
    dangerousCapabilities: only(s("staging", "workload-capabilities"), /capabilities\.add/),
    hostIPCSet: s("staging", "workload-host-namespaces"),
    hostNetworkSet: s("staging", "workload-host-namespaces"),
    hostPIDSet: s("staging", "workload-host-namespaces"),
    hostPathSet: s("staging", "workload-host-path"),
    hostPortSet: s("staging", "workload-host-ports"),
    hpaMaxAvailability: s("staging", "workload-hpa-range"),
    hpaMinAvailability: s("production", "workload-min-replicas"),
    deploymentMissingReplicas: s("production", "workload-min-replicas"),
    missingPodDisruptionBudget: s("staging", "workload-pdb-coverage"),
    pdbDisruptionsIsZero: s("staging", "workload-pdb-allows-eviction"),
    notReadOnlyRootFilesystem: s("staging", "workload-read-only-root-filesystem"),
    privilegeEscalationAllowed: s("staging", "workload-privilege-escalation"),
    procMount: s("staging", "workload-proc-mount"),
    runAsRootAllowed: s("staging", "workload-run-as-non-root"),
    sensitiveContainerEnvVar: s("staging", "workload-env-credentials"),
    tagNotSpecified: s("staging", "workload-image-pinned"),
    cpuRequestsMissing: only(s("staging", "workload-resources"), /requests\.cpu/),
    memoryRequestsMissing: only(s("staging", "workload-resources"), /requests\.memory/),
    memoryLimitsMissing: only(s("staging", "workload-resources"), /limits\.memory/),
    // kube-score
    "Container Image Tag": s("staging", "workload-image-pinned"),
    "Container Resources": s("staging", "workload-resources"),
    "Container Security Context Privileged": s("staging", "workload-privileged"),
    "Container Security Context ReadOnlyRootFilesystem": s("staging", "workload-read-only-root-filesystem"),
    "Container Seccomp Profile": s("staging", "workload-seccomp"),
    "CronJob RestartPolicy": s("staging", "job-restart-policy"),
    "CronJob has deadline": only(s("staging", "job-cronjob-deadlines"), /startingDeadlineSeconds/),
    "Deployment has PodDisruptionBudget": s("staging", "workload-pdb-coverage"),
    "StatefulSet has PodDisruptionBudget": s("staging", "workload-pdb-coverage"),
    "HorizontalPodAutoscaler has target": s("staging", "workload-hpa-target"),
    "Deployment targeted by HPA does not have replicas configured": s("staging", "workload-no-replicas-under-hpa"),
    "Pod Probes": s("staging", "workload-probes"),
    "Deployment Replicas": s("production", "workload-min-replicas"),
    "Deployment Strategy": s("staging", "workload-rolling-update"),
};

/** Peer checks we deliberately do not share, and why. */
export const NOT_SHARED: Record<string, string> = {
    insecureCapabilities: "Polaris passes dropping its own list of insecure capabilities; PSS restricted (workload-capabilities) requires drop ALL, so its success cases fail ours by design.",
    linuxHardening: "Polaris passes any one of AppArmor, SELinux, seccomp or dropped capabilities; PSS restricted (ours) demands seccomp AND drop ALL, so we are stricter by design.",
    livenessProbeMissing: "We require probes on Service-backed pods only (workload-probes); a queue worker has no readiness probe by design.",
    readinessProbeMissing: "Same as livenessProbeMissing: readiness only matters where a Service routes traffic.",
    missingNetworkPolicy: "Network policies are declared by AppService for every workload; the pack has no NetworkPolicy rule yet.",
    pullPolicyNotAlways: "With digest-pinned images IfNotPresent is correct and avoids registry outages blocking restarts.",
    topologySpreadConstraint: "Spreading is a scheduling preference in AppService, not a checklist item of the guide.",
    "Container Image Pull Policy": "See pullPolicyNotAlways.",
    "Container Security Context User Group ID": "kube-score wants UID/GID above 10000; the PSS control (ours, workload-run-as-non-root[-user]) only forbids root.",
    "Container CPU Requests Equal Limits": "The guide sets no CPU limit (throttling hurts latency); requests need not equal limits.",
    "Container Memory Requests Equal Limits": "Guaranteed QoS is not in the guide; a memory limit above the request is allowed.",
    "Container Resource Requests Equal Limits": "See the two checks above.",
    "Container Ephemeral Storage Request Equals Limit": "Ephemeral storage is bounded by the /tmp emptyDir sizeLimit, not container requests.",
    "Container Ephemeral Storage Request and Limit": "See Container Ephemeral Storage Request Equals Limit.",
    "PodDisruptionBudget has policy": "workload-pdb-allows-eviction checks the values; an empty PDB is not a case the program can produce.",
    "Service Targets Pod": "Not a guide checklist item; AppService derives Service selectors from the same labels as the pods.",
    "NetworkPolicy targets Pod": "See missingNetworkPolicy.",
    "Pod NetworkPolicy": "See missingNetworkPolicy.",
    "Environment Variable Key Duplication": "Not a guide checklist item.",
    "Pod Probes Identical": "Not a guide checklist item (our backend's liveness and readiness share /health by design).",
    "HorizontalPodAutoscaler Replicas": "kube-score grades the HPA alone; ours (workload-min-replicas) grades the Deployment's effective minimum, and only in production.",
};
