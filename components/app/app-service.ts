// One long-running workload of the fork-knife backend (the API or the queue worker), with everything the
// guide asks of it: probes, zero-downtime rollouts, autoscaling, a disruption budget, a locked-down pod and
// a deny-by-default network policy.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ComponentName, standardLabels, selectorLabels } from "../lib/labels";
import { EgressArgs, egressPlan } from "../lib/network-policy";
import { SecretEnvVar } from "./secret-env";
import { POD_FILES_ROOT, PodFiles } from "../lib/pod-files";

/** Where credentials land with credentialsAs: file; each file is named after its variable. */
export const CREDENTIALS_DIR = `${POD_FILES_ROOT}/credentials`;
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME } from "../lib/pod-security";
import { Environment } from "../config/settings-schema";

/** The worker touches this file after every poll of the queue; liveness checks its age (README: the workloads). */
export const WORKER_HEARTBEAT_FILE = "/tmp/worker-heartbeat";
export const WORKER_HEARTBEAT_MAX_AGE_SECONDS = 120;

/**
 * The name an operator types (`kubectl rollout undo deployment/fork-knife-backend`): the Deployment, its Service,
 * HPA and PDB all carry it, fixed rather than auto-named, and the runbooks' commands are tested against it.
 */
export function workloadName(component: Extract<ComponentName, "backend" | "worker">): string {
    return `fork-knife-${component}`;
}

/** Stable Service name: clients and the ServiceMonitor find the backend by it. */
export function serviceName(component: Extract<ComponentName, "backend" | "worker">): string {
    return workloadName(component);
}

/*
 * deleteBeforeReplace, where it applies: a fixed name cannot be created while the old object still holds it, so a
 * change that replaces an object under the same name must delete it first. Here that is the Deployment (a new
 * spec.selector: immutable) and the Service (a new spec.type or spec.clusterIP); HPA, PDB (policy/v1) and the
 * CronJobs have no replace-only field. The Kubernetes provider already answers deleteBeforeReplace for exactly
 * that case (a replacement whose name and namespace stay the same) and create-first otherwise, so the option is
 * deliberately NOT forced here: forcing it would also delete first when the name changes, and the first
 * `pulumi up` of these fixed names renames the old auto-named Deployments (backend-1a2b3c4d → fork-knife-backend),
 * which must create the new one first so the Service never loses its endpoints. A delete-first replacement is a
 * short outage of that workload: plan a selector change like a release.
 */

export interface ScalingArgs {
    /** HPA floor: replicas kept even when idle. */
    minReplicas: number;
    /** HPA ceiling: also bounds the database connection budget. */
    maxReplicas: number;
    /** Average CPU utilisation (percent of the request) the HPA holds. */
    targetCpuPercent: number;
    /** Average memory utilisation (percent of the request) the HPA holds. */
    targetMemoryPercent: number;
}

export interface ResourceArgs {
    /** CPU request. */
    cpu: string;
    /** Memory request. */
    memory: string;
    /** CPU limit; none by default (throttling costs latency). */
    cpuLimit?: string;
    /** Memory limit. */
    memoryLimit: string;
}

export interface AppServiceArgs {
    /** Namespace the workload runs in. */
    namespace: pulumi.Input<string>;
    /** staging or production: labels and defaults follow it. */
    environment: Environment;
    /** backend (serves HTTP) or worker (consumes the queue). */
    component: Extract<ComponentName, "backend" | "worker">;
    /** Immutable image reference, tag and digest when known. */
    image: pulumi.Input<string>;
    /** Container command (settings: `backend.command`, `worker.command`); never a migration, that is the MigrationJob's. */
    command?: string[];
    /** HTTP serving: adds the Service, HTTP probes on healthPath and ingress on the port. */
    http?: { port: number; healthPath: string };
    /** Horizontal autoscaling; the HPA owns the replica count. */
    scaling: ScalingArgs;
    /** Container requests and limits. */
    resources: ResourceArgs;
    /** Plain, non-credential environment (LOG_LEVEL, NODE_ENV, ...). */
    env?: Record<string, pulumi.Input<string>>;
    /** Credentials, always by reference to a Secret, never as literal values. */
    secretEnv?: SecretEnvVar[];
    /**
     * env (default): each credential a secretKeyRef variable. file: all of them as read-only files in
     * CREDENTIALS_DIR (one projected volume), and `<NAME>_FILE` variables pointing at them: a credential in a file
     * does not show up in `/proc/<pid>/environ`, crash dumps or a child process's environment.
     */
    credentialsAs?: "env" | "file";
    /** Pod template annotations: the release's migration Job and the rotation checksum roll pods when they change. */
    podAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Where the pods may connect: DNS, PostgreSQL, Redis, HTTPS (components/lib/network-policy.ts). */
    egress: EgressArgs;
    /** Prometheus metrics on a port of their own, reachable only from the monitoring namespace (backend). */
    metrics?: { port: number; namespaceLabels: Record<string, string> };
    /** Read-only files mounted under /var/run/secrets/fork-knife (the database CA, credentials as files). */
    files?: PodFiles[];
    /** Seconds a pod gets to finish in-flight work after SIGTERM. */
    terminationGracePeriodSeconds?: number;
}

