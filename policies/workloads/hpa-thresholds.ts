/* eslint-disable @typescript-eslint/no-explicit-any */
import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** The guide's scaling thresholds: scale out before pods saturate. */
export const GUIDE_MAX_TARGET = { cpu: 70, memory: 80 } as const;
/** What Kubernetes targets when an HPA names no metric (autoscaling/v2) or no CPU percentage (autoscaling/v1). */
export const KUBERNETES_DEFAULT_CPU = 80;

export interface ResourceTarget {
    resource: "cpu" | "memory";
    /** Field paths of the target's type and of its utilisation, for messages. */
    typePath: string;
    valuePath: string;
    /** Utilization, AverageValue or Value (v2beta1's fields mapped to the v2 types). */
    type: string;
    /** The utilisation percentage, for Utilization targets. */
    utilization?: number;
}

/** The CPU and memory targets of an autoscaling/v2 (or v2beta1/v2beta2) HPA's metrics, Resource and ContainerResource. */
export function resourceTargets(spec: any): ResourceTarget[] {
    const out: ResourceTarget[] = [];
    (Array.isArray(spec?.metrics) ? spec.metrics : []).forEach((m: any, i: number) => {
        const field = m?.type === "ContainerResource" || (!m?.resource && m?.containerResource) ? "containerResource" : "resource";
        const r = m?.[field];
        if (r?.name !== "cpu" && r?.name !== "memory") return;
        const path = `spec.metrics[${i}].${field}`;
        if (r.target) {
            out.push({ resource: r.name, typePath: `${path}.target.type`, valuePath: `${path}.target.averageUtilization`,
                type: String(r.target.type ?? "unset"), utilization: r.target.averageUtilization });
        } else {
            // v2beta1: targetAverageUtilization (a percentage) or targetAverageValue (a quantity), no type field.
            out.push({ resource: r.name, typePath: path, valuePath: `${path}.targetAverageUtilization`,
                type: r.targetAverageUtilization !== undefined ? "Utilization" : r.targetAverageValue !== undefined ? "AverageValue" : "unset",
                utilization: r.targetAverageUtilization });
        }
    });
    return out;
}

export const hpaThresholds = resourcePolicy({
    name: "workload-hpa-thresholds",
    description: "Every HPA targets at most 70 % CPU utilisation (a CPU Utilization target is required) and, when it scales on memory, at most 80 % memory utilisation (the guide's scaling thresholds).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "HorizontalPodAutoscaler")) return;
        const what = describe(args.type, args.props, args.name);
        const spec = args.props.spec ?? {};
        if (/^kubernetes:autoscaling\/v1:/.test(args.type) || (spec.metrics === undefined && spec.targetCPUUtilizationPercentage !== undefined)) {
            const cpu = spec.targetCPUUtilizationPercentage;
            if (cpu === undefined) report(`${what}: spec.targetCPUUtilizationPercentage must be at most ${GUIDE_MAX_TARGET.cpu} (unset: Kubernetes targets ${KUBERNETES_DEFAULT_CPU})`);
            else if (!(cpu <= GUIDE_MAX_TARGET.cpu)) report(`${what}: spec.targetCPUUtilizationPercentage must be at most ${GUIDE_MAX_TARGET.cpu}, got ${cpu}`);
            return;
        }
        if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
            report(`${what}: spec.metrics must set a CPU Utilization target of at most ${GUIDE_MAX_TARGET.cpu} (without metrics Kubernetes targets ${KUBERNETES_DEFAULT_CPU} % CPU)`);
            return;
        }
        const targets = resourceTargets(spec);
        if (!targets.some((t) => t.resource === "cpu")) {
            report(`${what}: spec.metrics must include a CPU Utilization target of at most ${GUIDE_MAX_TARGET.cpu} (it scales on ${spec.metrics.map((m: any) => m?.resource?.name ?? m?.containerResource?.name ?? m?.type ?? "?").join(", ")} only)`);
        }
        for (const t of targets) {
            const max = GUIDE_MAX_TARGET[t.resource];
            if (t.type !== "Utilization") {
                report(`${what}: ${t.typePath} must be Utilization (${t.resource} at most ${max} % of the request), got ${t.type}`);
            } else if (!(typeof t.utilization === "number" && t.utilization <= max)) {
                report(`${what}: ${t.valuePath} (${t.resource}) must be at most ${max}, got ${t.utilization ?? "unset"}`);
            }
        }
    },
});
