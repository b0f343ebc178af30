// The live restore's scale-down, as the whole program renders it: both workloads at zero and their pods gone before
// restore.sh, with a token only the kubectl steps see and a Role that can do nothing else.
import { strict as assert } from "assert";
import { parseSelector, selects } from "../../docs/kubectl";
import { ProgramRun } from "../../../tools/lib/program";
import { ofType, one, plain, runStack, stackConfig, withComponent } from "../../support/stacks";

type Stack = "staging" | "production";
/* eslint-disable @typescript-eslint/no-explicit-any */

/** The committed stack file with a restore request (and any other backup/egress fields) added. */
function withRestore(stack: Stack, extra: { backup?: Record<string, unknown>; egress?: Record<string, unknown> } = {}): Promise<ProgramRun> {
    const config = stackConfig(stack).config;
    const backup = { ...JSON.parse(config["fork-knife:backup"] ?? "{}"), restoreFrom: "latest", confirmRestore: stack, ...extra.backup };
    const egress = { ...JSON.parse(config["fork-knife:egress"] ?? "{}"), ...extra.egress };
    return runStack(stack, { set: { "fork-knife:backup": backup, "fork-knife:egress": egress } });
}

const restoreJob = (r: ProgramRun) => withComponent(r, "Job", "restore").map((j) => ({ resource: j, job: plain(j) }))[0];
const deployments = (r: ProgramRun) => ofType(r, "kubernetes:apps/v1:Deployment").map(plain);
const flag = (argv: string[], name: string) => argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);

