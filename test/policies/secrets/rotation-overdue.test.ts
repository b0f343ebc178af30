import * as assert from "assert";
import { credentialSecret, outcome, res } from "../support";

describe("policy secret-rotation-overdue", () => {
    const jwt = [res("Secret", "jwt", credentialSecret("jwt", "2026-10-01", 90, "2026-12-30"))];
    it("passes before the due date", async () => {
        assert.strictEqual((await outcome("secret-rotation-overdue", jwt, { now: "2026-12-29" })).status, "pass");
    });
    it("fails production and only warns in staging once overdue", async () => {
        const prod = await outcome("secret-rotation-overdue", jwt, { now: "2027-01-02" });
        assert.deepStrictEqual([prod.status, prod.enforcementLevel], ["fail", "mandatory"]);
        assert.match(prod.violations[0].message, /^Secret\/fk-jwt: jwt rotation was due on 2026-12-30/);
        const staging = await outcome("secret-rotation-overdue", jwt, { now: "2027-01-02", environment: "staging" });
        assert.deepStrictEqual([staging.status, staging.enforcementLevel], ["warn", "advisory"]);
    });
});
