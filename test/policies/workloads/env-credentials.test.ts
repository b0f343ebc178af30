import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-env-credentials", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-env-credentials", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.containers[0].env = [{ name: "LOG_LEVEL", value: "info" }, { name: "STRIPE_SECRET_KEY", value: "sk_live_abcdefghijkl" }];
        const v = await violations("workload-env-credentials", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /container "backend": spec\.template\.spec\.containers\[0\]\.env\[1\] \(STRIPE_SECRET_KEY\) must take/);
    });
});
