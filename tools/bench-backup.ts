// npm run bench:backup — what the scripts' safety costs: backup.sh against bare `pg_dump -Fc`, restore-test.sh
// against bare `pg_restore`, on the same few-hundred-MB database in the same run; then the directory format with
// parallel jobs, to decide whether it shortens the restore (the RTO).
// The bare restore is what an operator types: `createdb` for a fresh database, then `pg_restore` into it; both are
// timed (restore-test.sh creates its scratch database too), and the createdb share is printed. restore-test.sh is
// timed whole: verification, checks, the record and dropping its scratch database, which the bare side never does.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { psql, startPostgres, stopPostgres, TestPostgres } from "../test/support/postgres";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_500_000);
// Five: on a shared 2-core machine, with three rounds one busy moment on either side moves the median.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const JOBS = Math.max(2, Math.min(4, os.cpus().length));
const SCRIPTS = path.resolve(__dirname, "..", "scripts");

function timed(label: string, pg: TestPostgres, argv: string[], env: Record<string, string> = {}): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { env: { ...process.env, ...pg.env, PG_BIN: pg.binDir, ...env }, encoding: "utf8" });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr}`);
    return seconds;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
    const pg = await startPostgres();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "fk-bench-"));
    try {
        const db = "bench";
        psql(pg, "postgres", `CREATE DATABASE ${db}`);
        psql(pg, db, `CREATE TABLE _prisma_migrations (id text PRIMARY KEY, migration_name text);
            INSERT INTO _prisma_migrations VALUES ('1', 'init');
            CREATE TABLE events (id bigint PRIMARY KEY, email text, payload text, amount numeric(12,2), created_at timestamptz);
            INSERT INTO events SELECT g, 'user' || (g % 50000) || '@example.test', md5(g::text) || md5((g * 7)::text) || repeat(chr(97 + g % 26), 40),
                   (g % 10000) / 100.0, timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(1, ${ROWS}) g;
            CREATE INDEX events_email ON events (email);`);
        psql(pg, db, "VACUUM ANALYZE");
        const mb = Number(psql(pg, db, `SELECT pg_database_size('${db}')`)) / 1e6;
        console.log(`database: ${mb.toFixed(0)} MB (${ROWS} rows), PostgreSQL ${psql(pg, db, "SHOW server_version")}, ${os.cpus().length} CPUs`);
        const bin = (tool: string) => path.join(pg.binDir, tool);
        const rate = (s: number) => `${s.toFixed(2)} s, ${(mb / s).toFixed(1)} MB/s`;

        // Alternating rounds, medians: neither side always runs with the warmer cache.
        const bare = path.join(work, "bare.dump");
        const dir = path.join(work, "backups");
        fs.mkdirSync(dir);
        const env = { PGDATABASE: db, BACKUP_DIR: dir, WORK_DIR: work, RESTORE_TEST_TABLES: "events", RETENTION_DAYS: "1" };
        const t = { bare: [] as number[], script: [] as number[], restoreBare: [] as number[], restoreTest: [] as number[], createdb: [] as number[] };
        for (let round = 0; round < ROUNDS; round++) {
            fs.rmSync(bare, { force: true });
            const first = round % 2 === 0;
            if (first) t.bare.push(timed("pg_dump", pg, [bin("pg_dump"), "-Fc", "-d", db, "-f", bare]));
            t.script.push(timed("backup.sh", pg, ["bash", path.join(SCRIPTS, "backup.sh")], env));
            if (!first) t.bare.push(timed("pg_dump", pg, [bin("pg_dump"), "-Fc", "-d", db, "-f", bare]));
            const restoreBare = () => {
                const created = timed("createdb", pg, [bin("createdb"), "bare_restore"]);
                t.createdb.push(created);
                t.restoreBare.push(created + timed("pg_restore", pg, [bin("pg_restore"), "--no-owner", "--no-privileges", "-d", "bare_restore", bare]));
                psql(pg, "postgres", "DROP DATABASE bare_restore");
            };
            if (first) restoreBare();
            t.restoreTest.push(timed("restore-test.sh", pg, ["bash", path.join(SCRIPTS, "restore-test.sh")], env));
            if (!first) restoreBare();
        }
        const [tBare, tScript, tRestoreBare, tTest] = [median(t.bare), median(t.script), median(t.restoreBare), median(t.restoreTest)];
        console.log(`medians of ${ROUNDS} alternating rounds`);
        console.log(`bare pg_dump -Fc:        ${rate(tBare)} (${(fs.statSync(bare).size / 1e6).toFixed(0)} MB dump)`);
        console.log(`backup.sh (custom):      ${rate(tScript)}`);
        console.log(`backup.sh / bare pg_dump: ${(tScript / tBare).toFixed(3)}`);
        console.log(`bare pg_restore:         ${rate(tRestoreBare)} (createdb ${median(t.createdb).toFixed(2)} s of it)`);
        console.log(`restore-test.sh:         ${rate(tTest)}`);
        console.log(`restore-test.sh / bare pg_restore: ${(tTest / tRestoreBare).toFixed(3)}`);

        // The directory format: parallel dump and parallel restore, the option for large databases.
        const dirEnv = { ...env, BACKUP_FORMAT: "directory", BACKUP_JOBS: String(JOBS), RESTORE_JOBS: String(JOBS) };
        const tDirBackup = timed("backup.sh -Fd", pg, ["bash", path.join(SCRIPTS, "backup.sh")], dirEnv);
        const tDirTest = timed("restore-test.sh -Fd", pg, ["bash", path.join(SCRIPTS, "restore-test.sh")], dirEnv);
        console.log(`backup.sh (directory, -j ${JOBS}):       ${rate(tDirBackup)}`);
        console.log(`restore-test.sh (directory, -j ${JOBS}): ${rate(tDirTest)}`);
        console.log(`restore (directory -j ${JOBS}) / restore (custom): ${(tDirTest / tTest).toFixed(3)}`);
    } finally {
        stopPostgres(pg);
        fs.rmSync(work, { recursive: true, force: true });
    }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
