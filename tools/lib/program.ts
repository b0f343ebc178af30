// Runs index.ts under Pulumi's own mocks and records every registration the way the engine would see it:
// type, name, parent, dependencies, inputs (secrets still marked), outputs. Used by the unit tests and by
// `npm run synth`, so both look at exactly what `pulumi up` would send to the engine.
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

// Internal SDK modules: the mock monitor does not hand parents, dependencies or secret markers to Mocks,
// so the recorder reads them from the registration request itself.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const rpc = require("@pulumi/pulumi/runtime/rpc");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const runtimeSettings = require("@pulumi/pulumi/runtime/settings");

export const SECRET_SIG_KEY: string = rpc.specialSigKey;
export const SECRET_SIG: string = rpc.specialSecretSig;

/** Marker text in every value the mocks generate for a random secret, so tests can hunt for leaks. */
export const MOCK_SECRET_MARKER = "MOCKSECRET";

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    dependencies: string[];
    provider?: string;
    protect: boolean;
    deleteBeforeReplace: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    /** How long the engine waits for create/update ("" when the provider's default applies). */
    customTimeouts: { create: string; update: string };
    additionalSecretOutputs: string[];
    /** Inputs with secrets kept as `{ [SECRET_SIG_KEY]: SECRET_SIG, value }`. */
    inputs: Record<string, unknown>;
    /** Outputs as the mocks computed them (component outputs from registerOutputs), secrets marked. */
    outputs: Record<string, unknown>;
}

export interface ProgramRun {
    stack: string;
    project: string;
    resources: RecordedResource[];
    /** Stack outputs, secrets marked. */
    outputs: Record<string, unknown>;
}

export interface ProgramOptions {
    project?: string;
    stack: string;
    /** Full config keys (`fork-knife:image`) to their Pulumi-encoded string values. */
    config: Record<string, string>;
    /** Full keys of the values that are `secure:` in the stack file. */
    secretKeys: string[];
    /** "Today" for rotation math (FORK_KNIFE_NOW). */
    now?: string;
    /** Program: a file (index.ts of this repository by default) or a function that declares resources. */
    program?: string | (() => unknown);
    /**
     * Told the type of each resource as the program constructs it, before the runtime registers it (which it does
     * once the resource's inputs resolve, mostly near the program's end): synth starts loading that kind's schema.
     */
    onResource?: (type: string) => void;
}

export function isSecretValue(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

function shortHash(text: string, length = 8): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** Provider-side defaults the engine would fill in: auto-names, ids and generated values. */
function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    const state: Record<string, unknown> = { ...inputs };
    if (type.startsWith("kubernetes:") && inputs.metadata && !inputs.metadata.name) {
        state.metadata = { ...inputs.metadata, name: `${name}-${shortHash(name, 8)}` };
    }
    if (type === "random:index/randomPassword:RandomPassword" || type === "random:index/randomString:RandomString") {
        const length = Number(inputs.length ?? 32);
        const seed = `${MOCK_SECRET_MARKER}-${name}-${JSON.stringify(inputs.keepers ?? {})}-`;
        let value = seed;
        while (value.length < length) value += shortHash(value, 16);
        state.result = value.slice(0, Math.max(length, seed.length));
    }
    return state;
}

let runQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs the program once. Runs are serialised: the Pulumi runtime is process-global, so two programs
 * must never register resources at the same time.
 */
export function runProgram(options: ProgramOptions): Promise<ProgramRun> {
    const next = runQueue.then(() => runOnce(options));
    runQueue = next.catch(() => undefined);
    return next;
}

