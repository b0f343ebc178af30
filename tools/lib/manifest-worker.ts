// The manifests' schema validation and YAML rendering, in a worker thread: loading the schemas (about 300 ES
// modules) and rendering took a quarter of a synth on the main thread, and here they overlap the program's run and
// the policies on another core. synth announces each type the program constructs (the worker loads that kind's
// schema while the program goes on), then hands over the manifests. One worker per process, started on first use;
// it keeps the process alive only while a request is open.
import * as path from "path";
import { isMainThread, parentPort, Worker, workerData } from "worker_threads";
import * as YAML from "yaml";
import type { Manifest } from "./render";
import { kindOfType, loadSchema, SchemaProblem, validateManifest } from "./schema";

const ROLE = "fork-knife-manifest-worker";
/** The compile cache the worker boots through (its TypeScript and its code cache). */
const TS_CACHE = path.join(__dirname, "..", "ts-cache.js");

/** What the worker makes of a list of manifests. */
export interface RenderedManifests {
    /** Schema problems, in the manifests' order (none when all are valid). */
    problems: SchemaProblem[];
    /** Each manifest's YAML, in the same order. */
    yaml: string[];
}

type Request = { load: { apiVersion: string; kind: string } } | { id: number; render: Manifest[] };
type Reply = { id: number; rendered: RenderedManifests } | { id: number; error: string };

export class ManifestWorker {
    private worker?: Worker;
    private readonly pending = new Map<number, { resolve(r: RenderedManifests): void; reject(e: Error): void }>();
    private readonly requested = new Set<string>();
    private nextId = 0;

    /** Starts the worker now, so that it is up by the time the program constructs its first object. */
    start(): this {
        this.worker ??= this.spawn();
        return this;
    }

    /** Starts loading the schema of a Pulumi type; a no-op for a type asked before or not an API object. */
    prefetch(type: string): void {
        const kind = kindOfType(type);
        if (!kind || this.requested.has(type)) return;
        this.requested.add(type);
        this.send({ load: kind });
    }

    /** Validates and renders the manifests. */
    render(manifests: Manifest[]): Promise<RenderedManifests> {
        const id = this.nextId++;
        const done = new Promise<RenderedManifests>((resolve, reject) => this.pending.set(id, { resolve, reject }));
        this.send({ id, render: manifests });
        this.worker?.ref();
        return done;
    }

    private send(request: Request): void {
        this.start().worker!.postMessage(request);
    }

    private spawn(): Worker {
        // The worker compiles TypeScript through the same cache as this process (tools/ts-cache.js).
        const boot = `require(${JSON.stringify(TS_CACHE)}); require(${JSON.stringify(__filename)});`;
        const worker = new Worker(boot, { eval: true, workerData: { role: ROLE } });
        worker.on("message", (reply: Reply) => {
            const waiting = this.pending.get(reply.id);
            this.pending.delete(reply.id);
            if (this.pending.size === 0) worker.unref();
            if ("error" in reply) waiting?.reject(new Error(`manifest worker: ${reply.error}`));
            else waiting?.resolve(reply.rendered);
        });
        const fail = (e: Error) => {
            // The next request starts a new worker; whoever waits on this one learns why it stopped.
            if (this.worker === worker) this.worker = undefined;
            this.requested.clear();
            for (const waiting of this.pending.values()) waiting.reject(e);
            this.pending.clear();
        };
        worker.on("error", (e) => fail(new Error(`manifest worker stopped: ${e.message}`)));
        worker.on("exit", (code) => fail(new Error(`manifest worker stopped (exit code ${code}) before answering`)));
        // After the listeners: adding a message listener refs the worker again.
        worker.unref();
        return worker;
    }
}

let shared: ManifestWorker | undefined;

/** The process's manifest worker. */
export function manifestWorker(): ManifestWorker {
    return (shared ??= new ManifestWorker());
}

async function renderManifests(manifests: Manifest[]): Promise<RenderedManifests> {
    const problems = (await Promise.all(manifests.map(validateManifest))).flat();
    return { problems, yaml: manifests.map((m) => YAML.stringify(m.body, { lineWidth: 0 })) };
}

if (!isMainThread && parentPort && workerData?.role === ROLE) {
    const port = parentPort;
    // Loaded already by the boot line; its exit handler does not run in a worker, so the worker writes its own.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { writeCodeCache } = require(TS_CACHE) as { writeCodeCache(): void };
    port.on("message", (request: Request) => {
        if ("load" in request) {
            void loadSchema(request.load.apiVersion, request.load.kind);
            return;
        }
        renderManifests(request.render).then(
            (rendered) => port.postMessage({ id: request.id, rendered } satisfies Reply),
            (e) => port.postMessage({ id: request.id, error: e instanceof Error ? e.message : String(e) } satisfies Reply),
        ).finally(writeCodeCache);
    });
}
