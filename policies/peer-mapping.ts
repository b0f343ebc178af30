// Which of our policies answer each kube-score and Polaris check, for `npm run peer-check`. A peer "warn"
// agrees with any violation of ours (advisory or mandatory): both mean "not clean"; "pass" needs none.
// Checks we do not share at all are in NOT_SHARED; single cases of shared checks that we answer differently
// on purpose are in EXCLUDED_CASES. Both carry the reason, and peer-check prints it.
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
    "HorizontalPodAutoscaler Replicas": s("production", "workload-min-replicas"),
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
};

/**
 * One case of a check we share that we deliberately answer differently: the guide's rule is stricter than the
 * peer's, or the peer's test changed its threshold with a flag while ours is fixed by the guide. peer-check
 * still runs it and prints it with the reason, but does not count it in the agreement.
 */
export interface ExcludedCase {
    check: string;
    /** Path under the peer-cases folder, as expectations.json names it. */
    file: string;
    /**
     * Only the entry the peer tested with exactly these settings (kube-score flag names); {} is the peer's
     * defaults. Without it, every entry of the file for that check.
     */
    config?: Record<string, unknown>;
    /** One line a platform engineer would accept. */
    reason: string;
}

const SECCOMP_ANNOTATION = "kube-score accepts a seccomp.security.alpha.kubernetes.io annotation; Kubernetes deprecated those in 1.19 and removed them in 1.27, so only securityContext.seccompProfile confines a container.";

export const EXCLUDED_CASES: ExcludedCase[] = [
    {
        check: "hpaMinAvailability", file: "polaris/hpaMinAvailability/success.minReplicaAbsent.yaml",
        reason: "An unset minReplicas is Kubernetes' default of 1, a single pod in production; Polaris only judges a value that is written down.",
    },
    {
        check: "Container Resources", file: "kube-score/pod-test-resources-limits-and-requests-no-cpu-limit.yaml", config: {},
        reason: "By default kube-score requires a CPU limit; the guide sets none on purpose (CFS throttling adds latency, the CPU request already reserves capacity).",
    },
    {
        check: "Container Resources", file: "kube-score/pod-test-resources-no-limits.yaml", config: { "ignore-container-cpu-limit": true, "ignore-container-memory-limit": true },
        reason: "kube-score's ignore-container-memory-limit flag switches the memory limit off; the guide's is not optional (a leak is OOM-killed in its own container instead of pressing on the node).",
    },
    {
        check: "Pod Probes", file: "kube-score/pod-probes-on-different-containers.yaml",
        reason: "kube-score is content with probes on any one container; Kubernetes counts a container without a readiness probe as ready and never restarts a hung one without a liveness probe, so the guide wants both on every container a Service routes to.",
    },
    { check: "Container Seccomp Profile", file: "kube-score/pod-seccomp-annotated.yaml", reason: SECCOMP_ANNOTATION },
    { check: "Container Seccomp Profile", file: "kube-score/pod-seccomp-annotated-annotation-optional.yaml", reason: SECCOMP_ANNOTATION },
    {
        check: "Deployment Replicas", file: "kube-score/service-target-deployment-replica-1.yaml", config: { "min-replicas-deployment": 1 },
        reason: "kube-score's min-replicas-deployment flag lowers its threshold to 1; the guide's production floor of 2 is fixed.",
    },
    {
        check: "HorizontalPodAutoscaler Replicas", file: "kube-score/hpa-min-replicas-nok.yaml", config: { "min-replicas-hpa": 1 },
        reason: "kube-score's min-replicas-hpa flag lowers its threshold to 1; the guide's production floor of 2 is fixed.",
    },
];

/** Keys sorted, so two settings objects compare by content. */
function canonical(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
    if (v && typeof v === "object") {
        return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
    }
    return JSON.stringify(v);
}

/** The exclusion that covers one expectations.json entry, if any. */
export function exclusionFor(c: { check: string; file: string; config?: Record<string, unknown> }): ExcludedCase | undefined {
    return EXCLUDED_CASES.find((e) => e.check === c.check && e.file === c.file
        && (e.config === undefined || canonical(e.config) === canonical(c.config ?? {})));
}
