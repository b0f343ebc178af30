// Reading Kubernetes objects the way CrossGuard hands them over: a Pulumi type token and the object's props.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** `kubernetes:apps/v1:Deployment` → `Deployment`; undefined for non-Kubernetes types. */
export function kindOf(type: string): string | undefined {
    const m = /^kubernetes:[^:]+:([A-Za-z0-9]+)$/.exec(type);
    return m?.[1];
}

export function isKind(type: string, ...kinds: string[]): boolean {
    const k = kindOf(type);
    return k !== undefined && kinds.includes(k);
}

export function metaName(props: any, fallback: string): string {
    return typeof props?.metadata?.name === "string" ? props.metadata.name : fallback;
}

/** `Deployment/backend-1a2b3c4d`: how every violation names its resource. */
export function describe(type: string, props: any, name: string): string {
    return `${kindOf(type) ?? type}/${metaName(props, name)}`;
}

export interface PodTemplate {
    /** The pod spec. */
    spec: any;
    /** The pod's metadata (labels, annotations). */
    metadata: any;
    /** Field path of the pod spec inside the object, for messages. */
    path: string;
}

/** The pod a workload runs, for Pods, controllers, Jobs and CronJobs. */
export function podTemplate(type: string, props: any): PodTemplate | undefined {
    const kind = kindOf(type);
    if (!props || !kind) return undefined;
    if (kind === "Pod") return props.spec ? { spec: props.spec, metadata: props.metadata ?? {}, path: "spec" } : undefined;
    if (kind === "CronJob") {
        const t = props.spec?.jobTemplate?.spec?.template;
        return t?.spec ? { spec: t.spec, metadata: t.metadata ?? {}, path: "spec.jobTemplate.spec.template.spec" } : undefined;
    }
    if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"].includes(kind)) {
        const t = props.spec?.template;
        return t?.spec ? { spec: t.spec, metadata: t.metadata ?? {}, path: "spec.template.spec" } : undefined;
    }
    return undefined;
}

export interface ContainerRef {
    container: any;
    /** Field path of the container, e.g. spec.template.spec.initContainers[0]. */
    path: string;
    /** containers, initContainers or ephemeralContainers. */
    list: "containers" | "initContainers" | "ephemeralContainers";
}

export function containersOf(pod: PodTemplate, lists: ContainerRef["list"][] = ["initContainers", "containers", "ephemeralContainers"]): ContainerRef[] {
    const out: ContainerRef[] = [];
    for (const list of lists) {
        const cs = Array.isArray(pod.spec?.[list]) ? pod.spec[list] : [];
        cs.forEach((container: any, i: number) => out.push({ container, list, path: `${pod.path}.${list}[${i}]` }));
    }
    return out;
}

export function containerLabel(c: ContainerRef): string {
    const kind = c.list === "containers" ? "container" : c.list === "initContainers" ? "init container" : "ephemeral container";
    return `${kind} "${c.container?.name ?? "?"}"`;
}

export interface LabelSelector { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
    if (!selector) return false;
    const l = labels ?? {};
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(l, e.key);
        const inValues = has && (e.values ?? []).includes(l[e.key]);
        if (e.operator === "In" && !inValues) return false;
        if (e.operator === "NotIn" && inValues) return false;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
    }
    return true;
}

/** A Service's plain `selector` map: empty or missing selects nothing (ExternalName, manual Endpoints). */
export function serviceSelects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
    if (!selector || Object.keys(selector).length === 0) return false;
    return selectorMatches({ matchLabels: selector }, labels);
}

export const CLUSTER_SCOPED = new Set(["Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
    "CustomResourceDefinition", "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "IngressClass",
    "RuntimeClass", "APIService", "CSIDriver", "CSINode", "VolumeAttachment"]);
