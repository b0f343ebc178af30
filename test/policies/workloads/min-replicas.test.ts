import * as assert from "assert";
import { clone, deployment, hpa, res, violations } from "../support";

describe("policy workload-min-replicas", () => {
    it("passes an HPA floor of 2 in production, and anything in staging", async () => {
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("Deployment", "backend", deployment()), res("HorizontalPodAutoscaler", "hpa", hpa())]), []);
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("Deployment", "backend", deployment())], { environment: "staging" }), []);
    });
    it("flags an HPA floor of 1 and an unscaled Deployment without replicas", async () => {
        const h = clone(hpa());
        h.spec.minReplicas = 1;
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("Deployment", "backend", deployment()), res("HorizontalPodAutoscaler", "hpa", h)]),
            ["Deployment/backend: HorizontalPodAutoscaler/backend-hpa spec.minReplicas must be at least 2 in production, got 1"]);
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("Deployment", "backend", deployment())]),
            ["Deployment/backend: spec.replicas (unset: 1) must be at least 2 in production, got 1"]);
    });
});
