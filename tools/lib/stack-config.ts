// Reads a stack's configuration the way the Pulumi CLI assembles it: project-level values and defaults from
// Pulumi.yaml, overridden key by key by Pulumi.<stack>.yaml. `secure:` values are never decrypted: they
// become placeholders that the program only ever sees as Pulumi secrets.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export interface StackConfig {
    project: string;
    stack: string;
    /** Full keys to Pulumi-encoded strings (objects as JSON), ready for pulumi.runtime.setAllConfig. */
    config: Record<string, string>;
    secretKeys: string[];
    file: string;
}

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export class StackConfigError extends Error {}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function fullKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

export function secretPlaceholder(key: string): string {
    return `[secure value of ${key}, not decrypted]`;
}

function readYaml(file: string): Record<string, any> {
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new StackConfigError(`${file}: ${(e as Error).message.split("\n")[0]}`);
    }
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc)) throw new StackConfigError(`${file}: must be a YAML mapping`);
    return doc as Record<string, any>;
}

/** Project-level config of Pulumi.yaml: `{ value }` and `{ default }` entries and bare values. */
export function projectDefaults(projectFile = path.join(REPO_ROOT, "Pulumi.yaml")): { project: string; values: Record<string, unknown> } {
    const doc = readYaml(projectFile);
    const project = String(doc.name);
    const values: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries<any>(doc.config ?? {})) {
        if (spec && typeof spec === "object" && !Array.isArray(spec)) {
            if ("value" in spec) values[fullKey(project, key)] = spec.value;
            else if ("default" in spec) values[fullKey(project, key)] = spec.default;
        } else {
            values[fullKey(project, key)] = spec;
        }
    }
    return { project, values };
}

export function loadStackConfig(opts: { stack?: string; configFile?: string; projectFile?: string }): StackConfig {
    const { project, values } = projectDefaults(opts.projectFile);
    const file = path.resolve(opts.configFile ?? path.join(REPO_ROOT, `Pulumi.${opts.stack ?? "staging"}.yaml`));
    if (!fs.existsSync(file)) throw new StackConfigError(`${file}: no such stack file`);
    const stack = opts.stack ?? (/Pulumi\.([^.]+)\.ya?ml$/.exec(path.basename(file))?.[1] ?? "dev");
    const doc = readYaml(file);
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) config[k] = encode(v);
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries<any>(doc.config ?? {})) {
        const k = fullKey(project, key);
        if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
            config[k] = secretPlaceholder(k);
            secretKeys.push(k);
        } else {
            config[k] = encode(value);
        }
    }
    return { project, stack, config, secretKeys, file };
}
