// The restore test on its own PostgreSQL server: its credentials and CA reach the restore-test pod, and no network
// policy that selects that pod lets it reach production's database.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { psql, startPostgres, stopPostgres, testPostgres, TestPostgres } from "../../support/postgres";
import { createAppDatabase, dropDatabase, failedLines, removeTempDirs, runScript, tempDir, uniqueName } from "../../scripts/harness";
import { cidrsOverlap } from "../../../components/config/validators";
import { isSecretValue, ProgramRun, revealSecrets, runProgram } from "../../../tools/lib/program";
import { ofType, plain, runStack, sentinel, stackConfig, TODAY, withComponent } from "../../support/stacks";

type Stack = "staging" | "production";
/* eslint-disable @typescript-eslint/no-explicit-any */

const plainOutput = (v: unknown): any => revealSecrets(v);
const CIDR: Record<Stack, string> = { staging: "10.30.48.0/24", production: "10.40.48.0/24" };

/** The committed stack file with a restore-test server (and its password and rotation record) added. */
function withServer(stack: Stack, server: Record<string, unknown> = {}): Promise<ProgramRun> {
    const config = stackConfig(stack).config;
    const database = JSON.parse(config["fork-knife:database"]);
    const backup = { ...JSON.parse(config["fork-knife:backup"] ?? "{}"), restoreTestServer: {
        host: "restore-test.internal", cidr: CIDR[stack], ...(stack === "production" ? { caBundle: database.caBundle } : {}), ...server,
    } };
    const rotation = { ...JSON.parse(config["fork-knife:rotation"]), restoreTestServer: { rotatedAt: "2026-10-01" } };
    const c = stackConfig(stack, { set: { "fork-knife:backup": backup, "fork-knife:rotation": rotation,
        "fork-knife:restoreTestServerPassword": sentinel("restoreTestServerPassword") } });
    return runProgram({ stack, config: c.config, secretKeys: [...c.secretKeys, "fork-knife:restoreTestServerPassword"], now: TODAY });
}

const restoreTestPod = (r: ProgramRun) => plain(withComponent(r, "CronJob", "restore-test")[0]).spec.jobTemplate.spec.template;
const secretNamed = (r: ProgramRun, name: string) => ofType(r, "kubernetes:core/v1:Secret").find((s) => plain(s).metadata.name === name);