async function runOnce(options: ProgramOptions): Promise<ProgramRun> {
    const project = options.project ?? "fork-knife";
    const program = typeof options.program === "function"
        ? options.program
        : path.resolve(options.program ?? path.join(__dirname, "..", "..", "index.ts"));
    const recorded = new Map<string, RecordedResource>();
    const pending = new Map<string, { aso: string[] }>();

    pulumi.runtime.setAllConfig(options.config, options.secretKeys);
    await pulumi.runtime.setMocks({
        newResource(args) {
            const key = `${args.type}::${args.name}`;
            const state = computedState(args.type, args.name, args.inputs);
            // The engine marks additionalSecretOutputs as secret; the mock monitor does not, so do it here.
            for (const k of pending.get(key)?.aso ?? []) {
                if (state[k] !== undefined && !isSecretValue(state[k])) state[k] = pulumi.secret(state[k]);
            }
            return { id: args.type.startsWith("kubernetes:") ? `${args.name}` : `${args.name}-id`, state };
        },
        call(args) {
            if (args.token === "docker:index/getRegistryImage:getRegistryImage") {
                return { ...args.inputs, sha256Digest: `sha256:${crypto.createHash("sha256").update(String(args.inputs.name)).digest("hex")}` };
            }
            return args.inputs;
        },
    }, project, options.stack, false);

    const monitor = runtimeSettings.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        const type: string = req.getType();
        const name: string = req.getName();
        pending.set(`${type}::${name}`, { aso: req.getAdditionalsecretoutputsList() });
        return register(req, (err: unknown, res: any) => {
            if (!err && res) {
                const urn: string = res.getUrn();
                recorded.set(urn, {
                    urn, type, name,
                    custom: req.getCustom(),
                    parent: req.getParent() || undefined,
                    dependencies: req.getDependenciesList(),
                    provider: req.getProvider() || undefined,
                    protect: req.getProtect() === true,
                    deleteBeforeReplace: req.getDeletebeforereplace() === true,
                    retainOnDelete: req.getRetainondelete() === true,
                    ignoreChanges: req.getIgnorechangesList(),
                    customTimeouts: { create: req.getCustomtimeouts()?.getCreate() ?? "", update: req.getCustomtimeouts()?.getUpdate() ?? "" },
                    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                    inputs: rpc.deserializeProperties(req.getObject(), true),
                    outputs: rpc.deserializeProperties(res.getObject(), true),
                });
            }
            callback(err, res);
        });
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: any) => {
        const r = recorded.get(req.getUrn());
        if (r && req.getOutputs()) r.outputs = rpc.deserializeProperties(req.getOutputs(), true);
        return registerOutputs(req, callback);
    };

    const previousNow = process.env.FORK_KNIFE_NOW;
    if (options.now) process.env.FORK_KNIFE_NOW = options.now;
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            const onResource = options.onResource;
            // A stack transformation runs in every resource's constructor; this one only looks (undefined: no change).
            if (onResource) pulumi.runtime.registerStackTransformation((args) => { onResource(args.type); return undefined; });
            if (typeof program === "function") return program();
            delete require.cache[require.resolve(program)];
            return require(program);
        });
        await runtimeSettings.waitForRPCs();
    } finally {
        if (options.now) {
            if (previousNow === undefined) delete process.env.FORK_KNIFE_NOW;
            else process.env.FORK_KNIFE_NOW = previousNow;
        }
    }
    const resources = [...recorded.values()];
    const stackResource = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    return { stack: options.stack, project, resources, outputs: stackResource?.outputs ?? {} };
}

/**
 * Replaces every secret-marked value by a placeholder, recursively: the only form that leaves the process.
 * A secret object keeps its keys (only the leaves become placeholders), because that is what policies see
 * under the real engine: CrossGuard hands them the structure, and a Secret's key names are not secret.
 */
export function redactSecrets(value: unknown, placeholder = "[secret]"): unknown {
    if (isSecretValue(value)) return redactLeaves(revealSecrets(value), placeholder);
    if (Array.isArray(value)) return value.map((v) => redactSecrets(v, placeholder));
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, placeholder)]));
    }
    return value;
}

function redactLeaves(value: unknown, placeholder: string): unknown {
    if (Array.isArray(value)) return value.map((v) => redactLeaves(v, placeholder));
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLeaves(v, placeholder)]));
    }
    return placeholder;
}

/** Removes secret markers but keeps the values: for assertions inside tests only, never for output. */
export function revealSecrets(value: unknown): unknown {
    if (isSecretValue(value)) return revealSecrets(value.value);
    if (Array.isArray(value)) return value.map(revealSecrets);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)]));
    }
    return value;
}
