// `npm run policy -- [--environment staging|production] [--now DATE] [--with-stack-policies] FILE_OR_DIR…`
// The pack's resource policies over plain Kubernetes YAML; exit 1 on a mandatory violation.
import { evaluatePolicies } from "../policies/offline";
import { listFiles, ManifestResource, parseManifests } from "../policies/lib/manifests";

function usage(message: string): never {
    console.error(`${message}\nusage: npm run policy -- [--environment staging|production] [--now YYYY-MM-DD] [--with-stack-policies] FILE_OR_DIR…`);
    process.exit(2);
}

async function main(argv: string[]): Promise<number> {
    let environment: "staging" | "production" = "production";
    let now: Date | undefined;
    let withStack = false;
    const targets: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--environment") {
            const v = argv[++i];
            if (v !== "staging" && v !== "production") usage(`--environment must be staging or production, got ${v ?? "nothing"}`);
            environment = v;
        } else if (a === "--now") {
            now = new Date(`${argv[++i]}T00:00:00Z`);
            if (Number.isNaN(now.getTime())) usage("--now must be a date such as 2026-11-25");
        } else if (a === "--with-stack-policies") withStack = true;
        else if (a.startsWith("--")) usage(`unknown option ${a}`);
        else targets.push(a);
    }
    if (targets.length === 0) usage("no FILE_OR_DIR given");

    const resources: ManifestResource[] = [];
    for (const t of targets) {
        try {
            for (const f of listFiles(t)) resources.push(...parseManifests(f));
        } catch (e) {
            console.error(`error: ${(e as Error).message}`);
            return 2;
        }
    }
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const outcomes = await evaluatePolicies(resources, { environment, now, resourcePoliciesOnly: !withStack });
    let mandatory = 0;
    let advisory = 0;
    for (const o of outcomes) {
        for (const v of o.violations) {
            const r = v.urn ? byUrn.get(v.urn) : undefined;
            const prefix = r ? `${r.kind}/${r.objectName}` : "stack";
            const message = r && v.message.startsWith(prefix) ? v.message.slice(prefix.length).replace(/^(: |, )/, "") : v.message;
            console.log(`${r?.file ?? "-"}: ${prefix}: ${o.policy}: ${message}${o.status === "warn" ? " (advisory)" : ""}`);
            if (o.status === "fail") mandatory++;
            else advisory++;
        }
    }
    const failed = outcomes.filter((o) => o.status === "fail").length;
    console.log(`\n${resources.length} objects, ${outcomes.length} policies (${environment}): ${mandatory} mandatory and ${advisory} advisory violations; ${failed} policies failed`);
    return mandatory > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
