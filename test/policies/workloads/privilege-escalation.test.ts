import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-privilege-escalation", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-privilege-escalation", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        delete spec.containers[0].securityContext.allowPrivilegeEscalation;
        const v = await violations("workload-privilege-escalation", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /container "backend": .*allowPrivilegeEscalation must be false/);
    });
});
