// Runs the TypeScript sources as JavaScript compiled once and cached, so the npm scripts' tools and the mocha
// workers (.mocharc.json) start without loading the TypeScript compiler: `node -r ./tools/ts-cache.js
// tools/synth.ts`. Stack traces show the compiled positions; FORK_KNIFE_SOURCE_MAPS=1 maps them back to the .ts
// lines (off by default: Pulumi formats a stack trace for each of its promises, and mapping each costs). Each .ts file is
// transpiled (no type check: `npm test` runs tsc) the first time it is loaded, or after it changed, and the
// result is kept in bin/ts-cache/ (git-ignored, inside the checkout) under a hash of the source, its path, the
// compiler version, tsconfig.json and this file. `npm ci` fills the cache ahead (the `prepare` script runs `--warm`).
// Beside it, V8's code cache of every CommonJS module the process compiles (bin/ts-cache/v8/, below).
// Plain JavaScript on purpose: this file is what makes the rest fast, so it cannot need compiling itself.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const CACHE = path.join(ROOT, "bin", "ts-cache");

function readOrEmpty(file) {
    try { return fs.readFileSync(file, "utf8"); } catch { return ""; }
}

// Everything that changes the output besides the source itself.
const SALT = crypto.createHash("sha256")
    .update(readOrEmpty(require.resolve("typescript/package.json", { paths: [ROOT] })))
    .update(readOrEmpty(path.join(ROOT, "tsconfig.json")))
    .update(readOrEmpty(__filename))
    .digest("hex");

let compiler;
/** The compiler and the options of tsconfig.json, loaded only on a cache miss (they take most of a second). */
function load() {
    if (compiler) return compiler;
    const ts = require(require.resolve("typescript", { paths: [ROOT] }));
    const configFile = path.join(ROOT, "tsconfig.json");
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configFile, ts.sys.readFile).config, ts.sys, ROOT);
    const options = { ...parsed.options, module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: true, inlineSources: true, declaration: false, noEmit: false };
    compiler = { ts, options };
    return compiler;
}

function transpile(source, filename) {
    const { ts, options } = load();
    return ts.transpileModule(source, { compilerOptions: options, fileName: filename, reportDiagnostics: false }).outputText;
}

/** The compiled JavaScript of one source file, from the cache or freshly transpiled (and then cached). */
function compiled(filename, source) {
    const key = crypto.createHash("sha256").update(SALT).update(filename).update("\0").update(source).digest("hex");
    const file = path.join(CACHE, `${key}.js`);
    const hit = readOrEmpty(file);
    if (hit) return hit;
    const js = transpile(source, filename);
    try {
        fs.mkdirSync(CACHE, { recursive: true });
        // Write then rename: a concurrent reader never sees half a file.
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, js);
        fs.renameSync(tmp, file);
    } catch {
        // A read-only checkout still runs, only without the cache.
    }
    return js;
}

// Stack traces point into the .ts sources through the inline source maps.
if (process.env.FORK_KNIFE_SOURCE_MAPS === "1" && typeof process.setSourceMapsEnabled === "function") process.setSourceMapsEnabled(true);

Module._extensions[".ts"] = function loadTypeScript(module, filename) {
    module._compile(compiled(filename, fs.readFileSync(filename, "utf8")), filename);
};

// V8's code cache for every CommonJS module the process compiles (the SDKs' and ours): parsing and compiling
// JavaScript is most of a tool's start-up, and node 20 keeps no cache of it (node 22's module.enableCompileCache()
// does the same). Each module's cache is stored under a hash of its path and its text, written when the process
// exits (so it holds the functions that ran, not only the top level) and read by the next process. V8 itself refuses
// a cache from another V8 or other flags; the module then compiles as usual and the cache is rewritten.
const CODE_CACHE_SETTING = process.env.FORK_KNIFE_CODE_CACHE;
if (CODE_CACHE_SETTING !== undefined && CODE_CACHE_SETTING !== "0" && CODE_CACHE_SETTING !== "1") {
    process.stderr.write(`FORK_KNIFE_CODE_CACHE=${CODE_CACHE_SETTING}: must be 0 (off) or 1 (on, the default)\n`);
    process.exit(2);
}
const CODE_CACHE = path.join(CACHE, "v8", `${process.version}-${process.arch}`);
/** Scripts compiled without a usable cache: their cache is written at exit. */
const toWrite = [];
/** The files compiled from the cache, those whose cache was written, and those compiled without it (import()). */
const codeCacheStats = { used: [], written: [], skipped: [] };

