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
                // jwt, stripe, twilio, database, migrator, backup, restore, restore-test; production's S3 backup keys make nine.
                assert.equal(withComponent(run, "Secret", "secrets").length, stack === "production" ? 9 : 8);
                assert.equal(count("fork-knife:data:Database"), 1);
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
                const kinds = ["database-password", "jwt", ...(stack === "production" ? ["object-storage-key"] : []), "stripe", "twilio"];
                assert.deepEqual(audit.secrets.map((s: any) => s.kind).sort(), kinds);
                assert.ok(audit.database.connectionBudget.needed <= audit.database.connectionBudget.allowed);
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
