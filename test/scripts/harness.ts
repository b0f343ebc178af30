// Runs the backup scripts for real against the test PostgreSQL, and looks at what they leave behind.
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { psql, TestPostgres } from "../support/postgres";

export const SCRIPTS = path.resolve(__dirname, "../../scripts");

export interface ScriptResult { code: number | null; stdout: string; stderr: string }

/** Starts a script; `done` resolves when it exits. The child is returned so a test can kill it. */
export function startScript(pg: TestPostgres, script: string, env: Record<string, string>, args: string[] = []):
    { child: ChildProcess; done: Promise<ScriptResult> } {
    const child = spawn("bash", [path.join(SCRIPTS, script), ...args], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), ...pg.env, PG_BIN: pg.binDir, ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const done = new Promise<ScriptResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
    return { child, done };
}

export function runScript(pg: TestPostgres, script: string, env: Record<string, string>, args: string[] = []): Promise<ScriptResult> {
    return startScript(pg, script, env, args).done;
}

/** The lines a failed run prints as its verdict. */
export function failedLines(r: ScriptResult): string[] {
    return r.stderr.split("\n").filter((l) => l.includes("FAILED:"));
}

export function uniqueName(prefix: string): string {
    return `${prefix}_${crypto.randomBytes(4).toString("hex")}`;
}

const tempDirs: string[] = [];
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fk-${prefix}-`));
    tempDirs.push(dir);
    return dir;
}
export function removeTempDirs(): void {
    for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A small application database: Prisma's bookkeeping plus tables of assorted types, NULLs and a FK. */
export function createAppDatabase(pg: TestPostgres, db: string, users = 500): void {
    psql(pg, "postgres", `CREATE DATABASE "${db}"`);
    psql(pg, db, `
        CREATE TABLE _prisma_migrations (id text PRIMARY KEY, migration_name text NOT NULL, finished_at timestamptz);
        INSERT INTO _prisma_migrations VALUES ('a1', '20240101_init', now()), ('a2', '20240201_orders', now());
        CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, profile jsonb, avatar bytea, created_at timestamptz DEFAULT now());
        INSERT INTO users (email, profile, avatar)
            SELECT 'user' || g || '@example.test', CASE WHEN g % 7 = 0 THEN NULL ELSE jsonb_build_object('n', g, 'tags', ARRAY['a', 'b']) END,
                   decode(md5(g::text), 'hex') FROM generate_series(1, ${users}) g;
        CREATE TABLE orders (id bigserial PRIMARY KEY, user_id int REFERENCES users(id), total numeric(12,2), note text);
        INSERT INTO orders (user_id, total, note) SELECT 1 + g % ${users}, g * 1.25, repeat('x', g % 40) FROM generate_series(1, ${users * 3}) g;
        CREATE INDEX orders_user ON orders (user_id);
        CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;`);
}

/** An application database whose restore stalls inside restore-test.sh's scratch database: a CHECK calls a function
 *  that sleeps only in databases named restore_test_*, so creating and dumping it stay quick, and a test can
 *  interrupt the restore at a known point instead of racing it. */
export function createStallingDatabase(pg: TestPostgres, db: string): void {
    createAppDatabase(pg, db, 50);
    psql(pg, db, `
        CREATE FUNCTION public.stall() RETURNS boolean LANGUAGE plpgsql AS $$
            BEGIN IF current_database() LIKE 'restore\\_test\\_%' THEN PERFORM pg_sleep(600); END IF; RETURN true; END $$;
        CREATE TABLE stalled (id int CHECK (public.stall()));
        INSERT INTO stalled VALUES (1);`);
}

/** The scratch database a restore-test.sh run is restoring into, once its restore is stalled (see above). */
export function stalledScratch(pg: TestPostgres): string {
    return psql(pg, "postgres", "SELECT datname FROM pg_stat_activity WHERE datname LIKE 'restore\\_test\\_%' AND wait_event = 'PgSleep' LIMIT 1");
}

/** Per-table row count and a checksum of every row's content: equal fingerprints mean equal data. */
export function fingerprint(pg: TestPostgres, db: string): Record<string, string> {
    const tables = psql(pg, db, "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").split("\n").filter(Boolean);
    const out: Record<string, string> = {};
    for (const t of tables) {
        out[t] = psql(pg, db, `SELECT count(*) || ':' || coalesce(md5(string_agg(r::text, '|' ORDER BY r::text)), '-') FROM ${t} r`);
    }
    return out;
}

export function dropDatabase(pg: TestPostgres, db: string): void {
    psql(pg, "postgres", `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
}

