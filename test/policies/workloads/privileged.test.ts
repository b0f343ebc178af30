import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-privileged", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-privileged", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.initContainers = [{ ...spec.containers[0], name: "init", securityContext: { ...spec.containers[0].securityContext, privileged: true } }];
        const v = await violations("workload-privileged", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend, init container "init": spec\.template\.spec\.initContainers\[0\]\.securityContext\.privileged/);
    });
});
