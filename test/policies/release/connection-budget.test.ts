import * as assert from "assert";
import { clone, deployment, hpa, NAMES, res, violations } from "../support";

const POLICY = "release-connection-budget";
/** The roles outside the pools, as the Database registers them: 1 + 1 + 0 + 1 + 1 = 4 reserved connections. */
const ROLES = { migration: 1, backup: 1, restore: 0, restoreTest: 1, maintenance: 1 };
const db = (maxConnections: number, reservedByRole: Record<string, unknown> = ROLES) =>
    res("fork-knife:data:Database", "database", { maxConnections, poolSizePerPod: 5, reservedConnections: 4, reservedByRole });
const RESERVED = "4 reserved (migration 1, backup 1, restore 0, restoreTest 1, maintenance 1)";
/** HPAs whose targets are declared elsewhere: each counts at its own maxReplicas (6 + 6). */
const hpas = [res("HorizontalPodAutoscaler", "backend", hpa("backend")), res("HorizontalPodAutoscaler", "worker", hpa("worker", "worker"))];
const backend = () => res("Deployment", NAMES.resource, deployment());
const backendHpa = () => res("HorizontalPodAutoscaler", "backend-hpa", hpa());
function worker(replicas?: unknown) {
    const d = clone(deployment("worker"));
    if (replicas !== undefined) d.spec.replicas = replicas;
    return res("Deployment", "worker-res", d);
}

describe("policy release-connection-budget", () => {
    it("passes when 12 pods × 5 + 4 fit 80 % of 100", async () => {
        assert.deepStrictEqual(await violations(POLICY, [db(100), ...hpas]), []);
        // backend at its HPA's 6, worker without an HPA at spec.replicas 6: 64 connections again.
        assert.deepStrictEqual(await violations(POLICY, [db(100), backend(), backendHpa(), worker(6)]), []);
    });
    it("flags a budget above 80 % of maxConnections", async () => {
        assert.deepStrictEqual(await violations(POLICY, [db(70), ...hpas]),
            [`fork-knife:data:Database database: 12 pods (HorizontalPodAutoscaler/backend-hpa 6 (maxReplicas, target declared elsewhere), HorizontalPodAutoscaler/worker-hpa 6 (maxReplicas, target declared elsewhere)) × 5 pool + ${RESERVED} = 64 connections, above 80 % of maxConnections 70 (56)`]);
    });
    it("flags a worker Deployment without an HPA at its spec.replicas (50 pods do not count as 0)", async () => {
        assert.deepStrictEqual(await violations(POLICY, [db(100), backend(), backendHpa(), worker(50)]),
            [`fork-knife:data:Database database: 56 pods (Deployment/fk-backend 6 (HorizontalPodAutoscaler/fk-backend-hpa maxReplicas), Deployment/fk-worker 50 (spec.replicas)) × 5 pool + ${RESERVED} = 284 connections, above 80 % of maxConnections 100 (80)`]);
        // Unset replicas is 1 pod: 7 × 5 + 4 = 39, within 80 % of 50 (40).
        assert.deepStrictEqual(await violations(POLICY, [db(50), backend(), backendHpa(), worker()]), []);
        assert.strictEqual((await violations(POLICY, [db(48), backend(), backendHpa(), worker()])).length, 1, "39 > 38");
    });
    it("counts the maintenance and restore-test roles: exactly 80 % passes, one connection over fails", async () => {
        // 12 pods × 5 + 4 = 64 = 80 % of 80.
        assert.deepStrictEqual(await violations(POLICY, [db(80), ...hpas]), []);
        // The maintenance role's one connection more (65) is over 80 % of 80; 80 % of 81 is still 64 (rounded down).
        const over = await violations(POLICY, [db(81, { ...ROLES, maintenance: 2 }), ...hpas]);
        assert.deepStrictEqual(over.map((v) => v.replace(/\(HorizontalPodAutoscaler.*\) × /, "(…) × ")), [
            "fork-knife:data:Database database: 12 pods (…) × 5 pool + 5 reserved (migration 1, backup 1, restore 0, restoreTest 1, maintenance 2) = 65 connections, above 80 % of maxConnections 81 (64)",
        ]);
        // A second restore-test connection weighs the same as any other.
        assert.strictEqual((await violations(POLICY, [db(80, { ...ROLES, restoreTest: 2 }), ...hpas])).length, 1, "65 > 64");
    });
    it("refuses a Database output that does not give every login role's limit (a missing role is not zero)", async () => {
        const { maintenance: _m, ...noMaintenance } = ROLES;
        assert.deepStrictEqual(await violations(POLICY, [db(1000, noMaintenance), ...hpas]), [
            "fork-knife:data:Database database: output reservedByRole must give every login role's connection limit as a whole number; missing or not a count: reservedByRole.maintenance",
        ]);
        assert.deepStrictEqual(await violations(POLICY, [res("fork-knife:data:Database", "database", { maxConnections: 1000, poolSizePerPod: 5, reservedConnections: 4 }), ...hpas]), [
            "fork-knife:data:Database database: output reservedByRole must give every login role's connection limit as a whole number; missing or not a count: " +
            "reservedByRole.migration, reservedByRole.backup, reservedByRole.restore, reservedByRole.restoreTest, reservedByRole.maintenance",
        ]);
        assert.strictEqual((await violations(POLICY, [db(1000, { ...ROLES, restoreTest: "2" }), ...hpas])).length, 1);
    });
    it("flags a pod ceiling it cannot determine", async () => {
        const h = clone(hpa());
        h.spec.maxReplicas = "lots";
        assert.deepStrictEqual(await violations(POLICY, [db(1000), backend(), res("HorizontalPodAutoscaler", "backend-hpa", h), worker("3")]), [
            'Deployment/fk-backend: the connection budget cannot count its pods: HorizontalPodAutoscaler/fk-backend-hpa spec.maxReplicas must be a whole number, got "lots"',
            'Deployment/fk-worker: the connection budget cannot count its pods: spec.replicas must be a whole number, got "3"',
        ]);
    });
});
