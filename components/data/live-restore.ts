// The live restore's first step: both workloads at zero, and their pods gone, before restore.sh replaces the
// database, so no request and no queued job writes into a database being replaced. Two init containers run kubectl
// with a short-lived token of the restore Job's account, mounted into them alone; a Role lets that account scale
// exactly the two Deployments and watch pods, nothing else. An HPA does not scale a Deployment at zero replicas, so
// the workloads stay down until an operator scales them back (docs/operations.md, "Restore from a backup").
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { workloadName } from "../app/app-service";
import { Environment, ParsedSettings } from "../config/settings-schema";
import { HTTPS_PORT, OPEN_EGRESS_ANNOTATION } from "../lib/egress-allowance";
import { LABEL, PART_OF, standardLabels } from "../lib/labels";
import { Destination } from "../lib/network-policy";
import { restrictedContainerSecurityContext, TMP_MOUNT } from "../lib/pod-security";

/** The Deployments a live restore stops: every workload that writes to the database. */
export const SCALED_DOWN_WORKLOADS = [workloadName("backend"), workloadName("worker")];

/** Their pods, as `kubectl wait -l` selects them. */
export const SCALED_DOWN_POD_SELECTOR = `${LABEL.name}=${PART_OF},${LABEL.component} in (backend,worker)`;

/** How long the restore waits for the pods to finish (the worker's grace period is 2 minutes) before it fails. */
export const SCALE_DOWN_TIMEOUT_SECONDS = 600;

/** Where kubectl looks for the in-cluster token, CA and namespace. */
export const API_TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The projected token's lifetime: the shortest the API server issues; the kubelet renews it while the step runs. */
export const API_TOKEN_EXPIRATION_SECONDS = 600;

/** Fixed: the Role and its binding, as `kubectl -n <ns> describe role fork-knife-restore-scale-down` finds them. */
export const SCALE_DOWN_ROLE = "fork-knife-restore-scale-down";

const TOKEN_VOLUME = "kube-api-access";

/** The API server's endpoints as the settings give them (egress.kubernetesApiCidrs, egress.kubernetesApiPort). */
export function kubernetesApiFromSettings(s: Pick<ParsedSettings, "egress">): Destination {
    return { port: s.egress.kubernetesApiPort, cidrs: s.egress.kubernetesApiCidrs };
}

export interface LiveRestoreScaleDownArgs {
    /** Namespace of the Job, the Deployments and the Role. */
    namespace: pulumi.Input<string>;
    /** staging or production: labels follow it. */
    environment: Environment;
    /** The restore Job's ServiceAccount: the Role is bound to it alone. */
    serviceAccountName: pulumi.Input<string>;
    /** kubectl, pinned (backup.kubectlImage). */
    kubectlImage: string;
    /** The API server's endpoints: the one destination the step adds to the restore pod's egress. */
    kubernetesApi: Destination;
}

/** Scales the workloads to zero and waits for their pods to be gone, as the restore pod's first init containers. */
export class LiveRestoreScaleDown extends pulumi.ComponentResource {
    public readonly role: k8s.rbac.v1.Role;
    public readonly roleBinding: k8s.rbac.v1.RoleBinding;
    public readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
    /** The init containers, in order: scale, then wait. */
    public readonly initContainers: k8s.types.input.core.v1.Container[];
    /** The projected token volume, mounted by the init containers only. */
    public readonly volumes: k8s.types.input.core.v1.Volume[];

    constructor(name: string, args: LiveRestoreScaleDownArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:data:LiveRestoreScaleDown", name, {}, opts);
        const labels = standardLabels("restore", args.environment);
        const meta = { name: SCALE_DOWN_ROLE, namespace: args.namespace, labels };

        // kubectl scale reads each Deployment, then patches its scale subresource; rollout status watches each one by
        // name (a metadata.name field selector, which resourceNames allows); kubectl wait lists and watches the pods
        // by label (a list by label cannot be narrowed by name). Nothing else: no create, no delete, no Secrets.
        this.role = new k8s.rbac.v1.Role(`${name}-role`, {
            metadata: meta,
            rules: [
                { apiGroups: ["apps"], resources: ["deployments"], resourceNames: SCALED_DOWN_WORKLOADS, verbs: ["get", "list", "watch"] },
                { apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: SCALED_DOWN_WORKLOADS, verbs: ["get", "patch", "update"] },
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
            ],
        }, { parent: this });
        this.roleBinding = new k8s.rbac.v1.RoleBinding(`${name}-binding`, {
            metadata: meta,
            subjects: [{ kind: "ServiceAccount", name: args.serviceAccountName, namespace: args.namespace }],
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: this.role.metadata.name },
        }, { parent: this });