export class AppService extends pulumi.ComponentResource {
    public readonly serviceAccount: k8s.core.v1.ServiceAccount;
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly autoscaler: k8s.autoscaling.v2.HorizontalPodAutoscaler;
    public readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    public readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
    public readonly service?: k8s.core.v1.Service;
    public readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:app:AppService", name, {}, opts);
        const labels = standardLabels(args.component, args.environment);
        const selector = selectorLabels(args.component);
        const metadata = { namespace: args.namespace, labels };
        const named = { ...metadata, name: workloadName(args.component) };

        this.serviceAccount = new k8s.core.v1.ServiceAccount(name, {
            metadata,
            // The app never talks to the Kubernetes API; a mounted token would only be something to steal.
            automountServiceAccountToken: false,
        }, { parent: this });

        const asFiles = args.credentialsAs === "file" && (args.secretEnv ?? []).length > 0;
        const credentialFiles: PodFiles[] = asFiles ? [{
            volume: {
                name: "credentials",
                projected: {
                    // 0440 with the pod's fsGroup: the app's group reads them, nobody else.
                    defaultMode: 0o440,
                    sources: args.secretEnv!.map((s) => ({ secret: { name: s.secretName, items: [{ key: s.key, path: s.name }] } })),
                },
            },
            mount: { name: "credentials", mountPath: CREDENTIALS_DIR, readOnly: true },
        }] : [];
        const files = [...(args.files ?? []), ...credentialFiles];
        const container: k8s.types.input.core.v1.Container = {
            name: args.component,
            image: args.image,
            imagePullPolicy: "IfNotPresent",
            command: args.command,
            env: [
                // npm (the worker's `npm run worker`) writes its cache and logs under HOME; the root filesystem is read-only.
                { name: "HOME", value: "/tmp" },
                ...Object.entries(args.env ?? {}).map(([envName, value]) => ({ name: envName, value })),
                ...(args.secretEnv ?? []).map((s) => (asFiles
                    ? { name: `${s.name}_FILE`, value: `${CREDENTIALS_DIR}/${s.name}` }
                    : { name: s.name, valueFrom: { secretKeyRef: { name: s.secretName, key: s.key } } })),
            ],
            ports: args.http || args.metrics ? [
                ...(args.http ? [{ name: "http", containerPort: args.http.port, protocol: "TCP" }] : []),
                ...(args.metrics ? [{ name: "metrics", containerPort: args.metrics.port, protocol: "TCP" }] : []),
            ] : undefined,
            resources: {
                requests: { cpu: args.resources.cpu, memory: args.resources.memory },
                limits: {
                    memory: args.resources.memoryLimit,
                    ...(args.resources.cpuLimit ? { cpu: args.resources.cpuLimit } : {}),
                },
            },
            securityContext: restrictedContainerSecurityContext(),
            volumeMounts: [TMP_MOUNT, ...files.map((f) => f.mount)],
            ...(args.http ? httpProbes(args.http.healthPath) : workerProbes()),
        };

