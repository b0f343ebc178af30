import * as assert from "assert";
import { clone, credentialSecret, metadata, res, violations } from "../support";

describe("policy secret-rotation-annotations", () => {
    it("passes an annotated credential Secret and a Secret holding no credential", async () => {
        assert.deepStrictEqual(await violations("secret-rotation-annotations", [res("Secret", "jwt", credentialSecret())]), []);
        const plain = { metadata: metadata("backend", "settings"), stringData: { REGION: "eu-central-1" } };
        assert.deepStrictEqual(await violations("secret-rotation-annotations", [res("Secret", "settings", plain)]), []);
    });
    it("flags a credential Secret (recognised by its keys) without the annotations", async () => {
        const s = { metadata: metadata("backend", "db"), stringData: { DATABASE_PASSWORD: "[secret]" } };
        const v = await violations("secret-rotation-annotations", [res("Secret", "db", s)]);
        assert.strictEqual(v.length, 4);
        assert.strictEqual(v[0], 'Secret/db: metadata.annotations["fork-knife.io/rotated-at"] is missing');
        const bad = clone(credentialSecret());
        bad.metadata.annotations["fork-knife.io/rotated-at"] = "2026-13-01";
        assert.match((await violations("secret-rotation-annotations", [res("Secret", "jwt", bad)]))[0], /rotated-at"\] must be an ISO 8601 date/);
    });
});
