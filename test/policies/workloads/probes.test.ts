import * as assert from "assert";
import { clone, deployment, NAMES, res, service, violations } from "../support";

describe("policy workload-probes", () => {
    it("passes probed pods behind a Service, and unprobed pods no Service selects", async () => {
        assert.deepStrictEqual(await violations("workload-probes", [res("Deployment", NAMES.resource, deployment()), res("Service", "backend", service())]), []);
        const worker = clone(deployment("worker"));
        delete worker.spec.template.spec.containers[0].readinessProbe;
        assert.deepStrictEqual(await violations("workload-probes", [res("Deployment", "worker", worker), res("Service", "backend", service())]), []);
    });
    it("flags a Service-backed container without a readiness probe", async () => {
        const d = clone(deployment());
        delete d.spec.template.spec.containers[0].readinessProbe;
        assert.deepStrictEqual(await violations("workload-probes", [res("Deployment", NAMES.resource, d), res("Service", "backend", service())]),
            ['Deployment/fk-backend, container "app": spec.template.spec.containers[0].readinessProbe must be set (Service/fork-knife-backend routes to this pod)']);
    });
    it("flags a Service-backed container without a liveness probe", async () => {
        const d = clone(deployment());
        delete d.spec.template.spec.containers[0].livenessProbe;
        assert.deepStrictEqual(await violations("workload-probes", [res("Deployment", NAMES.resource, d), res("Service", "backend", service())]),
            ['Deployment/fk-backend, container "app": spec.template.spec.containers[0].livenessProbe must be set (Service/fork-knife-backend routes to this pod)']);
    });
});
