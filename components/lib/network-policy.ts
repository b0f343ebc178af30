// Deny-by-default network policies. Every pod this program runs gets one: the long-running services from
// AppService, the Jobs (migration, backups, restores) from jobNetworkPolicy.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ComponentName, LABEL, PART_OF, standardLabels } from "./labels";
import { Environment } from "../config/settings-schema";

/** Egress every workload needs: DNS, the database, and whatever TCP ports it names (HTTPS, Redis, …). */
export function egressRules(databasePort: number, extraTcpPorts: number[] = []): k8s.types.input.networking.v1.NetworkPolicyEgressRule[] {
    return [
        { ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
        ...[databasePort, ...extraTcpPorts].map((port) => ({ ports: [{ protocol: "TCP", port }] })),
    ];
}

export interface JobNetworkPolicyArgs {
    namespace: pulumi.Input<string>;
    environment: Environment;
    /** Components (app.kubernetes.io/component) whose pods the policy selects. */
    components: ComponentName[];
    /** The database port the Jobs connect to. */
    databasePort: number;
    /** Further TCP egress, e.g. 443 for object storage. */
    extraTcpPorts?: number[];
}

/** Jobs serve nothing: no ingress at all, egress to DNS and the database (and the ports named). */
export function jobNetworkPolicy(name: string, args: JobNetworkPolicyArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(name, {
        metadata: { namespace: args.namespace, labels: standardLabels(args.components[0], args.environment) },
        spec: {
            podSelector: {
                matchLabels: { [LABEL.name]: PART_OF },
                matchExpressions: [{ key: LABEL.component, operator: "In", values: args.components }],
            },
            policyTypes: ["Ingress", "Egress"],
            ingress: [],
            egress: egressRules(args.databasePort, args.extraTcpPorts),
        },
    }, opts);
}
