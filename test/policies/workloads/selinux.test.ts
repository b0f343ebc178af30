import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-selinux", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-selinux", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.securityContext.seLinuxOptions = { type: "spc_t" };
        const v = await violations("workload-selinux", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /spec\.template\.spec\.securityContext\.seLinuxOptions\.type must be one of/);
    });
});
