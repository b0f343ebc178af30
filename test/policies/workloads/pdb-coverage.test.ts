import * as assert from "assert";
import { deployment, NAMES, pdb, res, violations } from "../support";

describe("policy workload-pdb-coverage", () => {
    it("passes a Deployment with a matching PodDisruptionBudget", async () => {
        assert.deepStrictEqual(await violations("workload-pdb-coverage", [res("Deployment", NAMES.resource, deployment()), res("PodDisruptionBudget", "backend", pdb())]), []);
    });
    it("flags a Deployment whose only PodDisruptionBudget selects other pods", async () => {
        assert.deepStrictEqual(await violations("workload-pdb-coverage", [res("Deployment", NAMES.resource, deployment()), res("PodDisruptionBudget", "worker", pdb("worker"))]),
            ["Deployment/fk-backend: no PodDisruptionBudget in namespace fork-knife-production selects spec.template.metadata.labels"]);
    });
});
