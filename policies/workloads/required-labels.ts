/* eslint-disable @typescript-eslint/no-explicit-any */
import { COMPONENTS, LABEL, PART_OF } from "../../components/lib/labels";
import { describe, kindOf, podTemplate } from "../lib/k8s";
import { packSettings, resourcePolicy } from "../lib/policy";

function problems(labels: Record<string, string> | undefined, environment: string): string[] {
    const l = labels ?? {};
    const out: string[] = [];
    for (const key of [LABEL.name, LABEL.component, LABEL.partOf, LABEL.managedBy, LABEL.environment]) {
        if (!l[key]) out.push(`${key} is missing`);
    }
    if (l[LABEL.component] && !(COMPONENTS as readonly string[]).includes(l[LABEL.component])) {
        out.push(`${LABEL.component} must be one of ${COMPONENTS.join(", ")}, got ${l[LABEL.component]}`);
    }
    if (l[LABEL.partOf] && l[LABEL.partOf] !== PART_OF) out.push(`${LABEL.partOf} must be ${PART_OF}, got ${l[LABEL.partOf]}`);
    if (l[LABEL.environment] && l[LABEL.environment] !== environment) {
        out.push(`${LABEL.environment} must be ${environment}, got ${l[LABEL.environment]}`);
    }
    return out;
}

/** DESIGN.md: tools and auditors find resources by these labels, never by names. */
export const requiredLabels = resourcePolicy({
    name: "workload-required-labels",
    description: "Every Kubernetes object, and every pod template, carries the app.kubernetes.io name/component/part-of/managed-by labels and fork-knife.io/environment.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!kindOf(args.type) || !args.props?.metadata) return;
        const { environment } = packSettings(args);
        const what = describe(args.type, args.props, args.name);
        for (const p of problems(args.props.metadata.labels, environment)) report(`${what}: metadata.labels ${p}`);
        const pod = podTemplate(args.type, args.props);
        if (pod && pod.path !== "spec") {
            const path = pod.path.replace(/\.spec$/, ".metadata.labels");
            for (const p of problems((pod.metadata as any)?.labels, environment)) report(`${what}: ${path} ${p}`);
        }
    },
});
