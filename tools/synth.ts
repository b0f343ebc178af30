// `npm run synth -- --stack staging`: the whole program, offline. Runs index.ts under Pulumi mocks with the
// stack's configuration, writes every Kubernetes object as YAML, validates each against the Kubernetes schemas,
// runs the policy pack, and writes report.md and stack-export.json. No cluster, no Pulumi CLI, no secrets.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { SettingsError } from "../components/config/settings";
import { parseIsoDate } from "../components/config/validators";
import { evaluatePolicies, OfflineResource, PolicyOutcome } from "../policies/offline";
import { ProgramRun, RecordedResource, redactSecrets, runProgram } from "./lib/program";
import { isKubernetesObject, Manifest, toManifest } from "./lib/render";
import { SchemaProblem } from "./lib/schema";
import { manifestWorker } from "./lib/manifest-worker";
import { renderReport } from "./lib/synth-report";
import { loadStackConfig, REPO_ROOT, StackConfigError } from "./lib/stack-config";
import { toStackExport } from "./lib/stack-export";

export interface SynthOptions {
    stack?: string;
    configFile?: string;
    outDir?: string;
    /** "Today" for rotation math, ISO date. */
    now?: string;
}

export interface SynthResult {
    stack: string;
    environment: "staging" | "production";
    outDir: string;
    run: ProgramRun;
    manifests: Manifest[];
    schemaProblems: SchemaProblem[];
    policies: PolicyOutcome[];
    /** 0 clean, 1 a schema violation or a mandatory policy failure. */
    exitCode: number;
}

/** Synthesises one stack. Throws SettingsError / StackConfigError before writing anything. */
export async function synth(options: SynthOptions): Promise<SynthResult> {
    const config = loadStackConfig({ stack: options.stack, configFile: options.configFile });
    const now = options.now ?? new Date().toISOString().slice(0, 10);
    const parsedNow = parseIsoDate(now);
    if (typeof parsedNow === "string") throw new StackConfigError(`--now ${now}: must be ${parsedNow}`);
    const outDir = path.resolve(options.outDir ?? path.join(REPO_ROOT, "out", config.stack));
    assertWritableDir(outDir);
    // The schemas load in a worker while the program runs (each kind as soon as the program constructs one), and
    // the manifests are validated and rendered there while this thread runs the policies.
    const worker = manifestWorker().start();
    const run = await runProgram({ stack: config.stack, config: config.config, secretKeys: config.secretKeys, now, onResource: (type) => worker.prefetch(type) });
    const environment = (run.outputs.audit as any)?.environment as "staging" | "production";

    const manifests = run.resources.filter(isKubernetesObject).map(toManifest);
    const rendering = worker.render(manifests);
    const policies = await evaluatePolicies(run.resources.map(toOfflineResource), { environment, now: new Date(now) });
    const { problems: schemaProblems, yaml } = await rendering;

    // Only what synth itself writes is replaced: --out may name a directory that holds other files.
    for (const own of ["manifests", "report.md", "stack-export.json", "bucket-policies"]) fs.rmSync(path.join(outDir, own), { recursive: true, force: true });
    fs.mkdirSync(path.join(outDir, "manifests"), { recursive: true });
    manifests.forEach((m, i) => {
        const file = `${String(i + 1).padStart(3, "0")}-${m.kind.toLowerCase()}-${m.name}.yaml`;
        fs.writeFileSync(path.join(outDir, "manifests", file), yaml[i]);
    });
    // The object-storage side the program cannot apply itself: each identity's policy and the bucket's retention.
    for (const r of run.resources.filter((x) => x.type === "fork-knife:backup:BackupSchedule")) {
        const docs = (r.outputs as Record<string, unknown>).bucketDocuments as Record<string, unknown> | undefined;
        if (!docs) continue;
        fs.mkdirSync(path.join(outDir, "bucket-policies"), { recursive: true });
        for (const [name, doc] of Object.entries(docs)) {
            if (doc) fs.writeFileSync(path.join(outDir, "bucket-policies", `${name}.json`), JSON.stringify(doc, null, 2) + "\n");
        }
    }
    fs.writeFileSync(path.join(outDir, "stack-export.json"), JSON.stringify(toStackExport(run, new Date(now)), null, 2) + "\n");
    const failed = schemaProblems.length > 0 || policies.some((p) => p.status === "fail");
    const result: SynthResult = { stack: config.stack, environment, outDir, run, manifests, schemaProblems, policies, exitCode: failed ? 1 : 0 };
    fs.writeFileSync(path.join(outDir, "report.md"), renderReport(result, now));
    return result;
}

