import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-namespace", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-namespace", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names the resource", async () => {
        const d = clone(deployment());
        d.metadata.namespace = "default";
        const v = await violations("workload-namespace", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend: metadata\.namespace must not be default$/);
    });
});
