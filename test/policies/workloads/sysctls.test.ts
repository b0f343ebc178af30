import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-sysctls", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-sysctls", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names the resource", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }];
        const v = await violations("workload-sysctls", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend: spec\.template\.spec\.securityContext\.sysctls\[0\] must be a safe sysctl, got kernel\.msgmax/);
    });
});
