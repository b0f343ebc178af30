import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-seccomp", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-seccomp", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        delete spec.securityContext.seccompProfile; delete spec.containers[0].securityContext.seccompProfile;
        const v = await violations("workload-seccomp", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /container "backend": .*seccompProfile\.type .*got unset/);
    });
});
