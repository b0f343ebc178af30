// The rule groups the Alerts component deploys, checked and unit-tested by the real promtool: every alert
// fires just past its threshold at the first evaluation its `for` allows and stays silent just short of it,
// for the guide's defaults and for a stack that moves every threshold.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ALERT, AlertSettings, alertRuleGroups, GUIDE_THRESHOLDS, KSM_COMPONENT_LABEL, PUBLIC_PROBE_JOB, RuleGroup, ThresholdKey } from "../../components/monitoring/alert-rules";
import { settingsSchema } from "../../components/config/settings-schema";
import { INSTALL_PROMTOOL, promtool, promtoolPath } from "./promtool";
import { writeAlertTests, writeRules } from "./promtool-files";
import { CONTAINER, JOB, NS, Scenario, scenarios } from "./scenarios";

const alertsSchema = settingsSchema("production", "production", new Date("2026-11-25T00:00:00Z")).shape.alerts;
const DEFAULTS: AlertSettings = alertsSchema.parse(undefined);
const MOVED: AlertSettings = alertsSchema.parse({
    healthCheckFailures: 5, healthCheckWindowMinutes: 10, errorRatePercent: 2.5, errorRateForMinutes: 3,
    databaseConnectionsPercent: 70, diskUsagePercent: 90, p95LatencySeconds: 0.5, backupMaxAgeHours: 13,
    queueDepthWarning: 250, minJobsPerMinute: 4, redisMemoryPercent: 65, team: "payments",
});

function render(s: AlertSettings): RuleGroup[] {
    return alertRuleGroups(s, { namespace: NS, environment: "production", backendJob: JOB, backendContainer: CONTAINER, publicProbeJob: PUBLIC_PROBE_JOB });
}

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "fork-knife-alerts-"));
}

