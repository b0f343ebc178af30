import { strict as assert } from "assert";
import { AppService, AppServiceArgs, WORKER_HEARTBEAT_FILE, workloadName } from "../../../components/app/app-service";
import { KUBE_DNS } from "../../../components/lib/network-policy";
import { ProgramRun, runProgram } from "../../../tools/lib/program";
import { one, plain } from "../../support/stacks";

const base: AppServiceArgs = {
    namespace: "fork-knife-test",
    environment: "production",
    component: "backend",
    image: "ghcr.io/fork-knife/backend:1.2.3",
    http: { port: 3000, healthPath: "/health" },
    scaling: { minReplicas: 3, maxReplicas: 9, targetCpuPercent: 70, targetMemoryPercent: 80 },
    resources: { cpu: "250m", memory: "256Mi", memoryLimit: "512Mi" },
    env: { LOG_LEVEL: "warn" },
    secretEnv: [{ name: "DATABASE_URL", secretName: "fork-knife-database", key: "DATABASE_URL" }],
    podAnnotations: { "fork-knife.io/migration-job": "migrate-1-2-3-abcdef" },
    egress: {
        dns: KUBE_DNS, database: { port: 5432, cidrs: ["10.40.16.0/20"] }, redis: { port: 6379, cidrs: ["10.40.32.0/24"] }, https: {},
    },
    metrics: { port: 9464, namespaceLabels: { "kubernetes.io/metadata.name": "monitoring" } },
};

function render(args: AppServiceArgs): Promise<ProgramRun> {
    return runProgram({ stack: "test", config: {}, secretKeys: [], program: () => { new AppService(args.component, args); } });
}

