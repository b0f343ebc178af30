import { strict as assert } from "assert";
import { MOCK_SECRET_MARKER, ProgramRun, redactSecrets, revealSecrets } from "../../tools/lib/program";
import { loadStackConfig } from "../../tools/lib/stack-config";
import { ofType, one, plain, runStack, sentinel, withComponent } from "../support/stacks";

const STACKS = ["staging", "production"] as const;

describe("the program (index.ts) under Pulumi mocks", () => {
    const runs = {} as Record<(typeof STACKS)[number], ProgramRun>;
    before(async () => {
        for (const stack of STACKS) runs[stack] = await runStack(stack);
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            it("declares the resource map: two services, their scaling, budgets, policies and accounts, one migration", () => {
                const run = runs[stack];
                const count = (type: string) => ofType(run, type).length;
                assert.equal(count("kubernetes:core/v1:Namespace"), 1);
                assert.equal(count("fork-knife:app:AppService"), 2);
                assert.equal(withComponent(run, "Deployment", "backend").length, 1);
                assert.equal(withComponent(run, "Deployment", "worker").length, 1);
                assert.equal(count("kubernetes:autoscaling/v2:HorizontalPodAutoscaler"), 2);
                assert.equal(count("kubernetes:policy/v1:PodDisruptionBudget"), 2);
                assert.equal(withComponent(run, "Service", "backend").length, 1);
                assert.equal(withComponent(run, "Job", "migration").length, 1);
                assert.equal(withComponent(run, "NetworkPolicy", "backend").length + withComponent(run, "NetworkPolicy", "worker").length, 2);
                assert.equal(withComponent(run, "ServiceAccount", "backend").length + withComponent(run, "ServiceAccount", "worker").length, 2);
                // jwt, stripe, twilio, redis, database, migrator, backup, restore, restore-test, maintenance, the Slack
                // webhook; production's S3 backup keys and PagerDuty routing key make thirteen.
                assert.equal(withComponent(run, "Secret", "secrets").length, stack === "production" ? 13 : 11);
                assert.equal(count("fork-knife:data:Database"), 1);
            });

            it("verify-full: every pod that talks to PostgreSQL mounts the CA bundle, and every connection setting points at it", () => {
                const run = runs[stack];
                const pods = run.resources.filter((r) => ["Deployment", "Job", "CronJob"].some((k) => r.type.endsWith(`:${k}`))).map((r) => {
                    const spec = plain(r).spec;
                    return { name: r.name, pod: (spec.jobTemplate?.spec ?? spec).template.spec };
                });
                assert.ok(pods.length >= 5, `${pods.length} pods`);
                for (const { name, pod } of pods) {
                    assert.ok(pod.volumes.some((v: any) => v.configMap?.name === "fork-knife-database-ca"), `${name} has the CA volume`);
                    for (const c of pod.containers) {
                        assert.ok(c.volumeMounts.some((m: any) => m.mountPath === "/var/run/secrets/fork-knife/database-ca" && m.readOnly), `${name}/${c.name} mounts it`);
                    }
                }
                const secrets = run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret").map(plain);
                const url = secrets.find((x) => x.metadata.name === "fork-knife-database").stringData.DATABASE_URL;
                assert.match(url, /[?&]sslmode=verify-full&sslrootcert=%2Fvar%2Frun%2Fsecrets%2Ffork-knife%2Fdatabase-ca%2Fca\.crt&/);
                assert.equal(secrets.find((x) => x.metadata.name === "fork-knife-db-backup").stringData.PGSSLROOTCERT, "/var/run/secrets/fork-knife/database-ca/ca.crt");
                assert.equal(plain(one(run, "pulumi:providers:postgresql")).sslmode, "verify-full");
            });

            it("each workload gets only the credentials its settings list: backend all eight, worker the four jobs use", () => {
                const refs = (component: string) => plain(withComponent(runs[stack], "Deployment", component)[0]).spec.template.spec.containers[0].env
                    .filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name).sort();
                assert.deepEqual(refs("backend"), ["DATABASE_URL", "JWT_SECRET", "JWT_SECRET_PREVIOUS", "REDIS_URL", "STRIPE_SECRET_KEY",
                    "STRIPE_WEBHOOK_SECRET", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]);
                assert.deepEqual(refs("worker"), ["DATABASE_URL", "REDIS_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]);
            });

            it("every Job runs under a token-less ServiceAccount of its own, never the namespace's default", () => {
                const run = runs[stack];
                const accounts = new Map(ofType(run, "kubernetes:core/v1:ServiceAccount").map((r) => [plain(r).metadata.name ?? (r.outputs.metadata as any).name, plain(r)]));
                const jobs = run.resources.filter((r) => r.type === "kubernetes:batch/v1:Job" || r.type === "kubernetes:batch/v1:CronJob");
                const byComponent = new Map<string, string>();
                for (const j of jobs) {
                    const spec = plain(j).spec;
                    const pod = (spec.jobTemplate?.spec ?? spec).template;
                    const account = pod.spec.serviceAccountName;
                    assert.ok(account && account !== "default", `${j.name} names an account`);
                    assert.equal(accounts.get(account)?.automountServiceAccountToken, false, `${account} exists without a token`);
                    const component = pod.metadata.labels["app.kubernetes.io/component"];
                    assert.equal(accounts.get(account).metadata.labels["app.kubernetes.io/component"], component, `${j.name}'s account is its component's`);
                    byComponent.set(component, account);
                }
                const expected = ["backup", "maintenance", "migration", "restore-test", ...(stack === "production" ? ["pre-migration-backup"] : [])].sort();
                assert.deepEqual([...byComponent.keys()].sort(), expected);
                assert.equal(new Set(byComponent.values()).size, byComponent.size, "no two kinds of Job share an account");
            });

            it("puts every namespaced object in the stack's namespace", () => {
                const run = runs[stack];
                const ns = plain(one(run, "kubernetes:core/v1:Namespace")).metadata.name;
                assert.equal(ns, `fork-knife-${stack}`);
                for (const r of run.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.endsWith(":Namespace"))) {
                    assert.equal(plain(r).metadata.namespace, ns, `${r.type} ${r.name}`);
                }
            });

            it("rolls out the Deployments only after the release's migration Job: dependency and annotation", () => {
                const run = runs[stack];
                const job = withComponent(run, "Job", "migration")[0];
                const jobName = plain(job).metadata.name;
                for (const d of ofType(run, "kubernetes:apps/v1:Deployment")) {
                    assert.ok(d.dependencies.includes(job.urn), `${d.name} depends on the migration Job`);
                    assert.equal(plain(d).spec.template.metadata.annotations["fork-knife.io/migration-job"], jobName);
                }
                assert.equal((run.outputs.audit as any).release.migrationJob, jobName);
            });

            it("never lets a secret value out in plain text: inputs, outputs, stack outputs", () => {
                const run = runs[stack];
                const c = loadStackConfig({ stack });
                const needles = [MOCK_SECRET_MARKER, ...c.secretKeys.map(sentinel)];
                const everything = JSON.stringify(run.resources.map((r) => redactSecrets({ inputs: r.inputs, outputs: r.outputs }))) +
                    JSON.stringify(redactSecrets(run.outputs));
                for (const n of needles) assert.ok(!everything.includes(n), `${n} leaked`);
                // ...while the values are there, as secrets, where they belong: the check above can fail.
                const revealed = JSON.stringify(run.resources.map((r) => revealSecrets(r.inputs)));
                assert.ok(revealed.includes(sentinel("fork-knife:stripeSecretKey")));
                assert.ok(revealed.includes(MOCK_SECRET_MARKER));
            });

            it("exports the audit view: namespace, environment, image, release, replica ranges, secret due dates", () => {
                const audit = revealSecrets(runs[stack].outputs.audit) as any;
                assert.equal(audit.environment, stack);
                assert.equal(audit.namespace, `fork-knife-${stack}`);
                assert.match(audit.image, /^ghcr\.io\/fork-knife\/backend:2026\.11\.3/);
                assert.ok(audit.scaling.backend.minReplicas <= audit.scaling.backend.maxReplicas);
                const jwt = audit.secrets.find((s: any) => s.kind === "jwt");
                assert.deepEqual([jwt.rotatedAt, jwt.maxAgeDays, jwt.nextRotationDue], ["2026-10-01", 90, "2026-12-30"]);
                const kinds = ["database-password", "jwt", ...(stack === "production" ? ["object-storage-key", "pagerduty-routing-key"] : []),
                    "redis-password", "slack-webhook", "stripe", "twilio"];
                assert.deepEqual(audit.secrets.map((s: any) => s.kind).sort(), kinds);
                assert.ok(audit.database.connectionBudget.needed <= audit.database.connectionBudget.allowed);
            });

            it("gives what people type by hand fixed names: the workloads, their Service/HPA/PDB, the CronJobs", () => {
                const run = runs[stack];
                const names = (kind: string) => run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type.endsWith(`:${kind}`))
                    .map((r) => plain(r).metadata.name).sort();
                assert.deepEqual(names("Deployment"), ["fork-knife-backend", "fork-knife-worker"]);
                assert.deepEqual(names("HorizontalPodAutoscaler"), ["fork-knife-backend", "fork-knife-worker"]);
                assert.deepEqual(names("PodDisruptionBudget"), ["fork-knife-backend", "fork-knife-worker"]);
                assert.deepEqual(names("Service"), ["fork-knife-backend"]);
                for (const cron of ["backup", "restore-test"]) assert.ok(names("CronJob").includes(cron), `CronJob ${cron} in ${names("CronJob")}`);
                const audit = revealSecrets(run.outputs.audit) as any;
                assert.deepEqual([audit.scaling.backend.deployment, audit.scaling.worker.deployment], ["fork-knife-backend", "fork-knife-worker"]);
            });

            it("starts the backend with backend.command and the worker with worker.command (no migration in either)", async () => {
                const command = (run: ProgramRun, c: string) => plain(withComponent(run, "Deployment", c)[0]).spec.template.spec.containers[0].command;
                assert.deepEqual(command(runs[stack], "backend"), ["npm", "run", "start:prod"]);
                assert.deepEqual(command(runs[stack], "worker"), ["npm", "run", "worker"]);
                const backend = JSON.parse(loadStackConfig({ stack }).config["fork-knife:backend"] ?? "{}");
                const custom = await runStack(stack, { set: { "fork-knife:backend": { ...backend, command: ["node", "dist/main.js"] } } });
                assert.deepEqual(command(custom, "backend"), ["node", "dist/main.js"]);
            });

            it("rolls the pods when a credential is rotated, not when nothing changed", async () => {
                const checksum = (run: ProgramRun) => plain(withComponent(run, "Deployment", "backend")[0]).spec.template.metadata.annotations["fork-knife.io/rotation-checksum"];
                const rotation = JSON.parse(loadStackConfig({ stack }).config["fork-knife:rotation"]);
                const same = await runStack(stack);
                rotation.jwt.generation += 1;
                const bumped = await runStack(stack, { set: { "fork-knife:rotation": rotation } });
                assert.equal(checksum(same), checksum(runs[stack]));
                assert.notEqual(checksum(bumped), checksum(runs[stack]));
            });
        });
    }

    it("credential lists and file delivery follow the settings", async () => {
        const run = await runStack("staging", { set: {
            "fork-knife:worker": { credentials: ["DATABASE_URL", "REDIS_URL"], credentialsAs: "file" },
            "fork-knife:backend": { credentials: ["DATABASE_URL", "REDIS_URL", "JWT_SECRET"] },
        } });
        const pod = (component: string) => plain(withComponent(run, "Deployment", component)[0]).spec.template.spec;
        const worker = pod("worker");
        const env = worker.containers[0].env;
        assert.ok(!env.some((e: any) => e.valueFrom), "no secretKeyRef variables with credentialsAs: file");
        assert.deepEqual(env.filter((e: any) => e.name.endsWith("_FILE")), [
            { name: "DATABASE_URL_FILE", value: "/var/run/secrets/fork-knife/credentials/DATABASE_URL" },
            { name: "REDIS_URL_FILE", value: "/var/run/secrets/fork-knife/credentials/REDIS_URL" },
        ]);
        const projected = worker.volumes.find((v: any) => v.name === "credentials").projected;
        assert.deepEqual(projected.sources.map((x: any) => [x.secret.name, x.secret.items]), [
            ["fork-knife-database", [{ key: "DATABASE_URL", path: "DATABASE_URL" }]],
            ["fork-knife-redis", [{ key: "REDIS_URL", path: "REDIS_URL" }]],
        ]);
        assert.ok(worker.containers[0].volumeMounts.some((m: any) => m.mountPath === "/var/run/secrets/fork-knife/credentials" && m.readOnly));
        const backendRefs = pod("backend").containers[0].env.filter((e: any) => e.valueFrom).map((e: any) => e.name);
        assert.deepEqual(backendRefs.sort(), ["DATABASE_URL", "JWT_SECRET", "REDIS_URL"]);
    });

    it("protects production's namespace from deletion, not staging's", () => {
        assert.equal(one(runs.production, "kubernetes:core/v1:Namespace").protect, true);
        assert.equal(one(runs.staging, "kubernetes:core/v1:Namespace").protect, false);
    });

    it("runs production with a pinned digest and the guide's larger replica ranges", () => {
        const audit = revealSecrets(runs.production.outputs.audit) as any;
        assert.match(audit.image, /@sha256:[0-9a-f]{64}$/);
        assert.ok(audit.scaling.backend.minReplicas >= 2 && audit.scaling.worker.minReplicas >= 2);
        const staging = revealSecrets(runs.staging.outputs.audit) as any;
        assert.ok(audit.scaling.backend.maxReplicas > staging.scaling.backend.maxReplicas);
    });
});
