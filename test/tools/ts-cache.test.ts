import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../tools/lib/stack-config";
import { runTool, scratchDirs } from "../support/tools";

const tmp = scratchDirs("ts-cache");

describe("the compile cache the tools start through (tools/ts-cache.js)", () => {
    // Loading it installs its .ts hook again (the suite runs through it too, .mocharc.json); keep the one in place.
    const tsNode = require.extensions[".ts"]; // eslint-disable-line n/no-deprecated-api
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cache = require("../../tools/ts-cache.js") as { compiled(filename: string, source: string): string; CACHE: string };
    require.extensions[".ts"] = tsNode; // eslint-disable-line n/no-deprecated-api

    it("package.json runs synth, policy and audit through it, and npm ci's prepare fills it", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts;
        for (const [name, file] of [["synth", "synth"], ["policy", "policy-check"], ["audit", "audit"]]) {
            assert.equal(scripts[name], `node -r ./tools/lazy-pulumi.js -r ./tools/ts-cache.js tools/${file}.ts`, name);
        }
        assert.equal(scripts.prepare, "node tools/ts-cache.js --warm");
    });

    it("serves a changed source freshly compiled, and an unchanged one from the cache", () => {
        const file = path.join(REPO_ROOT, "tools", "cache-probe-does-not-exist.ts");
        const one = cache.compiled(file, "export const answer: number = 41;\n");
        const two = cache.compiled(file, "export const answer: number = 42;\n");
        assert.match(one, /exports\.answer = 41/);
        assert.match(two, /exports\.answer = 42/, "the new source, not the cached old one");
        assert.doesNotMatch(two, /: number/, "types are gone");
        assert.equal(cache.compiled(file, "export const answer: number = 41;\n"), one);
    });

    it("a start from a warm cache loads no TypeScript compiler", () => {
        const probe = "require('./tools/policy-check.ts'); console.log(Object.keys(require.cache).filter((k) => k.includes('/node_modules/typescript/')).length)";
        spawnSync(process.execPath, ["-r", "./tools/ts-cache.js", "-e", probe], { cwd: REPO_ROOT, encoding: "utf8" }); // warms what it loads
        const r = spawnSync(process.execPath, ["-r", "./tools/ts-cache.js", "-e", probe], { cwd: REPO_ROOT, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "0");
    });

    it("the commands run from it: policy judges a file, audit refuses a bad date, synth refuses a bad flag", () => {
        const dir = tmp();
        const file = path.join(dir, "cm.yaml");
        fs.writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { PASSWORD: hunter2hunter2 }\n");
        const policy = runTool("policy-check.ts", [file]);
        assert.equal(policy.status, 1, policy.stderr);
        assert.match(policy.stdout, /ConfigMap\/a: secret-no-credentials-in-configmap: data\.PASSWORD looks like a credential/);
        const audit = runTool("audit.ts", ["--now", "2026-02-30", file]);
        assert.equal(audit.status, 2);
        assert.match(audit.stderr, /--now 2026-02-30: must be .*not a calendar date/);
        assert.equal(runTool("synth.ts", ["--bogus"]).status, 2);
    });
});

