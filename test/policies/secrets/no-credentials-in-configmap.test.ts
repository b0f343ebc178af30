import * as assert from "assert";
import { CREDENTIAL_CASES, metadata, res, violations } from "../support";

describe("policy secret-no-credentials-in-configmap", () => {
    it("passes settings, including ones that only mention tokens", async () => {
        const cm = { metadata: metadata("backend", "settings"), data: { LOG_LEVEL: "info", TOKEN_TTL: "3600", REDIS_URL: "redis://redis:6379" } };
        assert.deepStrictEqual(await violations("secret-no-credentials-in-configmap", [res("ConfigMap", "settings", cm)]), []);
    });
    it("flags a password key and a URL with embedded credentials", async () => {
        const cm = { metadata: metadata("backend", "settings"), data: { DB_PASSWORD: "hunter2", CACHE: "redis://app:s3cr3t@redis:6379" } };
        assert.deepStrictEqual(await violations("secret-no-credentials-in-configmap", [res("ConfigMap", "settings", cm)]), [
            "ConfigMap/settings: data.DB_PASSWORD looks like a credential; put it in a Secret",
            "ConfigMap/settings: data.CACHE looks like a credential; put it in a Secret",
        ]);
    });
    it("flags the credential-shaped values env vars are flagged for (a password URL without a user name among them)", async () => {
        const cm = { metadata: metadata("backend", "settings"), data: Object.fromEntries(CREDENTIAL_CASES.flagged) };
        assert.deepStrictEqual(await violations("secret-no-credentials-in-configmap", [res("ConfigMap", "settings", cm)]),
            CREDENTIAL_CASES.flagged.map(([k]) => `ConfigMap/settings: data.${k} looks like a credential; put it in a Secret`));
    });
    it("passes keys that only describe a credential: files, paths, secret names, lifetimes, redirect URLs", async () => {
        const cm = { metadata: metadata("backend", "settings"), data: Object.fromEntries(CREDENTIAL_CASES.passed) };
        assert.deepStrictEqual(await violations("secret-no-credentials-in-configmap", [res("ConfigMap", "settings", cm)]), []);
    });
});
