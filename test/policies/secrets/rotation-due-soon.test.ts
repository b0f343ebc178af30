import * as assert from "assert";
import { credentialSecret, outcome, res } from "../support";

describe("policy secret-rotation-due-soon", () => {
    const jwt = [res("Secret", "jwt", credentialSecret("jwt", "2026-10-01", 90, "2026-12-30"))];
    it("passes quietly more than 14 days before the due date", async () => {
        const o = await outcome("secret-rotation-due-soon", jwt, { now: "2026-12-15" });
        assert.deepStrictEqual([o.status, o.violations], ["pass", []]);
    });
    it("warns (advisory) within 14 days of the due date", async () => {
        const o = await outcome("secret-rotation-due-soon", jwt, { now: "2026-12-20" });
        assert.strictEqual(o.status, "warn");
        assert.strictEqual(o.enforcementLevel, "advisory");
        assert.deepStrictEqual(o.violations.map((v) => v.message), ["Secret/fk-jwt: jwt rotation is due on 2026-12-30, in 10 day(s) (next-rotation-due annotation)"]);
    });
});
