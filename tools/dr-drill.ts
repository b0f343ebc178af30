// npm run dr:drill — the disaster-recovery procedure, rehearsed locally from nothing but the object store and the
// stack's config: a source PostgreSQL backed up to object storage (s3rver, through the same rclone and scripts the
// CronJob runs), then a second, empty PostgreSQL cluster set up the way `pulumi up` sets up the database (the
// Database component's own role and grant definitions), the newest verified backup restored onto it (falling back
// to the previous verified one when the newest fails its checksum), the restore-test checks run, and the time
// measured against the RTO budget.
//
//   npm run dr:drill [-- --stack staging|production] [--corrupt-newest] [--no-backups]
//
// --corrupt-newest flips a byte in the newest backup before the restore (the fallback path); --no-backups leaves the
// store empty (the failure path: exit 1, one line). Exit 2 for a bad flag.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { grantPlan, ROLE_NAMES, RoleNames } from "../components/data/database-grants";
import { RTO_BUDGET_SECONDS } from "../components/data/recovery-objectives";
import { grantSql, roleSql } from "../test/support/grant-sql";
import { psql, startPostgres, stopPostgres, TestPostgres } from "../test/support/postgres";
import { loadStackConfig } from "./lib/stack-config";

const SCRIPTS = path.resolve(__dirname, "..", "scripts");
const BUCKET = "backups";
const PREFIX = "dr-drill";
const OWN = /^fork-knife-\d{8}T\d{6}Z(-[a-z0-9-]+)?\.(dump|dir)$/;

export interface DrillOptions { stack: string; corruptNewest: boolean; noBackups: boolean }

export function parseArgs(argv: string[]): DrillOptions | string {
    const o: DrillOptions = { stack: "staging", corruptNewest: false, noBackups: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--corrupt-newest") o.corruptNewest = true;
        else if (a === "--no-backups") o.noBackups = true;
        else if (a === "--stack") {
            const v = argv[++i];
            if (v !== "staging" && v !== "production") return `--stack ${v ?? "(missing)"}: must be staging or production`;
            o.stack = v;
        } else return `unknown argument ${a}: allowed --stack staging|production, --corrupt-newest, --no-backups`;
    }
    return o;
}

interface Run { code: number | null; stdout: string; stderr: string }

