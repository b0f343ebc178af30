// The routing the AlertmanagerConfig declares, checked by the real amtool on the alertmanager.yml it stands for:
// the configuration loads, and every alert of the stack's rendered PrometheusRule, with its own labels, reaches the
// receiver the guide asks for (production: critical → pager, warning → team; staging: everything → team).
// The alerts are read from the PrometheusRule the program renders for the committed stack (under Pulumi mocks,
// like `npm run synth`), so the outside check, the absent-data alerts and alerts added later are covered by themselves.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ALERT, Rule } from "../../components/monitoring/alert-rules";
import { alertmanagerConfigFile, INHIBIT_LABEL, operatorReceiverName, ROOT_RECEIVER, SIGNALS } from "../../components/monitoring/alert-routing";
import { SEVERITIES } from "../../components/config/settings-schema";
import { amtool, amtoolPath, INSTALL_AMTOOL, routesFor } from "./amtool";
import { committedSettings, renderedAlerts } from "./rendered";
import { scratchDirs } from "../support/tools";

const STACKS = ["staging", "production"] as const;
type Stack = (typeof STACKS)[number];

/** The guide's routing, written out here rather than read from the code under test. */
const EXPECTED: Record<Stack, { critical: "pager" | "team"; warning: "pager" | "team"; other: "pager" | "team" }> = {
    // A severity the routing does not know is treated as the loudest: a page beats silence.
    production: { critical: "pager", warning: "team", other: "pager" },
    staging: { critical: "team", warning: "team", other: "team" },
};

