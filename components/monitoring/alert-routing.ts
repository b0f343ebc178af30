// AlertRouting: who hears an alert. An AlertmanagerConfig (prometheus-operator, v1alpha1) in the stack's namespace
// sends each severity to its receiver (`pager`: PagerDuty Events v2, `team`: the team's Slack channel), groups by
// alertname and namespace, and inhibits the alerts a cause alert already explains. The same routing is available
// as a plain alertmanager.yml (alertmanagerConfigFile), the operator's translation of this object, so amtool and a
// real Alertmanager can check it without a cluster.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { credentialSecret, RotationRecord, rotationRecord } from "../app/rotation";
import { Environment, ParsedSettings, ReceiverName, RECEIVERS, SEVERITIES } from "../config/settings-schema";
import { standardLabels } from "../lib/labels";
import { DEFAULT_PROMETHEUS_SELECTOR } from "./alerts";
import { INHIBIT_LABEL, inhibitionLabels, Signal, SIGNAL } from "./alert-rules";

export type AlertingSettings = ParsedSettings["alerting"];
export type Severity = (typeof SEVERITIES)[number];

export const ALERTMANAGER_CONFIG_API_VERSION = "monitoring.coreos.com/v1alpha1";
/** Fixed: `kubectl get alertmanagerconfig fork-knife-routing -n <namespace>`. */
export const ALERTMANAGER_CONFIG_NAME = "fork-knife-routing";
/** Notifications group alerts of one rule in one stack: one page for ten failing pods, not ten. */
export const GROUP_BY = ["alertname", "namespace"] as const;

/** The Secrets that hold the receivers' credentials, and their keys (fixed names: the AlertmanagerConfig refers to them). */
export const ROUTING_SECRETS = {
    pager: { name: "fork-knife-alerting-pagerduty", key: "routingKey", kind: "pagerduty-routing-key" },
    team: { name: "fork-knife-alerting-slack", key: "webhookUrl", kind: "slack-webhook" },
} as const;

/** The inhibition convention's labels and signals: defined with the rules (alert-rules.ts), stated here as inhibit rules. */
export { INHIBIT_LABEL, inhibitionLabels };
export type { Signal };

/** The signals alerts name today; a new exporter adds its own to SIGNAL in alert-rules.ts. */
export const SIGNALS: readonly Signal[] = Object.values(SIGNAL);

/**
 * The inhibit rules of the convention, as the AlertmanagerConfig states them. All three hold within one namespace
 * and one signal, and never silence a cause with itself:
 * 1. any cause silences the ordinary warnings of its signal;
 * 2. a critical cause (the total outage) silences every ordinary alert of its signal, the critical ones too: only a
 *    critical cause may hide a page, never a warning's inference (metrics missing, absent data);
 * 3. a critical cause silences the warning causes of its signal (metrics missing because the backend is down).
 */
export function inhibitRules(): Array<{ sourceMatch: Matcher[]; targetMatch: Matcher[]; equal: string[] }> {
    const { signal, cause } = INHIBIT_LABEL;
    const hasSignal: Matcher = { name: signal, value: ".+", matchType: "=~" };
    const isCause: Matcher = { name: cause, value: "true", matchType: "=" };
    // `cause=""` also matches alerts without the label: the ordinary alerts of the signal.
    const ordinary: Matcher = { name: cause, value: "", matchType: "=" };
    const severity = (value: Severity): Matcher => ({ name: "severity", value, matchType: "=" });
    const equal = ["namespace", signal];
    return [
        { sourceMatch: [isCause, hasSignal], targetMatch: [ordinary, severity("warning"), hasSignal], equal },
        { sourceMatch: [isCause, severity("critical"), hasSignal], targetMatch: [ordinary, hasSignal], equal },
        { sourceMatch: [isCause, severity("critical"), hasSignal], targetMatch: [isCause, severity("warning"), hasSignal], equal },
    ];
}

export interface Matcher { name: string; value: string; matchType: "=" | "!=" | "=~" | "!~" }

/** Where each receiver's credential lives: a key of a Secret in the namespace. */
export type SecretRefs = Partial<Record<ReceiverName, { name: string; key: string }>>;

/** The receiver an alert whose severity the routing does not know reaches: the loudest one configured. */
export function catchAllReceiver(routing: AlertingSettings, receivers: ReceiverName[]): ReceiverName {
    const critical = routing.severities.critical;
    return receivers.includes(critical) ? critical : receivers[0];
}

/** The receivers the routing uses. */
export function usedReceivers(routing: AlertingSettings): ReceiverName[] {
    return RECEIVERS.filter((r) => SEVERITIES.some((s) => routing.severities[s] === r));
}

/**
 * The AlertmanagerConfig's spec: pure, so the component, the synth checks and alertmanagerConfigFile share it.
 * `secrets` names the Secret key of every receiver the routing uses.
 */
