// An independent reading of what an S3 request needs and whether an IAM policy grants it, for the tests that check
// the rendered bucket policies against the requests the scripts really send. Written from AWS's documentation, not
// from components/data/bucket-policy.ts:
// - "Actions, resources, and condition keys for Amazon S3" and "Required permissions for Amazon S3 API operations":
//   which action (and which resource ARN, which condition keys) each REST call is authorised as;
// - "Policy evaluation logic": an explicit Deny wins, then an Allow, else the implicit deny; a condition whose key is
//   absent from the request does not match (StringLike); `*` and `?` in actions and ARNs match any characters,
//   `/` included.
// Anything it does not know (another HTTP shape, another condition operator) is an error, never a silent allow.
import * as http from "http";

/** One S3 REST request as the server saw it (path-style addressing). */
export interface S3Request {
    method: string;
    /** The raw path: /bucket or /bucket/key, still URL-encoded. */
    path: string;
    query: URLSearchParams;
    copySource?: string;
    /** Whether it carried an integrity header (Content-MD5 or x-amz-checksum-*): object lock requires one on uploads. */
    integrityHeader: boolean;
    /** The request body, kept for the multi-object delete (POST ?delete) only. */
    body?: string;
}

/** What one request is authorised as: an action on a resource, with the request's condition keys. */
export interface Authorisation {
    action: string;
    resource: string;
    context: Record<string, string>;
}

const decodeKey = (s: string) => decodeURIComponent(s.replace(/\+/g, "%20"));