/** The PostgreSQL-port destinations (port → CIDR blocks, [] for any address) every policy selecting `labels` opens. */
function egressOf(r: ProgramRun, labels: Record<string, string>): { port: number; cidrs: string[] }[] {
    const selecting = ofType(r, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(plain).filter((np) => {
        const sel = np.spec.podSelector;
        const byLabels = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
        const byExpr = (sel.matchExpressions ?? []).every((e: any) => e.operator === "In" && e.values.includes(labels[e.key]));
        return byLabels && byExpr;
    });
    return selecting.flatMap((np) => (np.spec.egress ?? []).flatMap((e: any) => e.ports.map((p: any) => ({
        port: p.port, cidrs: (e.to ?? []).filter((t: any) => t.ipBlock).map((t: any) => t.ipBlock.cidr),
    }))));
}

describe("RestoreTestServer (backup.restoreTestServer)", () => {
    it("without it, the restore test keeps the restore-test role on the database and the backup Jobs' policy", async () => {
        const r = await runStack("production");
        assert.equal(restoreTestPod(r).spec.containers[0].envFrom[0].secretRef.name, "fork-knife-db-restore-test");
        assert.equal(secretNamed(r, "fork-knife-restore-test-server"), undefined);
        const database = JSON.parse(stackConfig("production").config["fork-knife:database"]);
        assert.ok(egressOf(r, restoreTestPod(r).metadata.labels).some((d) => d.port === 5432 && d.cidrs.includes(database.cidr)));
    });

    for (const stack of ["staging", "production"] as const) {
        it(`${stack}: the restore-test pod reads that server's PG* from a credential Secret with a rotation record`, async () => {
            const r = await withServer(stack);
            const pod = restoreTestPod(r);
            assert.equal(pod.spec.containers[0].envFrom[0].secretRef.name, "fork-knife-restore-test-server");
            // Production's server keeps no restore-test login: nothing there may CREATE DATABASE for it.
            assert.equal(secretNamed(r, "fork-knife-db-restore-test"), undefined);
            assert.ok(!ofType(r, "postgresql:index/role:Role").some((x) => plain(x).name === "fork_knife_restore_test"));
            const secret = secretNamed(r, "fork-knife-restore-test-server")!;
            const data = plain(secret).stringData;
            assert.deepEqual({ ...data, PGPASSWORD: undefined, PGSSLROOTCERT: undefined }, {
                PGHOST: "restore-test.internal", PGPORT: "5432", PGDATABASE: "postgres", PGUSER: "fork_knife_restore_test",
                PGSSLMODE: stack === "production" ? "verify-full" : "require", PGPASSWORD: undefined, PGSSLROOTCERT: undefined,
            });
            assert.equal(data.PGPASSWORD, sentinel("restoreTestServerPassword"));
            const raw = secret.inputs.stringData as Record<string, unknown>;
            assert.ok(isSecretValue(raw) || isSecretValue(raw.PGPASSWORD), "the password stays a Pulumi secret");
            // 2026-10-01 + 180 days (a database password's limit) = 2027-03-30.
            assert.deepEqual(plain(secret).metadata.annotations, {
                "fork-knife.io/secret-kind": "database-password", "fork-knife.io/rotated-at": "2026-10-01",
                "fork-knife.io/max-age-days": "180", "fork-knife.io/next-rotation-due": "2027-03-30",
            });
            const records = plainOutput((r.outputs.audit as any)).secrets.filter((s: any) => s.kind === "database-password").map((s: any) => s.rotatedAt);
            assert.ok(records.includes("2026-10-01"), `the restore-test server's record is in the audit output: ${records}`);
            assert.equal(records.length, 2, "the audit output lists the database's record and the restore-test server's");
        });
    }

    it("production: that server's CA is mounted where PGSSLROOTCERT points, in the restore-test pod only", async () => {
        const r = await withServer("production");
        const pod = restoreTestPod(r);
        const root = plain(secretNamed(r, "fork-knife-restore-test-server")!).stringData.PGSSLROOTCERT;
        const mount = pod.spec.containers[0].volumeMounts.find((m: any) => root.startsWith(`${m.mountPath}/`));
        assert.ok(mount, `a mount holds ${root}`);
        const volume = pod.spec.volumes.find((v: any) => v.name === mount.name);
        const ca = ofType(r, "kubernetes:core/v1:ConfigMap").map(plain).find((c) => c.metadata.name === volume.configMap.name);
        assert.ok(ca.data[root.slice(mount.mountPath.length + 1)].includes("BEGIN CERTIFICATE"));
        // The backup pod keeps the database's CA and never sees the restore-test server's.
        const backup = plain(withComponent(r, "CronJob", "backup")[0]).spec.jobTemplate.spec.template.spec;
        assert.ok(!backup.volumes.some((v: any) => v.configMap?.name === ca.metadata.name));
        assert.ok(backup.volumes.some((v: any) => v.configMap?.name === "fork-knife-database-ca"));
        assert.ok(!pod.spec.volumes.some((v: any) => v.configMap?.name === "fork-knife-database-ca"), "the restore test no longer trusts the database's CA");
    });

    for (const stack of ["staging", "production"] as const) {
        it(`${stack}: no policy selecting the restore-test pod reaches production's database; its PostgreSQL egress is that server's block`, async () => {
            const r = await withServer(stack);
            const database = JSON.parse(stackConfig(stack).config["fork-knife:database"]);
            const egress = egressOf(r, restoreTestPod(r).metadata.labels);
            const postgres = egress.filter((d) => d.port === 5432);
            assert.deepEqual(postgres, [{ port: 5432, cidrs: [CIDR[stack]] }]);
            assert.ok(!egress.some((d) => d.cidrs.some((c) => cidrsOverlap(c, database.cidr))), "no rule names the database's block");
            // The backup and the restore still reach the database.
            const backupLabels = plain(withComponent(r, "CronJob", "backup")[0]).spec.jobTemplate.spec.template.metadata.labels;
            assert.ok(egressOf(r, backupLabels).some((d) => d.port === 5432 && d.cidrs.includes(database.cidr)));
        });
    }

    it("opens the server's own port: another port is another destination", async () => {
        const r = await withServer("staging", { port: 6543 });
        const egress = egressOf(r, restoreTestPod(r).metadata.labels);
        assert.deepEqual(egress.filter((d) => d.port === 6543 || d.port === 5432), [{ port: 6543, cidrs: [CIDR.staging] }]);
        assert.equal(plain(secretNamed(r, "fork-knife-restore-test-server")!).stringData.PGPORT, "6543");
    });
});

// The rendered Secret and CA, as the restore-test pod would receive them, against two real PostgreSQL servers:
// production's (the suite's shared one, where the backup comes from) and a restore-test server that speaks TLS.
describe("RestoreTestServer end to end (real PostgreSQL, restore-test.sh)", function () {
    let production: TestPostgres;
    let server: TestPostgres | undefined;
    let source: string;
    let backupDir: string;
    let caPem: string;
    const password = `rts-${crypto.randomBytes(6).toString("hex")}`;

    before(async function () {
        production = testPostgres();
        source = uniqueName("rts_source");
        createAppDatabase(production, source, 100);
        backupDir = tempDir("rts-backups");
        const backup = await runScript(production, "backup.sh", { PGDATABASE: source, BACKUP_DIR: backupDir, RETENTION_DAYS: "7" });
        assert.strictEqual(backup.code, 0, backup.stderr);
        // One self-signed CA certificate for 127.0.0.1 serves as the server's certificate and as the CA bundle.
        const dir = tempDir("rts-tls");
        const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key",
            "-out", "server.crt", "-days", "2", "-subj", "/CN=restore-test-server", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,digitalSignature", "-addext", "subjectAltName=IP:127.0.0.1"], { cwd: dir, encoding: "utf8" });
        assert.strictEqual(r.status, 0, `openssl: ${r.stderr}`);
        fs.chmodSync(path.join(dir, "server.key"), 0o600);
        if (process.getuid?.() === 0) {
            fs.chmodSync(dir, 0o755);
            execFileSync("chown", ["postgres:postgres", path.join(dir, "server.key"), path.join(dir, "server.crt")]);
        }
        caPem = fs.readFileSync(path.join(dir, "server.crt"), "utf8");
        server = await startPostgres({ maxConnections: 20, settings: ["log_connections=on", "log_statement=ddl", "ssl=on", `ssl_cert_file=${path.join(dir, "server.crt")}`, `ssl_key_file=${path.join(dir, "server.key")}`] });
        // The login the operator creates on that server (docs/operations.md): it may create databases, nothing else.
        psql(server, "postgres", `CREATE ROLE fork_knife_restore_test LOGIN CREATEDB PASSWORD '${password}'`);
    });
    after(function () {
        if (server) stopPostgres(server);
        if (production && source) dropDatabase(production, source);
        removeTempDirs();
    });

    /** The restore-test pod's environment as the program renders it, the CA mount mapped to a local file. */
    async function podEnvironment(): Promise<Record<string, string>> {
        const today = new Date().toISOString().slice(0, 10);
        const config = stackConfig("staging").config;
        const backup = { ...JSON.parse(config["fork-knife:backup"] ?? "{}"), restoreTestTables: ["users"], restoreTestServer: {
            host: "127.0.0.1", port: server!.port, sslMode: "verify-full", caBundle: caPem, cidr: "127.0.0.1/32" } };
        const rotation = { ...JSON.parse(config["fork-knife:rotation"]), restoreTestServer: { rotatedAt: today } };
        const c = stackConfig("staging", { set: { "fork-knife:backup": backup, "fork-knife:rotation": rotation, "fork-knife:restoreTestServerPassword": password } });
        const r = await runProgram({ stack: "staging", config: c.config, secretKeys: [...c.secretKeys, "fork-knife:restoreTestServerPassword"], now: today });
        const pod = restoreTestPod(r).spec;
        const fromSecret = plain(secretNamed(r, pod.containers[0].envFrom[0].secretRef.name)!).stringData as Record<string, string>;
        const mount = pod.containers[0].volumeMounts.find((m: any) => fromSecret.PGSSLROOTCERT.startsWith(`${m.mountPath}/`));
        const configMap = pod.volumes.find((v: any) => v.name === mount.name).configMap.name;
        const ca = ofType(r, "kubernetes:core/v1:ConfigMap").map(plain).find((x) => x.metadata.name === configMap);
        const caFile = path.join(tempDir("rts-mount"), "ca.crt");
        fs.writeFileSync(caFile, ca.data[fromSecret.PGSSLROOTCERT.slice(mount.mountPath.length + 1)]);
        const plainEnv = Object.fromEntries(pod.containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
        return { ...plainEnv, ...fromSecret, PGSSLROOTCERT: caFile, BACKUP_DIR: backupDir, WORK_DIR: tempDir("rts-work"), HOME: os.tmpdir() };
    }

    const databases = (pg: TestPostgres) => psql(pg, "postgres", "SELECT datname FROM pg_database ORDER BY 1").split("\n");

    it("passes: restores the production backup on the restore-test server with its own login, over verified TLS, and leaves both servers as they were", async function () {
        const env = await podEnvironment();
        assert.equal(env.PGHOST, "127.0.0.1");
        assert.equal(env.PGSSLMODE, "verify-full");
        const before = { production: databases(production), server: databases(server!) };
        // Only the rendered environment: no PG* of the test servers leaks in (runScript adds pg.env first).
        const r = await runScript({ ...server!, env: {} }, "restore-test.sh", env);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /^restore-test: OK fork-knife-\S+\.dump restored and checked in [0-9.]+s/m);
        // The scratch database lived on the restore-test server, made by its own login over TLS, and is gone again;
        // production's server has no new database.
        const log = fs.readFileSync(path.join(path.dirname(server!.dataDir), "server.log"), "utf8");
        assert.match(log, /connection authorized: user=fork_knife_restore_test database=postgres[^\n]*SSL enabled/);
        assert.match(log, /CREATE DATABASE "?restore_test_/);
        assert.deepStrictEqual(databases(server!), before.server);
        assert.deepStrictEqual(databases(production), before.production);
    });

    it("fails when the rendered CA is not the server's: verify-full refuses a server it cannot verify", async function () {
        const env = await podEnvironment();
        fs.writeFileSync(env.PGSSLROOTCERT, fakeCa());
        const r = await runScript({ ...server!, env: {} }, "restore-test.sh", env);
        assert.notStrictEqual(r.code, 0);
        assert.match(failedLines(r).join("\n"), /TLS verification of the database server failed at 127\.0\.0\.1:\d+ \(PGSSLMODE=verify-full, CA .*\): .*certificate verify failed/);
    });
});

/** An unrelated self-signed CA, made on the fly: not the restore-test server's. */
function fakeCa(): string {
    const dir = tempDir("rts-other-ca");
    const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
        "-out", "ca.crt", "-days", "2", "-subj", "/CN=other-ca", "-addext", "basicConstraints=critical,CA:TRUE"], { cwd: dir, encoding: "utf8" });
    assert.strictEqual(r.status, 0, r.stderr);
    return fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
}
