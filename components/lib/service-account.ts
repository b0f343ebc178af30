// One ServiceAccount per kind of Job, never the namespace's `default`: an RBAC binding someone adds to `default`
// (or to another workload's account) then reaches no Job, and audit logs name the Job that made a call.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ComponentName, standardLabels } from "./labels";
import { Environment } from "../config/settings-schema";

/** Fixed, so an operator can find a Job's account by its component: fork-knife-<component>. */
export function serviceAccountName(component: ComponentName): string {
    return `fork-knife-${component}`;
}

export interface JobServiceAccountArgs {
    namespace: pulumi.Input<string>;
    environment: Environment;
    /** The Job's component (app.kubernetes.io/component), which names the account. */
    component: ComponentName;
}

/** A token-less account of a Job's own: the Jobs never call the Kubernetes API. */
export function jobServiceAccount(name: string, args: JobServiceAccountArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.ServiceAccount {
    return new k8s.core.v1.ServiceAccount(name, {
        metadata: { name: serviceAccountName(args.component), namespace: args.namespace, labels: standardLabels(args.component, args.environment) },
        automountServiceAccountToken: false,
    }, opts);
}
