import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-host-path", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-host-path", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.volumes.push({ name: "docker", hostPath: { path: "\/var\/run\/docker.sock" } });
        const v = await violations("workload-host-path", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /spec\.template\.spec\.volumes\[1\] \("docker"\) must not be a hostPath/);
    });
});
