// The pack as the Pulumi engine runs it: policies/ started the way the CLI starts a Node.js policy pack
// (@pulumi/pulumi's run-policy-pack, which prints the analyzer's gRPC port on stdout), then driven over gRPC with
// the Analyzer service definitions that ship in @pulumi/pulumi/proto: GetPluginInfo, GetAnalyzerInfo, Configure
// with policies/config/<stack>.json, Analyze per resource and AnalyzeStack for the whole stack. Properties go over
// the wire as the engine sends them (a protobuf Struct, secrets as signature objects, unknowns as the sentinel).
// For both stacks and single-breach variants, the diagnostics must equal policies/offline.ts's.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports */
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { evaluatePolicies } from "../../policies/offline";
import { POLICIES } from "../../policies/registry";
import { redactSecrets, SECRET_SIG, SECRET_SIG_KEY } from "../../tools/lib/program";
import { REPO_ROOT } from "../../tools/lib/stack-config";
import { engineProperties } from "../../tools/synth";
import { runStack, stackConfig, TODAY } from "../support/stacks";

const PULUMI = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (m: string) => require(require.resolve(m, { paths: [PULUMI] }));
const analyzerGrpc = require(path.join(PULUMI, "proto", "analyzer_grpc_pb.js"));
const analyzerPb = require(path.join(PULUMI, "proto", "analyzer_pb.js"));
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb.js");

/** The engine's marker for a value not known during preview (sdk/go/common/resource/plugin: UnknownStringValue). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const LEVEL: Record<number, string> = {
    [analyzerPb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerPb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerPb.EnforcementLevel.DISABLED]: "disabled",
};

/** One resource as the engine knows it: properties with secrets still marked `{ [SECRET_SIG_KEY]: SECRET_SIG, value }`. */
interface EngineResource { urn: string; type: string; name: string; props: Record<string, any>; parent?: string; dependencies: string[]; protect: boolean }
interface Diagnostic { policy: string; urn: string; level: string; message: string }

const key = (d: Diagnostic) => JSON.stringify([d.policy, d.urn, d.level, d.message]);
const sorted = (ds: Diagnostic[]) => ds.map(key).sort();

/** A Struct, as the engine marshals a PropertyMap: secrets are signature objects and stay so; undefined is dropped. */
function struct(props: unknown): any {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(props ?? {})));
}

function options(r: EngineResource): any {
    const o = new analyzerPb.AnalyzerResourceOptions();
    o.setProtect(r.protect);
    if (r.parent) o.setParent(r.parent);
    return o;
}

class Analyzer {
    private constructor(private readonly child: ChildProcess, private readonly client: any) {}

    /** Starts policies/ as the CLI does and connects to the port it prints. */
    static async start(): Promise<Analyzer> {
        const runner = path.join(PULUMI, "cmd", "run-policy-pack");
        // The CLI passes its engine's address first; the pack never dials it, so any address does.
        const child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: path.join(REPO_ROOT, "policies"), stdio: ["ignore", "pipe", "pipe"] });
        const port = await new Promise<string>((resolve, reject) => {
            let out = "", err = "";
            const timer = setTimeout(() => { child.kill(); reject(new Error(`the policy pack printed no port within 180 s; stderr: ${err}`)); }, 180_000);
            child.stdout!.on("data", (d) => {
                out += d;
                const line = /^(\d+)\n/.exec(out);
                if (line) { clearTimeout(timer); resolve(line[1]); }
            });
            child.stderr!.on("data", (d) => { err += d; });
            child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`the policy pack exited (${code}) before printing its port: ${err}`)); });
        });
        return new Analyzer(child, new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()));
    }

    call<T>(method: string, request: unknown): Promise<T> {
        return new Promise((resolve, reject) => this.client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
    }

    /** Configure, as `--policy-pack-config policies/config/<stack>.json` does, plus the date rotation math uses. */
    async configure(environment: "staging" | "production"): Promise<void> {
        const file = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policies", "config", `${environment}.json`), "utf8"));
        const req = new analyzerPb.ConfigureAnalyzerRequest();
        for (const [name, c] of Object.entries<any>(file)) {
            const { enforcementLevel, ...properties } = c;
            const pc = new analyzerPb.PolicyConfig();
            pc.setEnforcementlevel(analyzerPb.EnforcementLevel[String(enforcementLevel).toUpperCase()]);
            pc.setProperties(struct({ ...properties, now: TODAY }));
            req.getPolicyconfigMap().set(name, pc);
        }
        await this.call("configure", req);
    }

    /** Analyze for every resource, then AnalyzeStack once: what the engine does in a preview. */
    async diagnostics(resources: EngineResource[]): Promise<Diagnostic[]> {
        const out: Diagnostic[] = [];
        const collect = (res: any, fallbackUrn: string) => {
            for (const d of res.getDiagnosticsList()) {
                // CrossGuard sends "<description>\n<message>"; the CLI prints both, the offline evaluator keeps them apart.
                const prefix = `${d.getDescription()}\n`;
                const message = d.getMessage().startsWith(prefix) ? d.getMessage().slice(prefix.length) : d.getMessage();
                out.push({ policy: d.getPolicyname(), urn: d.getUrn() || fallbackUrn, level: LEVEL[d.getEnforcementlevel()], message });
            }
        };
        for (const r of resources) {
            const req = new analyzerPb.AnalyzeRequest();
            req.setType(r.type); req.setName(r.name); req.setUrn(r.urn);
            req.setProperties(struct(r.props)); req.setOptions(options(r));
            // The engine shows a resource policy's violation against the resource it analysed.
            collect(await this.call("analyze", req), r.urn);
        }
        const stackReq = new analyzerPb.AnalyzeStackRequest();
        stackReq.setResourcesList(resources.map((r) => {
            const a = new analyzerPb.AnalyzerResource();
            a.setType(r.type); a.setName(r.name); a.setUrn(r.urn);
            a.setProperties(struct(r.props)); a.setOptions(options(r));
            if (r.parent) a.setParent(r.parent);
            a.setDependenciesList(r.dependencies);
            return a;
        }));
        collect(await this.call("analyzeStack", stackReq), "");
        return out;
    }

    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode !== null) return;
        const exited = new Promise((resolve) => this.child.once("exit", resolve));
        this.child.kill();
        await exited;
    }
}

