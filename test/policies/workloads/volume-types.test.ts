import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-volume-types", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-volume-types", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names the resource", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.volumes.push({ name: "nfs", nfs: { server: "x", path: "\/" } });
        const v = await violations("workload-volume-types", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend: spec\.template\.spec\.volumes\[1\] \("nfs"\) must not be of type nfs/);
    });
});
