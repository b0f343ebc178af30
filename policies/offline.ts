// Runs the pack's own policy objects (registry.ts) over recorded resources, without the policy server:
// the same validateResource / validateStack functions `pulumi preview --policy-pack` calls, handed
// CrossGuard-shaped arguments. Used by `npm run synth`, `npm run policy`, `npm run peer-check` and tests.
import { PolicyResource, PolicyResourceOptions } from "@pulumi/policy";
import { isoDay } from "../components/config/validators";
import { Environment, FkPolicy, isStackPolicy, Level, levelFor, PackConfig, PolicyKind } from "./lib/policy";
import { POLICIES } from "./registry";

export interface OfflineResource {
    urn: string; type: string; name: string;
    /** Custom resources: inputs. Component resources: their registered outputs. Secrets already redacted. */
    props: Record<string, unknown>;
    parent?: string;            // parent URN
    dependencies?: string[];    // URNs this resource depends on (dependsOn, and parents' dependsOn as the engine records it)
    protect?: boolean;
}
export type Status = "pass" | "warn" | "fail";
export interface PolicyOutcome {
    policy: string; description: string; checklist: string; kind: PolicyKind;
    enforcementLevel: "advisory" | "mandatory" | "disabled";
    status: Status;                                   // fail only for mandatory violations, warn for advisory ones
    violations: { urn?: string; message: string }[];
}

export interface EvaluateOptions {
    environment: Environment;
    now?: Date;
    /** Only these policies (by name); all by default. */
    only?: string[];
    /**
     * Run the completeness policies too (default). `npm run policy` turns it off unless --complete-stack: plain
     * manifests are seldom a whole stack, and the relational policies judge them all the same.
     */
    completeStack?: boolean;
}

class NotApplicable extends Error {}

function options(r: OfflineResource): PolicyResourceOptions {
    return {
        protect: r.protect === true, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], parent: r.parent,
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    };
}

function common(type: string, props: Record<string, unknown>, config: PackConfig) {
    return {
        stackTags: new Map<string, string>(),
        isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === type,
        asType: (cls: { __pulumiType?: string }) => (cls.__pulumiType === type ? props : undefined),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
    };
}

/** The stack as CrossGuard's StackValidationArgs sees it: parents and dependencies as object links. */
export function policyResources(resources: OfflineResource[], config: PackConfig): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    for (const r of resources) {
        byUrn.set(r.urn, {
            type: r.type, props: r.props ?? {}, urn: r.urn, name: r.name, opts: options(r),
            dependencies: [], propertyDependencies: {},
            ...common(r.type, r.props ?? {}, config),
        } as unknown as PolicyResource);
    }
    for (const r of resources) {
        const p = byUrn.get(r.urn)!;
        p.parent = r.parent ? byUrn.get(r.parent) : undefined;
        p.dependencies = (r.dependencies ?? []).map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
    }
    return [...byUrn.values()];
}

async function run(policy: FkPolicy, resources: OfflineResource[], graph: PolicyResource[], config: PackConfig) {
    const violations: { urn?: string; message: string }[] = [];
    const guard = async (fn: () => unknown) => {
        try { await fn(); } catch (e) { if (!(e instanceof NotApplicable)) throw e; }
    };
    if (isStackPolicy(policy)) {
        await guard(() => policy.validateStack({ resources: graph, ...common("", {}, config) } as never,
            (message: string, urn?: string) => violations.push({ urn, message })));
    } else {
        for (const r of resources) {
            await guard(() => policy.validateResource({
                type: r.type, props: r.props ?? {}, urn: r.urn, name: r.name, opts: options(r), ...common(r.type, r.props ?? {}, config),
            } as never, (message: string, urn?: string) => violations.push({ urn: urn ?? r.urn, message })));
        }
    }
    return violations;
}

export async function evaluatePolicies(resources: OfflineResource[],
    opts: { environment: "staging" | "production"; now?: Date } & Partial<EvaluateOptions>): Promise<PolicyOutcome[]> {
    const config: PackConfig = { environment: opts.environment, ...(opts.now ? { now: isoDay(opts.now) } : {}) };
    const graph = policyResources(resources, config);
    const outcomes: PolicyOutcome[] = [];
    for (const policy of POLICIES) {
        if (opts.only && !opts.only.includes(policy.name)) continue;
        if (opts.completeStack === false && policy.kind === "completeness") continue;
        const level: Level = levelFor(policy, opts.environment);
        const violations = level === "disabled" ? [] : await run(policy, resources, graph, config);
        const status: Status = violations.length === 0 ? "pass" : level === "mandatory" ? "fail" : "warn";
        outcomes.push({ policy: policy.name, description: policy.description, checklist: policy.checklist, kind: policy.kind, enforcementLevel: level, status, violations });
    }
    return outcomes;
}
