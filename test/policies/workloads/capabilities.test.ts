import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-capabilities", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-capabilities", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.containers[0].securityContext.capabilities = { drop: ["ALL"], add: ["NET_ADMIN", "NET_BIND_SERVICE"] };
        const v = await violations("workload-capabilities", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend, container "app": spec\.template\.spec\.containers\[0\]\.securityContext\.capabilities\.add must not add NET_ADMIN \(only/);
    });
});