/** The authorisations one request needs (a multi-object delete needs one per key). Throws on an unknown shape. */
export function authorisations(r: S3Request): Authorisation[] {
    const [, bucket, ...rest] = r.path.split("?")[0].split("/");
    const key = rest.length > 0 ? rest.map(decodeKey).join("/") : "";
    const q = r.query;
    const unknown = () => { throw new Error(`unmapped S3 request: ${r.method} ${r.path}?${q.toString()}`); };
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const objectArn = (k: string) => `arn:aws:s3:::${bucket}/${k}`;
    const on = (action: string, resource: string, context: Record<string, string> = {}): Authorisation => ({ action, resource, context });
    if (!key) {
        const subresources = [...q.keys()].filter((k) => !["prefix", "delimiter", "max-keys", "list-type", "continuation-token",
            "start-after", "encoding-type", "marker", "fetch-owner", "x-id"].includes(k));
        switch (r.method) {
            case "GET":
                if (subresources.length === 0) return [on("s3:ListBucket", bucketArn, q.has("prefix") ? { "s3:prefix": q.get("prefix")! } : {})];
                if (subresources.length === 1 && subresources[0] === "versions") return [on("s3:ListBucketVersions", bucketArn, q.has("prefix") ? { "s3:prefix": q.get("prefix")! } : {})];
                if (subresources.length === 1 && subresources[0] === "uploads") return [on("s3:ListBucketMultipartUploads", bucketArn)];
                if (subresources.length === 1 && subresources[0] === "location") return [on("s3:GetBucketLocation", bucketArn)];
                return unknown();
            case "HEAD": return subresources.length === 0 ? [on("s3:ListBucket", bucketArn)] : unknown(); // HeadBucket
            case "PUT": return subresources.length === 0 ? [on("s3:CreateBucket", bucketArn)] : unknown();
            case "DELETE": return subresources.length === 0 ? [on("s3:DeleteBucket", bucketArn)] : unknown();
            case "POST": {
                if (subresources.length !== 1 || subresources[0] !== "delete" || r.body === undefined) return unknown();
                // DeleteObjects: authorised per key as DeleteObject (DeleteObjectVersion with a VersionId).
                const objects = [...r.body.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((m) => m[1]);
                if (objects.length === 0) throw new Error(`DeleteObjects without <Object>: ${r.body.slice(0, 200)}`);
                return objects.map((o) => {
                    const k = /<Key>([\s\S]*?)<\/Key>/.exec(o)![1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&apos;/g, "'").replace(/&amp;/g, "&");
                    return on(/<VersionId>/.test(o) ? "s3:DeleteObjectVersion" : "s3:DeleteObject", objectArn(k));
                });
            }
            default: return unknown();
        }
    }
    const sub = [...q.keys()].filter((k) => !["x-id", "partNumber"].includes(k));
    const only = (...names: string[]) => sub.length === names.length && names.every((n) => sub.includes(n));
    switch (r.method) {
        case "GET":
        case "HEAD":
            if (only()) return [on("s3:GetObject", objectArn(key))];
            if (only("versionId")) return [on("s3:GetObjectVersion", objectArn(key))];
            if (r.method === "GET" && only("uploadId")) return [on("s3:ListMultipartUploadParts", objectArn(key))];
            return unknown();
        case "PUT":
            if (only() || only("uploadId")) {
                const put = on("s3:PutObject", objectArn(key));
                if (!r.copySource) return [put];
                // CopyObject / UploadPartCopy: write the target, read the source.
                const source = decodeKey(r.copySource.replace(/^\//, "").split("?")[0]);
                return [put, on("s3:GetObject", `arn:aws:s3:::${source}`)];
            }
            return unknown();
        case "POST":
            if (only("uploads") || only("uploadId")) return [on("s3:PutObject", objectArn(key))];
            return unknown();
        case "DELETE":
            if (only()) return [on("s3:DeleteObject", objectArn(key))];
            if (only("versionId")) return [on("s3:DeleteObjectVersion", objectArn(key))];
            if (only("uploadId")) return [on("s3:AbortMultipartUpload", objectArn(key))];
            return unknown();
        default:
            return unknown();
    }
}

type Statement = {
    Effect: "Allow" | "Deny"; Action?: string | string[]; NotAction?: string | string[];
    Resource?: string | string[]; NotResource?: string | string[]; Condition?: Record<string, Record<string, string | string[]>>;
};

/** IAM's wildcard match: `*` any run of characters (slashes too), `?` one character. */
export function wildcard(pattern: string, value: string, caseInsensitive = false): boolean {
    const re = new RegExp(`^${pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("")}$`,
        caseInsensitive ? "is" : "s");
    return re.test(value);
}

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : ([] as string[]).concat(v));

function conditionHolds(condition: Statement["Condition"], context: Record<string, string>): boolean {
    for (const [operator, keys] of Object.entries(condition ?? {})) {
        if (operator !== "StringLike" && operator !== "StringEquals") throw new Error(`condition operator ${operator} is not modelled`);
        for (const [key, wanted] of Object.entries(keys)) {
            const value = context[key];
            if (value === undefined) return false;
            if (!list(wanted)!.some((w) => (operator === "StringLike" ? wildcard(w, value) : w === value))) return false;
        }
    }
    return true;
}

function applies(s: Statement, a: Authorisation): boolean {
    const actions = list(s.Action);
    const notActions = list(s.NotAction);
    const actionMatches = actions ? actions.some((p) => wildcard(p, a.action, true)) : !notActions!.some((p) => wildcard(p, a.action, true));
    if (!actionMatches) return false;
    const resources = list(s.Resource);
    const notResources = list(s.NotResource);
    const resourceMatches = resources ? resources.some((p) => wildcard(p, a.resource)) : !notResources!.some((p) => wildcard(p, a.resource));
    return resourceMatches && conditionHolds(s.Condition, a.context);
}

export type Decision = "allow" | "explicit-deny" | "implicit-deny";

/** The decision of one identity policy alone for one authorisation. */
export function evaluate(policy: Record<string, unknown>, a: Authorisation): Decision {
    const statements = policy.Statement as Statement[];
    if (statements.some((s) => s.Effect === "Deny" && applies(s, a))) return "explicit-deny";
    return statements.some((s) => s.Effect === "Allow" && applies(s, a)) ? "allow" : "implicit-deny";
}

/** A proxy in front of an S3 server that records every request (with its body for multi-object deletes). */
export interface RecordingProxy {
    endpoint: string;
    requests: S3Request[];
    close(): Promise<void>;
}

export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
    const target = new URL(upstream);
    const requests: S3Request[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
            const body = Buffer.concat(chunks);
            const url = new URL(req.url!, "http://proxy");
            const integrityHeader = req.headers["content-md5"] !== undefined || Object.keys(req.headers).some((h) => h.startsWith("x-amz-checksum-"));
            const recorded: S3Request = { method: req.method!, path: url.pathname, query: url.searchParams, integrityHeader };
            if (req.headers["x-amz-copy-source"]) recorded.copySource = String(req.headers["x-amz-copy-source"]);
            if (req.method === "POST" && url.searchParams.has("delete")) recorded.body = body.toString("utf8");
            requests.push(recorded);
            // Headers (Host included) pass unchanged, so the client's signature still verifies upstream.
            const forward = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
            });
            forward.on("error", (e) => { res.writeHead(502); res.end(String(e)); });
            forward.end(body);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    return {
        endpoint: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise<void>((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
    };
}
