import { CLUSTER_SCOPED, describe, kindOf } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** Each stack owns its namespace, with Pod Security Admission and network policies scoped to it. */
export const namespace = resourcePolicy({
    name: "workload-namespace",
    description: "Every namespaced Kubernetes object names its namespace explicitly, and never the default namespace.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const kind = kindOf(args.type);
        if (!kind || CLUSTER_SCOPED.has(kind) || kind.endsWith("List") || !args.props?.metadata) return;
        const ns = args.props.metadata.namespace;
        const what = describe(args.type, args.props, args.name);
        if (ns === undefined || ns === "") report(`${what}: metadata.namespace must be set (it would land in default)`);
        else if (ns === "default") report(`${what}: metadata.namespace must not be default`);
    },
});
