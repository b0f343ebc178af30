import * as assert from "assert";
import { alertRuleGroups } from "../../../components/monitoring/alert-rules";
import { standardLabels } from "../../../components/lib/labels";
import { settingsSchema } from "../../../components/config/settings-schema";
import { deployment, metadata, NAMES, NS, outcome, res } from "../support";

const guide = settingsSchema("production", "production", new Date()).shape.alerts.parse({});
const ctx = { namespace: NS, environment: "production" as const, backendJob: "fork-knife-backend", backendContainer: "backend" };
const rule = (labels: Record<string, string>, name = "fork-knife-alerts") =>
    res("PrometheusRule", name, { metadata: { name, namespace: NS, labels }, spec: { groups: alertRuleGroups(guide, ctx) } });
const POLICY = "alert-rules-present";

describe("policy alert-rules-present", () => {
    it("passes a stack with a PrometheusRule labelled component=alerts, in both environments", async () => {
        const stack = [res("Deployment", NAMES.resource, deployment()), rule(standardLabels("alerts", "production"))];
        for (const environment of ["production", "staging"] as const) {
            const o = await outcome(POLICY, stack, { environment });
            assert.deepStrictEqual(o.violations, [], environment);
            assert.strictEqual(o.status, "pass");
        }
    });
    it("fails production and warns in staging when the stack has no PrometheusRule", async () => {
        const stack = [res("Deployment", NAMES.resource, deployment())];
        const prod = await outcome(POLICY, stack);
        assert.strictEqual(prod.status, "fail");
        assert.deepStrictEqual(prod.violations.map((v) => v.message),
            ["no PrometheusRule labelled app.kubernetes.io/component=alerts, so none of the guide's alerts can fire; set fork-knife:alerts.enabled: true"]);
        const staging = await outcome(POLICY, stack, { environment: "staging" });
        assert.strictEqual(staging.status, "warn");
        assert.strictEqual(staging.violations.length, 1);
    });
    it("does not count a PrometheusRule of another component (the tools find the alerts by that label)", async () => {
        const prod = await outcome(POLICY, [rule(metadata("backend").labels, "backend-recording"), rule({ app: "x" }, "unlabelled")]);
        assert.strictEqual(prod.status, "fail");
        assert.deepStrictEqual(prod.violations.map((v) => v.message), [
            "no PrometheusRule labelled app.kubernetes.io/component=alerts, so none of the guide's alerts can fire; found only "
            + "PrometheusRule/backend-recording (app.kubernetes.io/component=backend), PrometheusRule/unlabelled (app.kubernetes.io/component=unset)",
        ]);
    });
});