        this.deployment = new k8s.apps.v1.Deployment(name, {
            metadata: named,
            spec: {
                // No replicas: the HPA owns the count, and a static value would fight it on every update.
                selector: { matchLabels: selector },
                revisionHistoryLimit: 10,
                progressDeadlineSeconds: 600,
                strategy: {
                    type: "RollingUpdate",
                    // Never below the serving count during a rollout: new pods must be Ready first.
                    rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" },
                },
                template: {
                    metadata: { labels, annotations: args.podAnnotations },
                    spec: {
                        serviceAccountName: this.serviceAccount.metadata.name,
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(),
                        terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? (args.http ? 30 : 120),
                        topologySpreadConstraints: [
                            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                        ],
                        containers: [container],
                        volumes: [TMP_VOLUME, ...files.map((f) => f.volume)],
                    },
                },
            },
        }, { parent: this });
        this.deploymentName = this.deployment.metadata.name;

        this.autoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(name, {
            metadata: named,
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deploymentName },
                minReplicas: args.scaling.minReplicas,
                maxReplicas: args.scaling.maxReplicas,
                metrics: [
                    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.scaling.targetCpuPercent } } },
                    { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: args.scaling.targetMemoryPercent } } },
                ],
                behavior: {
                    // Scale down slowly: traffic dips are short, and cold pods cost latency.
                    scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Percent", value: 50, periodSeconds: 60 }] },
                    scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 4, periodSeconds: 60 }] },
                },
            },
        }, { parent: this });

        this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(name, {
            metadata: named,
            spec: {
                selector: { matchLabels: selector },
                // One at a time, whatever the replica count: a drain always makes progress.
                maxUnavailable: 1,
                // A crash-looping pod must never block a node drain.
                unhealthyPodEvictionPolicy: "AlwaysAllow",
            },
        }, { parent: this });

        const egress = egressPlan(args.egress);
        this.networkPolicy = new k8s.networking.v1.NetworkPolicy(name, {
            metadata: { ...metadata, annotations: egress.annotations },
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    // The public port serves the app to whoever the Ingress or load balancer forwards.
                    ...(args.http ? [{ ports: [{ protocol: "TCP", port: args.http.port }] }] : []),
                    // /metrics tells an attacker a lot about load and errors: the monitoring namespace only.
                    ...(args.metrics ? [{
                        from: [{ namespaceSelector: { matchLabels: args.metrics.namespaceLabels } }],
                        ports: [{ protocol: "TCP", port: args.metrics.port }],
                    }] : []),
                ],
                egress: egress.egress,
            },
        }, { parent: this });

        if (args.http) {
            this.service = new k8s.core.v1.Service(name, {
                metadata: { ...metadata, name: serviceName(args.component) },
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [
                        { name: "http", port: args.http.port, targetPort: "http", protocol: "TCP" },
                        ...(args.metrics ? [{ name: "metrics", port: args.metrics.port, targetPort: "metrics", protocol: "TCP" }] : []),
                    ],
                },
            }, { parent: this });
        }

        this.registerOutputs({
            deploymentName: this.deploymentName,
            serviceName: this.service?.metadata.name,
            minReplicas: args.scaling.minReplicas,
            maxReplicas: args.scaling.maxReplicas,
        });
    }
}

function httpProbes(healthPath: string): Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe" | "lifecycle"> {
    const httpGet = { path: healthPath, port: "http" };
    return {
        // Up to 2 minutes to boot (Prisma client, connection pool) before liveness may restart the pod.
        startupProbe: { httpGet, periodSeconds: 2, failureThreshold: 60, timeoutSeconds: 2 },
        readinessProbe: { httpGet, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
        livenessProbe: { httpGet, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
        // Keep serving while the endpoint removal propagates to kube-proxy and the load balancer.
        lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
    };
}

/**
 * A queue worker serves no HTTP, and a stuck worker is one that stopped polling: liveness fails when the
 * heartbeat file the worker touches after each poll is older than two minutes. Readiness is not used,
 * because no Service routes to the worker.
 */
function workerProbes(): Pick<k8s.types.input.core.v1.Container, "livenessProbe" | "startupProbe"> {
    const check = ["node", "-e",
        `const s=require("fs").statSync(${JSON.stringify(WORKER_HEARTBEAT_FILE)});` +
        `process.exit(Date.now()-s.mtimeMs<${WORKER_HEARTBEAT_MAX_AGE_SECONDS * 1000}?0:1)`];
    return {
        startupProbe: { exec: { command: check }, periodSeconds: 5, failureThreshold: 36, timeoutSeconds: 5 },
        livenessProbe: { exec: { command: check }, periodSeconds: 30, failureThreshold: 3, timeoutSeconds: 5 },
    };
}
