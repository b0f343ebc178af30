// Both committed stacks, run as the CLI would assemble them, against the whole pack.
import * as assert from "assert";
import { evaluatePolicies, OfflineResource, PolicyOutcome } from "../../policies/offline";
import { redactSecrets, runProgram } from "../../tools/lib/program";
import { loadStackConfig } from "../../tools/lib/stack-config";

async function evaluate(stack: "staging" | "production", now: string): Promise<PolicyOutcome[]> {
    const c = loadStackConfig({ stack });
    const run = await runProgram({ stack, config: c.config, secretKeys: c.secretKeys, now });
    const resources: OfflineResource[] = run.resources.map((r) => ({
        urn: r.urn, type: r.type, name: r.name, parent: r.parent, dependencies: r.dependencies, protect: r.protect,
        props: redactSecrets(r.custom ? r.inputs : r.outputs) as Record<string, unknown>,
    }));
    return evaluatePolicies(resources, { environment: stack, now: new Date(`${now}T00:00:00Z`) });
}

const failures = (o: PolicyOutcome[]) => o.filter((x) => x.status === "fail").map((x) => `${x.policy}: ${x.violations.map((v) => v.message).join("; ")}`);

describe("policy pack over the committed stacks", () => {
    for (const stack of ["staging", "production"] as const) {
        it(`${stack} passes every mandatory policy on 2026-11-25`, async () => {
            const outcomes = await evaluate(stack, "2026-11-25");
            assert.ok(outcomes.length >= 50);
            assert.deepStrictEqual(failures(outcomes), []);
        });
    }
    it("an overdue secret fails production and only warns in staging", async () => {
        // JWT keys of both stacks were rotated on 2026-10-01: due 2026-12-30.
        const prod = (await evaluate("production", "2027-01-05")).find((o) => o.policy === "secret-rotation-overdue")!;
        assert.strictEqual(prod.status, "fail");
        assert.ok(prod.violations.some((v) => /jwt rotation was due on 2026-12-30/.test(v.message)), prod.violations.map((v) => v.message).join("\n"));
        const staging = (await evaluate("staging", "2027-01-05")).find((o) => o.policy === "secret-rotation-overdue")!;
        assert.strictEqual(staging.status, "warn");
        assert.ok(staging.violations.some((v) => /jwt rotation was due on 2026-12-30/.test(v.message)));
    });
});
