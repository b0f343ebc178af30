// The runbooks send people around at 3 a.m. ("see Rollback", "Database issues"): every relative link in README.md
// and docs/*.md must land on a file that exists and, when it names an anchor, on a heading of that file.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const DOCUMENTS = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** GitHub's heading anchor: lower case, punctuation other than - and _ dropped, spaces to -. */
function githubAnchor(heading: string): string {
    return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchorsOf(markdown: string): Set<string> {
    const withoutFences = markdown.replace(/^```[^]*?^```/gm, "");
    return new Set([...withoutFences.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => githubAnchor(m[1])));
}

/** Relative links `[text](target)` outside code. */
function relativeLinks(markdown: string): string[] {
    const prose = markdown.replace(/^```[^]*?^```/gm, "").replace(/`[^`]*`/g, "");
    return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
}

function problemsOf(file: string, markdown: string, read: (p: string) => string | undefined): string[] {
    const problems: string[] = [];
    for (const target of relativeLinks(markdown)) {
        const [rel, anchor] = target.split("#");
        const resolved = rel ? path.posix.normalize(path.posix.join(path.posix.dirname(file), rel)) : file;
        const text = read(resolved);
        if (text === undefined) { problems.push(`${file}: (${target}): no file ${resolved}`); continue; }
        if (anchor && !anchorsOf(text).has(anchor)) problems.push(`${file}: (${target}): no heading #${anchor} in ${resolved}`);
    }
    return problems;
}

const readRepo = (p: string) => (fs.existsSync(path.join(ROOT, p)) ? fs.readFileSync(path.join(ROOT, p), "utf8") : undefined);

describe("relative links in README.md and docs/*.md", () => {
    it("land on existing files and headings", () => {
        const problems = DOCUMENTS.flatMap((f) => problemsOf(f, readRepo(f)!, readRepo));
        assert.deepEqual(problems, []);
        assert.ok(DOCUMENTS.reduce((n, f) => n + relativeLinks(readRepo(f)!).length, 0) >= 10, "too few links found: the extractor is broken");
    });

    it("flags a missing file and a missing heading (fixture)", () => {
        const files: Record<string, string> = { "docs/a.md": "# A\n\n## Service down\n", "docs/b.md": "see [x](a.md#service-down), [y](a.md#servce-down), [z](c.md), [w](#b)\n\n# B\n" };
        assert.deepEqual(problemsOf("docs/b.md", files["docs/b.md"], (p) => files[p]), [
            "docs/b.md: (a.md#servce-down): no heading #servce-down in docs/a.md",
            "docs/b.md: (c.md): no file docs/c.md",
        ]);
    });
});