export function alertmanagerConfigSpec(routing: AlertingSettings, secrets: SecretRefs): Record<string, any> {
    const receivers = usedReceivers(routing);
    for (const r of receivers) {
        if (!secrets[r]) throw new Error(`alerting: severities route to ${r}, but no credential is configured for it`);
    }
    const pagerSeverity = '{{ if eq .CommonLabels.severity "warning" }}warning{{ else }}critical{{ end }}';
    const receiver = (name: ReceiverName): Record<string, any> => name === "pager"
        ? {
            name,
            pagerdutyConfigs: [{
                routingKey: secrets.pager,
                sendResolved: true,
                // Events v2 takes critical, error, warning or info; our severities map onto the first and third.
                severity: pagerSeverity,
                description: '{{ .CommonLabels.alertname }} in {{ .CommonLabels.namespace }}: {{ .CommonAnnotations.summary }}',
                details: [
                    { key: "runbook_url", value: "{{ .CommonAnnotations.runbook_url }}" },
                    { key: "description", value: "{{ .CommonAnnotations.description }}" },
                ],
            }],
        }
        : {
            name,
            slackConfigs: [{
                apiURL: secrets.team,
                sendResolved: true,
                ...(routing.slackChannel ? { channel: routing.slackChannel } : {}),
                title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }}, {{ .CommonLabels.severity }})",
                text: "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}",
            }],
        };
    return {
        route: {
            receiver: catchAllReceiver(routing, receivers),
            groupBy: [...GROUP_BY],
            groupWait: routing.groupWait,
            groupInterval: routing.groupInterval,
            repeatInterval: routing.repeatInterval,
            routes: SEVERITIES.map((severity) => ({
                receiver: routing.severities[severity],
                matchers: [{ name: "severity", value: severity, matchType: "=" }],
            })),
        },
        receivers: receivers.map(receiver),
        inhibitRules: inhibitRules(),
    };
}

/** A credential for alertmanagerConfigFile: its value inline (tests), or a file Alertmanager reads (`*_file`). */
export type FileSecret = { value: string } | { file: string };

export interface AlertmanagerFileOptions {
    /** The namespace the AlertmanagerConfig lives in: the operator confines its routes and inhibit rules to it. */
    namespace: string;
    /** The alerting settings (the same the component takes). */
    routing: AlertingSettings;
    /** The receivers' credentials; every receiver the routing uses needs one. */
    secrets: Partial<Record<ReceiverName, FileSecret>>;
    /** Override PagerDuty's Events v2 endpoint (a test points it at a local HTTP server). The Slack endpoint is
     *  the webhook URL itself: pass a local URL as `secrets.team`. */
    pagerdutyUrl?: string;
    /** Name of the AlertmanagerConfig object (receiver names are prefixed with it). */
    configName?: string;
}

/** The name the operator gives a receiver of this AlertmanagerConfig in alertmanager.yml: `<namespace>/<config>/<receiver>`. */
export function operatorReceiverName(namespace: string, receiver: ReceiverName, configName = ALERTMANAGER_CONFIG_NAME): string {
    return `${namespace}/${configName}/${receiver}`;
}

/** The root receiver of the generated alertmanager.yml: alerts of other namespaces go nowhere. */
export const ROOT_RECEIVER = "null";

const matcherText = (m: Matcher) => `${m.name}${m.matchType}${JSON.stringify(m.value)}`;

/**
 * The plain alertmanager.yml the AlertmanagerConfig stands for, translated the way prometheus-operator does it
 * (pkg/alertmanager/amcfg.go): receivers renamed `<namespace>/<config>/<name>`, the top-level route gets a
 * `namespace="<namespace>"` matcher and `continue: true` under a root route, inhibit rules get the namespace matcher
 * on both sides, and Secret references become the values (here: inline or `*_file`).
 */
