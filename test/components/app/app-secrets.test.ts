import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { AppSecrets, AppSecretsArgs, redisUrl } from "../../../components/app/app-secrets";
import { rotationChecksum, rotationRecord, slotKeepers } from "../../../components/app/rotation";
import { isSecretValue, ProgramRun, runProgram } from "../../../tools/lib/program";
import { ofType, one, plain } from "../../support/stacks";

function args(generation: number): AppSecretsArgs {
    return {
        namespace: "fork-knife-test",
        environment: "production",
        jwt: { rotatedAt: "2026-10-01", generation },
        stripe: { rotatedAt: "2026-02-10", secretKey: pulumi.secret("sk_test_SENTINEL"), webhookSecret: pulumi.secret("whsec_SENTINEL") },
        twilio: { rotatedAt: "2026-03-01", accountSid: pulumi.secret("AC_SENTINEL"), authToken: pulumi.secret("tw_SENTINEL") },
        redis: { host: "redis.internal", port: 6380, tls: true, rotatedAt: "2026-09-15", password: pulumi.secret("p@ss/word SENTINEL") },
    };
}

const render = (generation: number) =>
    runProgram({ stack: "test", config: {}, secretKeys: [], program: () => { new AppSecrets("app-secrets", args(generation)); } });

const secretNamed = (run: ProgramRun, name: string) =>
    ofType(run, "kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as any).name === name)!;

describe("AppSecrets", () => {
    let g3: ProgramRun;
    let g4: ProgramRun;
    before(async () => { g3 = await render(3); g4 = await render(4); });

    it("bumping the JWT generation regenerates only slot N % 2", () => {
        const slot = (run: ProgramRun, s: number) => one(run, "random:index/randomPassword:RandomPassword", `app-secrets-jwt-slot-${s}`);
        assert.notDeepEqual(plain(slot(g3, 0)).keepers, plain(slot(g4, 0)).keepers, "generation 4 writes slot 0");
        assert.deepEqual(plain(slot(g3, 1)).keepers, plain(slot(g4, 1)).keepers, "slot 1 keeps its value");
        assert.ok(plain(slot(g3, 0)).length >= 48);
    });

    it("JWT_SECRET_PREVIOUS after a rotation is the JWT_SECRET before it: nobody is logged out", () => {
        const values = (run: ProgramRun) => (secretNamed(run, "fork-knife-jwt").inputs.stringData as any);
        assert.ok(isSecretValue(values(g3)), "stringData is a Pulumi secret");
        const before = plain(secretNamed(g3, "fork-knife-jwt")).stringData;
        const after = plain(secretNamed(g4, "fork-knife-jwt")).stringData;
        assert.equal(after.JWT_SECRET_PREVIOUS, before.JWT_SECRET);
        assert.notEqual(after.JWT_SECRET, before.JWT_SECRET);
        assert.notEqual(after.JWT_SECRET, after.JWT_SECRET_PREVIOUS);
    });

    it("annotates each Secret with its kind and rotation dates (JWT rotated 2026-10-01 is due 2026-12-30)", () => {
        const a = (name: string) => plain(secretNamed(g3, name)).metadata.annotations;
        assert.deepEqual(a("fork-knife-jwt"), {
            "fork-knife.io/secret-kind": "jwt", "fork-knife.io/rotated-at": "2026-10-01", "fork-knife.io/max-age-days": "90",
            "fork-knife.io/next-rotation-due": "2026-12-30", "fork-knife.io/generation": "3",
        });
        assert.equal(a("fork-knife-stripe")["fork-knife.io/next-rotation-due"], "2027-02-10");
        assert.equal(a("fork-knife-stripe")["fork-knife.io/max-age-days"], "365");
        assert.equal(a("fork-knife-twilio")["fork-knife.io/secret-kind"], "twilio");
        assert.equal(a("fork-knife-twilio")["fork-knife.io/next-rotation-due"], "2027-03-01");
    });

    it("keeps external credentials secret end to end and hands pods references only", async () => {
        const stripe = secretNamed(g3, "fork-knife-stripe");
        assert.ok(isSecretValue(stripe.inputs.stringData));
        assert.deepEqual(plain(stripe).stringData, { STRIPE_SECRET_KEY: "sk_test_SENTINEL", STRIPE_WEBHOOK_SECRET: "whsec_SENTINEL" });
        assert.ok(stripe.additionalSecretOutputs.includes("stringData"));
        const component = one(g3, "fork-knife:secrets:AppSecrets");
        assert.doesNotMatch(JSON.stringify(component.outputs), /SENTINEL/);
    });

    it("builds REDIS_URL from the redis settings and the secure password, as a secret with a 180-day rotation record", () => {
        const redis = secretNamed(g3, "fork-knife-redis");
        assert.ok(isSecretValue(redis.inputs.stringData), "stringData is a Pulumi secret");
        // The password is percent-encoded: '@' and '/' inside it would otherwise end the userinfo or start the path.
        assert.deepEqual(plain(redis).stringData, { REDIS_URL: "rediss://:p%40ss%2Fword%20SENTINEL@redis.internal:6380" });
        assert.deepEqual(plain(redis).metadata.annotations, {
            "fork-knife.io/secret-kind": "redis-password", "fork-knife.io/rotated-at": "2026-09-15", "fork-knife.io/max-age-days": "180",
            "fork-knife.io/next-rotation-due": "2027-03-14",
        });
        assert.doesNotMatch(JSON.stringify(one(g3, "fork-knife:secrets:AppSecrets").outputs), /p@ss/);
    });

    it("REDIS_URL: redis:// without TLS, IPv6 hosts in brackets", () => {
        assert.equal(redisUrl({ host: "10.0.0.5", port: 6379, tls: false }, "pw"), "redis://:pw@10.0.0.5:6379");
        assert.equal(redisUrl({ host: "fd00:10::5", port: 6379, tls: true }, "pw"), "rediss://:pw@[fd00:10::5]:6379");
        assert.equal(new URL(redisUrl({ host: "fd00:10::5", port: 6379, tls: true }, "a:b@c")).password, "a%3Ab%40c");
    });

    it("computes due dates from the guide's limits", () => {
        assert.equal(rotationRecord("database-password", "2026-09-01").nextRotationDue, "2027-02-28");
        assert.equal(rotationRecord("jwt", "2024-12-31").nextRotationDue, "2025-03-31");
        assert.throws(() => rotationRecord("jwt", "2026-13-01"), /2026-13-01/);
    });

    it("slot keepers change for exactly one slot per generation", () => {
        for (let n = 0; n < 6; n++) {
            const changed = [0, 1].filter((s) => JSON.stringify(slotKeepers(s as 0 | 1, n)) !== JSON.stringify(slotKeepers(s as 0 | 1, n + 1)));
            assert.deepEqual(changed, [(n + 1) % 2], `generation ${n} → ${n + 1}`);
        }
    });

    it("the rotation checksum follows the records, not the order or the values", () => {
        const a = [rotationRecord("jwt", "2026-10-01", 3), rotationRecord("stripe", "2026-02-10")];
        assert.equal(rotationChecksum(a), rotationChecksum([...a].reverse()));
        assert.notEqual(rotationChecksum(a), rotationChecksum([rotationRecord("jwt", "2026-10-01", 4), a[1]]));
        assert.notEqual(rotationChecksum(a), rotationChecksum([a[0], rotationRecord("stripe", "2026-02-11")]));
    });
});
