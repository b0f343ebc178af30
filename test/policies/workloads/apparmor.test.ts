import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-apparmor", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-apparmor", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.containers[0].securityContext.appArmorProfile = { type: "Unconfined" };
        const v = await violations("workload-apparmor", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend, container "app": spec\.template\.spec\.containers\[0\]\.securityContext\.appArmorProfile\.type must be RuntimeDefault or Localhost, got Unconfined$/);
    });
});
