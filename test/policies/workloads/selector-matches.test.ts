import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-selector-matches", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-selector-matches", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        d.spec.selector.matchLabels["app.kubernetes.io\/component"] = "worker";
        const v = await violations("workload-selector-matches", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /spec\.selector does not match spec\.template\.metadata\.labels/);
    });
});
