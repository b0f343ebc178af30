// Runs the committed stacks (or variations of them) through the program under Pulumi mocks.
import { ProgramRun, RecordedResource, revealSecrets, runProgram } from "../../tools/lib/program";
import { loadStackConfig } from "../../tools/lib/stack-config";

/** "Today" for every test that does rotation math, so results do not drift with the calendar. */
export const TODAY = "2026-11-25";

/** A recognisable value for every secure config key: tests hunt for it in everything that leaves the program. */
export function sentinel(key: string): string {
    const marker = `SENTINEL-${key.replace(/[^A-Za-z]/g, "")}-8d1e`;
    // Values with a checked format (settings.ts, SECRET_FORMATS) keep the marker inside a valid value.
    if (key.endsWith("slackWebhookUrl")) return `https://hooks.slack.example/services/${marker}`;
    return marker;
}

export interface StackVariation {
    /** Replace whole config values (full keys, already decoded): e.g. { "fork-knife:rotation": {...} }. */
    set?: Record<string, unknown>;
}

export function stackConfig(stack: "staging" | "production", variation: StackVariation = {}) {
    const c = loadStackConfig({ stack });
    const config = { ...c.config };
    for (const k of c.secretKeys) config[k] = sentinel(k);
    for (const [k, v] of Object.entries(variation.set ?? {})) config[k] = typeof v === "string" ? v : JSON.stringify(v);
    return { config, secretKeys: c.secretKeys };
}

export function runStack(stack: "staging" | "production", variation: StackVariation = {}): Promise<ProgramRun> {
    const c = stackConfig(stack, variation);
    return runProgram({ stack, config: c.config, secretKeys: c.secretKeys, now: TODAY });
}

export function ofType(run: ProgramRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string, name?: string): RecordedResource {
    const found = ofType(run, type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    return found[0];
}

/** Inputs with secret markers removed: for assertions on values inside a test only. */
export function plain(r: RecordedResource): any {
    return revealSecrets(r.inputs);
}

export function withComponent(run: ProgramRun, kind: string, component: string): RecordedResource[] {
    return run.resources.filter((r) => r.type.endsWith(`:${kind}`) && (r.inputs as any)?.metadata?.labels?.["app.kubernetes.io/component"] === component);
}
