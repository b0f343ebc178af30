// Finding the backup resources of a stack by their component label (DESIGN.md), and what they promise.
import { PolicyResource } from "@pulumi/policy";
import { cronProblem, timeZoneProblem } from "../../components/config/validators";
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

/**
 * The schedule and time zone to compute a CronJob's runs from, or undefined when either is unreadable: those are
 * job-cronjob-schedule's and job-cronjob-time-zone's violations, and computing from them would throw or mislead.
 */
export function scheduleOf(obj: K8sObject): { schedule: string; timeZone: string } | undefined {
    const schedule = obj.props.spec?.schedule;
    const timeZone = timeZoneOf(obj);
    if (typeof schedule !== "string" || cronProblem(schedule) || timeZoneProblem(timeZone)) return undefined;
    return { schedule, timeZone };
}