/**
 * --out must be a directory synth may write (or create): checked before the program runs, so a bad --out stops
 * with one line and nothing written, never a stack trace half-way through.
 */
function assertWritableDir(dir: string): void {
    let existing = dir;
    while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    const what = existing === dir ? dir : `${dir} (its nearest existing parent ${existing})`;
    if (!fs.statSync(existing).isDirectory()) throw new StackConfigError(`--out ${what}: is a file, not a directory`);
    try {
        // A real write, not access(): root passes every permission check, a read-only mount still refuses it.
        fs.rmdirSync(fs.mkdtempSync(path.join(existing, ".synth-probe-")));
    } catch (e) {
        throw new StackConfigError(`--out ${what}: not writable (${(e as NodeJS.ErrnoException).code ?? "error"})`);
    }
}

/**
 * What the engine hands the pack of a registration, secrets still marked: components expose what they registered
 * as outputs, custom resources are judged on their inputs (Kubernetes objects with the metadata the provider sets).
 */
export function engineProperties(r: RecordedResource): Record<string, unknown> {
    return r.custom ? { ...r.inputs, ...(r.type.startsWith("kubernetes:") ? { metadata: toManifest(r).body.metadata } : {}) } : r.outputs;
}

/** What the policies see of a registration: what CrossGuard hands them under the real engine, secret leaves redacted. */
export function toOfflineResource(r: RecordedResource): OfflineResource {
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        props: redactSecrets(engineProperties(r)) as Record<string, unknown>,
        parent: r.parent,
        dependencies: r.dependencies,
        protect: r.protect,
    };
}

function summary(result: SynthResult): string {
    const kinds = new Map<string, number>();
    for (const m of result.manifests) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
    const lines = [
        `synth ${result.stack} (${result.environment}): ${result.manifests.length} Kubernetes objects, ${result.run.resources.length} resources in all`,
        `  ${[...kinds].sort().map(([k, n]) => `${k} ${n}`).join(", ")}`,
        `  schema: ${result.schemaProblems.length === 0 ? "all valid" : `${result.schemaProblems.length} problem(s)`}`,
    ];
    for (const p of result.schemaProblems) lines.push(`  SCHEMA ${p.kind}/${p.name}: ${p.message}`);
    const count = (s: string) => result.policies.filter((p) => p.status === s).length;
    lines.push(`  policies: ${count("pass")} pass, ${count("warn")} warn, ${count("fail")} fail`);
    for (const p of result.policies.filter((x) => x.status !== "pass")) {
        for (const v of p.violations) lines.push(`  ${p.status === "fail" ? "FAIL" : "WARN"} ${p.policy}: ${v.message}`);
    }
    lines.push(`  wrote ${path.relative(process.cwd(), result.outDir) || "."}/ (manifests/, report.md, stack-export.json)`);
    return lines.join("\n");
}

const USAGE = "usage: npm run synth -- [--stack staging|production | --config-file PATH] [--out DIR] [--now YYYY-MM-DD]";

async function main(argv: string[]): Promise<number> {
    let values;
    try {
        values = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                "config-file": { type: "string" },
                out: { type: "string" },
                now: { type: "string" },
            },
            strict: true,
        }).values;
    } catch (e) {
        console.error(`synth: ${(e as Error).message.split("\n")[0]}\n${USAGE}`);
        return 2;
    }
    try {
        const result = await synth({ stack: values.stack ?? (values["config-file"] ? undefined : "staging"), configFile: values["config-file"], outDir: values.out, now: values.now });
        console.log(summary(result));
        return result.exitCode;
    } catch (e) {
        if (e instanceof SettingsError || e instanceof StackConfigError) {
            console.error(`synth: ${e.message}`);
            console.error("synth: nothing written");
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    // The Pulumi runtime rejects a second promise with the program's own error (the Stack resource's), which
    // main() has already reported in one line: only anything else is an internal error.
    process.on("unhandledRejection", (e) => {
        if (e instanceof SettingsError || e instanceof StackConfigError) return;
        console.error(`synth: internal error: ${e instanceof Error ? e.stack : e}`);
        process.exitCode = 3;
    });
    // process.exitCode, never process.exit(): a pipe's reader must get every byte written before node ends.
    main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
        console.error(`synth: internal error: ${e instanceof Error ? e.stack : e}`);
        process.exitCode = 3;
    });
}
