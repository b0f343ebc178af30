// loadStackConfig assembles a stack's config the way the Pulumi CLI does, without ever decrypting a secure value.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackConfig, projectDefaults, secretPlaceholder, StackConfigError } from "../../tools/lib/stack-config";

describe("tools/lib/stack-config", () => {
    let dir: string;
    const write = (name: string, text: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    };
    let projectFile: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-"));
        projectFile = write("Pulumi.yaml", [
            "name: fork-knife",
            "runtime: nodejs",
            "config:",
            "  logLevel: { type: string, default: info }",
            "  environment: { type: string }",
            "  alerts:",
            "    value: { enabled: true, diskUsagePercent: 85 }",
            "  backup:",
            "    value: { schedule: '0 3 * * *', timeZone: Etc/UTC }",
            "  kubernetes:context: kind-dev",
        ].join("\n"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads project-level defaults, values and namespaced keys", () => {
        const { project, values } = projectDefaults(projectFile);
        assert.strictEqual(project, "fork-knife");
        assert.deepStrictEqual(values, {
            "fork-knife:logLevel": "info",
            "fork-knife:alerts": { enabled: true, diskUsagePercent: 85 },
            "fork-knife:backup": { schedule: "0 3 * * *", timeZone: "Etc/UTC" },
            "kubernetes:context": "kind-dev",
        });
    });

    it("overrides project values key by key, whole objects replaced, and encodes objects as JSON", () => {
        const configFile = write("Pulumi.qa.yaml", [
            "config:",
            "  fork-knife:environment: staging",
            "  fork-knife:logLevel: debug",
            "  fork-knife:backup:",
            "    retentionDays: 7",
            "  fork-knife:image: { repository: ghcr.io/fork-knife/backend, tag: '1.2' }",
        ].join("\n"));
        const c = loadStackConfig({ configFile, projectFile });
        assert.strictEqual(c.stack, "qa");
        assert.strictEqual(c.file, configFile);
        assert.strictEqual(c.config["fork-knife:environment"], "staging");
        assert.strictEqual(c.config["fork-knife:logLevel"], "debug");
        // The CLI replaces an object value whole: no schedule from Pulumi.yaml survives.
        assert.deepStrictEqual(JSON.parse(c.config["fork-knife:backup"]), { retentionDays: 7 });
        assert.deepStrictEqual(JSON.parse(c.config["fork-knife:alerts"]), { enabled: true, diskUsagePercent: 85 });
        assert.deepStrictEqual(JSON.parse(c.config["fork-knife:image"]), { repository: "ghcr.io/fork-knife/backend", tag: "1.2" });
        assert.strictEqual(c.config["kubernetes:context"], "kind-dev");
        assert.deepStrictEqual(c.secretKeys, []);
    });

    it("turns secure values into placeholders listed in secretKeys, never keeping the ciphertext", () => {
        const ciphertext = "v1:Zm9yay1rbmlmZQ==:c2VjcmV0LWNpcGhlcnRleHQ=";
        const configFile = write("Pulumi.qa.yaml", [
            "config:",
            "  fork-knife:environment: staging",
            `  fork-knife:stripeSecretKey: { secure: "${ciphertext}" }`,
            `  fork-knife:twilioAuthToken:`,
            `    secure: "${ciphertext}"`,
        ].join("\n"));
        const c = loadStackConfig({ configFile, projectFile });
        assert.deepStrictEqual(c.secretKeys.sort(), ["fork-knife:stripeSecretKey", "fork-knife:twilioAuthToken"]);
        assert.strictEqual(c.config["fork-knife:stripeSecretKey"], secretPlaceholder("fork-knife:stripeSecretKey"));
        assert.ok(!JSON.stringify(c).includes(ciphertext));
    });

    it("loads the committed stacks with their secure keys", () => {
        const staging = loadStackConfig({ stack: "staging" });
        const production = loadStackConfig({ stack: "production" });
        assert.strictEqual(staging.config["fork-knife:environment"], "staging");
        assert.strictEqual(production.config["fork-knife:environment"], "production");
        // database admin, Stripe (2), Twilio (2), the Slack webhook and redisPassword.
        assert.strictEqual(staging.secretKeys.length, 7);
        assert.ok(production.secretKeys.includes("fork-knife:pulumiAccessToken"));
        assert.ok(production.secretKeys.every((k) => production.config[k] === secretPlaceholder(k)));
    });

    it("reports bad YAML as a StackConfigError naming the file", () => {
        const configFile = write("Pulumi.qa.yaml", "config:\n  fork-knife:image: { repository: x\n  tag: [\n");
        assert.throws(() => loadStackConfig({ configFile, projectFile }),
            (e: Error) => e instanceof StackConfigError && e.message.startsWith(`${configFile}: `));
    });

    it("refuses a stack file that is not a mapping, and a missing stack file", () => {
        const list = write("Pulumi.qa.yaml", "- fork-knife:environment\n");
        assert.throws(() => loadStackConfig({ configFile: list, projectFile }), /must be a YAML mapping/);
        assert.throws(() => loadStackConfig({ configFile: path.join(dir, "Pulumi.none.yaml"), projectFile }), /no such stack file/);
    });

    it("treats an empty stack file as no overrides", () => {
        const configFile = write("Pulumi.qa.yaml", "");
        const c = loadStackConfig({ configFile, projectFile });
        assert.strictEqual(c.config["fork-knife:logLevel"], "info");
        assert.strictEqual(c.config["fork-knife:environment"], undefined);
    });
});
