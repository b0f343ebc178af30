// The backup scripts against a real PostgreSQL that speaks TLS: with PGSSLMODE=verify-full and PGSSLROOTCERT (what
// the program puts in the backup and restore Secrets, pointing at the mounted database CA bundle) they verify the
// server and succeed; with another CA, or no CA at all, they stop with one FAILED line that says why.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { startPostgres, stopPostgres, TestPostgres } from "../support/postgres";
import { createAppDatabase, failedLines, readManifest, removeTempDirs, runScript, tempDir, uniqueName } from "./harness";

/** openssl, run for its output files; a failure names the command. */
function openssl(dir: string, args: string[]): void {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
}

/** A CA, and a server certificate it signs for 127.0.0.1 and localhost; plus an unrelated CA. */
function makeCertificates(dir: string): { ca: string; otherCa: string; cert: string; key: string } {
    const ca = (name: string) => {
        openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`,
            "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    };
    ca("test-ca");
    ca("other-ca");
    openssl(dir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1"]);
    fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl(dir, ["x509", "-req", "-in", "server.csr", "-CA", "test-ca.crt", "-CAkey", "test-ca.key", "-CAcreateserial", "-out", "server.crt",
        "-days", "2", "-extfile", "san.ext"]);
    // The server refuses a key others can read; as root the server runs as postgres, which must own it.
    fs.chmodSync(path.join(dir, "server.key"), 0o600);
    if (process.getuid?.() === 0) {
        fs.chmodSync(dir, 0o755);
        execFileSync("chown", ["postgres:postgres", path.join(dir, "server.key"), path.join(dir, "server.crt")]);
    }
    return { ca: path.join(dir, "test-ca.crt"), otherCa: path.join(dir, "other-ca.crt"), cert: path.join(dir, "server.crt"), key: path.join(dir, "server.key") };
}

describe("scripts: verified TLS to the database (real PostgreSQL with ssl=on)", function () {
    let pg: TestPostgres;
    let certs: ReturnType<typeof makeCertificates>;
    let source: string;

    before(async function () {
        certs = makeCertificates(tempDir("tls"));
        pg = await startPostgres({ maxConnections: 20, settings: ["ssl=on", `ssl_cert_file=${certs.cert}`, `ssl_key_file=${certs.key}`] });
        source = uniqueName("tls_source");
        createAppDatabase(pg, source, 50);
    });
    after(function () {
        if (pg) stopPostgres(pg);
        removeTempDirs();
    });

    const env = (dir: string, tls: Record<string, string>) => ({ PGDATABASE: source, BACKUP_DIR: dir, RETENTION_DAYS: "7", ...tls });

    it("verify-full with the CA in PGSSLROOTCERT: backup, restore test and restore all connect and succeed", async function () {
        const dir = tempDir("tls-bk");
        const tls = { PGSSLMODE: "verify-full", PGSSLROOTCERT: certs.ca };
        const backup = await runScript(pg, "backup.sh", env(dir, tls));
        assert.strictEqual(backup.code, 0, backup.stderr);
        assert.strictEqual(readManifest(dir).database, source);
        const test = await runScript(pg, "restore-test.sh", env(dir, tls));
        assert.strictEqual(test.code, 0, test.stderr);
        const restore = await runScript(pg, "restore.sh", env(dir, { ...tls, RESTORE_DATABASE: uniqueName("tls_copy") }));
        assert.strictEqual(restore.code, 0, restore.stderr);
    });

    it("a server certificate from another CA: one FAILED line naming TLS verification, the mode and the CA", async function () {
        const r = await runScript(pg, "backup.sh", env(tempDir("tls-bk"), { PGSSLMODE: "verify-full", PGSSLROOTCERT: certs.otherCa }));
        assert.notStrictEqual(r.code, 0);
        const lines = failedLines(r);
        assert.strictEqual(lines.length, 1, r.stderr);
        assert.match(lines[0], /TLS verification of the database server failed at 127\.0\.0\.1:\d+ \(PGSSLMODE=verify-full, CA .*other-ca\.crt\): .*certificate verify failed/);
    });

    it("verify-full without PGSSLROOTCERT, or with one that is not there, stops before connecting and says which", async function () {
        const missing = await runScript(pg, "backup.sh", env(tempDir("tls-bk"), { PGSSLMODE: "verify-full" }));
        assert.notStrictEqual(missing.code, 0);
        assert.deepStrictEqual(failedLines(missing).map((l) => l.replace(/^.*FAILED: /, "")),
            ["PGSSLMODE=verify-full needs PGSSLROOTCERT: the database CA bundle (the database-ca volume, /var/run/secrets/fork-knife/database-ca/ca.crt)"]);
        const gone = await runScript(pg, "restore-test.sh", env(tempDir("tls-bk"), { PGSSLMODE: "verify-ca", PGSSLROOTCERT: "/nonexistent/ca.crt" }));
        assert.notStrictEqual(gone.code, 0);
        assert.match(failedLines(gone).join("\n"), /PGSSLROOTCERT \/nonexistent\/ca\.crt is not readable \(is the database-ca volume mounted\?\)/);
    });

    it("require (staging) connects without a CA, as before", async function () {
        const r = await runScript(pg, "backup.sh", env(tempDir("tls-bk"), { PGSSLMODE: "require" }));
        assert.strictEqual(r.code, 0, r.stderr);
    });
});
