import * as assert from "assert";
import { clone, hpa, res, violations } from "../support";

describe("policy workload-hpa-thresholds", () => {
    it("passes the guide's 70 % CPU and 80 % memory", async () => {
        assert.deepStrictEqual(await violations("workload-hpa-thresholds", [res("HorizontalPodAutoscaler", "backend", hpa())]), []);
    });
    it("flags looser targets and a missing CPU target (default 80 %)", async () => {
        const h = clone(hpa());
        h.spec.metrics[0].resource.target.averageUtilization = 85;
        h.spec.metrics[1].resource.target.averageUtilization = 90;
        const v = await violations("workload-hpa-thresholds", [res("HorizontalPodAutoscaler", "backend", h)]);
        assert.deepStrictEqual(v, [
            "HorizontalPodAutoscaler/fk-backend-hpa: spec.metrics cpu averageUtilization must be at most 70, got 85",
            "HorizontalPodAutoscaler/fk-backend-hpa: spec.metrics memory averageUtilization must be at most 80, got 90",
        ]);
        delete h.spec.metrics;
        assert.match((await violations("workload-hpa-thresholds", [res("HorizontalPodAutoscaler", "backend", h)]))[0], /default is 80/);
    });
    it("reads autoscaling/v1's targetCPUUtilizationPercentage", async () => {
        const v1 = { metadata: { name: "web" }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 4, targetCPUUtilizationPercentage: 75 } };
        const v = await violations("workload-hpa-thresholds", [res("kubernetes:autoscaling/v1:HorizontalPodAutoscaler", "web", v1)]);
        assert.match(v[0], /at most 70, got 75/);
    });
});
