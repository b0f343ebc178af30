import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-rolling-update", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-rolling-update", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names the resource", async () => {
        const d = clone(deployment());
        d.spec.strategy.rollingUpdate.maxUnavailable = 1;
        const v = await violations("workload-rolling-update", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend: spec\.strategy\.rollingUpdate\.maxUnavailable must be 0 for the backend, got 1/);
    });
});
