import * as assert from "assert";
import { clone, deployment, hpa, NAMES, res, violations } from "../support";

describe("policy workload-no-replicas-under-hpa", () => {
    it("passes an HPA-scaled Deployment without replicas, and replicas without an HPA", async () => {
        assert.deepStrictEqual(await violations("workload-no-replicas-under-hpa", [res("Deployment", NAMES.resource, deployment()), res("HorizontalPodAutoscaler", "h", hpa())]), []);
        const d = clone(deployment());
        d.spec.replicas = 3;
        assert.deepStrictEqual(await violations("workload-no-replicas-under-hpa", [res("Deployment", NAMES.resource, d)]), []);
    });
    it("flags spec.replicas under an HPA", async () => {
        const d = clone(deployment());
        d.spec.replicas = 3;
        assert.deepStrictEqual(await violations("workload-no-replicas-under-hpa", [res("Deployment", NAMES.resource, d), res("HorizontalPodAutoscaler", "h", hpa())]),
            ["Deployment/fk-backend: spec.replicas must be unset because HorizontalPodAutoscaler/fk-backend-hpa owns the replica count"]);
    });
});
