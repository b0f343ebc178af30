import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-host-namespaces", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-host-namespaces", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.hostPID = true;
        const v = await violations("workload-host-namespaces", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/backend: spec\.template\.spec\.hostPID must not be true/);
    });
});
