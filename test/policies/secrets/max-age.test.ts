import * as assert from "assert";
import { credentialSecret, res, violations } from "../support";

describe("policy secret-max-age", () => {
    it("passes each kind at the guide's limit", async () => {
        const secrets = [credentialSecret("jwt", "2026-10-01", 90, "2026-12-30"), credentialSecret("database-password", "2026-09-01", 180, "2027-02-28"),
            credentialSecret("stripe", "2026-02-10", 365, "2027-02-10"), credentialSecret("twilio", "2026-02-10", 365, "2027-02-10")];
        assert.deepStrictEqual(await violations("secret-max-age", secrets.map((s, i) => res("Secret", `s${i}`, s))), []);
    });
    it("flags a JWT kept 120 days and a due date beyond the limit", async () => {
        assert.deepStrictEqual(await violations("secret-max-age", [res("Secret", "jwt", credentialSecret("jwt", "2026-10-01", 120, "2027-01-29"))]), [
            'Secret/fk-jwt: metadata.annotations["fork-knife.io/max-age-days"] must be at most 90 for jwt, got 120',
            'Secret/fk-jwt: metadata.annotations["fork-knife.io/next-rotation-due"] 2027-01-29 is more than 90 days after rotated-at 2026-10-01',
        ]);
    });
});