// Off when stack traces are mapped to the .ts sources: node maps only modules it compiled itself.
if (CODE_CACHE_SETTING !== "0" && process.env.FORK_KNIFE_SOURCE_MAPS !== "1") {
    const vm = require("vm");
    const compileUncached = Module.prototype._compile;
    Module.prototype._compile = function compileWithCodeCache(content, filename, format) {
        // An ES module that require() loads (node passes its format) is node's to compile. And node 20 drops a
        // script's dynamic-import callback when V8 restores it from a cache (the next import() fails with
        // ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): a module that imports ES modules compiles as usual too.
        if ((format !== undefined && format !== "commonjs") || content.includes("import(")) {
            codeCacheStats.skipped.push(filename);
            return compileUncached.apply(this, arguments);
        }
        const key = crypto.createHash("sha1").update(filename).update("\0").update(content).digest("hex");
        const file = path.join(CODE_CACHE, key.slice(0, 2), key);
        let cachedData;
        try { cachedData = fs.readFileSync(file); } catch { /* first run of this text */ }
        // Module.wrap keeps every line where it was (the wrapper shares the first); a shebang line is emptied.
        const source = Module.wrap(content.startsWith("#!") ? content.replace(/^#!.*/, "") : content);
        let script;
        try {
            script = new vm.Script(source, { filename, cachedData });
        } catch (e) {
            // ES module syntax in a .js file node reads as either: node's own loader tells which (or reports it).
            if (!(e instanceof SyntaxError)) throw e;
            codeCacheStats.skipped.push(filename);
            return compileUncached.apply(this, arguments);
        }
        if (cachedData && !script.cachedDataRejected) codeCacheStats.used.push(filename);
        else toWrite.push({ script, file, filename });
        const wrapper = script.runInThisContext({ displayErrors: true });
        return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
    };
    process.once("exit", writeCodeCache);
}

/** What node hands each module as `require` (its internal makeRequireFunction is not exported). */
function requireFor(mod) {
    const require = (id) => mod.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    return require;
}

/**
 * Writes the code cache of what this thread compiled without one. A worker thread calls it itself: its exit event
 * does not run when the process ends.
 */
function writeCodeCache() {
    for (const { script, file, filename } of toWrite.splice(0)) {
        try {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            // Per thread: synth's worker and main thread may write the same module's cache at once.
            const tmp = `${file}.${process.pid}-${require("worker_threads").threadId}.tmp`;
            fs.writeFileSync(tmp, script.createCachedData());
            fs.renameSync(tmp, file);
            codeCacheStats.written.push(filename);
        } catch {
            return; // a read-only checkout: run without the cache
        }
    }
}

/** `node tools/ts-cache.js --warm`: compile every source the tools load, so the first run is fast too. */
function warm() {
    let count = 0;
    const walk = (dir) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) { if (entry.name !== "node_modules") walk(full); }
            else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) { compiled(full, fs.readFileSync(full, "utf8")); count++; }
        }
    };
    walk(path.join(ROOT, "components"));
    walk(path.join(ROOT, "policies"));
    walk(path.join(ROOT, "tools"));
    walk(path.join(ROOT, "test"));
    compiled(path.join(ROOT, "index.ts"), fs.readFileSync(path.join(ROOT, "index.ts"), "utf8"));
    console.log(`ts-cache: ${count + 1} sources compiled into ${path.relative(ROOT, CACHE)}/`);
}

if (require.main === module && process.argv.includes("--warm")) {
    // A new install: the code caches of the modules it replaced are stale, and the compiler this run loaded is
    // not one the tools load.
    fs.rmSync(path.join(CACHE, "v8"), { recursive: true, force: true });
    warm();
    toWrite.length = 0;
}

module.exports = { compiled, CACHE, CODE_CACHE, codeCacheStats, writeCodeCache };
