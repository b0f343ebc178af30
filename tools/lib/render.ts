// Turns recorded Kubernetes registrations into plain manifests (secrets redacted) and validates each one
// against the Kubernetes (and Prometheus Operator) OpenAPI schemas shipped by kubernetes-models.
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

export interface SchemaProblem {
    urn: string;
    kind: string;
    name: string;
    message: string;
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

// kubernetes-models is ESM-only; under `module: commonjs` TypeScript would turn import() into require().
const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<any>;

function modelModule(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
    return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

/** Validates one manifest; returns the schema problems (none when valid). */
export async function validateManifest(m: Manifest): Promise<SchemaProblem[]> {
    const problem = (message: string) => [{ urn: m.urn, kind: m.kind, name: m.name, message }];
    let model: any;
    try {
        model = (await importEsm(modelModule(m.apiVersion, m.kind)))[m.kind];
    } catch {
        return problem(`no schema for ${m.apiVersion} ${m.kind}: cannot validate`);
    }
    if (typeof model !== "function") return problem(`no schema for ${m.apiVersion} ${m.kind}: cannot validate`);
    try {
        new model(m.body).validate();
        return [];
    } catch (e) {
        return problem((e as Error).message.split("\n").slice(0, 5).join("; "));
    }
}
