import * as assert from "assert";
import { clone, deployment, hpa, NAMES, pdb, res, violations } from "../support";

describe("policy workload-pdb-allows-eviction", () => {
    it("passes maxUnavailable 1, and minAvailable below the HPA floor", async () => {
        assert.deepStrictEqual(await violations("workload-pdb-allows-eviction", [res("PodDisruptionBudget", "p", pdb())]), []);
        const p = clone(pdb());
        delete p.spec.maxUnavailable;
        p.spec.minAvailable = 1;
        assert.deepStrictEqual(await violations("workload-pdb-allows-eviction", [res("Deployment", NAMES.resource, deployment()), res("HorizontalPodAutoscaler", "h", hpa()), res("PodDisruptionBudget", "p", p)]), []);
    });
    it("flags maxUnavailable 0 and a minAvailable that equals the HPA minimum", async () => {
        const zero = clone(pdb());
        zero.spec.maxUnavailable = 0;
        assert.deepStrictEqual(await violations("workload-pdb-allows-eviction", [res("PodDisruptionBudget", "p", zero)]),
            ["PodDisruptionBudget/backend-pdb: spec.maxUnavailable must be at least 1, got 0"]);
        const p = clone(pdb());
        delete p.spec.maxUnavailable;
        p.spec.minAvailable = 2;
        assert.deepStrictEqual(await violations("workload-pdb-allows-eviction", [res("Deployment", NAMES.resource, deployment()), res("HorizontalPodAutoscaler", "h", hpa()), res("PodDisruptionBudget", "p", p)]),
            ["PodDisruptionBudget/backend-pdb: spec.minAvailable (2) must be below Deployment/fk-backend's minimum of 2 (HorizontalPodAutoscaler/fk-backend-hpa spec.minReplicas)"]);
    });
});
