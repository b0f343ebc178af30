import * as assert from "assert";
import { clone, CREDENTIAL_CASES, deployment, NAMES, res, violations } from "../support";
import { PRIVATE_KEY_LABEL } from "../../support/fake-pem";

describe("policy workload-env-credentials", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-env-credentials", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.containers[0].env = [{ name: "LOG_LEVEL", value: "info" }, { name: "STRIPE_SECRET_KEY", value: ["sk", "live", "abcdefghijkl"].join("_") }];
        const v = await violations("workload-env-credentials", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend, container "app": spec\.template\.spec\.containers\[0\]\.env\[1\] \(STRIPE_SECRET_KEY\) must take its value from a Secret/);
    });
    it("flags a private key pasted into a value whatever its name, with OpenSSH's or PEM's dashes", async () => {
        // Polaris's failure.value_private_key case: three dashes, multi-line, under a name that says nothing.
        const d = clone(deployment());
        d.spec.template.spec.containers[0].env = [
            { name: "user_name", value: "postgres" },
            { name: "the_good_stuff", value: `---BEGIN OPENSSH ${PRIVATE_KEY_LABEL}---\nxxxxx\n---END  OPENSSH ${PRIVATE_KEY_LABEL}---\n` },
            { name: "SIGNING", value: `-----BEGIN EC ${"PRIVATE"} KEY-----\nMHcCAQEE\n-----END EC ${"PRIVATE"} KEY-----` },
        ];
        const v = await violations("workload-env-credentials", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 2, v.join("\n"));
        assert.match(v[0], /env\[1\] \(the_good_stuff\) must take its value from a Secret/);
        assert.match(v[1], /env\[2\] \(SIGNING\) must take its value from a Secret/);
    });
    it("passes public material: a public key and a CA certificate are not credentials", async () => {
        const d = clone(deployment());
        d.spec.template.spec.containers[0].env = [
            { name: "JWKS_PUBLIC", value: "---BEGIN PUBLIC KEY---\nMFkwEwYH\n---END PUBLIC KEY---" },
            { name: "CA_BUNDLE", value: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" },
        ];
        assert.deepStrictEqual(await violations("workload-env-credentials", [res("Deployment", NAMES.resource, d)]), []);
    });
    it("flags a password URL without a user name and other credential-shaped values (shared with ConfigMaps)", async () => {
        const d = clone(deployment());
        d.spec.template.spec.containers[0].env = CREDENTIAL_CASES.flagged.map(([name, value]) => ({ name, value }));
        const v = await violations("workload-env-credentials", [res("Deployment", NAMES.resource, d)]);
        assert.deepStrictEqual(v, CREDENTIAL_CASES.flagged.map(([name], i) =>
            `Deployment/fk-backend, container "app": spec.template.spec.containers[0].env[${i}] (${name}) must take its value from a Secret (valueFrom.secretKeyRef), not a literal`));
    });
    it("passes names that only describe a credential: files, paths, secret names, lifetimes, redirect URLs", async () => {
        const d = clone(deployment());
        d.spec.template.spec.containers[0].env = CREDENTIAL_CASES.passed.map(([name, value]) => ({ name, value }));
        assert.deepStrictEqual(await violations("workload-env-credentials", [res("Deployment", NAMES.resource, d)]), []);
    });
});
