import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-seccomp", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-seccomp", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        delete spec.securityContext.seccompProfile; delete spec.containers[0].securityContext.seccompProfile;
        const v = await violations("workload-seccomp", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend, container "app": spec\.template\.spec\.containers\[0\]\.securityContext\.seccompProfile\.type \(or spec\.template\.spec\.securityContext\.seccompProfile\.type\) must be RuntimeDefault or Localhost, got unset$/);
    });
});
