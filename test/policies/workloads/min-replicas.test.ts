import * as assert from "assert";
import { clone, deployment, hpa, NAMES, res, violations } from "../support";

describe("policy workload-min-replicas", () => {
    it("passes an HPA floor of 2 in production, and anything in staging", async () => {
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("Deployment", NAMES.resource, deployment()), res("HorizontalPodAutoscaler", "hpa", hpa())]), []);
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("Deployment", NAMES.resource, deployment())], { environment: "staging" }), []);
    });
    it("flags an HPA floor of 1 and an unscaled Deployment without replicas", async () => {
        const h = clone(hpa());
        h.spec.minReplicas = 1;
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("Deployment", NAMES.resource, deployment()), res("HorizontalPodAutoscaler", "hpa", h)]),
            ["Deployment/fk-backend: HorizontalPodAutoscaler/fk-backend-hpa spec.minReplicas must be at least 2 in production, got 1"]);
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("Deployment", NAMES.resource, deployment())]),
            ["Deployment/fk-backend: spec.replicas (unset: 1) must be at least 2 in production, got 1"]);
    });
    it("judges an HPA whose target is declared elsewhere on its own floor, unset being 1", async () => {
        // Polaris's hpaMinAvailability failure: an HPA alone in its file with minReplicas: 1.
        const h = clone(hpa("api"));
        h.spec.minReplicas = 1;
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("HorizontalPodAutoscaler", "hpa", h)]),
            ["HorizontalPodAutoscaler/api-hpa: spec.minReplicas must be at least 2 in production, got 1"]);
        delete h.spec.minReplicas;
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("HorizontalPodAutoscaler", "hpa", h)]),
            ["HorizontalPodAutoscaler/api-hpa: spec.minReplicas (unset: 1) must be at least 2 in production, got 1"]);
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("HorizontalPodAutoscaler", "hpa", h)], { environment: "staging" }), []);
    });
    it("passes a lone HPA with a floor of 2, and reports a declared target's low floor once, on the Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-min-replicas", [res("HorizontalPodAutoscaler", "hpa", hpa("api"))]), []);
        const h = clone(hpa());
        h.spec.minReplicas = 1;
        const v = await violations("workload-min-replicas", [res("Deployment", NAMES.resource, deployment()), res("HorizontalPodAutoscaler", "hpa", h)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend: /);
    });
});
