import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-sysctls", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-sysctls", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }];
        const v = await violations("workload-sysctls", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /sysctls\[0\] must be a safe sysctl, got kernel\.msgmax/);
    });
});
