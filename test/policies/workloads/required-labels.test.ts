import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-required-labels", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-required-labels", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names the resource", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        delete spec.securityContext; delete d.metadata.labels["fork-knife.io\/environment"]; spec.securityContext = {};
        const v = await violations("workload-required-labels", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend: metadata\.labels fork-knife\.io\/environment is missing$/);
    });
});
