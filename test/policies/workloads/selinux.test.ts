import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-selinux", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-selinux", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names the resource", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.securityContext.seLinuxOptions = { type: "spc_t" };
        const v = await violations("workload-selinux", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend: spec\.template\.spec\.securityContext\.seLinuxOptions\.type must be one of/);
    });
});
