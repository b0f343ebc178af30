import { strict as assert } from "assert";
import { MigrationJob, MigrationJobArgs, migrationJobName } from "../../../components/data/migration-job";
import { KUBE_DNS } from "../../../components/lib/network-policy";
import { runProgram } from "../../../tools/lib/program";
import { one, plain } from "../../support/stacks";

const args: MigrationJobArgs = {
    namespace: "fork-knife-test",
    environment: "production",
    image: { repository: "ghcr.io/fork-knife/backend", tag: "2026.11.3" },
    imageRef: "ghcr.io/fork-knife/backend:2026.11.3",
    secretEnv: [
        { name: "DATABASE_URL", secretName: "fork-knife-migrator", key: "DATABASE_URL" },
        { name: "DIRECT_URL", secretName: "fork-knife-migrator", key: "DIRECT_URL" },
    ],
    egress: { dns: KUBE_DNS, database: { port: 5432, cidrs: ["10.40.16.0/20"] } },
    preMigrationBackupJob: "pre-migrate-2026-11-3-abc",
};

async function job(a: MigrationJobArgs) {
    const run = await runProgram({ stack: "test", config: {}, secretKeys: [], program: () => { new MigrationJob("migration", a); } });
    return { run, job: plain(one(run, "kubernetes:batch/v1:Job")) };
}

describe("MigrationJob", () => {
    it("runs under its own token-less ServiceAccount, not the namespace's default", async () => {
        const { run, job: j } = await job(args);
        const account = plain(one(run, "kubernetes:core/v1:ServiceAccount"));
        assert.equal(account.metadata.name, "fork-knife-migration");
        assert.equal(account.automountServiceAccountToken, false);
        assert.equal(j.spec.template.spec.serviceAccountName, "fork-knife-migration");
        assert.equal(j.spec.template.spec.automountServiceAccountToken, false);
    });

    it("runs prisma migrate deploy with the migrator's URLs from a Secret", async () => {
        const { job: j } = await job(args);
        const c = j.spec.template.spec.containers[0];
        assert.deepEqual(c.command, ["npm", "run", "prisma:migrate:deploy"]);
        assert.equal(c.image, args.imageRef);
        for (const name of ["DATABASE_URL", "DIRECT_URL"]) {
            assert.deepEqual(c.env.find((e: any) => e.name === name).valueFrom.secretKeyRef, { name: "fork-knife-migrator", key: name });
        }
        assert.ok(c.env.every((e: any) => e.value === undefined || e.name === "HOME"), "no literal credential");
    });

    it("fails fast and visibly: one retry at most, a deadline, and replaced when unready", async () => {
        const { job: j } = await job(args);
        assert.ok(j.spec.backoffLimit <= 1);
        assert.ok(j.spec.activeDeadlineSeconds > 0 && j.spec.activeDeadlineSeconds <= 3600);
        assert.equal(j.spec.template.spec.restartPolicy, "Never");
        assert.equal(j.metadata.annotations["pulumi.com/replaceUnready"], "true");
        assert.equal(j.spec.ttlSecondsAfterFinished, undefined, "a deleted Job would re-run on the next refresh");
        const recorded = one((await job(args)).run, "kubernetes:batch/v1:Job");
        assert.equal(recorded.customTimeouts.create, "15m", "Pulumi waits past the 10-minute deadline, not exactly to it");
        assert.equal(j.metadata.labels["app.kubernetes.io/component"], "migration");
        const { job: custom } = await job({ ...args, activeDeadlineSeconds: 120 });
        assert.equal(custom.spec.activeDeadlineSeconds, 120);
    });

    it("records the pre-migration backup it follows", async () => {
        const { job: j } = await job(args);
        assert.equal(j.metadata.annotations["fork-knife.io/pre-migration-backup"], "pre-migrate-2026-11-3-abc");
        const { job: without } = await job({ ...args, preMigrationBackupJob: undefined });
        assert.equal(without.metadata.annotations["fork-knife.io/pre-migration-backup"], undefined);
    });

    it("is named per release: a new tag or digest is a new migration, the same release is the same Job", async () => {
        const { job: j } = await job(args);
        assert.match(j.metadata.name, /^migrate-2026-11-3-[0-9a-f]{6}$/);
        // sha256("2026.11.3@") starts with 186db7: a change to the naming would rename every release's Job.
        assert.equal(j.metadata.name, "migrate-2026-11-3-186db7");
        assert.equal(migrationJobName({ tag: "2026.11.3" }), migrationJobName({ tag: "2026.11.3" }));
        assert.notEqual(migrationJobName({ tag: "2026.11.3" }), migrationJobName({ tag: "2026.11.4" }));
        assert.notEqual(migrationJobName({ tag: "2026.11.3", digest: "sha256:" + "a".repeat(64) }),
            migrationJobName({ tag: "2026.11.3", digest: "sha256:" + "b".repeat(64) }));
        assert.ok(migrationJobName({ tag: "Very_Long.Tag-" + "x".repeat(120) }).length <= 63);
        assert.match(migrationJobName({ tag: "Very_Long.Tag" }), /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    });

    it("may reach DNS and the database only, and accepts no traffic", async () => {
        const { run, job: j } = await job(args);
        const np = plain(one(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy")).spec;
        assert.deepEqual(np.podSelector.matchExpressions, [{ key: "app.kubernetes.io/component", operator: "In", values: ["migration"] }]);
        assert.equal(j.spec.template.metadata.labels["app.kubernetes.io/component"], "migration", "the policy selects the Job's pods");
        assert.deepEqual(np.ingress, []);
        const ports = np.egress.flatMap((e: any) => e.ports.map((p: any) => `${p.protocol}/${p.port}`)).sort();
        assert.deepEqual(ports, ["TCP/53", "TCP/5432", "UDP/53"]);
    });

    it("runs a restricted pod with a writable /tmp for npm", async () => {
        const { job: j } = await job(args);
        const pod = j.spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(pod.containers[0].env.find((e: any) => e.name === "HOME").value, "/tmp");
        assert.ok(pod.containers[0].resources.limits.memory);
    });
});