describe("alert routing under amtool", function () {
    this.timeout(300_000);
    const scratch = scratchDirs("amtool");

    it("fails, naming the install command, when amtool is missing", () => {
        assert.throws(() => amtoolPath(["/nonexistent/amtool"]), (e: Error) => e.message.includes(INSTALL_AMTOOL));
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            const settings = committedSettings(stack);
            const ns = settings.namespace;
            const receiver = (r: "pager" | "team") => operatorReceiverName(ns, r);
            let dir: string;
            let configFile: string;
            before(() => {
                dir = scratch();
                // Secrets as Alertmanager reads them from files: nothing secret ends up in the YAML.
                fs.writeFileSync(path.join(dir, "routing-key"), "0123456789abcdef0123456789abcdef");
                fs.writeFileSync(path.join(dir, "slack-webhook"), "https://hooks.slack.example/services/T0/B0/test");
                const file = alertmanagerConfigFile({
                    namespace: ns,
                    routing: settings.alerting,
                    secrets: stack === "production"
                        ? { pager: { file: path.join(dir, "routing-key") }, team: { file: path.join(dir, "slack-webhook") } }
                        : { team: { file: path.join(dir, "slack-webhook") } },
                });
                configFile = path.join(dir, "alertmanager.yml");
                fs.writeFileSync(configFile, YAML.stringify(file));
            });

            it("amtool check-config accepts the generated alertmanager.yml", () => {
                const r = amtool(["check-config", configFile], dir);
                assert.strictEqual(r.status, 0, r.output);
                assert.match(r.output, /SUCCESS/);
                assert.match(r.output, new RegExp(`${stack === "production" ? 3 : 2} receivers`), r.output);
                assert.match(r.output, /3 inhibit rules/, r.output);
            });

            it(`has ${stack === "production" ? "both receivers" : "the team receiver only"}`, () => {
                const names = (YAML.parse(fs.readFileSync(configFile, "utf8")).receivers as { name: string }[]).map((r) => r.name).sort();
                assert.deepStrictEqual(names, [ROOT_RECEIVER, ...(stack === "production" ? [receiver("pager")] : []), receiver("team")].sort());
            });

            let alerts: Rule[] = [];
            before(async () => { alerts = await renderedAlerts(stack); });

            it("reads the program's PrometheusRule: the outside check and the absent-data alerts are in it", () => {
                const names = alerts.map((a) => a.alert);
                for (const a of [ALERT.publicHealthCheckFailing, ALERT.healthProbeMetricsAbsent, ALERT.kubeStateMetricsAbsent,
                    ALERT.postgresMetricsAbsent, ALERT.redisMetricsAbsent, ALERT.healthCheckFailing]) {
                    assert.ok(names.includes(a), `${a} missing from the rendered PrometheusRule: ${names.join(", ")}`);
                }
            });

            it("renders exactly the severities the routing routes (SEVERITIES): critical and warning, nothing left to the catch-all", () => {
                const rendered = [...new Set(alerts.map((a) => a.labels?.severity ?? "(unset)"))].sort();
                assert.deepStrictEqual(rendered, [...SEVERITIES].sort(), alerts.map((a) => `${a.alert}: ${a.labels?.severity}`).join(", "));
                assert.deepStrictEqual(rendered, ["critical", "warning"]);
                // …and the generated alertmanager.yml has one route per severity, matching exactly these.
                const routed = (YAML.parse(fs.readFileSync(configFile, "utf8")).route.routes[0].routes as { matchers: string[] }[])
                    .map((r) => r.matchers.join(",")).sort();
                assert.deepStrictEqual(routed, rendered.map((s) => `severity="${s}"`));
            });

            it(`amtool config routes test: every rendered alert, with its labels, reaches ${stack === "production" ? "pager (critical) or team (warning)" : "team"}`, () => {
                assert.ok(alerts.length > 0, "no alert rendered");
                const wrong: string[] = [];
                for (const rule of alerts) {
                    const severity = rule.labels?.severity ?? "";
                    const expected = receiver(EXPECTED[stack][severity === "critical" || severity === "warning" ? severity : "other"]);
                    const labels = { alertname: rule.alert!, namespace: ns, ...rule.labels };
                    const { receivers, result } = routesFor(configFile, labels, dir);
                    // amtool's own verification must agree: exit 0 with the expected receiver.
                    const verify = amtool(["config", "routes", "test", `--config.file=${configFile}`, `--verify.receivers=${expected}`,
                        ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)], dir);
                    if (result.status !== 0 || receivers.join(",") !== expected || verify.status !== 0) {
                        wrong.push(`${rule.alert} (severity ${severity}): expected ${expected}, amtool says ${receivers.join(",") || result.output} / ${verify.output.trim()}`);
                    }
                }
                assert.deepStrictEqual(wrong, []);
            });

            it("labels for the inhibition convention are well-formed: every cause names a known signal", () => {
                const causes = alerts.filter((r) => r.labels?.[INHIBIT_LABEL.cause] !== undefined);
                assert.ok(causes.length > 0, "no cause alert rendered");
                for (const rule of alerts) {
                    const labels = rule.labels ?? {};
                    const signal = labels[INHIBIT_LABEL.signal];
                    const cause = labels[INHIBIT_LABEL.cause];
                    if (signal !== undefined) assert.ok((SIGNALS as readonly string[]).includes(signal), `${rule.alert}: signal "${signal}" is not one of ${SIGNALS.join(", ")}`);
                    if (cause !== undefined) {
                        assert.strictEqual(cause, "true", `${rule.alert}: cause must be "true" or absent`);
                        assert.ok(signal, `${rule.alert}: a cause without a signal silences nothing`);
                    }
                }
                // The total outage is the critical cause of the backend's signal.
                const outage = alerts.find((r) => r.alert === ALERT.publicHealthCheckFailing)!;
                assert.deepStrictEqual([outage.labels?.[INHIBIT_LABEL.signal], outage.labels?.[INHIBIT_LABEL.cause], outage.labels?.severity],
                    ["backend", "true", "critical"]);
            });

            it("sends another namespace's alerts to none of this stack's receivers", () => {
                const { receivers } = routesFor(configFile, { alertname: "ForkKnifeHighErrorRate", namespace: `${ns}-other`, severity: "critical" }, dir);
                assert.deepStrictEqual(receivers, [ROOT_RECEIVER]);
            });

            it("amtool's verification fails for a wrong receiver (the check can fail)", () => {
                const wrong = stack === "production" ? receiver("team") : ROOT_RECEIVER;
                const r = amtool(["config", "routes", "test", `--config.file=${configFile}`, `--verify.receivers=${wrong}`,
                    "alertname=ForkKnifeHighErrorRate", `namespace=${ns}`, "severity=critical"], dir);
                assert.strictEqual(r.status, 1, r.output);
                assert.match(r.output, /did not match/);
            });
        });
    }

    describe("a bad configuration", () => {
        const settings = committedSettings("production");
        const good = () => alertmanagerConfigFile({
            namespace: settings.namespace, routing: settings.alerting,
            secrets: { pager: { value: "0123456789abcdef0123456789abcdef" }, team: { value: "https://hooks.slack.example/services/x" } },
        });
        const cases: Array<[string, (c: any) => void, RegExp]> = [
            ["a route to a receiver that is not defined", (c) => { c.receivers = c.receivers.filter((r: any) => !r.name.endsWith("/team")); }, /undefined receiver/],
            ["a malformed group_wait", (c) => { c.route.routes[0].group_wait = "soon"; }, /not a valid duration|time: invalid duration/],
            ["a Slack receiver without its webhook URL", (c) => {
                const team = c.receivers.find((r: any) => r.name.endsWith("/team"));
                delete team.slack_configs[0].api_url;
            }, /no global Slack API URL set/],
            ["a matcher with a broken regular expression", (c) => { c.route.routes[0].routes[0].matchers = [`severity=~"("`]; }, /missing closing \)|error parsing regexp/],
        ];
        for (const [title, spoil, message] of cases) {
            it(`amtool check-config rejects ${title}`, () => {
                const dir = scratch();
                const file = path.join(dir, "alertmanager.yml");
                fs.writeFileSync(file, YAML.stringify(good()));
                assert.strictEqual(amtool(["check-config", file], dir).status, 0, "the unspoiled config must pass");
                const c = good();
                spoil(c);
                fs.writeFileSync(file, YAML.stringify(c));
                const r = amtool(["check-config", file], dir);
                assert.strictEqual(r.status, 1, r.output);
                assert.match(r.output, /FAILED/);
                assert.match(r.output, message);
            });
        }
    });
});