/** The offline evaluator's answer for the same resources (secrets redacted, as synth hands them). */
async function offline(resources: EngineResource[], environment: "staging" | "production"): Promise<Diagnostic[]> {
    const outcomes = await evaluatePolicies(resources.map((r) => ({ ...r, props: redactSecrets(r.props) as Record<string, unknown> })),
        { environment, now: new Date(`${TODAY}T00:00:00Z`) });
    return outcomes.flatMap((o) => o.violations.map((v) => ({ policy: o.policy, urn: v.urn ?? "", level: o.enforcementLevel, message: v.message })));
}

const runs = new Map<string, Promise<EngineResource[]>>();
/** The stack's resources as the engine would send them; each stack (and variation) runs once, callers get a copy to change. */
async function stackResources(stack: "staging" | "production", set?: Record<string, unknown>): Promise<EngineResource[]> {
    const key = JSON.stringify([stack, set ?? null]);
    if (!runs.has(key)) {
        runs.set(key, runStack(stack, set ? { set } : {}).then((run) => run.resources.map((r) => ({
            urn: r.urn, type: r.type, name: r.name, props: engineProperties(r), parent: r.parent, dependencies: r.dependencies ?? [], protect: r.protect,
        }))));
    }
    return structuredClone(await runs.get(key)!);
}

const component = (r: EngineResource) => r.props.metadata?.labels?.["app.kubernetes.io/component"];
function find(resources: EngineResource[], kind: string, comp: string): EngineResource {
    const found = resources.find((r) => r.type.endsWith(`:${kind}`) && component(r) === comp);
    assert.ok(found, `no ${kind} of component ${comp} in the stack`);
    return found!;
}

/** Single breaches of the production stack: each is one change a reviewer might let through. */
const BREACHES: [string, (rs: EngineResource[]) => EngineResource[], string][] = [
    ["the backend without probes", (rs) => { const c = find(rs, "Deployment", "backend").props.spec.template.spec.containers[0]; delete c.readinessProbe; delete c.livenessProbe; return rs; }, "workload-probes"],
    ["the backend's HPA at one replica", (rs) => { find(rs, "HorizontalPodAutoscaler", "backend").props.spec.minReplicas = 1; return rs; }, "workload-min-replicas"],
    ["the worker's PDB allowing no eviction", (rs) => { const s = find(rs, "PodDisruptionBudget", "worker").props.spec; delete s.minAvailable; s.maxUnavailable = 0; return rs; }, "workload-pdb-allows-eviction"],
    ["a weekly backup", (rs) => { find(rs, "CronJob", "backup").props.spec.schedule = "0 3 * * 0"; return rs; }, "backup-daily"],
    ["no restore test", (rs) => { const t = find(rs, "CronJob", "restore-test"); return rs.filter((r) => r !== t); }, "backup-restore-test"],
    ["no alert rules", (rs) => rs.filter((r) => !r.type.endsWith(":PrometheusRule")), "alert-rules-present"],
    ["a literal password in the worker's env", (rs) => {
        find(rs, "Deployment", "worker").props.spec.template.spec.containers[0].env.push({ name: "SMTP_PASSWORD", value: ["mail", "-", "pw", "-", "9"].join("") });
        return rs;
    }, "workload-env-credentials"],
    ["a secret-marked literal in the backend's env (the engine sends the signature object)", (rs) => {
        find(rs, "Deployment", "backend").props.spec.template.spec.containers[0].env.push({ name: "JWT_SECRET", value: { [SECRET_SIG_KEY]: SECRET_SIG, value: "not-from-a-secret-ref" } });
        return rs;
    }, "workload-env-credentials"],
];

