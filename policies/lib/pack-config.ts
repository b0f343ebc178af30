// The per-stack `--policy-pack-config` files, derived from the policies themselves so the CLI and the
// offline evaluator can never disagree on a level (test/policies/pack.test.ts keeps the files equal to this).
import { Environment, levelFor, FkPolicy } from "./policy";

export function packConfigFor(policies: FkPolicy[], environment: Environment): Record<string, { enforcementLevel: string; environment: Environment }> {
    return Object.fromEntries(policies.map((p) => [p.name, { enforcementLevel: levelFor(p, environment), environment }]));
}
