// Turns recorded Kubernetes registrations into plain manifests (secrets redacted); schema.ts validates them.
import { RecordedResource, redactSecrets } from "./program";

export const REDACTED = "[secret]";
const REDACTED_BASE64 = Buffer.from(REDACTED).toString("base64");

export interface Manifest {
    urn: string;
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
    body: Record<string, any>;
}

/** The Kubernetes object as it would reach the API server, with every secret value replaced. */
export function toManifest(r: RecordedResource): Manifest {
    const body = redactSecrets(r.inputs, REDACTED) as Record<string, any>;
    const outMeta = (r.outputs.metadata ?? {}) as Record<string, any>;
    // Auto-named resources get their name from the provider; take it from the outputs.
    body.metadata = { ...(body.metadata ?? {}), name: body.metadata?.name ?? outMeta.name };
    if (body.kind === "Secret" && body.data && typeof body.data === "object") {
        // `data` must stay base64 to be schema-valid; the placeholder is base64 of "[secret]".
        body.data = Object.fromEntries(Object.keys(body.data).map((k) => [k, REDACTED_BASE64]));
    }
    return {
        urn: r.urn,
        apiVersion: String(body.apiVersion),
        kind: String(body.kind),
        name: String(body.metadata.name),
        namespace: body.metadata.namespace,
        body,
    };
}

export function isKubernetesObject(r: RecordedResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm") && !r.type.includes(":providers:");
}