describe("alert rules under promtool", function () {
    this.timeout(300_000);

    it("ForkKnifeBackupMissing defaults to RPO 24 h + 1 h to start + 6 h to finish = 31 h (111600 s), the audit's figure", () => {
        const rule = render(DEFAULTS).flatMap((g) => g.rules).find((r) => r.alert === ALERT.backupMissing)!;
        assert.match(rule.expr, /\n> 111600$/);
        assert.strictEqual(rule.annotations?.threshold, "31");
        assert.match(rule.annotations?.description ?? "", /default 31 h: the RPO of 24 h plus the 1 h a run may wait to start and its 6 h deadline/);
    });

    it("ForkKnifeBackupMissing at the default: a backup 31 h old is silent, 31 h 1 min old fires after 5 m (promtool)", () => {
        // Literal figures on purpose: the guide's RPO (24 h) + the CronJob's 1 h starting deadline + the Job's 6 h deadline.
        const limit = 31 * 3600;
        const lastSuccess = 60;
        const samples = 31 * 60 + 12;
        const flat = (v: number) => Array.from({ length: samples }, () => String(v)).join(" ");
        const labels = (extra = "") => `namespace="${NS}", cronjob="fork-knife-backup"${extra}`;
        const scenario: Scenario = {
            alert: ALERT.backupMissing, title: "boundary at the default 31 h", interval: "1m",
            series: [
                { series: `kube_cronjob_labels{${labels(`, ${KSM_COMPONENT_LABEL}="backup"`)}}`, values: flat(1) },
                { series: `kube_cronjob_created{${labels()}}`, values: flat(0) },
                { series: `kube_cronjob_status_last_successful_time{${labels()}}`, values: flat(lastSuccess) },
            ],
            checks: [
                { at: lastSuccess + 30 * 3600 + 360, firing: [], why: "the old 30 h figure + for: still inside the RPO's allowance" },
                { at: lastSuccess + limit - 60, firing: [], why: "one minute inside 31 h" },
                // Exactly 31 h old is not yet too old: had it counted, the alert would fire 5 m later, here.
                { at: lastSuccess + limit + 300, firing: [], why: "31 h exactly is inside, so no 5 m for has passed yet" },
                { at: lastSuccess + limit + 360, firing: [{ namespace: NS, cronjob: "fork-knife-backup" }], why: "31 h 1 min old for 5 m" },
            ],
        };
        const dir = tempDir();
        try {
            const groups = render(DEFAULTS);
            writeRules(dir, groups);
            const file = writeAlertTests(dir, groups, ALERT.backupMissing, [scenario]);
            const r = promtool(["test", "rules", path.basename(file)], dir);
            assert.strictEqual(r.status, 0, r.output);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("fails, naming the install command, when promtool is missing", () => {
        assert.throws(() => promtoolPath(["/nonexistent/promtool"]), (e: Error) => e.message.includes(INSTALL_PROMTOOL));
    });

    for (const [label, settings] of [["the guide's defaults", DEFAULTS], ["moved thresholds", MOVED]] as const) {
        describe(label, () => {
            const groups = render(settings);
            const cases = scenarios(settings);
            let dir: string;
            before(() => {
                dir = tempDir();
                writeRules(dir, groups);
            });
            after(() => fs.rmSync(dir, { recursive: true, force: true }));

            it("promtool check rules accepts every rendered group", () => {
                const r = promtool(["check", "rules", "rules.yaml"], dir);
                assert.strictEqual(r.status, 0, r.output);
                const count = groups.reduce((n, g) => n + g.rules.length, 0);
                assert.match(r.output, new RegExp(`SUCCESS: ${count} rules found`), r.output);
            });

            for (const alert of Object.values(ALERT)) {
                it(`${alert}: fires past its threshold after its for, silent short of it`, () => {
                    const mine = cases.filter((c) => c.alert === alert);
                    const checks = mine.flatMap((c) => c.checks);
                    assert.ok(checks.some((c) => c.firing.length > 0), `${alert} has no firing check`);
                    assert.ok(checks.some((c) => c.firing.length === 0), `${alert} has no silent check`);
                    const file = writeAlertTests(dir, groups, alert, cases);
                    const r = promtool(["test", "rules", path.basename(file)], dir);
                    assert.strictEqual(r.status, 0, `${mine.map((c) => c.title).join("; ")}\n${r.output}`);
                });
            }
        });
    }

    // Both directions: a looser rule misses a firing check, a stricter one breaks a silent check.
    const nudged: Array<[string, Partial<AlertSettings>]> = [
        ["loosened", { healthCheckFailures: 4, healthCheckWindowMinutes: 4, errorRatePercent: 5.1, errorRateForMinutes: 6, databaseConnectionsPercent: 81,
            diskUsagePercent: 86, p95LatencySeconds: 1.05, backupMaxAgeHours: 32, queueDepthWarning: 1002, minJobsPerMinute: 0.8, redisMemoryPercent: 81 }],
        ["tightened", { healthCheckFailures: 2, healthCheckWindowMinutes: 6, errorRatePercent: 4.9, errorRateForMinutes: 4, databaseConnectionsPercent: 79,
            diskUsagePercent: 84, p95LatencySeconds: 0.96, backupMaxAgeHours: 30, queueDepthWarning: 998, minJobsPerMinute: 1.2, redisMemoryPercent: 79 }],
    ];
    for (const [how, change] of nudged) {
        it(`the promtool tests catch each threshold ${how} by a hair`, () => {
            const dir = tempDir();
            try {
                const cases = scenarios(DEFAULTS);
                const missed: string[] = [];
                // One setting at a time, so each key's own scenarios are shown to notice it.
                for (const [key, value] of Object.entries(change) as [ThresholdKey, number][]) {
                    const groups = render({ ...DEFAULTS, [key]: value });
                    writeRules(dir, groups);
                    for (const alert of GUIDE_THRESHOLDS[key].alerts) {
                        const r = promtool(["test", "rules", path.basename(writeAlertTests(dir, groups, alert, cases))], dir);
                        if (r.status === 0 || !r.output.includes(`alertname: ${alert}`)) missed.push(`${key} = ${value} (${alert})`);
                    }
                }
                assert.deepStrictEqual(missed, []);
                assert.deepStrictEqual(Object.keys(change).sort(), Object.keys(GUIDE_THRESHOLDS).sort());
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
