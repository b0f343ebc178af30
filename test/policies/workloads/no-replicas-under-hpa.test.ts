import * as assert from "assert";
import { clone, deployment, hpa, res, violations } from "../support";

describe("policy workload-no-replicas-under-hpa", () => {
    it("passes an HPA-scaled Deployment without replicas, and replicas without an HPA", async () => {
        assert.deepStrictEqual(await violations("workload-no-replicas-under-hpa", [res("Deployment", "backend", deployment()), res("HorizontalPodAutoscaler", "h", hpa())]), []);
        const d = clone(deployment());
        d.spec.replicas = 3;
        assert.deepStrictEqual(await violations("workload-no-replicas-under-hpa", [res("Deployment", "backend", d)]), []);
    });
    it("flags spec.replicas under an HPA", async () => {
        const d = clone(deployment());
        d.spec.replicas = 3;
        assert.deepStrictEqual(await violations("workload-no-replicas-under-hpa", [res("Deployment", "backend", d), res("HorizontalPodAutoscaler", "h", hpa())]),
            ["Deployment/backend: spec.replicas must be unset because HorizontalPodAutoscaler/backend-hpa owns the replica count"]);
    });
});
