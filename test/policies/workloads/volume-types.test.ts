import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-volume-types", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-volume-types", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.volumes.push({ name: "nfs", nfs: { server: "x", path: "\/" } });
        const v = await violations("workload-volume-types", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /volumes\[1\] \("nfs"\) must not be of type nfs/);
    });
});
