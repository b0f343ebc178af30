// Stack policies look across resources: which Service selects which pods, which HPA scales which
// Deployment, what runs before what. These helpers read CrossGuard's PolicyResource graph.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { PolicyResource } from "@pulumi/policy";
import { kindOf, metaName } from "./k8s";

export interface K8sObject {
    resource: PolicyResource;
    kind: string;
    namespace: string;
    /** metadata.name, or the Pulumi name when the provider will auto-name it. */
    name: string;
    props: any;
    labels: Record<string, string>;
}

export function k8sObjects(resources: PolicyResource[], ...kinds: string[]): K8sObject[] {
    return resources.flatMap((resource) => {
        const kind = kindOf(resource.type);
        if (!kind || (kinds.length > 0 && !kinds.includes(kind))) return [];
        const props = resource.props ?? {};
        return [{
            resource, kind, props,
            namespace: namespaceOf(props),
            name: metaName(props, resource.name),
            labels: props.metadata?.labels ?? {},
        }];
    });
}

export function namespaceOf(props: any): string {
    return typeof props?.metadata?.namespace === "string" ? props.metadata.namespace : "default";
}

/**
 * Whether `name` (as another object refers to it) is this object. Without metadata.name the Kubernetes
 * provider auto-names the object `<pulumi name>-<8 random characters>`, which the reference carries.
 */
export function refersTo(obj: K8sObject, name: unknown): boolean {
    if (typeof name !== "string") return false;
    if (typeof obj.props.metadata?.name === "string") return obj.props.metadata.name === name;
    return name === obj.resource.name || new RegExp(`^${escape(obj.resource.name)}-[a-z0-9]{8}$`).test(name);
}

function escape(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function ancestors(r: PolicyResource): PolicyResource[] {
    const out: PolicyResource[] = [];
    for (let p = r.parent; p; p = p.parent) out.push(p);
    return out;
}

/**
 * Whether the engine must finish `target` before `r`: some dependency of `r` (or of its parents) is
 * `target`, a component containing it, or, transitively, depends on it.
 */
export function mustFollow(r: PolicyResource, target: PolicyResource): boolean {
    const containers = new Set([target.urn, ...ancestors(target).filter((a) => a.type !== "pulumi:pulumi:Stack").map((a) => a.urn)]);
    const seen = new Set<string>();
    const queue = [r, ...ancestors(r)];
    while (queue.length > 0) {
        const cur = queue.pop()!;
        for (const d of cur.dependencies ?? []) {
            if (containers.has(d.urn)) return true;
            if (seen.has(d.urn)) continue;
            seen.add(d.urn);
            queue.push(d, ...ancestors(d));
        }
    }
    return false;
}

/** The component label of DESIGN.md, how tools find resources. */
export function componentOf(obj: { props: any }): string | undefined {
    return obj.props?.metadata?.labels?.["app.kubernetes.io/component"];
}

export const CONTROLLERS = ["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"];

/** The HPAs in the object's namespace whose scaleTargetRef names it. */
export function hpasTargeting(obj: K8sObject, hpas: K8sObject[]): K8sObject[] {
    return hpas.filter((h) => h.namespace === obj.namespace && h.props.spec?.scaleTargetRef?.kind === obj.kind
        && refersTo(obj, h.props.spec?.scaleTargetRef?.name));
}

/** Fewest replicas a controller runs: its HPA's floor when one scales it, else spec.replicas (default 1). */
export function minimumReplicas(obj: K8sObject, hpas: K8sObject[]): { value: number; source: string } {
    const h = hpasTargeting(obj, hpas)[0];
    if (h) return { value: h.props.spec?.minReplicas ?? 1, source: `HorizontalPodAutoscaler/${h.name} spec.minReplicas` };
    return { value: obj.props.spec?.replicas ?? 1, source: "spec.replicas" };
}
