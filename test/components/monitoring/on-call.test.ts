// OnCall under Pulumi mocks: the guide's escalation chain (on-call developer → senior developer → CTO) with the
// delays from settings, the service, and the Events v2 integration whose key becomes the pager's Secret in the
// same program, never copied by hand. With and without the optional `pagerduty:` block, through index.ts.
import * as assert from "assert";
import { EVENTS_V2_INTEGRATION_TYPE, OnCall, OnCallArgs, PagerdutySettings, rotationStart } from "../../../components/monitoring/on-call";
import { ROUTING_SECRETS } from "../../../components/monitoring/alert-routing";
import { settingsSchema } from "../../../components/config/settings-schema";
import { isSecretValue, ProgramRun, RecordedResource, revealSecrets, runProgram } from "../../../tools/lib/program";
import { loadStackConfig } from "../../../tools/lib/stack-config";
import { ofType, one, runStack } from "../../support/stacks";

const NOW = new Date("2026-11-25T00:00:00Z");
const pagerdutySchema = settingsSchema("production", "production", NOW).shape.pagerduty;
const SETTINGS: PagerdutySettings = pagerdutySchema.parse({
    onCallDevelopers: ["PDEV001", "PDEV002"], seniorDevelopers: ["PSEN001"], cto: "PCTO001",
    escalationMinutes: { onCallDeveloper: 10, seniorDeveloper: 20, cto: 45 }, repeats: 3, timeZone: "Europe/Berlin",
})!;
const T = {
    schedule: "pagerduty:index/schedule:Schedule",
    policy: "pagerduty:index/escalationPolicy:EscalationPolicy",
    service: "pagerduty:index/service:Service",
    integration: "pagerduty:index/serviceIntegration:ServiceIntegration",
};
const inputs = (r: RecordedResource) => revealSecrets(r.inputs) as any;
const schedule = (r: ProgramRun, which: string) => one(r, T.schedule, `on-call-${which}`);

async function run(over: Partial<OnCallArgs> = {}): Promise<ProgramRun> {
    return runProgram({
        stack: "production", config: {}, secretKeys: [],
        program: () => { new OnCall("on-call", { settings: SETTINGS, stack: "production", keyRotatedAt: "2026-09-01", ...over }); },
    });
}

