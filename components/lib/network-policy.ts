// Network policies that name their peers. The namespace denies everything by default (NetworkBaseline); each
// workload then allows exactly what it needs: DNS to the cluster DNS pods, PostgreSQL and Redis to their CIDR
// blocks, and HTTPS (Stripe, Twilio, object storage) to any address unless narrowed. The one rule without peers
// is the HTTPS allowance, and the policy that carries it says so in an annotation the policy pack checks.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ComponentName, LABEL, PART_OF, standardLabels } from "./labels";
import { Environment, ParsedSettings } from "../config/settings-schema";
import { HTTPS_PORT, OPEN_EGRESS_ANNOTATION } from "./egress-allowance";

type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

export { HTTPS_PORT, OPEN_EGRESS_ANNOTATION } from "./egress-allowance";

/** Labels that find the cluster's DNS pods: their namespace's labels and their own. */
export interface DnsPeers {
    namespaceLabels: Record<string, string>;
    podLabels: Record<string, string>;
}

/** kube-dns and CoreDNS in kube-system both carry k8s-app=kube-dns. */
export const KUBE_DNS: DnsPeers = {
    namespaceLabels: { "kubernetes.io/metadata.name": "kube-system" },
    podLabels: { "k8s-app": "kube-dns" },
};

/** A TCP destination: its port and the CIDR blocks it lives in (none: any address, staging only). */
export interface Destination {
    port: number;
    cidrs?: string[];
}

export interface EgressArgs {
    /** The cluster DNS pods. */
    dns: DnsPeers;
    /** PostgreSQL; unset for a Job that never connects to it (backup-prune). */
    database?: Destination;
    /** Redis (the queue), for the workloads that use it. */
    redis?: Destination;
    /** HTTPS on 443: to any address (the explicit allowance) unless cidrs narrows it; no HTTPS when unset. */
    https?: { cidrs?: string[] };
    /** Further TCP destinations, e.g. an object store on another port. */
    others?: Destination[];
}

/** The stack's destinations as the settings give them; each workload takes the part it needs. */
export function egressFromSettings(s: Pick<ParsedSettings, "egress" | "database" | "redis">): Required<Pick<EgressArgs, "dns" | "database" | "redis" | "https">> {
    const cidrs = (cidr?: string) => (cidr ? [cidr] : undefined);
    return {
        dns: { namespaceLabels: s.egress.dnsNamespaceLabels, podLabels: s.egress.dnsPodLabels },
        database: { port: s.database.port, cidrs: cidrs(s.database.cidr) },
        redis: { port: s.redis.port, cidrs: cidrs(s.redis.cidr) },
        https: { cidrs: s.egress.httpsCidrs },
    };
}

export interface EgressPlan {
    egress: EgressRule[];
    /** Annotations the NetworkPolicy must carry (the HTTPS allowance, when open). */
    annotations: Record<string, string>;
}

function toBlocks(cidrs: string[] | undefined): Pick<EgressRule, "to"> {
    return cidrs && cidrs.length > 0 ? { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })) } : {};
}

/** The egress rules of one workload, each naming its peers except the marked HTTPS allowance. */
export function egressPlan(args: EgressArgs): EgressPlan {
    const tcp = (d: Destination): EgressRule => ({ ...toBlocks(d.cidrs), ports: [{ protocol: "TCP", port: d.port }] });
    const egress: EgressRule[] = [
        {
            // Both selectors in one peer: DNS pods in the DNS namespace, not any pod there nor any namespace's DNS.
            to: [{ namespaceSelector: { matchLabels: args.dns.namespaceLabels }, podSelector: { matchLabels: args.dns.podLabels } }],
            ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
        },
        ...(args.database ? [tcp(args.database)] : []),
        ...(args.redis ? [tcp(args.redis)] : []),
        ...(args.others ?? []).map(tcp),
    ];
    const annotations: Record<string, string> = {};
    if (args.https) {
        egress.push(tcp({ port: HTTPS_PORT, cidrs: args.https.cidrs }));
        if (!args.https.cidrs || args.https.cidrs.length === 0) annotations[OPEN_EGRESS_ANNOTATION] = String(HTTPS_PORT);
    }
    return { egress, annotations };
}

export interface JobNetworkPolicyArgs {
    namespace: pulumi.Input<string>;
    environment: Environment;
    /** Components (app.kubernetes.io/component) whose pods the policy selects. */
    components: ComponentName[];
    /** Where the Jobs may connect. */
    egress: EgressArgs;
}

/** Jobs serve nothing: no ingress at all, egress to DNS and, when named, the database and the rest. */
export function jobNetworkPolicy(name: string, args: JobNetworkPolicyArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
    const plan = egressPlan(args.egress);
    return new k8s.networking.v1.NetworkPolicy(name, {
        metadata: { namespace: args.namespace, labels: standardLabels(args.components[0], args.environment), annotations: plan.annotations },
        spec: {
            podSelector: {
                matchLabels: { [LABEL.name]: PART_OF },
                matchExpressions: [{ key: LABEL.component, operator: "In", values: args.components }],
            },
            policyTypes: ["Ingress", "Egress"],
            ingress: [],
            egress: plan.egress,
        },
    }, opts);
}
