import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-host-namespaces", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-host-namespaces", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names the resource", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.hostPID = true;
        const v = await violations("workload-host-namespaces", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend: spec\.template\.spec\.hostPID must not be true/);
    });
});