/** Asynchronous on purpose: s3rver answers from this process, a synchronous child would wait for it forever. */
function run(argv: string[], env: Record<string, string>): Promise<Run> {
    return new Promise((resolve) => {
        const child = spawn(argv[0], argv.slice(1), { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}
const failedLine = (r: Run) => r.stderr.split("\n").filter((l) => l.includes("FAILED:")).pop()?.replace(/^.*FAILED: /, "") ?? `exit ${r.code}`;

/** The database as `pulumi up` leaves it: the Database component's roles, schema owner and grants. */
function setUpLikePulumi(pg: TestPostgres, db: string, password: string, roles: RoleNames = ROLE_NAMES): void {
    psql(pg, "postgres", `CREATE DATABASE "${db}"`);
    for (const s of roleSql(roles, password, { app: 20, reserved: 3 })) psql(pg, "postgres", s);
    psql(pg, db, `REVOKE ALL ON SCHEMA public FROM PUBLIC; ALTER SCHEMA public OWNER TO ${roles.migrator}`);
    for (const s of grantSql(grantPlan(roles), db, "public", roles.migrator)) psql(pg, db, s);
}

function roleEnv(pg: TestPostgres, role: string, password: string, db: string): Record<string, string> {
    return { PGHOST: pg.host, PGPORT: String(pg.port), PGUSER: role, PGPASSWORD: password, PGDATABASE: db, PG_BIN: pg.binDir };
}

/** What the restore-test checks: Prisma's bookkeeping and rows in the application's tables, read as the app role. */
async function checks(pg: TestPostgres, db: string, password: string, tables: string[]): Promise<string[]> {
    const as = (sql: string) => run([path.join(pg.binDir, "psql"), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        roleEnv(pg, ROLE_NAMES.app[0], password, db));
    const problems: string[] = [];
    const prisma = await as("SELECT count(*) FROM public._prisma_migrations");
    if (prisma.code !== 0 || !(Number(prisma.stdout.trim()) > 0)) problems.push(`_prisma_migrations: ${prisma.stderr.trim() || "no rows"}`);
    for (const t of tables) {
        const r = await as(`SELECT EXISTS (SELECT 1 FROM public."${t}")`);
        if (r.code !== 0 || r.stdout.trim() !== "t") problems.push(`${t}: ${r.stderr.trim() || "no rows"}`);
    }
    return problems;
}

export async function drill(o: DrillOptions, say: (line: string) => void): Promise<number> {
    const stack = loadStackConfig({ stack: o.stack });
    const dbSettings = JSON.parse(stack.config["fork-knife:database"] ?? "{}");
    const backupSettings = JSON.parse(stack.config["fork-knife:backup"] ?? "{}");
    const db: string = dbSettings.name ?? "forkknife";
    const rto: number = backupSettings.rtoBudgetSeconds ?? RTO_BUDGET_SECONDS;
    const tables: string[] = (backupSettings.restoreTestTables ?? []).length ? backupSettings.restoreTestTables : ["users"];
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "fk-dr-drill-"));
    const password = `dr-${Math.random().toString(36).slice(2)}`;
    const servers: TestPostgres[] = [];
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const S3rver = require("s3rver");
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { rcloneEnv } = require("../components/data/backup-storage");
    const s3 = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: path.join(scratch, "s3"), configureBuckets: [{ name: BUCKET }] });
    try {
        const address: { port: number } = await s3.run();
        const storeEnv: Record<string, string> = {
            ...Object.fromEntries((rcloneEnv({ endpoint: `http://127.0.0.1:${address.port}`, region: "us-east-1" }) as { name: string; value?: string }[])
                .filter((v) => typeof v.value === "string").map((v) => [v.name, v.value as string])),
            RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID: "S3RVER", RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY: "S3RVER",
            BACKUP_TARGET: `s3://${BUCKET}/${PREFIX}`, LOCK_SETTLE_SECONDS: "1",
        };
        const rclone = (args: string[]) => run(["rclone", ...args], storeEnv);
        const remote = `backup:${BUCKET}/${PREFIX}`;

        // The source: production as it stands, backed up twice by the backup role (yesterday's and today's).
        const source = await startPostgres();
        servers.push(source);
        setUpLikePulumi(source, db, password);
        const migrator = roleEnv(source, ROLE_NAMES.migrator, password, db);
        const seed = await run([path.join(source.binDir, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", `
            CREATE TABLE _prisma_migrations (id text PRIMARY KEY, migration_name text NOT NULL, finished_at timestamptz);
            INSERT INTO _prisma_migrations VALUES ('a1', '20240101_init', now());
            ${tables.map((t) => `CREATE TABLE public."${t}" (id serial PRIMARY KEY, note text); INSERT INTO public."${t}" (note) SELECT 'row ' || g FROM generate_series(1, 200) g;`).join("\n")}`],
            migrator);
        if (seed.code !== 0) throw new Error(`seeding the source failed: ${seed.stderr.trim()}`);
        if (!o.noBackups) {
            for (const day of [1, 0]) {
                const at = new Date(Date.now() - day * 86400_000).toISOString();
                const b = await run(["bash", path.join(SCRIPTS, "backup.sh")], {
                    ...storeEnv, ...roleEnv(source, ROLE_NAMES.backup, password, db), WORK_DIR: path.join(scratch, "work-backup"), BACKUP_NOW: at,
                });
                if (b.code !== 0) throw new Error(`backup on the source failed: ${failedLine(b)}`);
            }
        }
        if (o.corruptNewest) {
            const latest = await rclone(["cat", `${remote}/latest.json`]);
            const file = JSON.parse(latest.stdout).file as string;
            const local = path.join(scratch, "corrupt.dump");
            await rclone(["copyto", `${remote}/${file}`, local]);
            const bytes = fs.readFileSync(local);
            bytes[bytes.length - 100] ^= 0x01;
            fs.writeFileSync(local, bytes);
            const up = await rclone(["copyto", "--ignore-times", local, `${remote}/${file}`]);
            if (up.code !== 0) throw new Error(`could not corrupt ${file}: ${up.stderr.trim()}`);
        }

        // The disaster: the source is gone. From here on only the store and the stack's config are used.
        stopPostgres(servers.shift()!);
        const started = process.hrtime.bigint();
        const target = await startPostgres();
        servers.push(target);
        setUpLikePulumi(target, db, password);

        // Candidates, newest first: latest.json's file, then every backup of ours that has its checksum file.
        const listing = await rclone(["lsf", "--max-depth", "1", remote]);
        const names = listing.code === 0 ? listing.stdout.split("\n").map((n) => n.replace(/\/$/, "")).filter(Boolean) : [];
        const verified = names.filter((n) => OWN.test(n) && names.includes(`${n}.sha256`)).sort().reverse();
        const manifest = names.includes("latest.json") ? await rclone(["cat", `${remote}/latest.json`]) : undefined;
        const newest = manifest?.code === 0 ? (JSON.parse(manifest.stdout).file as string) : undefined;
        const candidates = [...new Set([...(newest && verified.includes(newest) ? [newest] : []), ...verified])];
        if (candidates.length === 0) {
            say(`dr drill: FAILED: no verified backup in s3://${BUCKET}/${PREFIX}` +
                (listing.code === 0 ? " (the store holds none)" : ` (store unreachable: ${listing.stderr.trim().split("\n").pop()})`));
            return 1;
        }
        let restored: string | undefined;
        const refused: string[] = [];
        for (const name of candidates) {
            const r = await run(["bash", path.join(SCRIPTS, "restore.sh")], {
                ...storeEnv, ...roleEnv(target, ROLE_NAMES.restore, password, db), WORK_DIR: path.join(scratch, "work-restore"),
                BACKUP_NAME: name, RESTORE_DATABASE: db, LIVE_DATABASE: db, RESTORE_CONFIRM: db, RESTORE_OWNERSHIP: "keep", RESTORE_MAINTENANCE_DB: "postgres",
            });
            if (r.code === 0) { restored = name; break; }
            refused.push(name);
            const next = candidates[candidates.indexOf(name) + 1];
            say(`dr drill: ${name} was not restored (${failedLine(r)})${next ? `: falling back to the previous verified backup ${next}` : ""}`);
        }
        if (!restored) {
            say(`dr drill: FAILED: none of the ${candidates.length} verified backups in s3://${BUCKET}/${PREFIX} could be restored`);
            return 1;
        }
        const problems = await checks(target, db, password, tables);
        if (problems.length) {
            say(`dr drill: FAILED: ${restored} restored but its checks failed: ${problems.join("; ")}`);
            return 1;
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        say(`dr drill: restored ${restored} onto a new server in ${seconds.toFixed(1)} s (RTO budget ${rto} s)`);
        if (seconds > rto) {
            say(`dr drill: FAILED: ${seconds.toFixed(1)} s is over the RTO budget of ${rto} s`);
            return 1;
        }
        return 0;
    } finally {
        for (const pg of servers) stopPostgres(pg);
        await s3.close();
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

if (require.main === module) {
    const o = parseArgs(process.argv.slice(2));
    if (typeof o === "string") {
        console.error(`dr drill: ${o}`);
        process.exit(2);
    }
    drill(o, (line) => console.log(line)).then((code) => process.exit(code), (e: Error) => {
        console.error(`dr drill: FAILED: ${e.message.split("\n")[0]}`);
        process.exit(1);
    });
}
