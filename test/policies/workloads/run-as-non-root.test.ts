import * as assert from "assert";
import { clone, deployment, res, violations } from "../support";

describe("policy workload-run-as-non-root", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-run-as-non-root", [res("Deployment", "backend", deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        delete spec.securityContext.runAsNonRoot; delete spec.containers[0].securityContext.runAsNonRoot;
        const v = await violations("workload-run-as-non-root", [res("Deployment", "backend", d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /container "backend": .*runAsNonRoot .*must be true/);
    });
});
