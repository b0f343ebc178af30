import * as assert from "assert";
import { clone, deployment, hpa, NAMES, res, violations } from "../support";

const POLICY = "release-connection-budget";
const db = (maxConnections: number) => res("fork-knife:data:Database", "database", { maxConnections, poolSizePerPod: 5, reservedConnections: 4 });
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
            ["fork-knife:data:Database database: 12 pods (HorizontalPodAutoscaler/backend-hpa 6 (maxReplicas, target declared elsewhere), HorizontalPodAutoscaler/worker-hpa 6 (maxReplicas, target declared elsewhere)) × 5 pool + 4 reserved = 64 connections, above 80 % of maxConnections 70 (56)"]);
    });
    it("flags a worker Deployment without an HPA at its spec.replicas (50 pods do not count as 0)", async () => {
        assert.deepStrictEqual(await violations(POLICY, [db(100), backend(), backendHpa(), worker(50)]),
            ["fork-knife:data:Database database: 56 pods (Deployment/fk-backend 6 (HorizontalPodAutoscaler/fk-backend-hpa maxReplicas), Deployment/fk-worker 50 (spec.replicas)) × 5 pool + 4 reserved = 284 connections, above 80 % of maxConnections 100 (80)"]);
        // Unset replicas is 1 pod: 7 × 5 + 4 = 39, within 80 % of 50 (40).
        assert.deepStrictEqual(await violations(POLICY, [db(50), backend(), backendHpa(), worker()]), []);
        assert.strictEqual((await violations(POLICY, [db(48), backend(), backendHpa(), worker()])).length, 1, "39 > 38");
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
