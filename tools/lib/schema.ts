// Validates manifests against the Kubernetes (and Prometheus Operator) OpenAPI schemas shipped by kubernetes-models.
// Free of the Pulumi SDK on purpose: synth runs it in a worker thread (manifest-worker.ts) beside the program.
import type { Manifest } from "./render";

export interface SchemaProblem {
    urn: string;
    kind: string;
    name: string;
    message: string;
}

// kubernetes-models is ESM-only; under `module: commonjs` TypeScript would turn import() into require().
const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<any>;

function modelModule(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
    return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

/**
 * The apiVersion and kind a Pulumi Kubernetes type token registers (`kubernetes:apps/v1:Deployment`), or undefined
 * for a token that is no object of the API (providers, Helm charts, YAML groups).
 */
export function kindOfType(type: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^:/]+)\/([^:/]+):([A-Z]\w*)$/.exec(type);
    if (!m || m[1] === "helm.sh" || m[1] === "yaml") return undefined;
    return { apiVersion: m[1] === "core" ? m[2] : `${m[1]}/${m[2]}`, kind: m[3] };
}

/** Loads the schema of one kind ahead of the manifests that need it; a kind with no schema is reported by validateManifest. */
export async function loadSchema(apiVersion: string, kind: string): Promise<void> {
    await importEsm(modelModule(apiVersion, kind)).catch(() => undefined);
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
