import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-selector-matches", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-selector-matches", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names the resource", async () => {
        const d = clone(deployment());
        d.spec.selector.matchLabels["app.kubernetes.io\/component"] = "worker";
        const v = await violations("workload-selector-matches", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend: spec\.selector does not match spec\.template\.metadata\.labels/);
    });
});
