// `npm run peer-check [-- --cases DIR]`: our pack over kube-score's and Polaris's own test manifests,
// compared with their expected outcome per check (policies/peer-mapping.ts). Prints per-topic agreement,
// the disagreements, and `agreement: X/Y`.
import * as fs from "fs";
import * as path from "path";
import { evaluatePolicies } from "../policies/offline";
import { parseManifests } from "../policies/lib/manifests";
import { NOT_SHARED, SHARED } from "../policies/peer-mapping";

interface Expectation { source: string; file: string; check: string; expected: "pass" | "fail" | "warn"; topic: string; config?: Record<string, unknown> }

async function main(argv: string[]): Promise<number> {
    const flag = argv.indexOf("--cases");
    const dir = flag >= 0 ? path.resolve(argv[flag + 1] ?? "") : path.resolve(__dirname, "..", "..", "shared", "peer-cases");
    const file = path.join(dir, "expectations.json");
    if (!fs.existsSync(file)) {
        console.error(`peer-check: ${file} not found; clone ../shared beside the repository or pass --cases DIR`);
        return 2;
    }
    const cases: Expectation[] = JSON.parse(fs.readFileSync(file, "utf8"));
    const topics = new Map<string, { agree: number; total: number }>();
    const unmapped = new Set<string>();
    const disagreements: string[] = [];
    let agree = 0;
    let total = 0;
    for (const c of cases) {
        const mapping = SHARED[c.check];
        if (!mapping) {
            if (!NOT_SHARED[c.check]) unmapped.add(c.check);
            continue;
        }
        const resources = parseManifests(path.join(dir, c.file));
        const outcomes = await evaluatePolicies(resources, { environment: mapping.environment, now: new Date("2026-11-25T00:00:00Z"), only: mapping.policies });
        const messages = outcomes.flatMap((o) => o.violations.map((v) => `${o.policy}: ${v.message}`))
            .filter((m) => !mapping.match || mapping.match.test(m));
        const ours = messages.length > 0 ? "violation" : "pass";
        const ok = c.expected === "pass" ? ours === "pass" : ours === "violation";
        const t = topics.get(c.topic) ?? { agree: 0, total: 0 };
        t.total++; total++;
        if (ok) { t.agree++; agree++; } else {
            disagreements.push(`${c.source} ${c.check} ${c.file}${c.config ? ` ${JSON.stringify(c.config)}` : ""}: expected ${c.expected}, ours ${ours}${messages[0] ? ` (${messages[0]})` : ""}`);
        }
        topics.set(c.topic, t);
    }
    for (const [topic, t] of [...topics].sort()) console.log(`${topic}: ${t.agree}/${t.total}`);
    if (disagreements.length > 0) console.log(`\ndisagreements:\n  ${disagreements.join("\n  ")}`);
    if (unmapped.size > 0) console.log(`\nchecks neither mapped nor listed as not shared: ${[...unmapped].join(", ")}`);
    const skipped = cases.filter((c) => !SHARED[c.check]).length;
    console.log(`\nnot shared: ${skipped} cases of ${Object.keys(NOT_SHARED).length} checks (reasons in policies/peer-mapping.ts)`);
    console.log(`agreement: ${agree}/${total}`);
    return unmapped.size > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
