// A throwaway PostgreSQL server for the suites that run the backup and restore scripts for real.
// Started once per test process (test/support/global.ts: the serial run, or each parallel worker), on a free
// loopback port, in a temporary directory that is removed afterwards. Password authentication over TCP, so the scripts see what a pod sees.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort } from "./processes";

export interface TestPostgres {
    host: string;
    port: number;
    user: string;
    password: string;
    /** Directory with initdb, pg_ctl, pg_dump, pg_restore, psql of the server's major version. */
    binDir: string;
    dataDir: string;
    /** Environment for libpq clients (PGHOST, PGPORT, PGUSER, PGPASSWORD). */
    env: Record<string, string>;
}

const ENV_KEY = "FORK_KNIFE_TEST_PG";

export function postgresBinDir(): string {
    const root = "/usr/lib/postgresql";
    const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))) : [];
    if (versions.length === 0) throw new Error("PostgreSQL server binaries not found; run `bash tools/test-prereqs.sh` as root");
    versions.sort((a, b) => Number(b) - Number(a));
    return path.join(root, versions[0], "bin");
}

/** initdb refuses to run as root, so as root the server runs as the Debian package's postgres user. */
function asServerUser(args: string[]): string[] {
    return process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...args] : args;
}

function run(argv: string[]): void {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`);
}

export interface PostgresOptions {
    /** max_connections of the server (default 200, the shared server's). A small one lets a test fill it. */
    maxConnections?: number;
    /** Extra `name=value` server settings. */
    settings?: string[];
}

export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
    const binDir = postgresBinDir();
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "fork-knife-pg-"));
    const dataDir = path.join(base, "data");
    const password = `test-${Math.random().toString(36).slice(2)}`;
    const pwFile = path.join(base, "pw");
    fs.writeFileSync(pwFile, password);
    if (process.getuid?.() === 0) execFileSync("chown", ["-R", "postgres:postgres", base]);
    fs.chmodSync(base, 0o755);
    try {
        run(asServerUser([path.join(binDir, "initdb"), "-D", dataDir, "-U", "postgres", "--pwfile", pwFile,
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"]));
        // The port is free when chosen but may be taken before the server binds it (parallel runs): try again.
        for (let attempt = 1; ; attempt++) {
            const port = await freePort();
            try {
                run(asServerUser([path.join(binDir, "pg_ctl"), "-D", dataDir, "-l", path.join(base, "server.log"), "-w", "-t", "60",
                    "-o", `-p ${port} -c listen_addresses=127.0.0.1 -k ${base} -c fsync=off -c max_connections=${options.maxConnections ?? 200}` +
                    (options.settings ?? []).map((x) => ` -c ${x}`).join(""), "start"]));
            } catch (e) {
                if (attempt >= 3) throw e;
                continue;
            }
            const env = { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "postgres", PGPASSWORD: password };
            return { host: "127.0.0.1", port, user: "postgres", password, binDir, dataDir, env };
        }
    } catch (e) {
        fs.rmSync(base, { recursive: true, force: true });
        throw e;
    }
}

export function stopPostgres(pg: TestPostgres): void {
    const argv = asServerUser([path.join(pg.binDir, "pg_ctl"), "-D", pg.dataDir, "-m", "immediate", "stop"]);
    spawnSync(argv[0], argv.slice(1));
    fs.rmSync(path.dirname(pg.dataDir), { recursive: true, force: true });
}

/** The server started for this test run. Throws (never skips) when the global fixture did not start one. */
export function testPostgres(): TestPostgres {
    const text = process.env[ENV_KEY];
    if (!text) throw new Error("no test PostgreSQL: run the suites through `npm test` (test/support/global.ts starts it)");
    return JSON.parse(text) as TestPostgres;
}

export function publishTestPostgres(pg: TestPostgres): void {
    process.env[ENV_KEY] = JSON.stringify(pg);
}

/** Runs SQL through psql against the test server; returns stdout (tuples only, unaligned). */
export function psql(pg: TestPostgres, database: string, sql: string): string {
    const r = spawnSync(path.join(pg.binDir, "psql"), ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
        { env: { ...process.env, ...pg.env }, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim();
}
