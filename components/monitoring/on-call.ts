// OnCall: the guide's escalation chain declared in PagerDuty. Two weekly rotations (on-call developers, senior
// developers), an escalation policy on-call developer → senior developer → CTO with the delays from settings, the
// service alerts open incidents on, and its Events v2 integration, whose key is the pager receiver's routing key:
// nobody copies it by hand, and replacing the integration (a new `rotation.pagerdutyRoutingKey.rotatedAt`) rotates it.
import * as pagerduty from "@pulumi/pagerduty";
import * as pulumi from "@pulumi/pulumi";
import { ParsedSettings } from "../config/settings-schema";

export type PagerdutySettings = NonNullable<ParsedSettings["pagerduty"]>;

/** PagerDuty's integration type for the Events API v2 (what Alertmanager's pagerduty_configs post to). */
export const EVENTS_V2_INTEGRATION_TYPE = "events_api_v2_inbound_integration";
/** The first turn of both rotations; later turns follow every `rotationDays` from it. A fixed Monday, so a deploy
 *  never shifts who is on call. */
export const ROTATION_EPOCH = "2026-01-05";

/** `2026-01-05T09:00:00+01:00`: the hand-off on the epoch day in the schedule's zone, with the offset PagerDuty requires
 *  (RFC 3339). Early January has no daylight-saving change anywhere, so the offset at that instant is the day's. */
export function rotationStart(handoffTime: string, timeZone: string): string {
    const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
        .formatToParts(new Date(`${ROTATION_EPOCH}T${handoffTime}:00Z`)).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
    const offset = name === "GMT" ? "+00:00" : name.replace(/^GMT/, "");
    return `${ROTATION_EPOCH}T${handoffTime}:00${offset}`;
}

export interface OnCallArgs {
    /** fork-knife:pagerduty, validated: users, delays, time zone. */
    settings: PagerdutySettings;
    /** The stack: part of every PagerDuty name, so two stacks never share objects. */
    stack: string;
    /** When the current integration key was issued (rotation.pagerdutyRoutingKey.rotatedAt): a new date replaces
     *  the integration, which issues a new key; the old one keeps working until the replacement is in place. */
    keyRotatedAt: string;
}

export class OnCall extends pulumi.ComponentResource {
    public readonly onCallSchedule: pagerduty.Schedule;
    public readonly seniorSchedule: pagerduty.Schedule;
    public readonly escalationPolicy: pagerduty.EscalationPolicy;
    public readonly service: pagerduty.Service;
    public readonly integration: pagerduty.ServiceIntegration;
    /** The Events v2 integration key: the pager receiver's routing key (a Pulumi secret). */
    public readonly routingKey: pulumi.Output<string>;

    constructor(name: string, args: OnCallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:monitoring:OnCall", name, {}, opts);
        const child = { parent: this };
        const s = args.settings;
        const turn = s.rotationDays * 24 * 3600;
        const start = rotationStart(s.handoffTime, s.timeZone);
        const schedule = (id: string, title: string, users: string[]) => new pagerduty.Schedule(`${name}-${id}`, {
            name: `fork-knife ${args.stack}: ${title}`,
            timeZone: s.timeZone,
            layers: [{
                name: title,
                start,
                rotationVirtualStart: start,
                rotationTurnLengthSeconds: turn,
                users,
            }],
        }, child);
        this.onCallSchedule = schedule("on-call-developers", "on-call developers", s.onCallDevelopers);
        this.seniorSchedule = schedule("senior-developers", "senior developers", s.seniorDevelopers);

        this.escalationPolicy = new pagerduty.EscalationPolicy(`${name}-escalation`, {
            name: `fork-knife ${args.stack}: developer → senior → CTO`,
            description: "The operations guide's escalation chain: the on-call developer, then a senior developer, then the CTO.",
            numLoops: s.repeats,
            rules: [
                { escalationDelayInMinutes: s.escalationMinutes.onCallDeveloper, targets: [{ type: "schedule_reference", id: this.onCallSchedule.id }] },
                { escalationDelayInMinutes: s.escalationMinutes.seniorDeveloper, targets: [{ type: "schedule_reference", id: this.seniorSchedule.id }] },
                { escalationDelayInMinutes: s.escalationMinutes.cto, targets: [{ type: "user_reference", id: s.cto }] },
            ],
        }, child);

        this.service = new pagerduty.Service(`${name}-service`, {
            name: s.serviceName,
            description: `fork-knife ${args.stack}: pages from Alertmanager (AlertmanagerConfig fork-knife-routing)`,
            escalationPolicy: this.escalationPolicy.id,
            alertCreation: "create_alerts_and_incidents",
            // Alertmanager sends the resolve; PagerDuty must not close an incident on its own.
            autoResolveTimeout: "null",
        }, child);

        // The rotation date is part of the resource name: a new date creates a new integration (a new key) before the
        // old one is deleted, so no page is lost while the pager Secret changes over.
        this.integration = new pagerduty.ServiceIntegration(`${name}-events-v2-${args.keyRotatedAt}`, {
            name: `Alertmanager (issued ${args.keyRotatedAt})`,
            service: this.service.id,
            type: EVENTS_V2_INTEGRATION_TYPE,
        }, { ...child, additionalSecretOutputs: ["integrationKey"] });
        this.routingKey = pulumi.secret(this.integration.integrationKey);

        this.registerOutputs({
            serviceName: this.service.name,
            escalationPolicyName: this.escalationPolicy.name,
            schedules: [this.onCallSchedule.name, this.seniorSchedule.name],
        });
    }
}
