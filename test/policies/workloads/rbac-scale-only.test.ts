import * as assert from "assert";
import { standardLabels } from "../../../components/lib/labels";
import { clone, deployment, job, NS, res, violations } from "../support";

const POLICY = "workload-rbac-scale-only";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const CLUSTER_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const NAMES = ["fk-backend", "fk-worker"];

/* eslint-disable @typescript-eslint/no-explicit-any */
const meta = (name: string) => ({ name, namespace: NS, labels: standardLabels("restore", "production") });
/** The live restore's grant, written out by hand: scale and read the two Deployments, read pods. */
const rules = (): any[] => [
    { apiGroups: ["apps"], resources: ["deployments"], resourceNames: [...NAMES], verbs: ["get", "list", "watch"] },
    { apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: [...NAMES], verbs: ["get", "patch", "update"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
];
const role = (r: any[] = rules()) => res(ROLE, "scale-role", { metadata: meta("scale-down"), rules: r });
const binding = (subjects: any[] = [{ kind: "ServiceAccount", name: "fk-restore", namespace: NS }], roleRef: any = { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "scale-down" }) =>
    res(BINDING, "scale-binding", { metadata: meta("scale-down"), subjects, roleRef });
/** A Job labelled component=restore running as `account`. */
function restoreJob(account = "fk-restore", component = "restore"): any {
    const j = clone(job());
    j.metadata = { ...j.metadata, name: "restore-1", labels: standardLabels(component as "restore", "production") };
    j.spec.template.metadata.labels = standardLabels(component as "restore", "production");
    j.spec.template.spec.serviceAccountName = account;
    return res("Job", "restore-1", j);
}
const stack = (...extra: any[]) => [res("Deployment", "backend", deployment("backend")), res("Deployment", "worker", deployment("worker")), restoreJob(), ...extra];

describe("policy workload-rbac-scale-only", () => {
    it("passes the live restore's Role and binding, and a stack without any RBAC", async () => {
        assert.deepStrictEqual(await violations(POLICY, stack(role(), binding())), []);
        assert.deepStrictEqual(await violations(POLICY, stack()), []);
    });

    it("flags anything cluster-wide", async () => {
        const v = await violations(POLICY, stack(res(CLUSTER_ROLE, "cr", { metadata: { name: "reader" }, rules: [] }),
            res(CLUSTER_BINDING, "crb", { metadata: { name: "reader" }, roleRef: { kind: "ClusterRole", name: "reader" }, subjects: [] })));
        assert.deepStrictEqual(v, ["ClusterRole/reader: the program grants nothing cluster-wide; use a Role in the namespace",
            "ClusterRoleBinding/reader: the program grants nothing cluster-wide; use a Role in the namespace"]);
    });

    it("flags each rule that grants more than scaling the named Deployments and reading pods", async () => {
        const cases: [any, RegExp][] = [
            [{ apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: NAMES, verbs: ["get", "patch", "update", "delete"] }, /may only get, patch and update deployments\/scale/],
            [{ apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["patch"] }, /must name its Deployments in resourceNames, each declared alongside \(got \[\]\)/],
            [{ apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: ["fk-backend", "fk-api"], verbs: ["patch"] }, /each declared alongside \(got \["fk-backend","fk-api"\]\)/],
            [{ apiGroups: ["apps"], resources: ["deployments"], resourceNames: NAMES, verbs: ["get", "patch"] }, /may only get, list and watch deployments/],
            [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["list", "watch"] }, /must name its Deployments in resourceNames/],
            [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] }, /may only get, list and watch pods/],
            [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }, /grants core\/pods\/exec: only apps\/deployments/],
            [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }, /grants core\/secrets/],
            [{ apiGroups: ["*"], resources: ["deployments/scale"], resourceNames: NAMES, verbs: ["patch"] }, /uses a wildcard/],
            [{ apiGroups: ["apps"], resources: ["deployments", "deployments/scale"], resourceNames: NAMES, verbs: ["get"] }, /one API group and one resource/],
            [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }, /nonResourceURLs/],
        ];
        for (const [rule, why] of cases) {
            const v = await violations(POLICY, stack(role([...rules(), rule]), binding()));
            assert.strictEqual(v.length, 1, `${JSON.stringify(rule)}: ${v.join("\n")}`);
            assert.match(v[0], /^Role\/scale-down: rules\[3\] /);
            assert.match(v[0], why);
        }
    });

    it("flags a binding to a ClusterRole or an undeclared Role, a user, another namespace's account, or none", async () => {
        assert.match((await violations(POLICY, stack(role(), binding(undefined, { kind: "ClusterRole", name: "edit" }))))[0],
            /RoleBinding\/scale-down: roleRef must name a Role declared alongside in fork-knife-production, got ClusterRole\/edit/);
        assert.match((await violations(POLICY, stack(binding())))[0], /roleRef must name a Role declared alongside/);
        assert.deepStrictEqual(await violations(POLICY, stack(role(), binding([{ kind: "User", name: "alice" }]))),
            ["RoleBinding/scale-down: subjects[0] must be a ServiceAccount of fork-knife-production, got User/alice"]);
        assert.match((await violations(POLICY, stack(role(), binding([{ kind: "ServiceAccount", name: "fk-restore", namespace: "kube-system" }]))))[0], /must be a ServiceAccount of fork-knife-production/);
        assert.deepStrictEqual(await violations(POLICY, stack(role(), binding([]))), ["RoleBinding/scale-down: binds no subject"]);
    });

    it("flags an account that no restore Job uses, or that another workload shares", async () => {
        assert.deepStrictEqual(await violations(POLICY, stack(role(), binding([{ kind: "ServiceAccount", name: "fk-backend" }]))),
            ["RoleBinding/scale-down: subjects[0] ServiceAccount/fk-backend runs no live restore Job declared alongside"]);
        const shared = clone(deployment("backend"));
        shared.spec.template.spec.serviceAccountName = "fk-restore";
        const v = await violations(POLICY, [res("Deployment", "backend", shared), res("Deployment", "worker", deployment("worker")), restoreJob(), role(), binding()]);
        assert.deepStrictEqual(v, ["RoleBinding/scale-down: subjects[0] ServiceAccount/fk-restore is also the account of Deployment/fk-backend: " +
            "only the live restore Job (a Job labelled app.kubernetes.io/component=restore) may hold API rights"]);
        // A Job of another component (the backup) under the account is not the live restore either.
        const v2 = await violations(POLICY, [res("Deployment", "backend", deployment("backend")), res("Deployment", "worker", deployment("worker")),
            restoreJob("fk-restore", "backup"), role(), binding()]);
        assert.match(v2[0], /is also the account of Job\/restore-1/);
    });
});
