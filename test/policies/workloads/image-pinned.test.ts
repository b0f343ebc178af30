import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

function withImage(image: string) {
    const d = clone(deployment());
    d.spec.template.spec.containers[0].image = image;
    return [res("Deployment", NAMES.resource, d)];
}

describe("policy workload-image-pinned", () => {
    it("passes a tag with digest in production and a tag alone in staging", async () => {
        assert.deepStrictEqual(await violations("workload-image-pinned", [res("Deployment", NAMES.resource, deployment())]), []);
        assert.deepStrictEqual(await violations("workload-image-pinned", withImage("ghcr.io/fork-knife/backend:2026.11.3"), { environment: "staging" }), []);
    });
    it("flags latest and a missing tag, naming the container and field", async () => {
        const latest = await violations("workload-image-pinned", withImage("nginx:latest"), { environment: "staging" });
        assert.deepStrictEqual(latest, ['Deployment/fk-backend, container "app": spec.template.spec.containers[0].image nginx:latest must not use the moving tag latest']);
        const untagged = await violations("workload-image-pinned", withImage("registry:5000/nginx"), { environment: "staging" });
        assert.match(untagged[0], /image registry:5000\/nginx must name a release tag/);
    });
    it("requires a digest in production only", async () => {
        const v = await violations("workload-image-pinned", withImage("ghcr.io/fork-knife/backend:2026.11.3"));
        assert.strictEqual(v.length, 1);
        assert.match(v[0], /must be pinned by a sha256 digest in production/);
    });
});
