// The documentation's `kubectl` commands, read as an operator would type them and resolved against the objects
// the program renders: every kind/name, namespace, label selector and port they address must exist. Used by
// test/docs/commands.test.ts over README.md and docs/*.md, and by its negative fixtures.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** One rendered Kubernetes object, as synth writes it. */
export interface RenderedObject {
    kind: string;
    name: string;
    namespace?: string;
    body: Record<string, any>;
}

/** One stack's render: its namespace and objects. */
export interface RenderedStack {
    stack: string;
    namespace: string;
    objects: RenderedObject[];
}

/** A command as found in a document. */
export interface DocCommand {
    file: string;
    line: number;
    text: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Extraction

const PLACEHOLDER_DEFINITION = /`\$?\{?NS\}?`[^.]*\bnamespace\b/i;

/**
 * Every `kubectl …` in a Markdown text: in fenced and indented code blocks (one per line, `\` continuations
 * joined) and in inline code spans (which may wrap lines). Prose that names kubectl outside code is not a command.
 */
export function extractCommands(file: string, markdown: string): DocCommand[] {
    const out: DocCommand[] = [];
    const lines = markdown.split("\n");
    const inBlock = new Array<boolean>(lines.length).fill(false);
    let fence: string | undefined;
    for (let i = 0; i < lines.length; i++) {
        const m = /^\s*(```+|~~~+)/.exec(lines[i]);
        if (fence) {
            inBlock[i] = true;
            if (m && m[1].startsWith(fence)) fence = undefined;
            continue;
        }
        if (m) { fence = m[1]; inBlock[i] = true; continue; }
        // An indented code block: four spaces after a blank line (or after another indented line), outside lists.
        // A line with backticks is prose (a list item's continuation), whatever its indentation.
        const indented = /^( {4}|\t)/.test(lines[i]) && (i === 0 || lines[i - 1].trim() === "" || inBlock[i - 1])
            && !/^\s*([-*+]|\d+\.)\s/.test(lines[i]) && !lines[i].includes("`");
        if (indented) inBlock[i] = true;
    }
    for (let i = 0; i < lines.length; i++) {
        if (!inBlock[i] || /^\s*(```|~~~)/.test(lines[i])) continue;
        let text = lines[i];
        const start = i;
        while (/\\\s*$/.test(text) && i + 1 < lines.length && inBlock[i + 1]) text = text.replace(/\\\s*$/, " ") + lines[++i].trim();
        for (const cmd of kubectlParts(text)) out.push({ file, line: start + 1, text: cmd });
    }
    // Inline code: the text outside code blocks, with line numbers kept.
    const prose = lines.map((l, i) => (inBlock[i] ? "" : l)).join("\n");
    for (const m of prose.matchAll(/(`+)([^`]+?)\1/g)) {
        const span = m[2].replace(/\s*\n\s*/g, " ");
        if (!/\bkubectl\s/.test(span)) continue;
        const line = prose.slice(0, m.index).split("\n").length;
        for (const cmd of kubectlParts(span)) out.push({ file, line, text: cmd });
    }
    return out;
}

/** The kubectl invocations of one shell line: split at pipes, `&&`, `;`, and a trailing comment. */
function kubectlParts(line: string): string[] {
    const noComment = line.replace(/(^|\s)#(?!\S*\}).*$/, "");
    return noComment.split(/\s*(?:\|\||&&|;|\|)\s*/).map((s) => s.trim().replace(/^\$\s+/, "").replace(/\s+/g, " "))
        .filter((s) => /^kubectl(\s|$)/.test(s));
}

/** Whether the document says what `NS` (or `$NS`) stands for: the namespace. */
export function definesNamespacePlaceholder(markdown: string): boolean {
    return PLACEHOLDER_DEFINITION.test(markdown) || /^\s*(export\s+)?NS=fork-knife-/m.test(markdown);
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/** Shell words, with quotes removed; `$(…)` kept as one word. */
export function shellWords(text: string): string[] {
    const words: string[] = [];
    let cur = "";
    let quote: string | undefined;
    let depth = 0;
    let has = false;
    for (const ch of text) {
        if (quote) {
            if (ch === quote) quote = undefined; else cur += ch;
            continue;
        }
        if (depth > 0) {
            cur += ch;
            if (ch === "(") depth++;
            if (ch === ")") depth--;
            continue;
        }
        if (ch === "'" || ch === '"') { quote = ch; has = true; continue; }
        if (ch === "(" && cur.endsWith("$")) { depth = 1; cur += ch; continue; }
        if (/\s/.test(ch)) {
            if (cur || has) words.push(cur);
            cur = ""; has = false;
            continue;
        }
        cur += ch;
    }
    if (cur || has) words.push(cur);
    return words;
}

const KINDS: Record<string, string> = {};
for (const [kind, aliases] of Object.entries({
    Deployment: ["deployment", "deployments", "deploy"],
    Service: ["service", "services", "svc"],
    CronJob: ["cronjob", "cronjobs", "cj"],
    Job: ["job", "jobs"],
    HorizontalPodAutoscaler: ["hpa", "horizontalpodautoscaler", "horizontalpodautoscalers"],
    PodDisruptionBudget: ["pdb", "pdbs", "poddisruptionbudget", "poddisruptionbudgets"],
    Pod: ["pod", "pods", "po"],
    Secret: ["secret", "secrets"],
    ConfigMap: ["configmap", "configmaps", "cm"],
    NetworkPolicy: ["networkpolicy", "networkpolicies", "netpol"],
    PersistentVolumeClaim: ["pvc", "pvcs", "persistentvolumeclaim", "persistentvolumeclaims"],
    ServiceAccount: ["sa", "serviceaccount", "serviceaccounts"],
    Endpoints: ["endpoints", "ep"],
    EndpointSlice: ["endpointslice", "endpointslices"],
    Event: ["event", "events", "ev"],
    ReplicaSet: ["replicaset", "replicasets", "rs"],
    Node: ["node", "nodes", "no"],
    Namespace: ["namespace", "namespaces", "ns"],
    PrometheusRule: ["prometheusrule", "prometheusrules"],
    ServiceMonitor: ["servicemonitor", "servicemonitors"],
    AlertmanagerConfig: ["alertmanagerconfig", "alertmanagerconfigs"],
    Probe: ["probe", "probes"],
})) for (const a of aliases) KINDS[a] = kind;

/** Objects the cluster makes at run time: their names are not the program's to fix, so placeholders are fine. */
const RUNTIME_KINDS = new Set(["Pod", "Job", "ReplicaSet", "Event", "Endpoints", "EndpointSlice"]);
const CLUSTER_SCOPED = new Set(["Node", "Namespace"]);
/** Flags that take the next word as their value. */
const VALUE_FLAGS = new Set(["-n", "--namespace", "-l", "--selector", "-o", "--output", "-c", "--container", "--since",
    "--tail", "--for", "--timeout", "--to-revision", "--replicas", "--image", "--field-selector", "-p", "--patch",
    "--from", "--sort-by", "--revision", "--since-time", "--context", "--type"]);
/** Verbs whose first positional is a sub-verb, not a resource. */
const SUBVERBS = new Set(["rollout", "create", "top", "set", "auth", "config"]);

export interface ParsedCommand {
    verb: string;
    subverb?: string;
    namespace?: string;
    selector?: string;
    from?: string;
    replicas?: string;
    output?: string;
    /** Positional words after the verb (and sub-verb), up to `--`. */
    positionals: string[];
    allNamespaces: boolean;
}

export function parseKubectl(text: string): ParsedCommand {
    const words = shellWords(text).slice(1);
    const p: ParsedCommand = { verb: "", positionals: [], allNamespaces: false };
    const flags: Record<string, string> = {};
    for (let i = 0; i < words.length; i++) {
        const w = words[i];
        if (w === "--") break;
        if (w.startsWith("-")) {
            const eq = w.indexOf("=");
            const name = eq > 0 ? w.slice(0, eq) : w;
            let value: string | undefined = eq > 0 ? w.slice(eq + 1) : undefined;
            if (value === undefined && VALUE_FLAGS.has(name)) value = words[++i];
            if (name === "-A" || name === "--all-namespaces") p.allNamespaces = true;
            flags[name] = value ?? "true";
            continue;
        }
        if (!p.verb) p.verb = w;
        else if (!p.subverb && SUBVERBS.has(p.verb)) p.subverb = w;
        else p.positionals.push(w);
    }
    p.namespace = flags["-n"] ?? flags["--namespace"];
    p.selector = flags["-l"] ?? flags["--selector"];
    p.from = flags["--from"];
    p.replicas = flags["--replicas"];
    p.output = flags["-o"] ?? flags["--output"];
    return p;
}

// ---------------------------------------------------------------------------------------------------------------
// Label selectors

interface Requirement { key: string; op: "=" | "!=" | "in" | "notin" | "exists" | "!exists"; values: string[] }

export function parseSelector(selector: string): Requirement[] | string {
    const terms: string[] = [];
    let depth = 0, cur = "";
    for (const ch of selector) {
        if (ch === "(") depth++;
        if (ch === ")") depth--;
        if (ch === "," && depth === 0) { terms.push(cur.trim()); cur = ""; } else cur += ch;
    }
    terms.push(cur.trim());
    const reqs: Requirement[] = [];
    for (const t of terms) {
        let m: RegExpExecArray | null;
        if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(t))) reqs.push({ key: m[1], op: m[2] === "!=" ? "!=" : "=", values: [m[3]] });
        else if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t))) reqs.push({ key: m[1], op: m[2] as "in" | "notin", values: m[3].split(",").map((v) => v.trim()) });
        else if ((m = /^!([\w./-]+)$/.exec(t))) reqs.push({ key: m[1], op: "!exists", values: [] });
        else if ((m = /^([\w./-]+)$/.exec(t))) reqs.push({ key: m[1], op: "exists", values: [] });
        else return `cannot read the label selector term "${t}"`;
    }
    return reqs;
}

export function selects(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
    const l = labels ?? {};
    return reqs.every((r) => {
        const has = Object.prototype.hasOwnProperty.call(l, r.key);
        switch (r.op) {
            case "=": return has && l[r.key] === r.values[0];
            case "!=": return !has || l[r.key] !== r.values[0];
            case "in": return has && r.values.includes(l[r.key]);
            case "notin": return !has || !r.values.includes(l[r.key]);
            case "exists": return has;
            case "!exists": return !has;
        }
        return false;
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Resolution

/** What one kind's objects look like in a namespace of a stack, for names and label selectors. */
function candidates(stack: RenderedStack, kind: string): { name?: string; labels: Record<string, string> | undefined; object?: RenderedObject }[] {
    const inNs = stack.objects.filter((o) => o.namespace === stack.namespace || (CLUSTER_SCOPED.has(o.kind) && !o.namespace));
    const podTemplates = inNs.flatMap((o) => {
        if (["Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"].includes(o.kind)) return [o.body.spec?.template?.metadata?.labels];
        if (o.kind === "CronJob") return [o.body.spec?.jobTemplate?.spec?.template?.metadata?.labels];
        return [];
    });
    switch (kind) {
        case "Pod": return podTemplates.map((labels) => ({ labels }));
        case "ReplicaSet": return inNs.filter((o) => o.kind === "Deployment").map((o) => ({ labels: o.body.spec?.template?.metadata?.labels }));
        case "Job": return [
            ...inNs.filter((o) => o.kind === "Job").map((o) => ({ name: o.name, labels: o.body.metadata?.labels, object: o })),
            ...inNs.filter((o) => o.kind === "CronJob").map((o) => ({ labels: o.body.spec?.jobTemplate?.metadata?.labels })),
        ];
        // The endpoints controller names Endpoints after their Service and copies its labels.
        case "Endpoints": case "EndpointSlice":
            return inNs.filter((o) => o.kind === "Service").map((o) => ({ name: o.name, labels: o.body.metadata?.labels, object: o }));
        default: return inNs.filter((o) => o.kind === kind).map((o) => ({ name: o.name, labels: o.body.metadata?.labels, object: o }));
    }
}

function isPlaceholder(name: string): boolean {
    return /<[^>]*>|…|\$\(|\$\{?[A-Za-z_]/.test(name);
}

/** The literal part of a name before its first placeholder (`backup-manual-` of `backup-manual-<id>`). */
function literalPrefix(name: string): string {
    const m = /<[^>]*>|…|\$\(|\$\{?[A-Za-z_]/.exec(name);
    return m ? name.slice(0, m.index) : name;
}

export interface CheckContext {
    /** Rendered stacks (staging and production). */
    stacks: RenderedStack[];
    /** The document defines `NS` / `$NS` as the namespace. */
    namespacePlaceholder: boolean;
    /** Names of Jobs the same document creates by hand (`kubectl create job … NAME`): literal prefixes. */
    createdJobPrefixes: string[];
    /** The heading of the section the command is in: scaling back after a restore is allowed in a restore section only. */
    section?: string;
}

/** A section about restoring (its heading says restore): the one place a Deployment may be scaled by hand. */
const RESTORE_SECTION = /\brestor/i;

/** Which stacks a command's namespace addresses, or a problem. */
function stacksFor(p: ParsedCommand, ctx: CheckContext): RenderedStack[] | string {
    const ns = p.namespace;
    if (p.allNamespaces) return "uses --all-namespaces: address the stack's namespace with -n";
    if (ns === undefined) return "has no -n <namespace>: it would act on the default namespace";
    if (/^fork-knife-<[a-z-]+>$/.test(ns)) return ctx.stacks;
    if (/^\$?\{?NS\}?$/.test(ns)) {
        return ctx.namespacePlaceholder ? ctx.stacks : `uses -n ${ns}, but the document never says that ${ns} is the namespace`;
    }
    const found = ctx.stacks.filter((s) => s.namespace === ns);
    return found.length ? found : `namespace "${ns}" is not a rendered stack's namespace (${ctx.stacks.map((s) => s.namespace).join(", ")})`;
}

interface Reference { kind: string; name?: string; raw: string }

function kindOf(word: string): string | undefined {
    return KINDS[word.toLowerCase()];
}

/** The objects a parsed command addresses: `kind/name` words, `KIND NAME…`, or a kind with a selector. */
function references(p: ParsedCommand): Reference[] | string {
    const refs: Reference[] = [];
    const pos = [...p.positionals];
    const slashed = (w: string): Reference | string => {
        const [k, ...rest] = w.split("/");
        const kind = kindOf(k);
        return kind ? { kind, name: rest.join("/"), raw: w } : `unknown kind "${k}" in ${w}`;
    };
    switch (p.verb) {
        case "logs": case "exec": case "attach": case "port-forward": {
            const target = pos.shift();
            if (target === undefined) return p.selector ? [{ kind: "Pod", raw: "-l" }] : `${p.verb} names no pod or workload`;
            const ref = target.includes("/") ? slashed(target) : { kind: "Pod", name: target, raw: target };
            return typeof ref === "string" ? ref : [ref];
        }
        case "create": {
            if (p.subverb !== "job") return `create ${p.subverb ?? ""}: only "create job --from=cronjob/…" is checked`;
            if (!p.from) return "create job without --from=cronjob/<name>";
            const from = slashed(p.from);
            if (typeof from === "string") return from;
            if (from.kind !== "CronJob") return `create job --from=${p.from}: must come from a cronjob/…`;
            return [from];
        }
        case "rollout": case "scale": case "get": case "describe": case "delete": case "edit": case "patch": case "label":
        case "annotate": case "top": case "wait": case "set": case "autoscale": {
            if (p.verb === "top") {
                const kind = kindOf(p.subverb ?? "");
                if (!kind) return `top ${p.subverb}: unknown kind`;
                return [{ kind, name: pos[0], raw: `${p.subverb}${pos[0] ? ` ${pos[0]}` : ""}` }];
            }
            if (pos.length === 0) return `${p.verb} names nothing`;
            if (pos.every((w) => w.includes("/"))) {
                for (const w of pos) { const r = slashed(w); if (typeof r === "string") return r; refs.push(r); }
                return refs;
            }
            const kinds = pos[0].split(",").map((k) => ({ k, kind: kindOf(k) }));
            const unknown = kinds.find((k) => !k.kind);
            if (unknown) return `unknown kind "${unknown.k}"`;
            const names = pos.slice(1);
            if (names.length && kinds.length > 1) return `several kinds (${pos[0]}) with names`;
            for (const { kind } of kinds) {
                if (names.length === 0) refs.push({ kind: kind!, raw: pos[0] });
                for (const n of names) refs.push({ kind: kind!, name: n, raw: `${pos[0]} ${n}` });
            }
            return refs;
        }
        case "apply":
            // A hand-written manifest (docs/operations.md's one-off migration Job): a test holds it to the rendered
            // objects; here only the namespace is checked.
            return p.positionals.length === 1 && /\.ya?ml$/.test(p.positionals[0]) ? [] : "apply: name one manifest file (-f <file>.yaml)";
        default:
            return `kubectl ${p.verb}: a verb this check does not know; document it with one it does (get, describe, logs, rollout, create job, delete, port-forward, top)`;
    }
}

/** Deployments an HPA scales, per stack. */
function hpaTargets(stack: RenderedStack): Set<string> {
    return new Set(stack.objects.filter((o) => o.kind === "HorizontalPodAutoscaler" && o.namespace === stack.namespace
        && o.body.spec?.scaleTargetRef?.kind === "Deployment").map((o) => o.body.spec.scaleTargetRef.name));
}

/** Problems with one command; empty when it resolves in the stacks it addresses. */
export function checkCommand(text: string, ctx: CheckContext): string[] {
    const p = parseKubectl(text);
    if (!p.verb) return ["kubectl without a verb"];
    const refs = references(p);
    if (typeof refs === "string") return [refs];
    const clusterOnly = refs.length > 0 && refs.every((r) => CLUSTER_SCOPED.has(r.kind));
    const stacks = clusterOnly ? ctx.stacks : stacksFor(p, ctx);
    if (typeof stacks === "string") return [stacks];
    const problems: string[] = [];
    const reqs = p.selector === undefined ? undefined : parseSelector(p.selector);
    if (typeof reqs === "string") return [reqs];

    for (const ref of refs) {
        if (ref.kind === "Node") {
            if (reqs) problems.push("selects nodes by label: node labels are not the program's, so this cannot be checked");
            continue;
        }
        if (ref.kind === "Namespace") {
            if (ref.name && !ctx.stacks.some((s) => s.namespace === ref.name || /^fork-knife-<[a-z-]+>$/.test(ref.name!))) {
                problems.push(`namespace ${ref.name} is not rendered`);
            }
            continue;
        }
        // A name resolves when some addressed stack has it; `fork-knife-<stack>` and NS address both, and an object
        // that only production renders (the pre-migration backup, the S3 credentials) resolves there.
        const where = stacks.map((s) => ({ s, objects: candidates(s, ref.kind) }));
        if (ref.name !== undefined) {
            if (isPlaceholder(ref.name)) {
                const prefix = literalPrefix(ref.name);
                if (!RUNTIME_KINDS.has(ref.kind)) {
                    problems.push(`${ref.raw}: a ${ref.kind} is rendered with a fixed name; write the name, not a placeholder`);
                } else if (prefix && ref.kind === "Job" && !jobPrefixKnown(prefix, where.map((w) => w.s), ctx)) {
                    problems.push(`${ref.raw}: no rendered Job, CronJob or hand-made Job of this document is named ${prefix}…`);
                }
            } else if (ref.kind === "Pod" || ref.kind === "ReplicaSet") {
                problems.push(`${ref.raw}: ${ref.kind} names are generated; select by label (-l) or write <pod>`);
            } else if (!where.some((w) => w.objects.some((o) => o.name === ref.name))) {
                const known = [...new Set(where.flatMap((w) => w.objects.map((o) => o.name)).filter(Boolean))];
                problems.push(`${ref.raw}: no ${ref.kind} named ${ref.name} in ${stacks.map((s) => s.namespace).join(" or ")}` +
                    (known.length ? ` (rendered: ${known.join(", ")})` : ` (none rendered)`));
            }
        } else if (!reqs && !RUNTIME_KINDS.has(ref.kind) && !where.some((w) => w.objects.length > 0)) {
            problems.push(`${ref.raw}: no ${ref.kind} is rendered in ${stacks.map((s) => s.namespace).join(" or ")}`);
        }
        if (reqs && !where.some((w) => w.objects.some((o) => selects(reqs, o.labels)))) {
            problems.push(`-l ${p.selector}: selects no rendered ${ref.kind} (nor the pods or Jobs the rendered workloads make)`);
        }
        if (p.verb === "scale" && ref.kind === "Deployment") {
            const managed = stacks.some((s) => {
                const targets = hpaTargets(s);
                const named = candidates(s, "Deployment").filter((o) => (ref.name ? o.name === ref.name : reqs ? selects(reqs, o.labels) : true));
                return named.some((o) => targets.has(o.name!));
            });
            if (managed) problems.push(...scaleBackProblems(p, ref, stacks, ctx));
        }
        if (p.verb === "port-forward" && ref.kind === "Service" && ref.name && !isPlaceholder(ref.name)) {
            problems.push(...servicePortProblems(p, ref.name, stacks));
        }
    }
    return problems;
}

/**
 * `kubectl scale` of an HPA-managed Deployment: refused, except to bring a workload back from zero after a live
 * restore (an HPA does not scale a Deployment at 0 replicas), in a restore section, by name, and to exactly its HPA's
 * minReplicas: a literal equal to it in every addressed stack, or read from that HPA with
 * `$(kubectl -n <same namespace> get hpa <same name> -o jsonpath='{.spec.minReplicas}')`.
 */
function scaleBackProblems(p: ParsedCommand, ref: Reference, stacks: RenderedStack[], ctx: CheckContext): string[] {
    const refused = "kubectl scale of an HPA-managed Deployment: the HPA undoes it; raise minReplicas in Pulumi.<stack>.yaml and run pulumi up";
    if (!ctx.section || !RESTORE_SECTION.test(ctx.section) || !ref.name || isPlaceholder(ref.name)) return [refused];
    const hpaOf = (s: RenderedStack) => s.objects.find((o) => o.kind === "HorizontalPodAutoscaler" && o.namespace === s.namespace
        && o.body.spec?.scaleTargetRef?.kind === "Deployment" && o.body.spec.scaleTargetRef.name === ref.name);
    const replicas = p.replicas ?? "";
    const sub = /^\$\((kubectl\s[^]*)\)$/.exec(replicas);
    if (sub) {
        const inner = parseKubectl(sub[1]);
        const names = inner.positionals.length === 1 ? inner.positionals[0].split("/") : inner.positionals;
        const readsFloor = inner.verb === "get" && names.length === 2 && KINDS[names[0].toLowerCase()] === "HorizontalPodAutoscaler"
            && stacks.every((s) => hpaOf(s)?.name === names[1]) && inner.namespace === p.namespace && inner.output === "jsonpath={.spec.minReplicas}";
        return readsFloor ? [] : [`scaling back after a restore reads the floor from the Deployment's own HPA: ` +
            `--replicas="$(kubectl -n ${p.namespace} get hpa ${ref.name} -o jsonpath='{.spec.minReplicas}')"`];
    }
    const wrong = stacks.filter((s) => String(hpaOf(s)?.body.spec?.minReplicas ?? 1) !== replicas);
    return wrong.length === 0 ? [] : [`scaling back after a restore must set --replicas to the HPA's minReplicas: ` +
        wrong.map((s) => `${hpaOf(s)?.body.spec?.minReplicas ?? 1} in ${s.namespace}`).join(", ") + ` (got ${replicas || "none"})`];
}

function jobPrefixKnown(prefix: string, stacks: RenderedStack[], ctx: CheckContext): boolean {
    if (ctx.createdJobPrefixes.some((c) => c.startsWith(prefix) || prefix.startsWith(c))) return true;
    return stacks.some((s) => s.objects.some((o) =>
        (o.kind === "Job" && o.name.startsWith(prefix)) ||
        // A CronJob's Jobs are named <cronjob>-<minutes since epoch>.
        (o.kind === "CronJob" && (prefix === `${o.name}-` || `${o.name}-`.startsWith(prefix)))));
}

/** `port-forward svc/x LOCAL:REMOTE`: REMOTE must be a port (number or name) of the Service. */
function servicePortProblems(p: ParsedCommand, service: string, stacks: RenderedStack[]): string[] {
    const specs = p.positionals.slice(1);
    if (specs.length === 0) return [`port-forward svc/${service} names no port`];
    const problems: string[] = [];
    for (const spec of specs) {
        const remote = spec.includes(":") ? spec.split(":")[1] : spec;
        const ok = stacks.some((s) => s.objects.some((o) => o.kind === "Service" && o.name === service && o.namespace === s.namespace &&
            (o.body.spec?.ports ?? []).some((port: any) => port.name === remote || String(port.port) === remote)));
        if (!ok) problems.push(`port-forward svc/${service} ${spec}: the Service has no port ${remote}`);
    }
    return problems;
}

/** Literal prefixes of the Job names a document creates by hand (`kubectl create job --from=… NAME`). */
export function createdJobPrefixes(commands: DocCommand[]): string[] {
    return commands.map((c) => parseKubectl(c.text)).filter((p) => p.verb === "create" && p.subverb === "job" && p.positionals[0])
        .map((p) => literalPrefix(p.positionals[0])).filter((x) => x.length > 0);
}

/** Every problem of every command of one document. */
export function checkDocument(file: string, markdown: string, stacks: RenderedStack[]): { commands: DocCommand[]; problems: string[] } {
    const commands = extractCommands(file, markdown);
    const ctx: CheckContext = { stacks, namespacePlaceholder: definesNamespacePlaceholder(markdown), createdJobPrefixes: createdJobPrefixes(commands) };
    const headings = sectionHeadings(markdown);
    const problems = commands.flatMap((c) => checkCommand(c.text, { ...ctx, section: headings[c.line - 1] })
        .map((pr) => `${c.file}:${c.line}: ${c.text}\n    ${pr}`));
    return { commands, problems };
}

/** For every line of a Markdown text, the heading of the section it is in (comments in code blocks are not headings). */
export function sectionHeadings(markdown: string): (string | undefined)[] {
    let fence: string | undefined;
    let heading: string | undefined;
    return markdown.split("\n").map((line) => {
        const m = /^\s*(```+|~~~+)/.exec(line);
        if (fence) {
            if (m && m[1].startsWith(fence)) fence = undefined;
        } else if (m) {
            fence = m[1];
        } else {
            const h = /^#{1,6}\s+(.*)$/.exec(line);
            if (h) heading = h[1].trim();
        }
        return heading;
    });
}
