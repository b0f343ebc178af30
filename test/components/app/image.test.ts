import { strict as assert } from "assert";
import { imageReference, ImageSettings } from "../../../components/app/image";
import { runProgram } from "../../../tools/lib/program";

async function reference(image: ImageSettings): Promise<{ ref: unknown }> {
    const run = await runProgram({ stack: "test", config: {}, secretKeys: [], program: () => ({ ref: imageReference(image) }) });
    return { ref: run.outputs.ref };
}

describe("imageReference", () => {
    const base = { repository: "ghcr.io/fork-knife/backend", tag: "2026.11.3", resolveDigest: false };

    it("uses the pinned digest as given", async () => {
        const digest = "sha256:" + "ab".repeat(32);
        assert.equal((await reference({ ...base, digest })).ref, `ghcr.io/fork-knife/backend:2026.11.3@${digest}`);
    });

    it("resolves the tag's digest from the registry when asked, so the rollout is immutable", async () => {
        const { ref } = await reference({ ...base, resolveDigest: true });
        // The test harness answers getRegistryImage with the sha256 of the name it was asked for.
        const expected = require("crypto").createHash("sha256").update("ghcr.io/fork-knife/backend:2026.11.3").digest("hex");
        assert.equal(ref, `ghcr.io/fork-knife/backend:2026.11.3@sha256:${expected}`);
    });

    it("falls back to the tag alone when neither is set (staging)", async () => {
        assert.equal((await reference(base)).ref, "ghcr.io/fork-knife/backend:2026.11.3");
    });
});
