// index.ts with a bad stack file: the run stops with every settings problem and declares nothing.
import * as assert from "assert";
import * as path from "path";
import { runProgram } from "../../tools/lib/program";
import { loadStackConfig, StackConfig } from "../../tools/lib/stack-config";
import { SettingsError } from "../../components/config/settings";

const INDEX = path.join(__dirname, "..", "..", "index.ts");
const NOW = "2026-11-25";

/** The committed staging stack with some keys replaced: objects are patched, strings set as they are. */
function stagingWith(patch: (config: Record<string, any>) => void, plain: string[] = []): StackConfig {
    const c = loadStackConfig({ stack: "staging" });
    const decoded: Record<string, any> = Object.fromEntries(Object.entries(c.config)
        .map(([k, v]) => [k, !c.secretKeys.includes(k) && /^[\[{]/.test(v) ? JSON.parse(v) : v]));
    patch(decoded);
    const config = Object.fromEntries(Object.entries(decoded).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return { ...c, config, secretKeys: c.secretKeys.filter((k) => !plain.includes(k)) };
}

const BAD = stagingWith((c) => {
    c["fork-knife:image"].tag = "latest";
    c["fork-knife:rotation"].jwt.rotatedAt = "2026-12-24";
    c["fork-knife:backup"].schedule = "0 3 * *";
    c["fork-knife:backend"] = { minReplicas: 5, maxReplicas: 4 };
});

/** Runs index.ts, keeping its error, so the registrations made before it can be inspected too. */
async function runCatching(c: StackConfig) {
    let error: unknown;
    const run = await runProgram({
        stack: c.stack, config: c.config, secretKeys: c.secretKeys, now: NOW,
        program: () => {
            try {
                delete require.cache[require.resolve(INDEX)];
                require(INDEX);
            } catch (e) {
                error = e;
            }
        },
    });
    return { run, error };
}

describe("program: settings errors stop index.ts", () => {
    it("rejects with one SettingsError line per problem", async () => {
        await assert.rejects(runProgram({ stack: BAD.stack, config: BAD.config, secretKeys: BAD.secretKeys, now: NOW, program: INDEX }),
            (e: Error) => {
                assert.ok(e instanceof SettingsError, `got ${e}`);
                assert.deepStrictEqual(e.problems.map((p) => p.split(/ = |: /)[0]), [
                    "fork-knife:image.tag", "fork-knife:rotation.jwt.rotatedAt", "fork-knife:backup.schedule",
                    "fork-knife:backend.minReplicas"]);
                assert.match(e.message, /^invalid configuration \(4 problems\)/);
                assert.match(e.message, /fork-knife:rotation\.jwt\.rotatedAt = "2026-12-24": must not be in the future \(today is 2026-11-25\)/);
                return true;
            });
    });

    it("registers nothing but the stack root when settings are invalid", async () => {
        const { run, error } = await runCatching(BAD);
        assert.ok(error instanceof SettingsError);
        assert.deepStrictEqual(run.resources.map((r) => r.type), ["pulumi:pulumi:Stack"]);
    });

    it("registers the stack's resources when settings are valid (the check above can fail)", async () => {
        const good = loadStackConfig({ stack: "staging" });
        const { run, error } = await runCatching(good);
        assert.strictEqual(error, undefined);
        assert.ok(run.resources.some((r) => r.type === "kubernetes:core/v1:Namespace"));
        assert.ok(run.resources.length > 5);
    });

    it("names a plain-text credential without printing it", async () => {
        const leaked = ["sk", "live", "0123456789abcdef"].join("_");
        const c = stagingWith((cfg) => { cfg["fork-knife:stripeSecretKey"] = leaked; }, ["fork-knife:stripeSecretKey"]);
        const { run, error } = await runCatching(c);
        assert.ok(error instanceof SettingsError);
        assert.deepStrictEqual(error.problems.length, 1);
        assert.match(error.problems[0], /^fork-knife:stripeSecretKey: .*pulumi config set --secret stripeSecretKey/);
        assert.ok(!error.message.includes(leaked));
        assert.deepStrictEqual(run.resources.map((r) => r.type), ["pulumi:pulumi:Stack"]);
    });

    it("hides the value of a secure key that is not a credential", async () => {
        const c = stagingWith((cfg) => { cfg["fork-knife:namespace"] = "Team_Secret_Namespace"; });
        c.secretKeys.push("fork-knife:namespace");
        const { error } = await runCatching(c);
        assert.ok(error instanceof SettingsError);
        assert.deepStrictEqual(error.problems, [
            "fork-knife:namespace = [secure value, not shown]: must be a DNS-1123 label: at most 63 lower-case letters, " +
            "digits and '-', starting and ending with a letter or digit"]);
    });
});