describe("V8's code cache under the compile cache (tools/ts-cache.js)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CODE_CACHE } = require("../../tools/ts-cache.js") as { CODE_CACHE: string };

    /** This process's environment without the settings under test (the suite may run with either set). */
    function withoutSettings(): NodeJS.ProcessEnv {
        const env = { ...process.env };
        delete env.FORK_KNIFE_CODE_CACHE;
        delete env.FORK_KNIFE_SOURCE_MAPS;
        return env;
    }

    /** A fresh process with the preload, running `main`; what the code cache did with that file is its last line. */
    function run(main: string, env: Record<string, string> = {}) {
        const r = spawnSync(process.execPath, ["-r", "./tools/ts-cache.js", "-e",
            `require(${JSON.stringify(main)}); process.on("exit", () => {
                const stats = require("./tools/ts-cache.js").codeCacheStats;
                console.log(JSON.stringify(Object.fromEntries(Object.entries(stats).map(([k, files]) => [k, files.filter((f) => f === ${JSON.stringify(main)}).length]))));
            })`],
        { cwd: REPO_ROOT, encoding: "utf8", env: { ...withoutSettings(), ...env } });
        const lines = r.stdout.trim().split("\n");
        return { status: r.status, stderr: r.stderr, output: lines.slice(0, -1), stats: JSON.parse(lines[lines.length - 1] || "null") };
    }

    /** A module file in a scratch directory, with text unique to this run (so no earlier run cached it). */
    function moduleFile(name: string, text: string): string {
        const file = path.join(tmp(), name);
        fs.writeFileSync(file, text.replace("NONCE", crypto.randomUUID()));
        return file;
    }

    const cacheFileOf = (file: string) => {
        const key = crypto.createHash("sha1").update(file).update("\0").update(fs.readFileSync(file, "utf8")).digest("hex");
        return path.join(CODE_CACHE, key.slice(0, 2), key);
    };

    it("the first process compiles a module and writes its cache, the next one compiles from it", () => {
        const file = moduleFile("probe.js", `// NONCE\nconsole.log(6 * 7);\n`);
        const first = run(file);
        assert.equal(first.status, 0, first.stderr);
        assert.deepEqual(first.output, ["42"]);
        assert.deepEqual(first.stats, { used: 0, written: 1, skipped: 0 });
        assert.ok(fs.existsSync(cacheFileOf(file)), "cache written under the hash of the path and the text");
        const second = run(file);
        assert.deepEqual(second.output, ["42"]);
        assert.deepEqual(second.stats, { used: 1, written: 0, skipped: 0 });
    });

    it("a changed module runs its new text, even at the same length (V8's own check compares lengths only)", () => {
        const file = moduleFile("changed.js", `// NONCE\nconsole.log(41);\n`);
        assert.deepEqual(run(file).output, ["41"]);
        // The call, not the first "41" (the nonce comment may hold one).
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("console.log(41)", "console.log(42)"));
        const changed = run(file);
        assert.deepEqual(changed.output, ["42"]);
        assert.deepEqual(changed.stats, { used: 0, written: 1, skipped: 0 });
    });

    it("a module with import() compiles as usual, so its ES module imports still work in every later process", () => {
        // node 20 loses a cached script's dynamic-import callback: from the cache this import would fail.
        const file = moduleFile("imports.js", `// NONCE\nimport("./esm.mjs").then((m) => console.log(m.answer));\n`);
        fs.writeFileSync(path.join(path.dirname(file), "esm.mjs"), "export const answer = 42;\n");
        for (const pass of [1, 2]) {
            const r = run(file);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.output, ["42"], `pass ${pass}`);
            assert.deepEqual(r.stats, { used: 0, written: 0, skipped: 1 }, `pass ${pass}`);
        }
    });

    it("an ES module that require() loads (a package of type module, as mocha's index.js) is left to node", () => {
        const file = moduleFile("requires-esm.js", `// NONCE\nconsole.log(require("./esm-package/answer.js").answer);\n`);
        const pkg = path.join(path.dirname(file), "esm-package");
        fs.mkdirSync(pkg);
        fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ type: "module" }));
        fs.writeFileSync(path.join(pkg, "answer.js"), "export const answer = 42;\n");
        for (const pass of [1, 2]) {
            const r = run(file);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.output, ["42"], `pass ${pass}`);
        }
        assert.deepEqual(run(file).stats, { used: 1, written: 0, skipped: 0 }, "the CommonJS requirer itself is cached");
    });

    it("a cached module gets node's own require, module and file names, and reports errors at their lines", () => {
        const file = moduleFile("probe.js", [
            "#!/usr/bin/env node",
            "// NONCE",
            "const { basename, dirname } = require('path');",
            "console.log(JSON.stringify([typeof require.resolve.paths, require.resolve('./probe.js') === __filename,",
            "    require.cache === require('module')._cache, module.filename === __filename, dirname(__filename) === __dirname, basename(__filename)]));",
            "function fail() { throw new Error('on line 6'); }",
            "try { fail(); } catch (e) { console.log(e.stack.split('\\n')[1].trim()); }",
        ].join("\n"));
        for (const pass of ["compiled", "from the cache"]) {
            const r = run(file);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(JSON.parse(r.output[0]), ["function", true, true, true, true, "probe.js"], pass);
            assert.ok(r.output[1].startsWith(`at fail (${file}:6:`), `${pass}: ${r.output[1]}`);
        }
        assert.deepEqual(run(file).stats, { used: 1, written: 0, skipped: 0 });
    });

    it("FORK_KNIFE_CODE_CACHE=0 turns it off, mapped stack traces (FORK_KNIFE_SOURCE_MAPS=1) too; a bad value stops with one line", () => {
        const file = moduleFile("probe.js", `// NONCE\nconsole.log("ran");\n`);
        for (const env of [{ FORK_KNIFE_CODE_CACHE: "0" }, { FORK_KNIFE_SOURCE_MAPS: "1" }] as Record<string, string>[]) {
            const r = run(file, env);
            assert.deepEqual(r.output, ["ran"]);
            assert.deepEqual(r.stats, { used: 0, written: 0, skipped: 0 }, JSON.stringify(env));
        }
        assert.ok(!fs.existsSync(cacheFileOf(file)));
        assert.deepEqual(run(file, { FORK_KNIFE_CODE_CACHE: "1" }).stats, { used: 0, written: 1, skipped: 0 });
        const bad = spawnSync(process.execPath, ["-r", "./tools/ts-cache.js", "-e", "console.log('ran')"],
            { cwd: REPO_ROOT, encoding: "utf8", env: { ...withoutSettings(), FORK_KNIFE_CODE_CACHE: "yes" } });
        assert.equal(bad.status, 2);
        assert.equal(bad.stdout, "");
        assert.equal(bad.stderr, "FORK_KNIFE_CODE_CACHE=yes: must be 0 (off) or 1 (on, the default)\n");
    });
});
