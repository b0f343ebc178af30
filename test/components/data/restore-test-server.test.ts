// The restore test on its own PostgreSQL server: its credentials and CA reach the restore-test pod, and no network
// policy that selects that pod lets it reach production's database.
import { strict as assert } from "assert";
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
