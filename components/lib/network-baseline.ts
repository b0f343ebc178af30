// The namespace's floor: deny all ingress and egress for every pod, whatever its labels. The workloads'
// own policies (AppService, jobNetworkPolicy) then allow what each needs, naming its peers; a pod nobody wrote
// a policy for (a debug pod, a forgotten CronJob) can reach nothing and be reached by nothing.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "./labels";
import { Environment } from "../config/settings-schema";

/** Fixed name: the one object in the namespace with `podSelector: {}`. */
export const DEFAULT_DENY_POLICY = "default-deny";

export interface NetworkBaselineArgs {
    /** Namespace the default deny covers. */
    namespace: pulumi.Input<string>;
    /** staging or production: labels follow it. */
    environment: Environment;
}

export class NetworkBaseline extends pulumi.ComponentResource {
    public readonly defaultDeny: k8s.networking.v1.NetworkPolicy;

    constructor(name: string, args: NetworkBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:network:NetworkBaseline", name, {}, opts);
        this.defaultDeny = new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, {
            metadata: { name: DEFAULT_DENY_POLICY, namespace: args.namespace, labels: standardLabels("platform", args.environment) },
            spec: {
                // Every pod of the namespace; no rules: nothing in, nothing out, until a workload's policy allows it.
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
            },
        }, { parent: this });
        this.registerOutputs({ defaultDeny: this.defaultDeny.metadata.name });
    }
}
