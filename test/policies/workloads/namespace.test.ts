import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-namespace", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-namespace", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        d.metadata.namespace = "default";
        const v = await violations("workload-namespace", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /Deployment\/backend: metadata\.namespace must not be default/);
    });
});
