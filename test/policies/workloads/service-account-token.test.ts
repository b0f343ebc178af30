import * as assert from "assert";
import { evaluatePolicies } from "../../../policies/offline";
import { clone, cronJob, deployment, job, metadata, NAMES, NS, res, violations } from "../support";

const SA = "kubernetes:core/v1:ServiceAccount";
const POLICY = "workload-service-account-token";

/** A Deployment that leaves the token setting to its ServiceAccount. */
function inheriting(account = "backend"): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    const d = clone(deployment());
    delete d.spec.template.spec.automountServiceAccountToken;
    d.spec.template.spec.serviceAccountName = account;
    return d;
}
const account = (name: string, automount: boolean | undefined, namespace = NS) =>
    res(SA, name, { metadata: { ...metadata("backend", name), namespace }, ...(automount === undefined ? {} : { automountServiceAccountToken: automount }) });

describe("policy workload-service-account-token", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations(POLICY, [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names the resource", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        delete spec.automountServiceAccountToken;
        const v = await violations(POLICY, [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend: spec\.template\.spec\.automountServiceAccountToken must be false, or unset with its ServiceAccount \(default\)/);
    });
    it("passes a pod that leaves it unset when its ServiceAccount, declared alongside, disables automounting", async () => {
        // Polaris's success.serviceaccount case: Kubernetes takes the account's false when the pod says nothing.
        assert.deepStrictEqual(await violations(POLICY, [res("Deployment", NAMES.resource, inheriting()), account("backend", false)]), []);
        // An auto-named account (no metadata.name) is referred to as <pulumi name>-<8 characters>.
        const auto = res(SA, "backend-sa", { metadata: { namespace: NS }, automountServiceAccountToken: false });
        assert.deepStrictEqual(await violations(POLICY, [res("Deployment", NAMES.resource, inheriting("backend-sa-1a2b3c4d")), auto]), []);
    });
    it("flags a pod's true over its account's false, and an account that does not disable it or lives elsewhere", async () => {
        const explicit = inheriting();
        explicit.spec.template.spec.automountServiceAccountToken = true;
        assert.deepStrictEqual(await violations(POLICY, [res("Deployment", NAMES.resource, explicit), account("backend", false)]), [
            "Deployment/fk-backend: spec.template.spec.automountServiceAccountToken must be false, got true (the pod's value overrides its ServiceAccount's)",
        ]);
        assert.deepStrictEqual(await violations(POLICY, [res("Deployment", NAMES.resource, inheriting()), account("backend", undefined)]), [
            "Deployment/fk-backend: spec.template.spec.automountServiceAccountToken must be false, or unset with ServiceAccount/backend setting automountServiceAccountToken: false (it does not)",
        ]);
        const twice = await violations(POLICY, [res("Deployment", NAMES.resource, inheriting()), account("backend", false), res(SA, "backend-copy", account("backend", true).props)]);
        assert.strictEqual(twice.length, 1, "two declarations of the account must both disable it");
        const v = await violations(POLICY, [res("Deployment", NAMES.resource, inheriting()), account("backend", false, "fork-knife-staging")]);
        assert.strictEqual(v.length, 1, "an account of another namespace is not the pod's");
        assert.match(v[0], /or unset with its ServiceAccount \(backend\) declared alongside/);
    });
    it("checks Jobs, CronJobs and bare Pods too", async () => {
        const pod = res("Pod", "debug", { metadata: metadata("backend", "debug"), spec: { containers: [{ name: "sh", image: "busybox:1.36" }] } });
        const cron = cronJob();
        delete cron.spec.jobTemplate.spec.template.spec.automountServiceAccountToken;
        const v = await violations(POLICY, [pod, res("CronJob", "backup", cron), res("Job", "migrate", job())]);
        assert.deepStrictEqual(v, [
            "Pod/debug: spec.automountServiceAccountToken must be false, or unset with its ServiceAccount (default) declared alongside with automountServiceAccountToken: false",
            "CronJob/backup: spec.jobTemplate.spec.template.spec.automountServiceAccountToken must be false, or unset with its ServiceAccount (default) declared alongside with automountServiceAccountToken: false",
        ]);
    });
    describe("projected tokens: only the live restore Job's init containers, for at most an hour", () => {
        const tokenVolume = (expirationSeconds: unknown = 600, extra: Record<string, unknown> = {}) => ({
            name: "kube-api-access",
            projected: { sources: [{ serviceAccountToken: { path: "token", ...(expirationSeconds === "unset" ? {} : { expirationSeconds }), ...extra } },
                { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } }] },
        });
        /** A Job of `component` whose init container "scale-down" mounts the token, the pod keeping automount false. */
        function withToken(component = "restore", kind: "Job" | "CronJob" = "Job", volume: any = tokenVolume()): any { // eslint-disable-line @typescript-eslint/no-explicit-any
            const j = kind === "Job" ? clone(job()) : clone(cronJob());
            const template = kind === "Job" ? j.spec.template : j.spec.jobTemplate.spec.template;
            template.metadata = { labels: { ...metadata("backend").labels, "app.kubernetes.io/component": component } };
            template.spec.volumes.push(volume);
            template.spec.initContainers = [{ ...clone(template.spec.containers[0]), name: "scale-down",
                volumeMounts: [{ name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }] }];
            return j;
        }
        it("passes the live restore Job's init container with a 10-minute token (and the 1-hour limit itself)", async () => {
            assert.deepStrictEqual(await violations(POLICY, [res("Job", "restore", withToken())]), []);
            assert.deepStrictEqual(await violations(POLICY, [res("Job", "restore", withToken("restore", "Job", tokenVolume(3600)))]), []);
        });
        it("flags a token in any other pod: another component, a CronJob, a Deployment", async () => {
            const v = await violations(POLICY, [res("Job", "migrate", withToken("migration")), res("CronJob", "restore-test", withToken("restore", "CronJob"))]);
            assert.deepStrictEqual(v, [
                'Job/migrate-1: spec.template.spec.volumes ("kube-api-access") projects a ServiceAccount token: only the live restore Job (a Job labelled app.kubernetes.io/component=restore) may, for its scale-down step',
                'CronJob/backup: spec.jobTemplate.spec.template.spec.volumes ("kube-api-access") projects a ServiceAccount token: only the live restore Job (a Job labelled app.kubernetes.io/component=restore) may, for its scale-down step',
            ]);
            const d = clone(deployment());
            d.spec.template.spec.volumes.push(tokenVolume());
            assert.strictEqual((await violations(POLICY, [res("Deployment", NAMES.resource, d)])).length, 1);
        });
        it("flags a token past an hour or without a lifetime, one for another audience, and one the main container mounts", async () => {
            assert.deepStrictEqual(await violations(POLICY, [res("Job", "restore", withToken("restore", "Job", tokenVolume(3601)))]),
                ['Job/migrate-1: spec.template.spec.volumes ("kube-api-access") serviceAccountToken.expirationSeconds must be set, at most 3600, got 3601']);
            assert.match((await violations(POLICY, [res("Job", "restore", withToken("restore", "Job", tokenVolume("unset")))]))[0], /must be set, at most 3600, got undefined/);
            assert.match((await violations(POLICY, [res("Job", "restore", withToken("restore", "Job", tokenVolume(600, { audience: "vault" })))]))[0], /audience must be unset/);
            const main = withToken();
            main.spec.template.spec.containers[0].volumeMounts = [{ name: "kube-api-access", mountPath: "/token" }];
            assert.deepStrictEqual(await violations(POLICY, [res("Job", "restore", main)]),
                ['Job/migrate-1: spec.template.spec.containers[0] mounts the ServiceAccount token volume "kube-api-access": only init containers may']);
        });
        it("still flags the restore Job when its pod automounts the token (that reaches every container)", async () => {
            const j = withToken();
            j.spec.template.spec.automountServiceAccountToken = true;
            assert.match((await violations(POLICY, [res("Job", "restore", j)]))[0], /automountServiceAccountToken must be false, got true/);
        });
    });
    it("is relational: runs on plain manifests (`npm run policy` without --complete-stack)", async () => {
        const d = clone(deployment());
        delete d.spec.template.spec.automountServiceAccountToken;
        const outcomes = await evaluatePolicies([res("Deployment", NAMES.resource, d)], { environment: "production", completeStack: false });
        const mine = outcomes.find((o) => o.policy === POLICY);
        assert.strictEqual(mine?.status, "fail");
        // ...while completeness policies, which ask for something to exist, stay out of it.
        assert.ok(!outcomes.some((o) => o.policy === "backup-present"));
    });
});