        // The restore pod's other policy (jobNetworkPolicy) allows DNS, the database and object storage; this one
        // adds the API server, for the restore pods only. kubectl reaches it by KUBERNETES_SERVICE_HOST: no DNS.
        const api = args.kubernetesApi;
        const cidrs = api.cidrs ?? [];
        this.networkPolicy = new k8s.networking.v1.NetworkPolicy(`${name}-api`, {
            metadata: {
                name: `${SCALE_DOWN_ROLE}-api`, namespace: args.namespace, labels,
                annotations: cidrs.length === 0 && api.port === HTTPS_PORT ? { [OPEN_EGRESS_ANNOTATION]: String(HTTPS_PORT) } : {},
            },
            spec: {
                podSelector: { matchLabels: { [LABEL.name]: PART_OF, [LABEL.component]: "restore" } },
                policyTypes: ["Ingress", "Egress"],
                ingress: [],
                egress: [{
                    ...(cidrs.length > 0 ? { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })) } : {}),
                    ports: [{ protocol: "TCP", port: api.port }],
                }],
            },
        }, { parent: this });

        // The token reaches the two kubectl containers only: the pod keeps automountServiceAccountToken false, so
        // restore.sh (the container that holds the database's credentials) never sees it.
        this.volumes = [{
            name: TOKEN_VOLUME,
            projected: {
                defaultMode: 0o440,
                sources: [
                    { serviceAccountToken: { path: "token", expirationSeconds: API_TOKEN_EXPIRATION_SECONDS } },
                    { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                    { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
                ],
            },
        }];
        const kubectl = (container: string, argv: pulumi.Input<string>[]): k8s.types.input.core.v1.Container => ({
            name: container, image: args.kubectlImage, command: ["kubectl", "--namespace", args.namespace, ...argv],
            // kubectl writes its discovery cache under $HOME; the root filesystem is read-only.
            env: [{ name: "HOME", value: "/tmp" }],
            securityContext: restrictedContainerSecurityContext(),
            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
            volumeMounts: [TMP_MOUNT, { name: TOKEN_VOLUME, mountPath: API_TOKEN_DIR, readOnly: true }],
        });
        const timeout = `--timeout=${SCALE_DOWN_TIMEOUT_SECONDS}s`;
        this.initContainers = [
            kubectl("scale-down", ["scale", ...SCALED_DOWN_WORKLOADS.map((d) => `deployment/${d}`), "--replicas=0"]),
            // Until each Deployment's controller has seen the scale and every ReplicaSet is at zero (no pod left that
            // is not terminating): a pod a ReplicaSet was still creating cannot slip past the wait below.
            ...SCALED_DOWN_WORKLOADS.map((d) => kubectl(`scaled-${d.replace(/^fork-knife-/, "")}`, ["rollout", "status", `deployment/${d}`, timeout])),
            // Then until the terminating pods are gone (their requests and jobs finished): at once when none is left
            // (kubectl 1.32 exits 0 when the selector matches nothing for --for=delete; checked against a stub API
            // server, as older clients failed with "no matching resources found"); a pod that outlives the timeout
            // fails the Job, and so the restore, before the database is touched.
            kubectl("wait-for-pods-gone", ["wait", "--for=delete", "pod", `--selector=${SCALED_DOWN_POD_SELECTOR}`, timeout]),
        ];
        this.registerOutputs({ role: this.role.metadata.name, roleBinding: this.roleBinding.metadata.name });
    }

    /** The restore pod with the scale-down in front: its init containers first, the token volume added. */
    podSpec<T extends { initContainers?: unknown[]; volumes?: unknown[] }>(spec: T): T {
        return { ...spec, initContainers: [...this.initContainers, ...(spec.initContainers ?? [])], volumes: [...(spec.volumes ?? []), ...this.volumes] };
    }
}
