import * as assert from "assert";
import { clone, hpa, res, violations } from "../support";

describe("policy workload-hpa-range", () => {
    it("passes maxReplicas above minReplicas", async () => {
        assert.deepStrictEqual(await violations("workload-hpa-range", [res("HorizontalPodAutoscaler", "backend", hpa())]), []);
    });
    it("flags an HPA that cannot scale", async () => {
        const h = clone(hpa());
        h.spec.maxReplicas = 2;
        assert.deepStrictEqual(await violations("workload-hpa-range", [res("HorizontalPodAutoscaler", "backend", h)]),
            ["HorizontalPodAutoscaler/fk-backend-hpa: spec.maxReplicas (2) must be greater than spec.minReplicas (2)"]);
    });
});
