// The pack's own policy shape: CrossGuard's policy objects plus the checklist they belong to and the level
// they take in staging. The same objects run in `pulumi preview` (index.ts) and offline (offline.ts).
import { parseIsoDate } from "../../components/config/validators";
import { EnforcementLevel, PolicyConfigSchema, ResourceValidation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export type Checklist = "workloads" | "jobs" | "secrets" | "backups" | "release";
export type Environment = "staging" | "production";
export type Level = Extract<EnforcementLevel, "advisory" | "mandatory" | "disabled">;

/** What every policy reads from `--policy-pack-config` (or the offline evaluator). */
export interface PackConfig {
    /** Which stack's rules apply: production is the strict default. */
    environment?: Environment;
    /** "Today" for rotation math, ISO date; the real clock when unset. */
    now?: string;
}

export const PACK_CONFIG_SCHEMA: PolicyConfigSchema = {
    properties: {
        environment: { type: "string", enum: ["staging", "production"], default: "production" },
        now: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    },
};

interface Meta {
    /** Folder (checklist) the policy belongs to. */
    checklist: Checklist;
    /** Level in production (and the pack's default). */
    enforcementLevel: Level;
    /** Level in staging when the guide allows a softer one; the production level otherwise. */
    stagingEnforcementLevel?: Level;
}
interface StackMeta {
    /**
     * A stack policy that only relates objects to each other (a pod to its ServiceAccount) and never asks for an
     * object to exist: `npm run policy` runs it on plain manifests as it runs the resource policies.
     */
    onPlainManifests?: boolean;
}
export type FkResourcePolicy = ResourceValidationPolicy & Meta & { validateResource: ResourceValidation };
export type FkStackPolicy = StackValidationPolicy & Meta & StackMeta;
export type FkPolicy = FkResourcePolicy | FkStackPolicy;

export function resourcePolicy(p: Omit<FkResourcePolicy, "configSchema">): FkResourcePolicy {
    return { ...p, configSchema: PACK_CONFIG_SCHEMA };
}

export function stackPolicy(p: Omit<FkStackPolicy, "configSchema">): FkStackPolicy {
    return { ...p, configSchema: PACK_CONFIG_SCHEMA };
}

export function isStackPolicy(p: FkPolicy): p is FkStackPolicy {
    return "validateStack" in p;
}

export function levelFor(p: FkPolicy, environment: Environment): Level {
    return environment === "staging" ? p.stagingEnforcementLevel ?? p.enforcementLevel : p.enforcementLevel;
}

/** The environment and clock a policy evaluates against. */
export function packSettings(args: { getConfig<T extends object>(): T }): { environment: Environment; now: Date } {
    const c = args.getConfig<PackConfig>() ?? {};
    const now = c.now === undefined ? new Date() : parseIsoDate(c.now);
    // The config schema checks the shape only; 2026-02-30 must stop the run, not be read as March 2.
    if (typeof now === "string") throw new Error(`policy pack config now = ${JSON.stringify(c.now)}: must be ${now}`);
    return { environment: c.environment === "staging" ? "staging" : "production", now };
}
