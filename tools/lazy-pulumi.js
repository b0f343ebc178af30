// Defers the parts of @pulumi/pulumi that `npm run synth|policy|audit` never call (and, below, a cost of its runtime
// whose result nobody reads): `require("@pulumi/pulumi")` loads the Automation API and the closure serializer
// eagerly, and with them npm's arborist, pacote and sigstore (about half of the SDK's start-up). Preloaded by
// package.json's scripts: `node -r ./tools/lazy-pulumi.js …`.
// Each deferred module is a stand-in in require.cache that loads the real one on first use, so a tool that does
// use it still works, only without the saving. test/tools/lazy-pulumi.test.ts checks the stand-ins against the
// SDK installed (an upgrade that renames an export fails there) and that synth's output is the same without them.
// Plain JavaScript: it runs before the TypeScript hook, like tools/ts-cache.js.
"use strict";
const Module = require("module");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");

/** Deferred modules: a namespace object, the named functions a parent module copies while it loads, or getters. */
const DEFERRED = [
    // index.js: `exports.automation = __importStar(require("./automation"))`; __esModule keeps it from enumerating.
    { module: "@pulumi/pulumi/automation/index.js", namespace: true },
    // runtime/index.js copies these functions at load time, so they are stand-in functions, not a namespace.
    { module: "@pulumi/pulumi/runtime/closure/serializeClosure.js", functions: ["serializeFunction", "serializeFunctionAsync"] },
    { module: "@pulumi/pulumi/runtime/closure/codePaths.js", functions: ["computeCodePaths", "findWorkspaceRoot"] },
    // @pulumi/kubernetes's YAML, Helm v3 and Kustomize v1 components, which load glob, minimatch and every API
    // group's module; re-exported by `__exportStar`, which copies a getter as it is, so each export is a getter.
    { module: "@pulumi/kubernetes/yaml/yaml.js", getters: ["CollectionComponentResource", "ConfigFile", "ConfigGroup", "getChildOpts", "getInvokeOpts", "parse", "skipAwait"] },
    { module: "@pulumi/kubernetes/helm/v3/helm.js", getters: ["Chart"] },
    { module: "@pulumi/kubernetes/kustomize/kustomize.js", getters: ["Directory"] },
];

/** Files loaded for real after all (a tool used them). */
const loadedForReal = [];

function resolve(specifier) {
    try {
        return require.resolve(specifier, { paths: [ROOT] });
    } catch {
        return undefined; // not installed (or moved by an upgrade): nothing to defer
    }
}

function standIn(file, exportsObject) {
    const m = new Module(file, null);
    m.filename = file;
    m.paths = Module._nodeModulePaths(path.dirname(file));
    m.loaded = true;
    m.exports = exportsObject;
    require.cache[file] = m;
}

function defer(entry) {
    const file = resolve(entry.module);
    if (!file || require.cache[file]) return;
    let real;
    const load = () => {
        if (!real) {
            delete require.cache[file];
            real = require(file);
            loadedForReal.push(entry.module);
        }
        return real;
    };
    if (entry.namespace) {
        standIn(file, new Proxy({}, {
            get: (_, key) => (key === "__esModule" ? true : Reflect.get(load(), key)),
            has: (_, key) => Reflect.has(load(), key),
            ownKeys: () => Reflect.ownKeys(load()),
            getOwnPropertyDescriptor: (_, key) => {
                const d = Reflect.getOwnPropertyDescriptor(load(), key);
                // A proxy may not report a property non-configurable that its target does not have.
                return d && { ...d, configurable: true };
            },
        }));
    } else if (entry.getters) {
        const exportsObject = { __esModule: true };
        for (const name of entry.getters) {
            Object.defineProperty(exportsObject, name, { enumerable: true, get: () => load()[name] });
        }
        standIn(file, exportsObject);
    } else {
        const exportsObject = { __esModule: true };
        for (const name of entry.functions) {
            exportsObject[name] = function deferred(...args) {
                return load()[name].apply(this, args);
            };
        }
        standIn(file, exportsObject);
    }
}

DEFERRED.forEach(defer);

// The runtime wraps each of its promises (a few per resource) in debuggablePromise, which formats a full stack
// trace onto it, a tenth of a synth's time; the trace is printed only when PULUMI_DEBUG_PROMISE_LEAKS is set.
// Without that variable the wrapper runs with no stack frames to capture. Everything else it does stays, the
// leak detector that fails a program leaving a promise pending included.
const DEBUGGABLE = resolve("@pulumi/pulumi/runtime/debuggable.js");
if (DEBUGGABLE && !process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    const loadJs = Module._extensions[".js"];
    Module._extensions[".js"] = function loadJavaScript(module, filename) {
        loadJs(module, filename);
        if (filename === DEBUGGABLE && typeof module.exports.debuggablePromise === "function") {
            const debuggablePromise = module.exports.debuggablePromise;
            module.exports.debuggablePromise = function withoutStackTrace(p, ctx) {
                const limit = Error.stackTraceLimit;
                Error.stackTraceLimit = 0;
                try {
                    return debuggablePromise(p, ctx);
                } finally {
                    Error.stackTraceLimit = limit;
                }
            };
        }
    };
}

module.exports = { DEFERRED, loadedForReal };
