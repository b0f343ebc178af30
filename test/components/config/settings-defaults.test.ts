// Three places describe the config contract: the zod schema, Pulumi.yaml's project-level config and the config
// reference in docs/configuration.md. These tests keep the other two from drifting away from the schema.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import { ENVIRONMENTS, SECRET_KEYS, settingsSchema } from "../../../components/config/settings";
import { REPO_ROOT } from "../../../tools/lib/stack-config";

const NOW = new Date("2026-11-25T00:00:00Z");
const project = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
const projectConfig: Record<string, any> = project.config ?? {};

function unwrap(t: z.ZodTypeAny): z.ZodTypeAny {
    while (t instanceof z.ZodDefault || t instanceof z.ZodPrefault || t instanceof z.ZodOptional || t instanceof z.ZodPipe) {
        t = (t instanceof z.ZodPipe ? t.in : t.unwrap()) as z.ZodTypeAny;
    }
    return t;
}

/** Every top-level key and every leaf of the schema: `backup`, `backup.schedule`, `rotation.jwt.rotatedAt`, … */
function keyPaths(t: z.ZodTypeAny, prefix = ""): string[] {
    const inner = unwrap(t);
    if (!(inner instanceof z.ZodObject)) return [prefix];
    const below = Object.entries<z.ZodTypeAny>(inner.shape)
        .flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
    return prefix && !prefix.includes(".") ? [prefix, ...below] : below;
}

/** What the schema fills in for a top-level key that a stack file leaves out (or sets to `{}`). */
function schemaDefault(environment: (typeof ENVIRONMENTS)[number], key: string): unknown {
    const type = settingsSchema(environment, "any", NOW).shape[key as "backup"] as z.ZodTypeAny;
    const whenMissing = type.safeParse(undefined);
    if (whenMissing.success) return whenMissing.data;
    return type.parse({});
}

/** Pulumi.yaml's `value:` or `default:` of a key, or undefined when it only declares it. */
function projectValue(spec: any): unknown {
    if (spec && typeof spec === "object" && !Array.isArray(spec)) return spec.value ?? spec.default;
    return spec;
}

describe("settings defaults: Pulumi.yaml", () => {
    const schemaKeys = Object.keys(settingsSchema("staging", "staging", NOW).shape);

    it("declares only keys the schema knows", () => {
        const unknown = Object.keys(projectConfig).filter((k) => !schemaKeys.includes(k.replace(/^fork-knife:/, "")));
        assert.deepStrictEqual(unknown, []);
    });

    for (const [key, spec] of Object.entries(projectConfig)) {
        const value = projectValue(spec);
        if (value === undefined) continue;
        it(`fork-knife:${key}: its project-level value equals the schema's default in both environments`, () => {
            for (const environment of ENVIRONMENTS) {
                const defaults = schemaDefault(environment, key);
                if (value !== null && typeof value === "object") {
                    // Pulumi.yaml may list a subset of the fields; each one it lists must match.
                    const subset: Record<string, unknown> = Object.fromEntries(Object.keys(value).map((k) => [k, (defaults as Record<string, unknown>)[k]]));
                    assert.deepStrictEqual(value, subset, `${environment}: fork-knife:${key}`);
                } else {
                    assert.deepStrictEqual(value, defaults, `${environment}: fork-knife:${key}`);
                }
            }
        });
    }

    it("sets no project-level value for a default that depends on the environment", () => {
        for (const [key, spec] of Object.entries(projectConfig)) {
            const value = projectValue(spec);
            if (value === undefined) continue;
            const [staging, production] = ENVIRONMENTS.map((e) => schemaDefault(e, key)) as Record<string, unknown>[];
            const fields = value !== null && typeof value === "object" ? Object.keys(value) : [undefined];
            for (const f of fields) {
                const pick = (d: Record<string, unknown>) => (f === undefined ? d : d[f]);
                assert.deepStrictEqual(pick(staging), pick(production), `fork-knife:${key}${f ? `.${f}` : ""}`);
            }
        }
    });

    // The Pulumi CLI refuses to run a stack that does not set a typed project key without a default
    // ("Stack 'staging' is missing configuration value 'namespace'"), even when settings.ts has a default for it.
    it("declares a typed key without default only when every committed stack file sets it", () => {
        const stackFiles = fs.readdirSync(REPO_ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
        assert.ok(stackFiles.length >= 2);
        const missing: string[] = [];
        for (const [key, spec] of Object.entries(projectConfig)) {
            if (!(spec && typeof spec === "object" && "type" in spec) || projectValue(spec) !== undefined) continue;
            for (const file of stackFiles) {
                const config = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, file), "utf8")).config ?? {};
                if (!(`fork-knife:${key}` in config)) missing.push(`${file} does not set fork-knife:${key}`);
            }
        }
        assert.deepStrictEqual(missing, [], "`pulumi preview` would stop: give these keys a default in Pulumi.yaml " +
            "or drop their declaration (settings.ts supplies the default)");
    });
});

describe("settings defaults: the configuration reference (docs/configuration.md)", () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "configuration.md"), "utf8");
    const documented = new Set([...doc.matchAll(/`([A-Za-z0-9.]+)`/g)].map((m) => m[1]));

    it("documents every key of the schema", () => {
        const keys = keyPaths(settingsSchema("production", "production", NOW));
        assert.ok(keys.length > 60, `${keys.length} keys`);
        // worker.resources.* share one row with a list of the four full keys.
        assert.deepStrictEqual(keys.filter((k) => !documented.has(k)), []);
    });

    it("documents every secure value", () => {
        assert.deepStrictEqual(Object.keys(SECRET_KEYS).filter((k) => !documented.has(k)), []);
    });

    it("documents no key the schema does not have", () => {
        const keys = new Set([...keyPaths(settingsSchema("production", "production", NOW)), ...Object.keys(SECRET_KEYS)]);
        const rows = [...doc.matchAll(/^\| `([A-Za-z0-9.]+)`/gm)].map((m) => m[1]);
        assert.ok(rows.length > 50);
        assert.deepStrictEqual(rows.filter((k) => !keys.has(k)), []);
    });
});
