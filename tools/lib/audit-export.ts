// Reads a `pulumi stack export` file (deployment version 3), or synth's stack-export.json, into plain
// resource records. Values are only ever taken through the getters below, which stop at a secret:
// ciphertext and `--show-secrets` plaintext are never read, so they cannot reach a report.
import * as fs from "fs";

/** Pulumi's marker for a secret value in state (the engine's `specialSigKey` / `specialSecretSig`). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The input is not a stack export the audit can read; the message is one line, safe to print. */
export class ExportError extends Error {}

export interface StateResource {
    urn: string;
    type: string;
    custom: boolean;
    protect: boolean;
    /** Live state when the export has it (outputs), else what the program declared (inputs). */
    state: Record<string, unknown>;
    /** What the program declared (the resource's inputs), to compare with what is live. */
    inputs: Record<string, unknown>;
}

export interface StackState {
    project?: string;
    stack?: string;
    exportedAt?: string;
    /** The CLI (or tool) that wrote the export: `fork-knife-synth` for synth's declared-only export. */
    writer?: string;
    resources: StateResource[];
}

export function isSecret(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** The value at a path, or undefined when the path is missing or passes through a secret. */
export function at(root: unknown, ...path: (string | number)[]): unknown {
    let v = root;
    for (const key of path) {
        if (v === null || typeof v !== "object" || isSecret(v)) return undefined;
        v = (v as Record<string, unknown>)[key];
    }
    return isSecret(v) ? undefined : v;
}

export const str = (root: unknown, ...path: (string | number)[]): string | undefined => {
    const v = at(root, ...path);
    return typeof v === "string" ? v : undefined;
};

export const num = (root: unknown, ...path: (string | number)[]): number | undefined => {
    const v = at(root, ...path);
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
};

/** A string map (labels, annotations) without its secret entries. */
export function stringMap(root: unknown, ...path: (string | number)[]): Record<string, string> {
    const v = at(root, ...path);
    if (!v || typeof v !== "object" || Array.isArray(v)) return {};
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) if (typeof val === "string") out[k] = val;
    return out;
}

export function list(root: unknown, ...path: (string | number)[]): unknown[] {
    const v = at(root, ...path);
    return Array.isArray(v) ? v : [];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function readExport(file: string): StackState {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new ExportError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? "unreadable"}`);
    }
    return parseExport(text);
}

export function parseExport(text: string): StackState {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        // V8's message quotes the text around the error, which may be a secret: report the position only.
        const position = /position (\d+)/.exec((e as Error).message)?.[1];
        const early = /end of JSON input/.test((e as Error).message) || (position !== undefined && Number(position) >= text.trimEnd().length);
        const where = early ? "it ends early (truncated?)" : `syntax error${position ? ` at character ${position}` : ""}`;
        throw new ExportError(`not valid JSON: ${where}`);
    }
    if (!isObject(doc) || !("deployment" in doc)) {
        throw new ExportError("not a Pulumi stack export: expected {\"version\": 3, \"deployment\": {...}} from `pulumi stack export`");
    }
    if (doc.version !== 3) {
        throw new ExportError(`deployment version ${JSON.stringify(doc.version ?? null)} is not supported: expected 3 (export with a current Pulumi CLI)`);
    }
    const deployment = doc.deployment;
    if (!isObject(deployment)) throw new ExportError("not a Pulumi stack export: \"deployment\" is not an object");
    const raw = deployment.resources ?? [];
    if (!Array.isArray(raw)) throw new ExportError("not a Pulumi stack export: \"deployment.resources\" is not a list");

    const resources = raw.map((r, i): StateResource => {
        if (!isObject(r) || typeof r.urn !== "string" || typeof r.type !== "string") {
            throw new ExportError(`not a Pulumi stack export: resource #${i + 1} has no urn or type`);
        }
        const outputs = isObject(r.outputs) ? r.outputs : undefined;
        const inputs = isObject(r.inputs) ? r.inputs : {};
        return {
            urn: r.urn,
            type: r.type,
            custom: r.custom === true,
            protect: r.protect === true,
            state: outputs && Object.keys(outputs).length > 0 ? outputs : inputs,
            inputs,
        };
    });
    const stackUrn = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? resources[0]?.urn;
    const m = stackUrn ? /^urn:pulumi:([^:]+)::([^:]+)::/.exec(stackUrn) : null;
    const manifest = deployment.manifest;
    return {
        stack: m?.[1],
        project: m?.[2],
        exportedAt: isObject(manifest) && typeof manifest.time === "string" ? manifest.time : undefined,
        writer: isObject(manifest) && typeof manifest.version === "string" ? manifest.version : undefined,
        resources,
    };
}

/** The resource's own name: the last segment of its URN. */
export function urnName(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}
