// `npm run policy -- [--environment staging|production] [--now DATE] [--complete-stack] FILE_OR_DIR…`
// The pack over plain Kubernetes YAML: every relational policy by default, the completeness policies too with
// --complete-stack. Exit 0 clean, 1 on a mandatory violation, 2 on bad arguments or input (one line, no trace).
import { parseArgs } from "util";
import { parseIsoDate } from "../components/config/validators";
import { evaluatePolicies } from "../policies/offline";
import { eachManifest, listFiles, ManifestResource } from "../policies/lib/manifests";

export const USAGE = "usage: npm run policy -- [--environment staging|production] [--now YYYY-MM-DD] [--complete-stack] FILE_OR_DIR…";

/**
 * More objects than any chart or namespace dump we expect; the relation policies compare objects pairwise, so
 * far beyond it a run would take minutes. Past it the CLI stops with one line instead of running for an hour.
 */
export const MAX_OBJECTS = 20_000;

export interface CommandResult { code: 0 | 1 | 2; stdout: string; stderr: string }

class UsageError extends Error {}

function parse(argv: string[]) {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv, allowPositionals: true, strict: true,
            options: {
                environment: { type: "string", default: "production" },
                now: { type: "string" },
                "complete-stack": { type: "boolean", default: false },
                // The flag's name from before the policies were split into relational and completeness ones.
                "with-stack-policies": { type: "boolean", default: false },
            },
        });
    } catch (e) {
        throw new UsageError((e as Error).message.split("\n")[0]);
    }
    const { values, positionals } = parsed;
    const environment = values.environment;
    if (environment !== "staging" && environment !== "production") throw new UsageError(`--environment must be staging or production, got ${environment}`);
    let now: Date | undefined;
    if (values.now !== undefined) {
        const d = parseIsoDate(values.now);
        if (typeof d === "string") throw new UsageError(`--now ${values.now}: must be ${d}`);
        now = d;
    }
    if (positionals.length === 0) throw new UsageError("no FILE_OR_DIR given");
    return { environment, now, completeStack: values["complete-stack"] || values["with-stack-policies"], targets: positionals } as const;
}

/** The whole command, output returned rather than printed, so the caller writes it once and lets node exit. */
export async function policyCommand(argv: string[]): Promise<CommandResult> {
    const fail = (message: string, usage = false): CommandResult => ({ code: 2, stdout: "", stderr: `policy: ${message}${usage ? `\n${USAGE}` : ""}\n` });
    let args;
    try {
        args = parse(argv);
    } catch (e) {
        if (e instanceof UsageError) return fail(e.message, true);
        throw e;
    }
    const resources: ManifestResource[] = [];
    for (const t of args.targets) {
        try {
            for (const f of listFiles(t)) {
                // One by one: spreading a file's documents into push() overflows the stack past ~100,000.
                for (const r of eachManifest(f)) {
                    if (resources.length === MAX_OBJECTS) {
                        return fail(`more than ${MAX_OBJECTS} Kubernetes objects (the limit, reached in ${f}); check the manifests in parts`);
                    }
                    resources.push(r);
                }
            }
        } catch (e) {
            const err = e as NodeJS.ErrnoException;
            return fail(err.code === "ENOENT" ? `${t}: no such file or directory` : err.message);
        }
    }
    if (resources.length === 0) {
        return fail(`no Kubernetes objects (documents with apiVersion and kind) in ${args.targets.join(", ")}; nothing was checked`);
    }
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const outcomes = await evaluatePolicies(resources, { environment: args.environment, now: args.now, completeStack: args.completeStack });
    const lines: string[] = [];
    let mandatory = 0;
    let advisory = 0;
    for (const o of outcomes) {
        for (const v of o.violations) {
            const r = v.urn ? byUrn.get(v.urn) : undefined;
            const prefix = r ? `${r.kind}/${r.objectName}` : "stack";
            const message = r && v.message.startsWith(prefix) ? v.message.slice(prefix.length).replace(/^(: |, )/, "") : v.message;
            lines.push(`${r?.file ?? "-"}: ${prefix}: ${o.policy}: ${message}${o.status === "warn" ? " (advisory)" : ""}`);
            if (o.status === "fail") mandatory++;
            else advisory++;
        }
    }
    const failed = outcomes.filter((o) => o.status === "fail").length;
    const mode = args.completeStack ? "relational and completeness" : "relational; completeness ones with --complete-stack";
    lines.push("", `${resources.length} objects, ${outcomes.length} policies (${args.environment}, ${mode}): ${mandatory} mandatory and ${advisory} advisory violations; ${failed} policies failed`);
    return { code: mandatory > 0 ? 1 : 0, stdout: `${lines.join("\n")}\n`, stderr: "" };
}

if (require.main === module) {
    // process.exitCode, never process.exit(): a pipe's reader must get every byte written before node ends.
    policyCommand(process.argv.slice(2)).then((r) => {
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        process.exitCode = r.code;
    }, (e) => {
        process.stderr.write(`policy: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
        process.exitCode = 3;
    });
}