describe("OnCall", () => {
    let r: ProgramRun;
    before(async () => { r = await run(); });

    it("declares two rotations: on-call developers and senior developers, in the settings' time zone and turn length", () => {
        const schedules = [schedule(r, "on-call-developers"), schedule(r, "senior-developers")].map(inputs);
        assert.deepStrictEqual(schedules.map((s) => s.layers[0].users), [["PDEV001", "PDEV002"], ["PSEN001"]]);
        for (const s of schedules) {
            assert.strictEqual(s.timeZone, "Europe/Berlin");
            assert.strictEqual(s.layers[0].rotationTurnLengthSeconds, 7 * 24 * 3600);
            // RFC 3339 with the zone's offset, as the PagerDuty provider requires.
            assert.strictEqual(s.layers[0].start, "2026-01-05T09:00:00+01:00");
            assert.strictEqual(s.layers[0].rotationVirtualStart, s.layers[0].start);
        }
    });

    it("escalates on-call developer → senior developer → CTO with the delays from settings, repeating as configured", () => {
        const [policy] = ofType(r, T.policy);
        const [onCall, senior] = [schedule(r, "on-call-developers"), schedule(r, "senior-developers")];
        const p = inputs(policy);
        assert.strictEqual(p.numLoops, 3);
        assert.deepStrictEqual(p.rules.map((rule: any) => rule.escalationDelayInMinutes), [10, 20, 45]);
        assert.deepStrictEqual(p.rules.map((rule: any) => rule.targets.map((t: any) => t.type)),
            [["schedule_reference"], ["schedule_reference"], ["user_reference"]]);
        // Under mocks a resource's id is its name plus "-id"; the targets must be these two schedules, in order.
        assert.deepStrictEqual(p.rules.map((rule: any) => rule.targets[0].id), [`${onCall.name}-id`, `${senior.name}-id`, "PCTO001"]);
        assert.ok(policy.dependencies.includes(onCall.urn) && policy.dependencies.includes(senior.urn));
    });

    it("opens incidents on a service of that policy through an Events v2 integration, all under the component", async () => {
        const [service] = ofType(r, T.service);
        const [integration] = ofType(r, T.integration);
        assert.strictEqual(inputs(service).escalationPolicy, `${ofType(r, T.policy)[0].name}-id`);
        assert.strictEqual(inputs(service).autoResolveTimeout, "null");
        assert.strictEqual(inputs(integration).type, EVENTS_V2_INTEGRATION_TYPE);
        assert.strictEqual(inputs(integration).service, `${service.name}-id`);
        assert.strictEqual(inputs(integration).vendor, undefined);
        for (const x of [...ofType(r, T.schedule), ...ofType(r, T.policy), service, integration]) {
            assert.strictEqual(x.parent, r.resources.find((c) => c.type === "fork-knife:monitoring:OnCall")!.urn);
        }
    });

    it("writes the hand-off with the time zone's own offset", () => {
        assert.strictEqual(rotationStart("09:00", "Etc/UTC"), "2026-01-05T09:00:00+00:00");
        assert.strictEqual(rotationStart("08:30", "America/New_York"), "2026-01-05T08:30:00-05:00");
        assert.strictEqual(rotationStart("23:45", "Asia/Kolkata"), "2026-01-05T23:45:00+05:30");
    });

    it("rotates the key by replacing the integration: a new rotatedAt is a new resource", async () => {
        const before = ofType(r, T.integration)[0].name;
        const after = ofType(await run({ keyRotatedAt: "2026-11-20" }), T.integration)[0].name;
        assert.notStrictEqual(before, after);
        assert.match(after, /2026-11-20/);
    });
});

describe("OnCall in the program", () => {
    it("production (pagerduty set): the integration's key fills the pager Secret, no routing key in config", async () => {
        const run = await runStack("production");
        const [integration] = ofType(run, T.integration);
        assert.ok(integration, "the integration is declared");
        const secret = ofType(run, "kubernetes:core/v1:Secret").find((s) => inputs(s).metadata.name === ROUTING_SECRETS.pager.name)!;
        assert.ok(secret.dependencies.includes(integration.urn), "the pager Secret is made from the integration's output");
        assert.ok(isSecretValue(secret.inputs.stringData));
        assert.ok(!loadStackConfig({ stack: "production" }).secretKeys.includes("fork-knife:pagerdutyRoutingKey"));
        const audit = revealSecrets(run.outputs.audit) as any;
        assert.deepStrictEqual(audit.alerting.receivers, ["pager", "team"]);
        assert.ok(audit.alerting.onCall.service);
    });

    it("without pagerduty: no PagerDuty resources; the routing key comes from secure config", async () => {
        const c = loadStackConfig({ stack: "production" });
        // The key dropped the way a stack file without it would, and a routing key set instead.
        const config = { ...c.config };
        delete config["fork-knife:pagerduty"];
        config["fork-knife:pagerdutyRoutingKey"] = "0123456789abcdef0123456789abcdef";
        const plainRun = await runProgram({ stack: "production", config, secretKeys: [...c.secretKeys, "fork-knife:pagerdutyRoutingKey"], now: "2026-11-25" });
        assert.strictEqual(plainRun.resources.filter((x) => x.type.startsWith("pagerduty:")).length, 0);
        const secret = one(plainRun, "kubernetes:core/v1:Secret", "alerting-pager");
        assert.strictEqual(inputs(secret).stringData.routingKey, "0123456789abcdef0123456789abcdef");
        assert.ok(isSecretValue(secret.inputs.stringData));
    });
});