describe("the policy pack over the engine's gRPC protocol", function () {
    let analyzer: Analyzer;
    let compared = 0;
    before(async () => { analyzer = await Analyzer.start(); });
    after(async () => {
        await analyzer?.stop();
        console.log(`      gRPC and the offline evaluator agreed on ${compared} diagnostics (policy, URN, enforcement level, message)`);
    });

    it("answers GetPluginInfo and GetAnalyzerInfo with the pack's name and every policy of the registry", async () => {
        const info = await analyzer.call<any>("getPluginInfo", new Empty());
        assert.match(info.getVersion(), /^\d+\.\d+\.\d+/);
        const a = await analyzer.call<any>("getAnalyzerInfo", new Empty());
        assert.equal(a.getName(), "fork-knife");
        assert.deepEqual(a.getPoliciesList().map((p: any) => p.getName()).sort(), POLICIES.map((p) => p.name).sort());
        for (const p of a.getPoliciesList()) {
            const ours = POLICIES.find((x) => x.name === p.getName())!;
            assert.equal(LEVEL[p.getEnforcementlevel()], ours.enforcementLevel, p.getName());
            assert.equal(p.getDescription(), ours.description);
        }
    });

    for (const stack of ["staging", "production"] as const) {
        it(`${stack}: the engine's diagnostics equal the offline evaluator's (none: the stack is clean)`, async () => {
            const resources = await stackResources(stack);
            await analyzer.configure(stack);
            const viaGrpc = await analyzer.diagnostics(resources);
            const expected = await offline(resources, stack);
            assert.deepEqual(sorted(viaGrpc), sorted(expected));
            assert.deepEqual(viaGrpc, [], "the committed stack is clean");
            assert.ok(resources.length > 50, `${resources.length} resources: the whole stack went over the wire`);
        });
    }

    it("the staging stack judged by production's rules: many diagnostics, the same over gRPC as offline", async () => {
        const resources = await stackResources("staging");
        await analyzer.configure("production");
        const viaGrpc = await analyzer.diagnostics(resources);
        assert.deepEqual(sorted(viaGrpc), sorted(await offline(resources, "production")));
        const policies = new Set(viaGrpc.map((d) => d.policy));
        for (const p of ["workload-image-pinned", "backup-retention", "backup-pre-migration"]) assert.ok(policies.has(p), `${p} among ${[...policies].join(", ")}`);
        compared += viaGrpc.length;
    });

    it("staging with an overdue JWT rotation: advisory over gRPC exactly as offline", async () => {
        // The committed rotation records with only the JWT's moved back past its 90 days.
        const rotation = JSON.parse(stackConfig("staging").config["fork-knife:rotation"]);
        rotation.jwt.rotatedAt = "2026-01-05";
        const resources = await stackResources("staging", { "fork-knife:rotation": rotation });
        await analyzer.configure("staging");
        const viaGrpc = await analyzer.diagnostics(resources);
        assert.deepEqual(sorted(viaGrpc), sorted(await offline(resources, "staging")));
        const overdue = viaGrpc.filter((d) => d.policy === "secret-rotation-overdue");
        assert.ok(overdue.length > 0, "the breach is seen");
        assert.ok(overdue.every((d) => d.level === "advisory"), "advisory in staging");
        compared += viaGrpc.length;
    });

    it("production with every breach below at once: the same diagnostics over gRPC as offline", async () => {
        let resources = await stackResources("production");
        for (const [, breach] of BREACHES) resources = breach(resources);
        await analyzer.configure("production");
        const viaGrpc = await analyzer.diagnostics(resources);
        assert.deepEqual(sorted(viaGrpc), sorted(await offline(resources, "production")));
        assert.deepEqual(new Set(viaGrpc.map((d) => d.policy)), new Set(BREACHES.map(([, , p]) => p)));
        compared += viaGrpc.length;
    });

    describe("single-breach variants of production", () => {
        let production: EngineResource[];
        before(async () => {
            production = await stackResources("production");
            await analyzer.configure("production");
        });
        for (const [what, breach, policy] of BREACHES) {
            it(`${what}: ${policy} over gRPC, the same diagnostics as offline`, async () => {
                const resources = breach(structuredClone(production));
                const viaGrpc = await analyzer.diagnostics(resources);
                assert.deepEqual(sorted(viaGrpc), sorted(await offline(resources, "production")));
                const hits = viaGrpc.filter((d) => d.policy === policy);
                assert.ok(hits.length > 0, `${policy} saw the breach`);
                assert.ok(hits.every((d) => d.level === "mandatory"));
                compared += viaGrpc.length;
            });
        }
    });

    it("an unknown value (a preview's computed output) makes the policies reading it advisory 'can't run', never an error", async () => {
        const resources = await stackResources("production");
        await analyzer.configure("production");
        const d = find(resources, "Deployment", "backend");
        d.props.spec.template.spec.containers[0].image = UNKNOWN;
        const viaGrpc = await analyzer.diagnostics(resources);
        const cantRun = viaGrpc.filter((x) => x.urn === d.urn && /can't run policy '.*' from policy pack .* during preview/.test(x.message));
        assert.ok(cantRun.some((x) => x.policy === "workload-image-pinned"), viaGrpc.map(key).join("\n"));
        assert.ok(cantRun.every((x) => x.level === "advisory"));
    });
});
