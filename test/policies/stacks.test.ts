// Both committed stacks, run as the CLI would assemble them, against the whole pack.
import * as assert from "assert";
import { evaluatePolicies, OfflineResource, PolicyOutcome } from "../../policies/offline";
import { redactSecrets, runProgram } from "../../tools/lib/program";
import { loadStackConfig } from "../../tools/lib/stack-config";

/** Changes to the committed stack file: whole values by full key (decoded), and keys that are secure. */
interface Variation { set?: Record<string, unknown>; secure?: string[] }

async function evaluate(stack: "staging" | "production", now: string, variation: Variation = {}): Promise<PolicyOutcome[]> {
    const c = loadStackConfig({ stack });
    const config = { ...c.config };
    for (const [k, v] of Object.entries(variation.set ?? {})) config[k] = typeof v === "string" ? v : JSON.stringify(v);
    const run = await runProgram({ stack, config, secretKeys: [...c.secretKeys, ...(variation.secure ?? [])], now });
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
    // The live restore (its scale-down Role, token and API egress) and a restore test on its own server: what a
    // stack file with restoreFrom and restoreTestServer renders must pass the pack like the committed stacks.
    for (const stack of ["staging", "production"] as const) {
        it(`${stack} with a live restore and a restore-test server of its own passes every mandatory policy`, async () => {
            const c = loadStackConfig({ stack }).config;
            const database = JSON.parse(c["fork-knife:database"]);
            const backup = { ...JSON.parse(c["fork-knife:backup"] ?? "{}"), restoreFrom: "latest", confirmRestore: stack,
                restoreTestServer: { host: "restore-test.internal", cidr: stack === "production" ? "10.40.48.0/24" : "10.30.48.0/24", caBundle: database.caBundle, sslMode: "verify-full" } };
            const rotation = { ...JSON.parse(c["fork-knife:rotation"]), restoreTestServer: { rotatedAt: "2026-10-01" } };
            const outcomes = await evaluate(stack, "2026-11-25", { set: { "fork-knife:backup": backup, "fork-knife:rotation": rotation,
                "fork-knife:restoreTestServerPassword": "restore-test-password" }, secure: ["fork-knife:restoreTestServerPassword"] });
            assert.deepStrictEqual(failures(outcomes), []);
            // The new objects were there to judge: the Role passed the RBAC policy, the token the token policy.
            for (const policy of ["workload-rbac-scale-only", "workload-service-account-token", "workload-image-pinned", "workload-egress-peers"]) {
                assert.strictEqual(outcomes.find((o) => o.policy === policy)?.status, "pass", policy);
            }
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
