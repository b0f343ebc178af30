// Real servers for end-to-end tests: each on a free loopback port, logging to a file in a scratch directory,
// awaited by a readiness condition (never a fixed sleep), and stopped (TERM, then KILL) by the test that started it.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

export class TimeoutError extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming what was awaited
 * and what was last seen. `probe` may throw: that counts as "not yet", and the last error is reported.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined,
    opts: { timeoutMs: number; intervalMs?: number; lastSeen?: () => string }): Promise<T> {
    const deadline = Date.now() + opts.timeoutMs;
    let last = "";
    for (;;) {
        try {
            const v = await probe();
            if (v !== undefined) return v;
            last = opts.lastSeen ? opts.lastSeen() : "";
        } catch (e) {
            last = (e as Error).message;
        }
        if (Date.now() > deadline) {
            throw new TimeoutError(`timed out after ${opts.timeoutMs / 1000} s waiting for ${what}${last ? `; last seen: ${last}` : ""}`);
        }
        await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
    }
}

export interface Server {
    name: string;
    port: number;
    child: ChildProcess;
    logFile: string;
    /** The last lines of its log, for failure messages. */
    tail(lines?: number): string;
    /** TERM, then KILL after `graceMs`; resolves once it has exited. Safe to call twice. */
    stop(graceMs?: number): Promise<void>;
    exited(): boolean;
}

export interface StartSpec {
    name: string;
    /** Builds the command line for a port: the port is chosen here, and again if it was taken meanwhile. */
    argv: (port: number) => string[];
    env?: Record<string, string>;
    /** Scratch directory for the log. */
    dir: string;
    /** Resolves (any value) once the server serves; polled until `readyTimeoutMs`. */
    ready: (port: number) => Promise<boolean>;
    readyTimeoutMs?: number;
}

export async function startServer(spec: StartSpec): Promise<Server> {
    for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const argv = spec.argv(port);
        const logFile = path.join(spec.dir, `${spec.name}.${attempt}.log`);
        const log = fs.openSync(logFile, "a");
        const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", log, log], env: { ...process.env, ...spec.env }, cwd: spec.dir });
        fs.closeSync(log);
        let exitCode: number | null | undefined;
        const exit = new Promise<void>((resolve) => child.once("exit", (code, signal) => { exitCode = code ?? (signal ? -1 : 0); resolve(); }));
        child.once("error", () => { exitCode = exitCode ?? -2; });
        const tail = (lines = 15) => {
            try { return fs.readFileSync(logFile, "utf8").trim().split("\n").slice(-lines).join("\n"); } catch { return ""; }
        };
        const server: Server = {
            name: spec.name, port, child, logFile, tail,
            exited: () => exitCode !== undefined,
            stop: async (graceMs = 5000) => {
                if (exitCode !== undefined) return;
                child.kill("SIGTERM");
                const timer = setTimeout(() => { if (exitCode === undefined) child.kill("SIGKILL"); }, graceMs);
                await exit;
                clearTimeout(timer);
            },
        };
        try {
            await waitFor(`${spec.name} to serve on 127.0.0.1:${port}`, async () => {
                if (exitCode !== undefined) throw new Error(`${spec.name} exited (${exitCode}): ${tail(5)}`);
                return (await spec.ready(port).catch(() => false)) ? true : undefined;
            }, { timeoutMs: spec.readyTimeoutMs ?? 60_000 });
            return server;
        } catch (e) {
            await server.stop();
            // A port taken between choosing and binding it: choose again.
            if (attempt < 3 && /address already in use|bind:/i.test(tail(30))) continue;
            throw new Error(`${(e as Error).message}\n--- ${spec.name} log (${logFile}) ---\n${tail()}`);
        }
    }
}

/** GET a loopback URL; resolves with status and body (never rejects on HTTP errors). */
export function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: timeoutMs }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c) => { body += c; });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
        req.on("error", reject);
    });
}

export async function httpOk(url: string): Promise<boolean> {
    return (await httpGet(url)).status === 200;
}

/** A small HTTP server on a free loopback port, with the handler the test controls. */
export async function startHttpServer(handler: http.RequestListener): Promise<{ port: number; server: http.Server; close(): Promise<void> }> {
    const server = http.createServer(handler);
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    return {
        port, server,
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections?.();
            server.close(() => resolve());
        }),
    };
}
