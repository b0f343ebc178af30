// Plain Kubernetes YAML (kubectl manifests, Helm output) as the resources the pack evaluates: every
// document of every file, apiVersion/kind mapped to the Pulumi type token the provider would use.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { OfflineResource } from "../offline";

export interface ManifestResource extends OfflineResource {
    /** File the document came from. */
    file: string;
    kind: string;
    /** metadata.name as written (or "<unnamed>"). */
    objectName: string;
}

/** `apps/v1` + Deployment → `kubernetes:apps/v1:Deployment`; core `v1` + Pod → `kubernetes:core/v1:Pod`. */
export function typeToken(apiVersion: string, kind: string): string {
    const groupVersion = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    return `kubernetes:${groupVersion}:${kind}`;
}

export function listFiles(target: string): string[] {
    const stat = fs.statSync(target);
    if (stat.isFile()) return [target];
    return fs.readdirSync(target).sort().flatMap((entry) => {
        const full = path.join(target, entry);
        if (fs.statSync(full).isDirectory()) return listFiles(full);
        return /\.(ya?ml|json)$/i.test(entry) ? [full] : [];
    });
}

/** Every Kubernetes object of a file; `kind: List` is unpacked, non-objects are skipped. */
export function parseManifests(file: string, text?: string): ManifestResource[] {
    return Array.from(eachManifest(file, text));
}

/**
 * The same, one object at a time as the YAML stream is read, so a caller with a limit stops at it instead of
 * parsing a huge file to the end first.
 */
export function* eachManifest(file: string, text = fs.readFileSync(file, "utf8")): Generator<ManifestResource> {
    let index = 0;
    function* objects(doc: unknown): Generator<ManifestResource> {
        if (!doc || typeof doc !== "object" || Array.isArray(doc)) return;
        const obj = doc as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        if (obj.kind === "List" || (typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items))) {
            for (const item of obj.items ?? []) yield* objects(item);
            return;
        }
        if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return;
        const objectName = typeof obj.metadata?.name === "string" ? obj.metadata.name : "<unnamed>";
        const type = typeToken(obj.apiVersion, obj.kind);
        yield { urn: `${file}#${index++}::${type}::${objectName}`, type, name: objectName, props: obj, file, kind: obj.kind, objectName };
    }
    const composer = new YAML.Composer();
    for (const doc of composer.compose(new YAML.Parser().parse(text), true, text.length)) {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message.split("\n")[0]}`);
        yield* objects(doc.toJSON());
    }
}
