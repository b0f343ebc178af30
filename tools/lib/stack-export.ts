// The shape `pulumi stack export` produces (deployment version 3), built from a mocked run, so the audit
// tool reads synth's output and a real stack's export alike. Secret values become ciphertext placeholders,
// exactly where the engine would put ciphertext.
import { isSecretValue, ProgramRun, SECRET_SIG, SECRET_SIG_KEY } from "./program";

export interface ExportedResource {
    urn: string;
    custom: boolean;
    id?: string;
    type: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    parent?: string;
    dependencies?: string[];
    protect?: boolean;
    provider?: string;
}

export interface StackExport {
    version: 3;
    deployment: {
        manifest: { time: string; magic: string; version: string };
        secrets_providers: { type: string; state?: unknown };
        resources: ExportedResource[];
    };
}

function encryptSecrets(value: unknown): unknown {
    if (isSecretValue(value)) return { [SECRET_SIG_KEY]: SECRET_SIG, ciphertext: "[not encrypted: synth never sees secret values]" };
    if (Array.isArray(value)) return value.map(encryptSecrets);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encryptSecrets(v)]));
    }
    return value;
}

export function toStackExport(run: ProgramRun, time: Date): StackExport {
    const resources = run.resources.map((r): ExportedResource => {
        const outputs = r.custom ? { ...r.inputs, ...r.outputs } : r.outputs;
        return {
            urn: r.urn,
            custom: r.custom,
            ...(r.custom ? { id: String((outputs as any)?.metadata?.name ?? `${r.name}-id`) } : {}),
            type: r.type,
            inputs: encryptSecrets(r.custom ? r.inputs : {}) as Record<string, unknown>,
            outputs: encryptSecrets(outputs) as Record<string, unknown>,
            ...(r.parent ? { parent: r.parent } : {}),
            ...(r.dependencies.length ? { dependencies: r.dependencies } : {}),
            ...(r.protect ? { protect: true } : {}),
            ...(r.provider ? { provider: r.provider } : {}),
        };
    });
    return {
        version: 3,
        deployment: {
            manifest: { time: time.toISOString(), magic: "", version: "fork-knife-synth" },
            secrets_providers: { type: "passphrase" },
            resources,
        },
    };
}
