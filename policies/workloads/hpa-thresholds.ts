/* eslint-disable @typescript-eslint/no-explicit-any */
import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** The guide's scaling thresholds: scale out before pods saturate. */
export const GUIDE_MAX_TARGET = { cpu: 70, memory: 80 } as const;

/** Utilisation targets of an HPA by resource, across autoscaling/v1, v2beta1, v2beta2 and v2. */
export function utilisationTargets(spec: any): { cpu?: number; memory?: number; metrics: number } {
    if (!spec) return { metrics: 0 };
    if (spec.targetCPUUtilizationPercentage !== undefined) return { cpu: spec.targetCPUUtilizationPercentage, metrics: 1 };
    const out: { cpu?: number; memory?: number; metrics: number } = { metrics: (spec.metrics ?? []).length };
    for (const m of spec.metrics ?? []) {
        const r = m?.resource ?? m?.containerResource;
        const value = r?.target?.averageUtilization ?? r?.targetAverageUtilization;
        if (r?.name === "cpu" || r?.name === "memory") out[r.name as "cpu" | "memory"] = value;
    }
    return out;
}

export const hpaThresholds = resourcePolicy({
    name: "workload-hpa-thresholds",
    description: "Every HPA targets at most 70 % CPU and at most 80 % memory utilisation (the guide's scaling thresholds).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "HorizontalPodAutoscaler")) return;
        const what = describe(args.type, args.props, args.name);
        const t = utilisationTargets(args.props.spec);
        if (t.metrics === 0) report(`${what}: spec.metrics must set a CPU utilisation target of at most 70 (the default is 80)`);
        if (t.cpu !== undefined && t.cpu > GUIDE_MAX_TARGET.cpu) report(`${what}: spec.metrics cpu averageUtilization must be at most 70, got ${t.cpu}`);
        if (t.memory !== undefined && t.memory > GUIDE_MAX_TARGET.memory) report(`${what}: spec.metrics memory averageUtilization must be at most 80, got ${t.memory}`);
    },
});
