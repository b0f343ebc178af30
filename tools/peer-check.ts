// `npm run peer-check [-- --cases DIR]`: our pack over kube-score's and Polaris's own test manifests,
// compared with their expected outcome per check (policies/peer-mapping.ts). Prints per-topic agreement,
// the disagreements, the cases excluded on purpose (with their reasons), and `agreement: X/Y`.
import * as fs from "fs";
import * as path from "path";
import { evaluatePolicies } from "../policies/offline";
import { parseManifests } from "../policies/lib/manifests";
import { EXCLUDED_CASES, exclusionFor, NOT_SHARED, SHARED, SharedCheck } from "../policies/peer-mapping";

interface Expectation { source: string; file: string; check: string; expected: "pass" | "fail" | "warn"; topic: string; config?: Record<string, unknown> }

/** Ours for one case: "violation" when any of the mapped policies (restricted to `match`) reports one. */
async function ours(dir: string, c: Expectation, mapping: SharedCheck): Promise<{ result: "pass" | "violation"; first?: string }> {
    const resources = parseManifests(path.join(dir, c.file));
    const outcomes = await evaluatePolicies(resources, { environment: mapping.environment, now: new Date("2026-11-25T00:00:00Z"), only: mapping.policies });
    const messages = outcomes.flatMap((o) => o.violations.map((v) => `${o.policy}: ${v.message}`))
        .filter((m) => !mapping.match || mapping.match.test(m));
    return { result: messages.length > 0 ? "violation" : "pass", first: messages[0] };
}

function label(c: Expectation): string {
    return `${c.source} ${c.check} ${c.file}${c.config ? ` ${JSON.stringify(c.config)}` : ""}`;
}

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
    const excluded: string[] = [];
    const usedExclusions = new Set<object>();
    let agree = 0;
    let total = 0;
    for (const c of cases) {
        const mapping = SHARED[c.check];
        if (!mapping) {
            if (!NOT_SHARED[c.check]) unmapped.add(c.check);
            continue;
        }
        const o = await ours(dir, c, mapping);
        const ok = c.expected === "pass" ? o.result === "pass" : o.result === "violation";
        const exclusion = exclusionFor(c);
        if (exclusion) {
            // Still run: an exclusion that agrees again is stale and should go.
            usedExclusions.add(exclusion);
            excluded.push(`${label(c)}: expected ${c.expected}, ours ${o.result}${ok ? " (agrees now: drop the exclusion)" : ""}\n    why: ${exclusion.reason}`);
            continue;
        }
        const t = topics.get(c.topic) ?? { agree: 0, total: 0 };
        t.total++; total++;
        if (ok) { t.agree++; agree++; } else {
            disagreements.push(`${label(c)}: expected ${c.expected}, ours ${o.result}${o.first ? ` (${o.first})` : ""}`);
        }
        topics.set(c.topic, t);
    }
    const stale = EXCLUDED_CASES.filter((e) => !usedExclusions.has(e));
    for (const [topic, t] of [...topics].sort()) console.log(`${topic}: ${t.agree}/${t.total}`);
    if (disagreements.length > 0) console.log(`\ndisagreements:\n  ${disagreements.join("\n  ")}`);
    if (unmapped.size > 0) console.log(`\nchecks neither mapped nor listed as not shared: ${[...unmapped].join(", ")}`);
    if (stale.length > 0) console.log(`\nexclusions that match no case: ${stale.map((e) => `${e.check} ${e.file}`).join(", ")}`);
    console.log(`\nexcluded: ${excluded.length} cases of shared checks, answered differently on purpose (not counted):\n  ${excluded.join("\n  ")}`);
    const skipped = cases.filter((c) => !SHARED[c.check]).length;
    console.log(`not shared: ${skipped} cases of ${Object.keys(NOT_SHARED).length} checks (reasons in policies/peer-mapping.ts)`);
    console.log(`agreement: ${agree}/${total}`);
    return unmapped.size > 0 || stale.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
