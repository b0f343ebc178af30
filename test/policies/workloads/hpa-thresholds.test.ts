import * as assert from "assert";
import { clone, hpa, res, violations } from "../support";

const POLICY = "workload-hpa-thresholds";
const NAME = "HorizontalPodAutoscaler/fk-backend-hpa";
const check = (h: unknown) => violations(POLICY, [res("HorizontalPodAutoscaler", "backend-hpa-res", h)]);
const cpu = (averageUtilization = 70) => ({ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization } } });
const memory = (averageUtilization = 80) => ({ type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization } } });
function withMetrics(...metrics: unknown[]) {
    const h = clone(hpa());
    h.spec.metrics = metrics;
    return h;
}

describe("policy workload-hpa-thresholds", () => {
    it("passes the guide's 70 % CPU and 80 % memory, stricter targets, and CPU alone", async () => {
        assert.deepStrictEqual(await check(hpa()), []);
        assert.deepStrictEqual(await check(withMetrics(cpu(50), memory(60))), []);
        assert.deepStrictEqual(await check(withMetrics(cpu())), []);
        const container = withMetrics({ type: "ContainerResource", containerResource: { name: "cpu", container: "app", target: { type: "Utilization", averageUtilization: 65 } } });
        assert.deepStrictEqual(await check(container), []);
    });
    it("flags looser targets and a missing metrics list (Kubernetes then targets 80 % CPU)", async () => {
        const h = clone(hpa());
        h.spec.metrics[0].resource.target.averageUtilization = 85;
        h.spec.metrics[1].resource.target.averageUtilization = 90;
        assert.deepStrictEqual(await check(h), [
            `${NAME}: spec.metrics[0].resource.target.averageUtilization (cpu) must be at most 70, got 85`,
            `${NAME}: spec.metrics[1].resource.target.averageUtilization (memory) must be at most 80, got 90`,
        ]);
        delete h.spec.metrics;
        assert.deepStrictEqual(await check(h), [`${NAME}: spec.metrics must set a CPU Utilization target of at most 70 (without metrics Kubernetes targets 80 % CPU)`]);
    });
    it("flags an HPA that scales on memory only, or on a Pods metric only: no CPU target", async () => {
        assert.deepStrictEqual(await check(withMetrics(memory())),
            [`${NAME}: spec.metrics must include a CPU Utilization target of at most 70 (it scales on memory only)`]);
        const pods = { type: "Pods", pods: { metric: { name: "queue_depth" }, target: { type: "AverageValue", averageValue: "30" } } };
        assert.deepStrictEqual(await check(withMetrics(pods)),
            [`${NAME}: spec.metrics must include a CPU Utilization target of at most 70 (it scales on Pods only)`]);
    });
    it("flags CPU or memory targets that are not a utilisation percentage", async () => {
        const avg = withMetrics({ type: "Resource", resource: { name: "cpu", target: { type: "AverageValue", averageValue: "900m" } } }, memory());
        assert.deepStrictEqual(await check(avg), [`${NAME}: spec.metrics[0].resource.target.type must be Utilization (cpu at most 70 % of the request), got AverageValue`]);
        const mem = withMetrics(cpu(), { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "2Gi" } } });
        assert.deepStrictEqual(await check(mem), [`${NAME}: spec.metrics[1].resource.target.type must be Utilization (memory at most 80 % of the request), got AverageValue`]);
        const unset = withMetrics({ type: "Resource", resource: { name: "cpu", target: { type: "Utilization" } } });
        assert.deepStrictEqual(await check(unset), [`${NAME}: spec.metrics[0].resource.target.averageUtilization (cpu) must be at most 70, got unset`]);
    });
    it("reads autoscaling/v1's targetCPUUtilizationPercentage and v2beta1's targetAverageUtilization", async () => {
        const v1: { metadata: object; spec: { targetCPUUtilizationPercentage?: number } & Record<string, unknown> } = { metadata: { name: "web" }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 4, targetCPUUtilizationPercentage: 75 } };
        const type = "kubernetes:autoscaling/v1:HorizontalPodAutoscaler";
        assert.deepStrictEqual(await violations(POLICY, [res(type, "web", v1)]), ["HorizontalPodAutoscaler/web: spec.targetCPUUtilizationPercentage must be at most 70, got 75"]);
        delete v1.spec.targetCPUUtilizationPercentage;
        assert.deepStrictEqual(await violations(POLICY, [res(type, "web", v1)]),
            ["HorizontalPodAutoscaler/web: spec.targetCPUUtilizationPercentage must be at most 70 (unset: Kubernetes targets 80)"]);
        const beta = withMetrics({ type: "Resource", resource: { name: "cpu", targetAverageUtilization: 75 } });
        assert.deepStrictEqual(await violations(POLICY, [res("kubernetes:autoscaling/v2beta1:HorizontalPodAutoscaler", "b", beta)]),
            [`${NAME}: spec.metrics[0].resource.targetAverageUtilization (cpu) must be at most 70, got 75`]);
    });
});
