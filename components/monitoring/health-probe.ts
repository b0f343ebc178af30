// HealthProbe: the guide's health check from outside. A Prometheus Operator `Probe` asks a blackbox exporter to
// fetch publicUrl + healthPath every 30 s, through the same ingress, DNS and TLS as users. It is the only signal
// that sees a total outage (every pod down, a broken ingress or certificate): in-cluster probes and metrics vanish
// with the pods. ForkKnifePublicHealthCheckFailing (alert-rules.ts) reads its probe_success series.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PUBLIC_PROBE_JOB } from "./alert-rules";
import { DEFAULT_PROMETHEUS_SELECTOR, MONITORING_API_VERSION } from "./alerts";
import { standardLabels } from "../lib/labels";
import { Environment } from "../config/settings-schema";

/** The guide's interval: three failures in five minutes needs several probes inside the window. */
export const PROBE_INTERVAL = "30s";
/** Below the interval, so a hanging probe is a failure, not a missed sample. */
export const PROBE_TIMEOUT = "10s";

export interface HealthProbeArgs {
    /** The stack's namespace: the Probe lives there and its series carry it as `namespace`. */
    namespace: pulumi.Input<string>;
    /** staging or production, for labels. */
    environment: Environment;
    /** https URL users reach (fork-knife:publicUrl), validated by settings: https, no credentials, no query. */
    publicUrl: string;
    /** The backend's health path (fork-knife:backend.healthPath), appended to publicUrl. */
    healthPath: string;
    /** The blackbox exporter's URL (fork-knife:healthProbe.proberUrl): scheme, host:port and optional path. */
    proberUrl: string;
    /** The blackbox exporter module that expects a 2xx answer (fork-knife:healthProbe.module, default http_2xx). */
    module: string;
    /** Labels the Prometheus Operator's probeSelector matches (the same as the Alerts' selector by default). */
    prometheusSelector?: Record<string, string>;
}

/** publicUrl + healthPath, without a doubled slash. */
export function probeTarget(publicUrl: string, healthPath: string): string {
    return `${publicUrl.replace(/\/+$/, "")}${healthPath}`;
}

/** The ProberSpec the operator wants: `url` is host:port without scheme; scheme and path are separate fields. */
export function proberSpec(proberUrl: string): { url: string; scheme: "http" | "https"; path: string } {
    const u = new URL(proberUrl);
    const port = u.port || (u.protocol === "https:" ? "443" : "80");
    return { url: `${u.hostname}:${port}`, scheme: u.protocol === "https:" ? "https" : "http", path: u.pathname === "/" ? "/probe" : u.pathname };
}

export class HealthProbe extends pulumi.ComponentResource {
    public readonly probe: k8s.apiextensions.CustomResource;
    /** The job label of the probe's series: what the outside alert rules select. */
    public readonly job: string = PUBLIC_PROBE_JOB;
    /** The URL probed. */
    public readonly target: string;

    constructor(name: string, args: HealthProbeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:monitoring:HealthProbe", name, {}, opts);
        this.target = probeTarget(args.publicUrl, args.healthPath);
        const labels = { ...standardLabels("alerts", args.environment), ...(args.prometheusSelector ?? DEFAULT_PROMETHEUS_SELECTOR) };

        this.probe = new k8s.apiextensions.CustomResource(name, {
            apiVersion: MONITORING_API_VERSION,
            kind: "Probe",
            metadata: { name: "fork-knife-public-health", namespace: args.namespace, labels },
            spec: {
                jobName: this.job,
                interval: PROBE_INTERVAL,
                scrapeTimeout: PROBE_TIMEOUT,
                module: args.module,
                prober: proberSpec(args.proberUrl),
                targets: {
                    staticConfig: {
                        static: [this.target],
                        // The rules are scoped by namespace, like every other rule of the stack.
                        labels: { namespace: args.namespace },
                    },
                },
            },
        }, { parent: this });

        this.registerOutputs({ probeName: this.probe.metadata.name, job: this.job, target: this.target });
    }
}
