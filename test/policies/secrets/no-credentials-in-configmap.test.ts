import * as assert from "assert";
import { metadata, res, violations } from "../support";

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
});
