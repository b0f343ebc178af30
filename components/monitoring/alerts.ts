// Alerts: the guide's thresholds as a PrometheusRule, and a ServiceMonitor so Prometheus scrapes the backend's
// /metrics. Both are Prometheus Operator custom resources; its CRDs are a cluster prerequisite (docs/operations.md).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertSettings, alertRuleGroups, ALERT, OUTSIDE_ALERTS } from "./alert-rules";
import { selectorLabels, standardLabels } from "../lib/labels";
import { Environment } from "../config/settings-schema";

export const MONITORING_API_VERSION = "monitoring.coreos.com/v1";

/** kube-prometheus-stack selects rules and monitors by its Helm release label unless told otherwise (docs/operations.md). */
export const DEFAULT_PROMETHEUS_SELECTOR: Record<string, string> = { release: "kube-prometheus-stack" };

export interface AlertsArgs {
    /** The stack's namespace: the resources live there and every rule is scoped to it. */
    namespace: pulumi.Input<string>;
    /** staging or production: labels, and the environment label on every alert. */
    environment: Environment;
    /** fork-knife:alerts, thresholds with the guide's defaults. Nothing is created when enabled is false. */
    settings: AlertSettings;
    /** The backend's Service: its name becomes the scrape job, its named port is scraped. */
    backendService: {
        /** Service name; the Prometheus Operator uses it as the job label. */
        name: string;
        /** Named Service port that serves /metrics: `metrics` (backend.metricsPort), which only the monitoring
         *  namespace may reach, never the public `http` port. */
        port: string;
        /** Path of the metrics endpoint. */
        metricsPath: string;
    };
    /** The backend's container name, as the kubelet labels its probe results. */
    backendContainer?: string;
    /** Labels the Prometheus Operator's ruleSelector and serviceMonitorSelector match. */
    prometheusSelector?: Record<string, string>;
    /** How often Prometheus scrapes the backend; the 1m error-rate window needs several samples. */
    scrapeInterval?: string;
    /** The outside health Probe's job (HealthProbe.job) when the stack has one: adds the outside and probe-absent rules. */
    publicProbeJob?: pulumi.Input<string>;
}

export class Alerts extends pulumi.ComponentResource {
    public readonly rule?: k8s.apiextensions.CustomResource;
    public readonly serviceMonitor?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:monitoring:Alerts", name, {}, opts);
        const enabled = args.settings.enabled;
        if (enabled) {
            const labels = { ...standardLabels("alerts", args.environment), ...(args.prometheusSelector ?? DEFAULT_PROMETHEUS_SELECTOR) };
            const groups = pulumi.all([args.namespace, args.publicProbeJob]).apply(([namespace, publicProbeJob]) => alertRuleGroups(args.settings, {
                namespace,
                environment: args.environment,
                backendJob: args.backendService.name,
                backendContainer: args.backendContainer ?? "backend",
                publicProbeJob,
            }));

            this.rule = new k8s.apiextensions.CustomResource(name, {
                apiVersion: MONITORING_API_VERSION,
                kind: "PrometheusRule",
                metadata: { name: "fork-knife-alerts", namespace: args.namespace, labels },
                spec: { groups },
            }, { parent: this });

            this.serviceMonitor = new k8s.apiextensions.CustomResource(`${name}-backend`, {
                apiVersion: MONITORING_API_VERSION,
                kind: "ServiceMonitor",
                metadata: { name: args.backendService.name, namespace: args.namespace, labels },
                spec: {
                    selector: { matchLabels: selectorLabels("backend") },
                    namespaceSelector: { matchNames: [args.namespace] },
                    endpoints: [{
                        port: args.backendService.port,
                        path: args.backendService.metricsPath,
                        interval: args.scrapeInterval ?? "15s",
                        scheme: "http",
                    }],
                },
            }, { parent: this });
        }

        this.registerOutputs({
            enabled,
            ruleName: this.rule?.metadata.name,
            serviceMonitorName: this.serviceMonitor?.metadata.name,
            alerts: enabled ? Object.values(ALERT).filter((a) => args.publicProbeJob !== undefined || !OUTSIDE_ALERTS.includes(a)) : [],
        });
    }
}
