import * as assert from "assert";
import { clone, deployment, hpa, NAMES, pdb, res, violations } from "../support";

const POLICY = "workload-pdb-allows-eviction";

/** The backend PDB with only minAvailable (or only maxUnavailable) set. */
function budget(field: "minAvailable" | "maxUnavailable", value: unknown) {
    const p = clone(pdb());
    delete p.spec.maxUnavailable;
    p.spec[field] = value;
    return res("PodDisruptionBudget", "p", p);
}
/** The backend Deployment without an HPA, at `replicas`. */
function fixed(replicas: number) {
    const d = clone(deployment());
    d.spec.replicas = replicas;
    return res("Deployment", NAMES.resource, d);
}
const scaled = () => [res("Deployment", NAMES.resource, deployment()), res("HorizontalPodAutoscaler", "h", hpa())];

describe("policy workload-pdb-allows-eviction", () => {
    it("passes maxUnavailable 1, and minAvailable below the HPA floor", async () => {
        assert.deepStrictEqual(await violations(POLICY, [res("PodDisruptionBudget", "p", pdb())]), []);
        assert.deepStrictEqual(await violations(POLICY, [...scaled(), budget("minAvailable", 1)]), []);
    });
    it("passes percentages that leave a pod to evict once rounded up: 50% of 2, 60% of 5, maxUnavailable 10% of 1", async () => {
        assert.deepStrictEqual(await violations(POLICY, [...scaled(), budget("minAvailable", "50%")]), []);
        assert.deepStrictEqual(await violations(POLICY, [fixed(5), budget("minAvailable", "60%")]), []);
        assert.deepStrictEqual(await violations(POLICY, [fixed(1), budget("maxUnavailable", "10%")]), []);
    });
    it("flags maxUnavailable 0 and a minAvailable that equals the HPA minimum", async () => {
        assert.deepStrictEqual(await violations(POLICY, [budget("maxUnavailable", 0)]),
            ["PodDisruptionBudget/backend-pdb: spec.maxUnavailable must be at least 1, got 0"]);
        assert.deepStrictEqual(await violations(POLICY, [...scaled(), budget("minAvailable", 2)]),
            ["PodDisruptionBudget/backend-pdb: spec.minAvailable (2) must be below Deployment/fk-backend's minimum of 2 (HorizontalPodAutoscaler/fk-backend-hpa spec.minReplicas)"]);
    });
    it("flags a percentage minAvailable that rounds up to the whole workload: 60% of 1, 51% of 2", async () => {
        assert.deepStrictEqual(await violations(POLICY, [fixed(1), budget("minAvailable", "60%")]),
            ["PodDisruptionBudget/backend-pdb: spec.minAvailable (60% of 1, rounded up: 1) must be below Deployment/fk-backend's minimum of 1 (spec.replicas)"]);
        assert.deepStrictEqual(await violations(POLICY, [...scaled(), budget("minAvailable", "51%")]),
            ["PodDisruptionBudget/backend-pdb: spec.minAvailable (51% of 2, rounded up: 2) must be below Deployment/fk-backend's minimum of 2 (HorizontalPodAutoscaler/fk-backend-hpa spec.minReplicas)"]);
    });
    it("flags maxUnavailable 0%, minAvailable 100%, and budgets Kubernetes cannot read", async () => {
        assert.deepStrictEqual(await violations(POLICY, [fixed(3), budget("maxUnavailable", "0%")]),
            ["PodDisruptionBudget/backend-pdb: spec.maxUnavailable must be at least 1, got 0%"]);
        assert.deepStrictEqual(await violations(POLICY, [budget("minAvailable", "100%")]),
            ["PodDisruptionBudget/backend-pdb: spec.minAvailable must be below 100%, got 100%"]);
        assert.deepStrictEqual(await violations(POLICY, [fixed(3), budget("minAvailable", "2")]),
            ['PodDisruptionBudget/backend-pdb: spec.minAvailable must be a whole number or a percentage such as 50%, got "2"']);
    });
});
