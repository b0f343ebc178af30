// The files the Pulumi CLI reads before it runs anything: Pulumi.yaml against the CLI's own project schema
// (a copy, see SOURCE.md), the stack files' values against the types Pulumi.yaml declares, and PulumiPolicy.yaml
// against the fields the CLI knows for a policy pack. A file the real CLI would refuse fails here first.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import * as YAML from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, "pulumi-project.schema.json"), "utf8"));
const STACKS = ["staging", "production"] as const;

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateProject = ajv.compile(SCHEMA);

/** The runtime field as the project schema declares it, reused for the policy pack (the CLI shares the Go type). */
const validatePolicyPack = ajv.compile({
    type: "object",
    required: ["runtime"],
    properties: {
        runtime: SCHEMA.properties.runtime,
        version: { type: "string" }, main: { type: "string" },
        description: { type: ["string", "null"] }, author: { type: ["string", "null"] },
        website: { type: ["string", "null"] }, license: { type: ["string", "null"] },
    },
    additionalProperties: false,
});

function read(file: string): any {
    return YAML.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
}

function schemaProblems(validate: typeof validateProject, doc: unknown): string[] {
    return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

/** The schema, plus the CLI's check it cannot express: an array declaration names its items' type. */
function projectProblems(doc: any): string[] {
    const problems = schemaProblems(validateProject, doc);
    for (const [key, d] of Object.entries<any>(doc?.config ?? {})) {
        if (d && typeof d === "object" && d.type === "array" && !d.items) {
            problems.push(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
        }
    }
    return problems;
}

interface Declaration { type?: string; items?: Declaration; default?: unknown; value?: unknown; secret?: boolean }

/** Whether a value has a declared config type, as the CLI's type check reads it (items recursively). */
function hasType(value: unknown, d: Declaration): boolean {
    switch (d.type) {
        case "string": return typeof value === "string";
        case "integer": return typeof value === "number" && Number.isInteger(value);
        case "boolean": return typeof value === "boolean";
        case "array": return Array.isArray(value) && (!d.items || value.every((v) => hasType(v, d.items!)));
        default: return true; // no type declared: any value
    }
}

const isSecure = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;

/** What the CLI refuses in a stack file given the project: wrong types, missing required keys, unknown top-level fields. */
function stackProblems(project: any, stackName: string, stack: any): string[] {
    const problems: string[] = [];
    const known = ["secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment"];
    for (const k of Object.keys(stack ?? {})) if (!known.includes(k)) problems.push(`unknown top-level field ${k}`);
    const values: Record<string, unknown> = {};
    for (const [key, v] of Object.entries<unknown>(stack?.config ?? {})) {
        const [ns, name, ...rest] = key.split(":");
        if (rest.length > 0 || !name) { problems.push(`${key}: a config key is <namespace>:<name>`); continue; }
        if (ns === project.name) values[name] = v;
    }
    for (const [key, raw] of Object.entries<unknown>(project.config ?? {})) {
        if (typeof raw !== "object" || raw === null || Array.isArray(raw)) continue;
        const d = raw as Declaration;
        if (d.type && d.default !== undefined && !hasType(d.default, d)) problems.push(`Pulumi.yaml ${key}: default is not of type ${d.type}`);
        if (d.type && d.value !== undefined && !hasType(d.value, d)) problems.push(`Pulumi.yaml ${key}: value is not of type ${d.type}`);
        if (!(key in values)) {
            if (d.type && d.default === undefined && d.value === undefined) problems.push(`Stack '${stackName}' is missing configuration value '${key}'`);
            continue;
        }
        const v = values[key];
        // A secure value is an encrypted string; the CLI types it once decrypted, which needs the stack's key.
        if (isSecure(v)) continue;
        if (!hasType(v, d)) problems.push(`Stack '${stackName}' with configuration key '${key}' must be of type '${d.type}'`);
    }
    return problems;
}

describe("project files the Pulumi CLI accepts", () => {
    it("Pulumi.yaml passes the CLI's project schema", () => {
        assert.deepEqual(projectProblems(read("Pulumi.yaml")), []);
    });

    for (const stack of STACKS) {
        it(`Pulumi.${stack}.yaml: every value has its declared type, every required key is set`, () => {
            assert.deepEqual(stackProblems(read("Pulumi.yaml"), stack, read(`Pulumi.${stack}.yaml`)), []);
        });
    }

    it("policies/PulumiPolicy.yaml has a runtime and only the fields the CLI knows for a policy pack", () => {
        assert.deepEqual(schemaProblems(validatePolicyPack, read("policies/PulumiPolicy.yaml")), []);
    });

    describe("the checks refuse what the CLI refuses", () => {
        const project = () => structuredClone(read("Pulumi.yaml"));
        const refusedProjects: [string, (p: any) => void, RegExp][] = [
            ["a misspelt field in a config declaration", (p) => { p.config.logLevel.defualt = "info"; }, /must NOT have additional properties|must match exactly one schema/],
            ["type: number (not a config type)", (p) => { p.config.logLevel.type = "number"; }, /must be equal to one of the allowed values|must match exactly one schema/],
            ["an array declared without items", (p) => { p.config.zones = { type: "array" }; }, /declares an array but does not specify the underlying type via the 'items' attribute/],
            ["no runtime", (p) => { delete p.runtime; }, /must have required property 'runtime'/],
            ["an empty name", (p) => { p.name = ""; }, /must NOT have fewer than 1 characters/],
            ["a runtime object with an unknown field", (p) => { p.runtime.typescript = true; }, /must NOT have additional properties|must match exactly one schema/],
        ];
        for (const [what, change, message] of refusedProjects) {
            it(`Pulumi.yaml with ${what}`, () => {
                const p = project();
                change(p);
                const problems = projectProblems(p);
                assert.ok(problems.some((m) => message.test(m)), problems.join("\n") || "accepted");
            });
        }
        it("accepts the forms the schema allows: a bare value, an array with items, a secret declaration", () => {
            const p = project();
            p.config.region = "eu-central-1";
            p.config.zones = { type: "array", items: { type: "string" }, default: ["a", "b"] };
            p.config.apiKey = { type: "string", secret: true };
            assert.deepEqual(projectProblems(p), []);
        });

        const refusedStacks: [string, (p: any, s: any) => void, RegExp][] = [
            ["a number where a string is declared", (_p, s) => { s.config["fork-knife:environment"] = 3; }, /with configuration key 'environment' must be of type 'string'/],
            ["a required key left out", (_p, s) => { delete s.config["fork-knife:environment"]; }, /Stack 'staging' is missing configuration value 'environment'/],
            ["an integer declaration given 2.5", (p, s) => { p.config.replicas = { type: "integer" }; s.config["fork-knife:replicas"] = 2.5; }, /'replicas' must be of type 'integer'/],
            ["an array of strings given a number in it", (p, s) => { p.config.zones = { type: "array", items: { type: "string" } }; s.config["fork-knife:zones"] = ["a", 1]; }, /'zones' must be of type 'array'/],
            ["a default of the wrong type", (p) => { p.config.logLevel.default = 3; }, /Pulumi.yaml logLevel: default is not of type string/],
            ["a key with two colons", (_p, s) => { s.config["fork-knife:a:b"] = "x"; }, /a config key is <namespace>:<name>/],
            ["an unknown top-level field", (_p, s) => { s.configs = {}; }, /unknown top-level field configs/],
        ];
        for (const [what, change, message] of refusedStacks) {
            it(`a stack file with ${what}`, () => {
                const p = project();
                const s = structuredClone(read("Pulumi.staging.yaml"));
                change(p, s);
                const problems = stackProblems(p, "staging", s);
                assert.ok(problems.some((m) => message.test(m)), problems.join("\n") || "accepted");
            });
        }
        it("a secure value passes for a declared string (its type is checked once decrypted)", () => {
            const p = project();
            const s = structuredClone(read("Pulumi.staging.yaml"));
            s.config["fork-knife:logLevel"] = { secure: "v1:abc" };
            assert.deepEqual(stackProblems(p, "staging", s), []);
        });

        it("PulumiPolicy.yaml without a runtime, or with an unknown field, is refused", () => {
            assert.ok(schemaProblems(validatePolicyPack, { description: "x" }).some((m) => /required property 'runtime'/.test(m)));
            assert.ok(schemaProblems(validatePolicyPack, { runtime: "nodejs", enforcementLevel: "mandatory" }).some((m) => /additional properties/.test(m)));
        });
    });
});