export function databaseExists(pg: TestPostgres, db: string): boolean {
    return psql(pg, "postgres", `SELECT count(*) FROM pg_database WHERE datname = '${db}'`) === "1";
}

export function sha256(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

export function readManifest(dir: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.join(dir, "latest.json"), "utf8"));
}

/** Everything in a backup directory with a checksum of each file, to prove a failed run changed nothing. */
export function snapshotDir(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of fs.readdirSync(dir)) {
        const p = path.join(dir, name);
        if (name === ".backup.lock") continue;
        out[name] = fs.statSync(p).isDirectory() ? "dir" : sha256(p);
    }
    return out;
}

/** A PG_BIN with the real client tools, where pg_dump can be replaced by a wrapper script. */
export function shimBin(pg: TestPostgres, pgDumpScript?: string): string {
    const dir = tempDir("bin");
    for (const tool of ["psql", "pg_dump", "pg_restore"]) fs.symlinkSync(path.join(pg.binDir, tool), path.join(dir, tool));
    if (pgDumpScript) {
        fs.unlinkSync(path.join(dir, "pg_dump"));
        fs.writeFileSync(path.join(dir, "pg_dump"), `#!/usr/bin/env bash\nREAL=${path.join(pg.binDir, "pg_dump")}\n${pgDumpScript}\n`, { mode: 0o755 });
    }
    return dir;
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 30000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!check()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

/** Holds an ACCESS EXCLUSIVE lock on a table from a separate session, so pg_dump blocks mid-dump. */
export async function lockTable(pg: TestPostgres, db: string, table: string): Promise<() => Promise<void>> {
    const app = `locker_${process.pid}_${Date.now()}`;
    const child = spawn(path.join(pg.binDir, "psql"), ["-X", "-q", "-d", db, "-c", `BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600);`],
        { env: { ...process.env, ...pg.env, PGAPPNAME: app }, stdio: "ignore" });
    await waitFor("the table lock", () => psql(pg, "postgres",
        `SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '${app}' AND l.mode = 'AccessExclusiveLock' AND l.granted`) !== "0");
    return async () => {
        psql(pg, "postgres", `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${app}'`);
        await new Promise((r) => (child.exitCode !== null ? r(null) : child.on("close", r)));
    };
}

export function dumpWaiting(pg: TestPostgres, db: string): boolean {
    return psql(pg, "postgres", `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND application_name = 'pg_dump' AND wait_event_type = 'Lock'`) !== "0";
}

/** A local S3-compatible server (s3rver, in this process) with one bucket, and the rclone environment that
 *  reaches it the way the pod's does (the component's own RCLONE_CONFIG_* mapping). Callers must never block the
 *  event loop (no spawnSync of rclone) while it serves, or both sides wait for each other. */
export interface TestS3 {
    endpoint: string;
    bucket: string;
    /** rclone's environment for the "backup" remote, plus what is given. */
    env(extra?: Record<string, string>): Record<string, string>;
    /** Runs rclone against the server; resolves with stdout, rejects with stderr. */
    rclone(args: string[], input?: Buffer): Promise<Buffer>;
    close(): Promise<void>;
}

export async function startS3(bucket = "backups"): Promise<TestS3> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const S3rver = require("s3rver");
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { rcloneEnv } = require("../../components/data/backup-storage");
    const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: tempDir("s3"), configureBuckets: [{ name: bucket }] });
    const address: { port: number } = await server.run();
    const endpoint = `http://127.0.0.1:${address.port}`;
    const base: Record<string, string> = Object.fromEntries((rcloneEnv({ endpoint, region: "us-east-1" }) as { name: string; value?: unknown }[])
        .filter((v) => typeof v.value === "string").map((v) => [v.name, v.value as string]));
    // S3RVER/S3RVER are the only keys s3rver accepts.
    const env = (extra: Record<string, string> = {}) => ({
        ...base, RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID: "S3RVER", RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY: "S3RVER", ...extra,
    });
    const rclone = (args: string[], input?: Buffer) => new Promise<Buffer>((resolve, reject) => {
        const child = spawn("rclone", args, { env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...env() } });
        const out: Buffer[] = [];
        let err = "";
        child.stdout.on("data", (d) => out.push(d));
        child.stderr.on("data", (d) => (err += d));
        child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`rclone ${args.join(" ")}: ${err}`))));
        child.stdin.end(input ?? Buffer.alloc(0));
    });
    return { endpoint, bucket, env, rclone, close: () => server.close() };
}
