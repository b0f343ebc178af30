// Finding the backup resources of a stack by their component label (DESIGN.md), and what they promise.
import { PolicyResource } from "@pulumi/policy";
import { componentOf, k8sObjects, K8sObject } from "./graph";

export const DATABASE_TYPES = ["fork-knife:data:Database"];

export function databases(resources: PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => DATABASE_TYPES.includes(r.type));
}

export function byComponent(resources: PolicyResource[], component: string, ...kinds: string[]): K8sObject[] {
    return k8sObjects(resources, ...kinds).filter((o) => componentOf(o) === component);
}

export function timeZoneOf(obj: K8sObject): string {
    return typeof obj.props.spec?.timeZone === "string" ? obj.props.spec.timeZone : "Etc/UTC";
}
