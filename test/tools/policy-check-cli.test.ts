// `npm run policy` as a script or a pipeline meets it: bad arguments, empty input, huge input, a slow reader.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { packSettings } from "../../policies/lib/policy";
import { MAX_OBJECTS, policyCommand } from "../../tools/policy-check";
import { REPO_ROOT } from "../../tools/lib/stack-config";
import { runTool, scratchDirs, toolArgv } from "../support/tools";

const tmp = scratchDirs("policy-cli");

/** `n` ConfigMaps in one multi-document file: cheap for every policy, so only the count matters. */
function configMaps(n: number): string {
    const docs: string[] = [];
    for (let i = 0; i < n; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c${i}, namespace: shop }\ndata: { k: v }`);
    return docs.join("\n---\n");
}

function write(name: string, text: string): string {
    const file = path.join(tmp(), name);
    fs.writeFileSync(file, text);
    return file;
}

/** The whole of stderr is one message line (plus the usage line when `usage`), never a stack trace. */
function assertOneLine(stderr: string, message: RegExp, usage = false): void {
    const lines = stderr.trimEnd().split("\n");
    assert.equal(lines.length, usage ? 2 : 1, stderr);
    assert.match(lines[0], message);
    if (usage) assert.match(lines[1], /^usage: npm run policy -- /);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
}

describe("npm run policy: arguments and input", () => {
    const noObjects: [string, () => string][] = [
        ["an empty file", () => write("empty.yaml", "")],
        ["a file of comments and empty documents", () => write("blank.yaml", "# nothing\n---\n---\n")],
        ["YAML that is no Kubernetes object", () => write("values.yaml", "replicaCount: 2\nimage: { tag: 1.0 }\n")],
        ["a directory without manifests", () => { const d = tmp(); fs.writeFileSync(path.join(d, "README.md"), "# chart"); return d; }],
    ];
    for (const [what, make] of noObjects) {
        it(`refuses ${what}: exit 2, one line, nothing judged`, async () => {
            const target = make();
            const r = await policyCommand([target]);
            assert.equal(r.code, 2);
            assert.equal(r.stdout, "");
            assertOneLine(r.stderr, new RegExp(`^policy: no Kubernetes objects .* in ${target.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}; nothing was checked$`));
        });
    }

    it("one object is enough: a single compliant-shape ConfigMap is judged (exit 0 or 1, never 2)", async () => {
        const r = await policyCommand([write("one.yaml", configMaps(1))]);
        assert.notEqual(r.code, 2, r.stderr);
        assert.match(r.stdout, /^1 objects, /m);
    });

    const badArgs: [string, string[], RegExp][] = [
        ["an unknown flag", ["--bogus", "x.yaml"], /^policy: Unknown option '--bogus'/],
        ["an unknown environment", ["--environment", "qa", "x.yaml"], /^policy: --environment must be staging or production, got qa$/],
        ["a flag without its value", ["x.yaml", "--now"], /^policy: Option '--now <value>' argument missing$/],
        ["no target", [], /^policy: no FILE_OR_DIR given$/],
        ["an impossible calendar date", ["--now", "2026-02-30", "x.yaml"], /^policy: --now 2026-02-30: must be an ISO 8601 date .*2026-02-30 is not a calendar date$/],
        ["a date in another format", ["--now", "25.11.2026", "x.yaml"], /^policy: --now 25\.11\.2026: must be an ISO 8601 date such as 2026-10-01/],
    ];
    for (const [what, argv, message] of badArgs) {
        it(`refuses ${what}: exit 2, the message and the usage line`, async () => {
            const r = await policyCommand(argv);
            assert.equal(r.code, 2);
            assertOneLine(r.stderr, message, true);
        });
    }

    it("accepts the last day of a month, just inside the calendar (--now 2028-02-29, a leap day)", async () => {
        const r = await policyCommand(["--now", "2028-02-29", write("one.yaml", configMaps(1))]);
        assert.notEqual(r.code, 2, r.stderr);
    });

    it("names a missing path in one line", async () => {
        const missing = path.join(tmp(), "nope.yaml");
        const r = await policyCommand([missing]);
        assert.equal(r.code, 2);
        assertOneLine(r.stderr, new RegExp(`^policy: ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: no such file or directory$`));
    });

    it("names the file and line of a YAML syntax error in one line", async () => {
        const file = write("broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: [\n");
        const r = await policyCommand([file]);
        assert.equal(r.code, 2);
        assertOneLine(r.stderr, new RegExp(`^policy: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
    });

    it("the command line: an unknown flag prints one message and the usage, exit 2, no stack trace", () => {
        const r = runTool("policy-check.ts", ["--bogus", "x.yaml"]);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        assertOneLine(r.stderr, /^policy: Unknown option '--bogus'/, true);
    });
});

