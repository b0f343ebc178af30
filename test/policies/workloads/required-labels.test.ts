import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-required-labels", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-required-labels", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        delete spec.securityContext; delete d.metadata.labels["fork-knife.io\/environment"]; spec.securityContext = {};
        const v = await violations("workload-required-labels", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /Deployment\/backend: metadata\.labels fork-knife\.io\/environment is missing/);
    });
});