export function alertmanagerConfigFile(opts: AlertmanagerFileOptions): Record<string, any> {
    const configName = opts.configName ?? ALERTMANAGER_CONFIG_NAME;
    const refs: SecretRefs = Object.fromEntries(RECEIVERS.filter((r) => opts.secrets[r])
        .map((r) => [r, { name: ROUTING_SECRETS[r].name, key: ROUTING_SECRETS[r].key }]));
    const spec = alertmanagerConfigSpec(opts.routing, refs);
    const named = (r: ReceiverName) => operatorReceiverName(opts.namespace, r, configName);
    const namespaceMatcher = matcherText({ name: "namespace", value: opts.namespace, matchType: "=" });
    const secretField = (secret: FileSecret, field: string) =>
        "file" in secret ? { [`${field}_file`]: secret.file } : { [field]: secret.value };

    const receivers = (spec.receivers as any[]).map((r) => {
        const name = r.name as ReceiverName;
        if (r.pagerdutyConfigs) {
            const c = r.pagerdutyConfigs[0];
            return {
                name: named(name),
                pagerduty_configs: [{
                    ...secretField(opts.secrets.pager!, "routing_key"),
                    ...(opts.pagerdutyUrl ? { url: opts.pagerdutyUrl } : {}),
                    send_resolved: c.sendResolved,
                    severity: c.severity,
                    description: c.description,
                    details: Object.fromEntries((c.details as { key: string; value: string }[]).map((d) => [d.key, d.value])),
                }],
            };
        }
        const c = r.slackConfigs[0];
        return {
            name: named(name),
            slack_configs: [{
                ...secretField(opts.secrets.team!, "api_url"),
                send_resolved: c.sendResolved,
                ...(c.channel ? { channel: c.channel } : {}),
                title: c.title,
                text: c.text,
            }],
        };
    });
    const route = spec.route;
    return {
        route: {
            receiver: ROOT_RECEIVER,
            routes: [{
                receiver: named(route.receiver),
                group_by: route.groupBy,
                group_wait: route.groupWait,
                group_interval: route.groupInterval,
                repeat_interval: route.repeatInterval,
                matchers: [namespaceMatcher],
                continue: true,
                routes: (route.routes as any[]).map((child) => ({
                    receiver: named(child.receiver),
                    matchers: (child.matchers as Matcher[]).map(matcherText),
                })),
            }],
        },
        receivers: [{ name: ROOT_RECEIVER }, ...receivers],
        inhibit_rules: (spec.inhibitRules as ReturnType<typeof inhibitRules>).map((rule) => ({
            source_matchers: [...rule.sourceMatch.map(matcherText), namespaceMatcher],
            target_matchers: [...rule.targetMatch.map(matcherText), namespaceMatcher],
            equal: rule.equal,
        })),
    };
}

export interface AlertRoutingArgs {
    /** The stack's namespace: the AlertmanagerConfig, its Secrets and the alerts it routes. */
    namespace: pulumi.Input<string>;
    /** staging or production: labels; staging routes to the team receiver only (settings enforce it). */
    environment: Environment;
    /** fork-knife:alerting, validated. */
    routing: AlertingSettings;
    /** The pager's PagerDuty Events v2 routing key (secure config, or the OnCall integration's key) and its rotation date. */
    pager?: { routingKey: pulumi.Input<string>; rotatedAt: string };
    /** The team's Slack incoming webhook URL (secure config) and its rotation date. */
    team?: { webhookUrl: pulumi.Input<string>; rotatedAt: string };
    /** Labels the Alertmanager's alertmanagerConfigSelector matches. */
    alertmanagerSelector?: Record<string, string>;
}

export class AlertRouting extends pulumi.ComponentResource {
    public readonly config: k8s.apiextensions.CustomResource;
    /** The receivers in use, by their names in the AlertmanagerConfig. */
    public readonly receivers: ReceiverName[];
    /** Rotation records of the receivers' credentials, for the audit. */
    public readonly records: RotationRecord[];

    constructor(name: string, args: AlertRoutingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:monitoring:AlertRouting", name, {}, opts);
        const child = { parent: this };
        this.receivers = usedReceivers(args.routing);
        const refs: SecretRefs = {};
        const records: RotationRecord[] = [];
        const secrets: k8s.core.v1.Secret[] = [];
        const credentials: Record<ReceiverName, { value: pulumi.Input<string>; rotatedAt: string } | undefined> = {
            pager: args.pager && { value: args.pager.routingKey, rotatedAt: args.pager.rotatedAt },
            team: args.team && { value: args.team.webhookUrl, rotatedAt: args.team.rotatedAt },
        };
        for (const receiver of this.receivers) {
            const credential = credentials[receiver];
            if (!credential) throw new Error(`AlertRouting ${name}: alerts route to ${receiver}, but no ${receiver} credential was given`);
            const s = ROUTING_SECRETS[receiver];
            const record = rotationRecord(s.kind, credential.rotatedAt);
            records.push(record);
            secrets.push(credentialSecret(`${name}-${receiver}`, {
                namespace: args.namespace, environment: args.environment, secretName: s.name, record,
                values: { [s.key]: credential.value },
            }, child));
            refs[receiver] = { name: s.name, key: s.key };
        }
        this.records = records;

        this.config = new k8s.apiextensions.CustomResource(name, {
            apiVersion: ALERTMANAGER_CONFIG_API_VERSION,
            kind: "AlertmanagerConfig",
            metadata: {
                name: ALERTMANAGER_CONFIG_NAME,
                namespace: args.namespace,
                labels: { ...standardLabels("alerts", args.environment), ...(args.alertmanagerSelector ?? DEFAULT_PROMETHEUS_SELECTOR) },
            },
            spec: alertmanagerConfigSpec(args.routing, refs),
        }, { ...child, dependsOn: secrets });

        this.registerOutputs({ configName: this.config.metadata.name, receivers: this.receivers, rotation: records });
    }
}