describe("npm run policy: size limit", () => {
    it(`judges exactly ${MAX_OBJECTS} objects (the limit, just inside)`, async () => {
        const r = await policyCommand(["--environment", "staging", write("at-limit.yaml", configMaps(MAX_OBJECTS))]);
        assert.notEqual(r.code, 2, r.stderr);
        assert.match(r.stdout, new RegExp(`^${MAX_OBJECTS} objects, `, "m"));
    });

    it(`stops at ${MAX_OBJECTS + 1} objects with one line naming the limit (just outside)`, async () => {
        const r = await policyCommand([write("over.yaml", configMaps(MAX_OBJECTS + 1))]);
        assert.equal(r.code, 2);
        assertOneLine(r.stderr, new RegExp(`^policy: more than ${MAX_OBJECTS} Kubernetes objects \\(the limit, reached in .*over\\.yaml\\); check the manifests in parts$`));
    });

    it("250,000 objects over several files: the limit's line, never a stack overflow", async () => {
        const dir = tmp();
        const big = configMaps(50_000);
        for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(dir, `part-${i}.yaml`), big);
        const r = await policyCommand([dir]);
        assert.equal(r.code, 2);
        assertOneLine(r.stderr, new RegExp(`^policy: more than ${MAX_OBJECTS} Kubernetes objects \\(the limit, reached in .*part-0\\.yaml\\)`));
    });
});

describe("npm run policy: output through a pipe", () => {
    it("a slow reader gets every line and the summary: nothing is cut off at exit", () => {
        // Thousands of violations, far more than a pipe buffers (64 kB), read only after the writer is done.
        const docs: string[] = [];
        for (let i = 0; i < 1500; i++) docs.push(`apiVersion: v1\nkind: Pod\nmetadata: { name: p${i} }\nspec: { containers: [{ name: c, image: "x:latest", securityContext: { privileged: true } }] }`);
        const file = write("many.yaml", docs.join("\n---\n"));
        const out = path.join(tmp(), "out.txt");
        const command = [process.execPath, ...toolArgv("policy-check.ts", [file])];
        const quoted = command.map((a) => `'${a}'`).join(" ");
        const r = spawnSync("bash", ["-c", `set -o pipefail; ${quoted} | { sleep 2; cat > '${out}'; }`], { cwd: REPO_ROOT, encoding: "utf8" });
        assert.equal(r.status, 1, r.stderr);
        const text = fs.readFileSync(out, "utf8");
        assert.ok(text.length > 256 * 1024, `${text.length} bytes: the output is meant to overflow the pipe`);
        const summary = /^(\d+) objects, \d+ policies \(production, [^)]*\): (\d+) mandatory and (\d+) advisory violations/m.exec(text);
        assert.ok(summary, `no summary in the last lines: ${text.slice(-300)}`);
        const violationLines = text.split("\n").filter((l) => l.startsWith(`${file}: `)).length;
        assert.equal(violationLines, Number(summary![2]) + Number(summary![3]));
        assert.ok(text.endsWith("policies failed\n"), "the summary is the last line");
    });
});

describe("invalid calendar dates, everywhere a date is read", () => {
    it("audit --now 2026-02-30: exit 2, one line", () => {
        const r = runTool("audit.ts", ["--now", "2026-02-30", path.join(REPO_ROOT, "package.json")]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /^audit: --now 2026-02-30: must be .*not a calendar date$/m);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
    });

    it("the pack's config: now = 2026-02-30 stops the policy with the key named; 2026-02-28 is read as written", () => {
        const settings = (now: string) => packSettings({ getConfig: <T extends object>() => ({ now }) as T });
        assert.throws(() => settings("2026-02-30"), /policy pack config now = "2026-02-30": must be .*not a calendar date/);
        assert.equal(settings("2026-02-28").now.toISOString(), "2026-02-28T00:00:00.000Z");
    });
});