describe("AppService", () => {
    let backend: ProgramRun;
    let worker: ProgramRun;
    before(async () => {
        backend = await render(base);
        worker = await render({ ...base, component: "worker", http: undefined, metrics: undefined, command: ["npm", "run", "worker"],
            scaling: { minReplicas: 2, maxReplicas: 4, targetCpuPercent: 65, targetMemoryPercent: 75 } });
    });

    it("parents every child to the component", () => {
        const component = one(backend, "fork-knife:app:AppService");
        const children = backend.resources.filter((r) => r.type.startsWith("kubernetes:"));
        assert.equal(children.length, 6);
        for (const c of children) assert.equal(c.parent, component.urn, `${c.type} is not parented`);
    });

    it("rolls the backend without ever dropping below the serving count, and keeps revisions for rollback", () => {
        const spec = plain(one(backend, "kubernetes:apps/v1:Deployment")).spec;
        assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } });
        assert.ok(spec.revisionHistoryLimit >= 5);
        assert.equal(spec.replicas, undefined, "the HPA owns the replica count");
    });

    it("probes the backend on the health path: startup, readiness and liveness", () => {
        const c = plain(one(backend, "kubernetes:apps/v1:Deployment")).spec.template.spec.containers[0];
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            assert.deepEqual(c[probe].httpGet, { path: "/health", port: "http" }, probe);
        }
        assert.equal(c.ports[0].containerPort, 3000);
        assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 60, "at least a minute to boot");
    });

    it("gives the worker a heartbeat liveness check instead of HTTP probes, and no Service", () => {
        const c = plain(one(worker, "kubernetes:apps/v1:Deployment")).spec.template.spec.containers[0];
        assert.equal(c.readinessProbe, undefined);
        assert.equal(c.livenessProbe.httpGet, undefined);
        assert.ok(c.livenessProbe.exec.command.join(" ").includes(WORKER_HEARTBEAT_FILE));
        assert.deepEqual(c.command, ["npm", "run", "worker"]);
        assert.equal(worker.resources.filter((r) => r.type === "kubernetes:core/v1:Service").length, 0);
    });

    it("meets Pod Security Standards restricted, with a writable /tmp only", () => {
        for (const run of [backend, worker]) {
            const pod = plain(one(run, "kubernetes:apps/v1:Deployment")).spec.template.spec;
            assert.equal(pod.securityContext.runAsNonRoot, true);
            assert.ok(pod.securityContext.runAsUser > 10000);
            assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
            assert.equal(pod.automountServiceAccountToken, false);
            const sc = pod.containers[0].securityContext;
            assert.equal(sc.allowPrivilegeEscalation, false);
            assert.equal(sc.readOnlyRootFilesystem, true);
            assert.deepEqual(sc.capabilities.drop, ["ALL"]);
            assert.deepEqual(pod.containers[0].volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
            assert.ok(pod.volumes.some((v: any) => v.name === "tmp" && v.emptyDir));
        }
    });

    it("requests CPU and memory and limits memory", () => {
        const r = plain(one(backend, "kubernetes:apps/v1:Deployment")).spec.template.spec.containers[0].resources;
        assert.deepEqual(r, { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } });
        const withCpuLimit = { ...base, resources: { ...base.resources, cpuLimit: "1" } };
        return render(withCpuLimit).then((run) => {
            assert.equal(plain(one(run, "kubernetes:apps/v1:Deployment")).spec.template.spec.containers[0].resources.limits.cpu, "1");
        });
    });

    it("takes credentials only by Secret reference, and plain settings as values", () => {
        const env = plain(one(backend, "kubernetes:apps/v1:Deployment")).spec.template.spec.containers[0].env;
        assert.deepEqual(env.find((e: any) => e.name === "DATABASE_URL"),
            { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "fork-knife-database", key: "DATABASE_URL" } } });
        assert.deepEqual(env.find((e: any) => e.name === "LOG_LEVEL"), { name: "LOG_LEVEL", value: "warn" });
    });

    it("copies the given pod annotations (the migration Job's name) onto the pod template", () => {
        const t = plain(one(backend, "kubernetes:apps/v1:Deployment")).spec.template;
        assert.equal(t.metadata.annotations["fork-knife.io/migration-job"], "migrate-1-2-3-abcdef");
    });

    it("scales on CPU and memory with each workload's own settings and a slow scale-down", () => {
        const hpa = plain(one(backend, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).spec;
        const deployment = one(backend, "kubernetes:apps/v1:Deployment");
        assert.equal(hpa.scaleTargetRef.name, (deployment.outputs.metadata as any).name);
        assert.equal(hpa.minReplicas, 3);
        assert.equal(hpa.maxReplicas, 9);
        const target = (spec: any, name: string) => spec.metrics.find((m: any) => m.resource.name === name).resource.target.averageUtilization;
        assert.equal(target(hpa, "cpu"), 70);
        assert.equal(target(hpa, "memory"), 80);
        assert.ok(hpa.behavior.scaleDown.stabilizationWindowSeconds >= 300);
        const workerHpa = plain(one(worker, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).spec;
        assert.deepEqual([workerHpa.minReplicas, workerHpa.maxReplicas, target(workerHpa, "cpu"), target(workerHpa, "memory")], [2, 4, 65, 75]);
    });

    it("has a disruption budget that always lets a drain proceed", () => {
        const pdb = plain(one(backend, "kubernetes:policy/v1:PodDisruptionBudget")).spec;
        assert.equal(pdb.maxUnavailable, 1);
        assert.equal(pdb.unhealthyPodEvictionPolicy, "AlwaysAllow");
        const deployment = plain(one(backend, "kubernetes:apps/v1:Deployment"));
        assert.deepEqual(pdb.selector.matchLabels, deployment.spec.selector.matchLabels);
    });

    it("selects pods by labels the template carries", () => {
        const d = plain(one(backend, "kubernetes:apps/v1:Deployment")).spec;
        for (const [k, v] of Object.entries(d.selector.matchLabels)) assert.equal(d.template.metadata.labels[k], v);
        const svc = plain(one(backend, "kubernetes:core/v1:Service")).spec;
        assert.deepEqual(svc.selector, d.selector.matchLabels);
        assert.equal(svc.type, "ClusterIP");
        assert.equal(svc.ports[0].targetPort, "http");
    });

    it("backend ingress: the public port from anywhere, metrics only from the monitoring namespace; worker none", () => {
        const np = plain(one(backend, "kubernetes:networking.k8s.io/v1:NetworkPolicy")).spec;
        assert.deepEqual(np.policyTypes, ["Ingress", "Egress"]);
        assert.deepEqual(np.ingress, [
            { ports: [{ protocol: "TCP", port: 3000 }] },
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9464 }] },
        ]);
        const container = plain(one(backend, "kubernetes:apps/v1:Deployment")).spec.template.spec.containers[0];
        assert.deepEqual(container.ports.map((p: any) => `${p.name}/${p.containerPort}`), ["http/3000", "metrics/9464"]);
        const service = plain(one(backend, "kubernetes:core/v1:Service")).spec;
        assert.deepEqual(service.ports.map((p: any) => `${p.name}/${p.port}->${p.targetPort}`), ["http/3000->http", "metrics/9464->metrics"]);
        const wnp = plain(one(worker, "kubernetes:networking.k8s.io/v1:NetworkPolicy")).spec;
        assert.deepEqual(wnp.ingress, []);
    });

    it("egress names its peers: DNS pods, the database and Redis blocks; only HTTPS is open, and marked", () => {
        const np = plain(one(backend, "kubernetes:networking.k8s.io/v1:NetworkPolicy"));
        assert.deepEqual(np.spec.egress, [
            {
                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
            },
            { to: [{ ipBlock: { cidr: "10.40.16.0/20" } }], ports: [{ protocol: "TCP", port: 5432 }] },
            { to: [{ ipBlock: { cidr: "10.40.32.0/24" } }], ports: [{ protocol: "TCP", port: 6379 }] },
            { ports: [{ protocol: "TCP", port: 443 }] },
        ]);
        assert.deepEqual(np.metadata.annotations, { "fork-knife.io/open-egress-ports": "443" });
    });

    it("egress.httpsCidrs narrows HTTPS, and the open-port mark goes away with it", async () => {
        const narrowed = await render({ ...base, egress: { ...base.egress, https: { cidrs: ["203.0.113.0/24"] } } });
        const np = plain(one(narrowed, "kubernetes:networking.k8s.io/v1:NetworkPolicy"));
        assert.deepEqual(np.spec.egress.at(-1), { to: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] });
        assert.deepEqual(np.metadata.annotations, {});
    });

    it("runs under a ServiceAccount without an API token", () => {
        const sa = plain(one(backend, "kubernetes:core/v1:ServiceAccount"));
        assert.equal(sa.automountServiceAccountToken, false);
        const pod = plain(one(backend, "kubernetes:apps/v1:Deployment")).spec.template.spec;
        assert.equal(pod.serviceAccountName, (one(backend, "kubernetes:core/v1:ServiceAccount").outputs.metadata as any).name);
    });

    it("labels every object as DESIGN.md names them", () => {
        for (const r of worker.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            const labels = plain(r).metadata.labels;
            assert.equal(labels["app.kubernetes.io/component"], "worker", r.type);
            assert.equal(labels["app.kubernetes.io/part-of"], "fork-knife");
            assert.equal(labels["app.kubernetes.io/managed-by"], "pulumi");
            assert.equal(labels["fork-knife.io/environment"], "production");
        }
    });

    it("names the Deployment, its Service, HPA and PDB fork-knife-<component>, in the inputs (not auto-named)", () => {
        for (const [run, component, kinds] of [
            [backend, "backend", ["apps/v1:Deployment", "core/v1:Service", "autoscaling/v2:HorizontalPodAutoscaler", "policy/v1:PodDisruptionBudget"]],
            [worker, "worker", ["apps/v1:Deployment", "autoscaling/v2:HorizontalPodAutoscaler", "policy/v1:PodDisruptionBudget"]],
        ] as const) {
            for (const kind of kinds) {
                assert.equal(plain(one(run, `kubernetes:${kind}`)).metadata.name, `fork-knife-${component}`, `${component} ${kind}`);
            }
            assert.equal(plain(one(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).spec.scaleTargetRef.name, `fork-knife-${component}`);
        }
        assert.equal(workloadName("worker"), "fork-knife-worker");
    });

    it("leaves deleteBeforeReplace to the provider, so renaming the old auto-named Deployments creates first", () => {
        // The provider deletes first when a replacement keeps the name (a new selector); forcing the option would
        // also delete first on the one-time rename to fork-knife-<component>, an outage of every backend pod.
        for (const run of [backend, worker]) {
            for (const r of run.resources.filter((x) => x.custom)) assert.equal(r.deleteBeforeReplace, false, `${r.type} forces deleteBeforeReplace`);
        }
    });
});