describe("LiveRestoreScaleDown (the live restore Job's first steps)", () => {
    let staging: ProgramRun;
    let production: ProgramRun;
    before(async () => {
        staging = await withRestore("staging");
        production = await withRestore("production");
    });

    it("scales exactly the two rendered Deployments to zero, then waits for their pods to be deleted, before restore.sh", () => {
        for (const [stack, r] of [["staging", staging], ["production", production]] as const) {
            const { job } = restoreJob(r);
            const pod = job.spec.template.spec;
            const [scale, backend, worker, wait] = pod.initContainers;
            assert.deepEqual(pod.initContainers.slice(0, 4).map((c: any) => c.name), ["scale-down", "scaled-backend", "scaled-worker", "wait-for-pods-gone"], stack);
            const namespace = job.metadata.namespace;
            // Every Deployment the stack renders (both write to the database) is scaled, by its fixed name.
            const names = deployments(r).map((d) => d.metadata.name).sort();
            assert.equal(names.length, 2);
            assert.deepEqual(scale.command, ["kubectl", "--namespace", namespace, "scale", ...names.map((n) => `deployment/${n}`), "--replicas=0"]);
            // ...and each one's controller must have scaled its ReplicaSets to zero before the pods are waited for.
            assert.deepEqual([backend, worker].map((c: any) => c.command), names.map((n) =>
                ["kubectl", "--namespace", namespace, "rollout", "status", `deployment/${n}`, "--timeout=600s"]));
            assert.deepEqual(wait.command.slice(0, 6), ["kubectl", "--namespace", namespace, "wait", "--for=delete", "pod"]);
            assert.equal(flag(wait.command, "--timeout"), "600s");
            // The selector takes every pod of both Deployments and no other pod (not the restore's own).
            const reqs = parseSelector(flag(wait.command, "--selector")!);
            assert.ok(typeof reqs !== "string", String(reqs));
            for (const d of deployments(r)) assert.ok(selects(reqs as any, d.spec.template.metadata.labels), `${stack}: selects ${d.metadata.name}'s pods`);
            for (const other of [...ofType(r, "kubernetes:batch/v1:Job"), ...ofType(r, "kubernetes:batch/v1:CronJob")].map(plain)) {
                const labels = other.spec.template?.metadata.labels ?? other.spec.jobTemplate.spec.template.metadata.labels;
                assert.ok(!selects(reqs as any, labels), `${stack}: must not wait for ${other.metadata.name}'s pods`);
            }
            // restore.sh is the main container: it starts only after both init containers succeeded.
            assert.deepEqual(pod.containers.map((c: any) => c.command), [["bash", "/scripts/restore.sh"]]);
        }
    });

    it("runs kubectl from backup.kubectlImage: the default release in staging, production's digest-pinned one", () => {
        const images = (r: ProgramRun) => restoreJob(r).job.spec.template.spec.initContainers.slice(0, 4).map((c: any) => c.image);
        assert.deepEqual(images(staging), Array(4).fill("registry.k8s.io/kubectl:v1.32.4"));
        const pinned = JSON.parse(stackConfig("production").config["fork-knife:backup"]).kubectlImage;
        assert.match(pinned, /^registry\.k8s\.io\/kubectl:v1\.32\.4@sha256:[0-9a-f]{64}$/);
        assert.deepEqual(images(production), Array(4).fill(pinned));
    });

    it("gives the token to the kubectl steps only: short-lived, projected, never automounted, not in restore.sh's container", () => {
        const pod = restoreJob(production).job.spec.template.spec;
        assert.equal(pod.automountServiceAccountToken, false);
        const tokenVolumes = pod.volumes.filter((v: any) => v.projected?.sources.some((s: any) => s.serviceAccountToken));
        assert.equal(tokenVolumes.length, 1);
        const token = tokenVolumes[0].projected.sources.find((s: any) => s.serviceAccountToken).serviceAccountToken;
        assert.ok(token.expirationSeconds >= 600 && token.expirationSeconds <= 3600, `${token.expirationSeconds}`);
        assert.equal(token.audience, undefined);
        const mounting = [...pod.initContainers, ...pod.containers].filter((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === tokenVolumes[0].name));
        assert.deepEqual(mounting.map((c: any) => c.name), ["scale-down", "scaled-backend", "scaled-worker", "wait-for-pods-gone"]);
        for (const c of mounting) {
            const m = c.volumeMounts.find((x: any) => x.name === tokenVolumes[0].name);
            assert.equal(m.mountPath, "/var/run/secrets/kubernetes.io/serviceaccount");
            assert.equal(m.readOnly, true);
            assert.equal(c.securityContext.readOnlyRootFilesystem, true);
            assert.equal(c.env.find((e: any) => e.name === "HOME").value, "/tmp", "kubectl's cache must land on the writable /tmp");
            assert.ok(c.volumeMounts.some((x: any) => x.mountPath === "/tmp"));
        }
        // The other backup pods still hold no token at all.
        for (const cron of ofType(production, "kubernetes:batch/v1:CronJob").map(plain)) {
            assert.ok(!(cron.spec.jobTemplate.spec.template.spec.volumes ?? []).some((v: any) => v.projected), cron.metadata.name);
        }
    });

    it("binds a Role that scales exactly those Deployments and reads pods to the restore Job's account alone", () => {
        const { job } = restoreJob(production);
        const role = plain(one(production, "kubernetes:rbac.authorization.k8s.io/v1:Role"));
        const binding = plain(one(production, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"));
        const names = deployments(production).map((d) => d.metadata.name).sort();
        assert.deepEqual(role.rules.map((r: any) => [r.apiGroups, r.resources, r.verbs, r.resourceNames ? [...r.resourceNames].sort() : undefined]), [
            [["apps"], ["deployments"], ["get", "list", "watch"], names],
            [["apps"], ["deployments/scale"], ["get", "patch", "update"], names],
            [[""], ["pods"], ["get", "list", "watch"], undefined],
        ]);
        assert.equal(role.metadata.namespace, job.metadata.namespace);
        assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name });
        assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: job.spec.template.spec.serviceAccountName, namespace: job.metadata.namespace }]);
        // That account is the restore Job's own: no other pod runs as it.
        const others = [...ofType(production, "kubernetes:batch/v1:CronJob").map((c) => plain(c).spec.jobTemplate.spec.template.spec),
            ...ofType(production, "kubernetes:apps/v1:Deployment").map((d) => plain(d).spec.template.spec),
            ...ofType(production, "kubernetes:batch/v1:Job").map(plain).filter((j) => j.metadata.name !== job.metadata.name).map((j) => j.spec.template.spec)];
        assert.ok(!others.some((p) => p.serviceAccountName === job.spec.template.spec.serviceAccountName));
    });

    it("the Job starts only after its Role, binding and API egress exist, and after both Deployments (a new cluster)", () => {
        const { resource } = restoreJob(production);
        // On a new cluster (disaster recovery) kubectl must find them, and none may come up while the restore runs.
        for (const d of ofType(production, "kubernetes:apps/v1:Deployment")) assert.ok(resource.dependencies.includes(d.urn), d.name);
        for (const type of ["kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"]) {
            assert.ok(resource.dependencies.includes(one(production, type).urn), type);
        }
        const api = ofType(production, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((n) => plain(n).metadata.name === "fork-knife-restore-scale-down-api")!;
        assert.ok(resource.dependencies.includes(api.urn));
    });

    it("reaches the API server's endpoints from the restore pods only: production's blocks, staging's marked HTTPS or a named port", async () => {
        const apiPolicy = (r: ProgramRun) => plain(ofType(r, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((n) => plain(n).metadata.name === "fork-knife-restore-scale-down-api")!);
        const p = apiPolicy(production);
        assert.deepEqual(p.spec.podSelector.matchLabels, { "app.kubernetes.io/name": "fork-knife", "app.kubernetes.io/component": "restore" });
        assert.deepEqual(p.spec.ingress, []);
        assert.deepEqual(p.spec.egress, [{ to: [{ ipBlock: { cidr: "10.40.0.0/28" } }], ports: [{ protocol: "TCP", port: 443 }] }]);
        assert.deepEqual(p.metadata.annotations, {});
        // Staging without blocks on 443: the marked HTTPS allowance; on kubeadm's 6443 with blocks: those only.
        const s = apiPolicy(staging);
        assert.deepEqual(s.spec.egress, [{ ports: [{ protocol: "TCP", port: 443 }] }]);
        assert.deepEqual(s.metadata.annotations, { "fork-knife.io/open-egress-ports": "443" });
        const kubeadm = apiPolicy(await withRestore("staging", { egress: { kubernetesApiCidrs: ["192.168.10.0/29"], kubernetesApiPort: 6443 } }));
        assert.deepEqual(kubeadm.spec.egress, [{ to: [{ ipBlock: { cidr: "192.168.10.0/29" } }], ports: [{ protocol: "TCP", port: 6443 }] }]);
        assert.deepEqual(kubeadm.metadata.annotations, {});
    });

    it("exists only with a restore request: no Role, binding or API egress otherwise", async () => {
        for (const stack of ["staging", "production"] as const) {
            const r = await runStack(stack);
            assert.equal(ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:Role").length, 0, stack);
            assert.equal(ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").length, 0, stack);
            assert.ok(!ofType(r, "kubernetes:networking.k8s.io/v1:NetworkPolicy").some((n) => plain(n).metadata.name === "fork-knife-restore-scale-down-api"));
        }
    });
});
