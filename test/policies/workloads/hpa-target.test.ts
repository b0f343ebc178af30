import * as assert from "assert";
import { clone, deployment, hpa, NAMES, res, violations } from "../support";

describe("policy workload-hpa-target", () => {
    it("passes an HPA that names a declared Deployment, also by its auto-name", async () => {
        assert.deepStrictEqual(await violations("workload-hpa-target", [res("Deployment", NAMES.resource, deployment()), res("HorizontalPodAutoscaler", "hpa", hpa())]), []);
        const unnamed = clone(deployment());
        delete unnamed.metadata.name;
        assert.deepStrictEqual(await violations("workload-hpa-target", [res("Deployment", NAMES.resource, unnamed), res("HorizontalPodAutoscaler", "hpa", hpa(`${NAMES.resource}-1a2b3c4d`))]), []);
    });
    it("flags an HPA whose target does not exist", async () => {
        assert.deepStrictEqual(await violations("workload-hpa-target", [res("Deployment", NAMES.resource, deployment()), res("HorizontalPodAutoscaler", "hpa", hpa("api"))]),
            ["HorizontalPodAutoscaler/api-hpa: spec.scaleTargetRef Deployment/api does not exist in namespace fork-knife-production"]);
    });
});
