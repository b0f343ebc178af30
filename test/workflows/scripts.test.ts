// The workflows' shell scripts, run for real: backport.sh with real git against a local bare "origin", and
// dr-drill-issue.sh; only `gh` (GitHub's API) is a stand-in that answers from the environment and logs its calls.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../tools/lib/stack-config";
import { scratchDirs } from "../support/tools";

const scratch = scratchDirs("workflow-scripts");
const SCRIPTS = path.join(REPO_ROOT, ".github", "scripts");

function git(cwd: string, ...args: string[]): string {
    const r = spawnSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com", GIT_CONFIG_NOSYSTEM: "1", HOME: cwd } });
    assert.strictEqual(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
}

/** A `gh` that logs each call as one JSON line and answers from FAKE_* variables. */
function fakeGh(dir: string): { bin: string; calls: () => string[][] } {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "gh.log");
    fs.writeFileSync(path.join(bin, "gh"), `#!/usr/bin/env bash
set -Eeuo pipefail
node -e 'process.stdout.write(JSON.stringify(process.argv.slice(1)) + "\\n")' -- "$@" >> ${JSON.stringify(log)}
args="$*"
case "$args" in
  "api repos/"*"/pulls "*) printf '%s\\n' "\${FAKE_PR:-}" ;;
  "pr view "*"--json mergeCommit"*) printf '%s\\n' "\${FAKE_MERGE_SHA:-}" ;;
  "pr view "*"--json title"*) printf '%s\\n' "\${FAKE_TITLE:-}" ;;
  "pr view "*"--json labels"*) printf '%s' "\${FAKE_LABELS:-}" ;;
  "pr create "*) echo "https://github.com/o/r/pull/99" ;;
  "issue list "*"--state open"*) printf '%s' "\${FAKE_OPEN:-}" ;;
  "issue list "*"--state closed"*) printf '%s' "\${FAKE_LAST:-}" ;;
  "issue view "*) cat "\${FAKE_LAST_BODY}" ;;
  "issue create "*) body="\${args##*--body-file }"; cp "\${body%% *}" "\${FAKE_CREATED_BODY}"; echo "https://github.com/o/r/issues/12" ;;
  *) ;;
esac
`, { mode: 0o755 });
    return { bin, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : []) };
}

function run(script: string, cwd: string, env: Record<string, string>) {
    return spawnSync("bash", [path.join(SCRIPTS, script)], { cwd, encoding: "utf8", env: { PATH: process.env.PATH!, HOME: cwd, GIT_CONFIG_NOSYSTEM: "1", ...env } });
}

describe("workflow scripts are shellcheck-clean", () => {
    for (const script of ["backport.sh", "dr-drill-issue.sh"]) {
        it(script, () => {
            const r = spawnSync("shellcheck", [path.join(SCRIPTS, script)], { encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        });
    }
});

describe("backport.sh with real git", function () {
    this.timeout(60_000);
    let dir: string;
    let origin: string;
    let work: string;
    let merge: string;
    let gh: ReturnType<typeof fakeGh>;

    before(() => {
        dir = scratch();
        origin = path.join(dir, "origin.git");
        const seed = path.join(dir, "seed");
        git(dir, "init", "--quiet", "--bare", "--initial-branch=main", origin);
        git(dir, "clone", "--quiet", origin, seed);
        fs.writeFileSync(path.join(seed, "a.txt"), "a\n");
        git(seed, "add", "a.txt");
        git(seed, "commit", "--quiet", "-m", "initial");
        git(seed, "push", "--quiet", "origin", "HEAD:refs/heads/main", "HEAD:refs/heads/release/1.0");
        // release/2.0 already has b.txt with other content: the backport conflicts there.
        git(seed, "switch", "--quiet", "-c", "release/2.0");
        fs.writeFileSync(path.join(seed, "b.txt"), "two\n");
        git(seed, "add", "b.txt");
        git(seed, "commit", "--quiet", "-m", "release 2 change");
        git(seed, "push", "--quiet", "origin", "HEAD:refs/heads/release/2.0");
        // The fix, merged into main with a merge commit (a pull request's merge).
        git(seed, "switch", "--quiet", "-c", "fix", "main");
        fs.writeFileSync(path.join(seed, "b.txt"), "fixed\n");
        git(seed, "add", "b.txt");
        git(seed, "commit", "--quiet", "-m", "fix the thing");
        git(seed, "switch", "--quiet", "main");
        git(seed, "merge", "--quiet", "--no-ff", "-m", "Merge pull request #7 from fix", "fix");
        git(seed, "push", "--quiet", "origin", "main");
        merge = git(seed, "rev-parse", "HEAD");
    });

    function workspace(): string {
        work = path.join(scratch(), "ws");
        git(path.dirname(work), "clone", "--quiet", origin, work);
        git(work, "config", "user.name", "backport");
        git(work, "config", "user.email", "backport@example.com");
        gh = fakeGh(path.dirname(work));
        return work;
    }
    const env = (over: Record<string, string>) => ({ PATH: `${gh.bin}:${process.env.PATH}`, REPO: "o/r", GH_TOKEN: "t", ...over });

    it("one cherry-pick PR per backport label; a conflict comments the manual commands and fails the run", () => {
        const ws = workspace();
        const r = run("backport.sh", ws, env({ MERGE_SHA: merge, FAKE_PR: "7", FAKE_TITLE: "Fix the thing", FAKE_LABELS: "release/1.0\nrelease/2.0\n" }));
        assert.strictEqual(r.status, 1, r.stdout + r.stderr);
        // release/1.0 got the fix, as a cherry-pick that names its origin.
        const branch = git(ws, "ls-remote", "--heads", origin, "backport/7-to-release-1.0");
        assert.ok(branch.length > 0, "branch pushed");
        assert.strictEqual(git(ws, "show", "origin/main:b.txt"), "fixed");
        git(ws, "fetch", "--quiet", "origin", "backport/7-to-release-1.0");
        assert.strictEqual(git(ws, "show", "FETCH_HEAD:b.txt"), "fixed");
        assert.match(git(ws, "log", "-1", "--format=%B", "FETCH_HEAD"), new RegExp(`\\(cherry picked from commit ${merge}\\)`));
        assert.strictEqual(git(ws, "rev-parse", "FETCH_HEAD^"), git(ws, "rev-parse", "origin/release/1.0"));
        const create = gh.calls().find((c) => c[0] === "pr" && c[1] === "create")!;
        assert.deepStrictEqual(create.slice(2, 10), ["--repo", "o/r", "--base", "release/1.0", "--head", "backport/7-to-release-1.0", "--title", "[backport release/1.0] Fix the thing"]);
        // release/2.0 conflicted: no branch, a comment with the commands, the run fails.
        assert.strictEqual(git(ws, "ls-remote", "--heads", origin, "backport/7-to-release-2.0"), "");
        const comment = gh.calls().find((c) => c[0] === "pr" && c[1] === "comment")!;
        assert.match(comment.at(-1)!, /Backport to `release\/2\.0` failed: the cherry-pick conflicts/);
        assert.match(comment.at(-1)!, new RegExp(`git cherry-pick -x -m 1 ${merge}`));
        assert.strictEqual(gh.calls().filter((c) => c[1] === "create").length, 1);
    });

    it("a PR title that looks like shell stays text", () => {
        const ws = workspace();
        const r = run("backport.sh", ws, env({ MERGE_SHA: merge, FAKE_PR: "7", FAKE_TITLE: "$(touch pwned) `id`", FAKE_LABELS: "release/1.0" }));
        assert.strictEqual(r.status, 0, r.stderr);
        assert.ok(!fs.existsSync(path.join(ws, "pwned")));
        assert.strictEqual(gh.calls().find((c) => c[1] === "create")![9], "[backport release/1.0] $(touch pwned) `id`");
    });

    it("nothing to do: a commit from no PR, or a PR without backport labels, exits 0 and opens nothing", () => {
        for (const over of [{ FAKE_PR: "" }, { FAKE_PR: "7", FAKE_LABELS: "" }] as Record<string, string>[]) {
            const ws = workspace();
            const r = run("backport.sh", ws, env({ MERGE_SHA: merge, ...over }));
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stdout, /nothing to backport/);
            assert.ok(!gh.calls().some((c) => c[1] === "create"));
        }
    });

    it("by hand with a PR number; bad input exits 2 with one line", () => {
        let ws = workspace();
        const byNumber = run("backport.sh", ws, env({ PR_NUMBER: "7", FAKE_MERGE_SHA: merge, FAKE_TITLE: "Fix", FAKE_LABELS: "release/1.0" }));
        assert.strictEqual(byNumber.status, 0, byNumber.stderr);
        ws = workspace();
        for (const [over, message] of [
            [{ MERGE_SHA: "abc" }, /^backport: MERGE_SHA "abc": must be a full 40-hex commit SHA\n$/],
            [{ PR_NUMBER: "7; rm -rf /" }, /^backport: PR_NUMBER "7; rm -rf \/": must be a pull request number\n$/],
            [{ REPO: "not a repo", MERGE_SHA: merge }, /^backport: REPO "not a repo": must be owner\/name\n$/],
        ] as [Record<string, string>, RegExp][]) {
            const r = run("backport.sh", ws, env(over));
            assert.strictEqual(r.status, 2, r.stderr);
            assert.match(r.stderr, message);
        }
    });
});

describe("dr-drill-issue.sh", () => {
    function setup() {
        const dir = scratch();
        const gh = fakeGh(dir);
        const created = path.join(dir, "created.md");
        const lastBody = path.join(dir, "last.md");
        return { dir, gh, created, lastBody, env: (over: Record<string, string> = {}) =>
            ({ PATH: `${gh.bin}:${process.env.PATH}`, REPO: "o/r", GH_TOKEN: "t", YEAR: "2027", FAKE_CREATED_BODY: created, FAKE_LAST_BODY: lastBody, ...over }) };
    }

    it("opens the year's issue with the checklist, an empty figures table, and last year's figures quoted", () => {
        const t = setup();
        fs.writeFileSync(t.lastBody, "text\n<!-- figures -->\n| Figure | Value |\n|---|---|\n| RTO achieved (start to usable database) | 14 min |\n<!-- /figures -->\nmore\n");
        const r = run("dr-drill-issue.sh", t.dir, t.env({ FAKE_LAST: "31\tDR drill 2026\t2026-01-20T10:00:00Z" }));
        assert.strictEqual(r.status, 0, r.stderr);
        const create = t.gh.calls().find((c) => c[0] === "issue" && c[1] === "create")!;
        assert.deepStrictEqual(create.slice(2, 8), ["--repo", "o/r", "--title", "DR drill 2027", "--label", "dr-drill"]);
        assert.ok(t.gh.calls().some((c) => c[0] === "label" && c[1] === "create" && c[2] === "dr-drill"), "the label exists before it is used");
        const body = fs.readFileSync(t.created, "utf8");
        assert.match(body, /## Checklist\n\n- \[ \] Pick the newest verified backup/);
        assert.match(body, /RESTORE_DATABASE=dr_drill_2027/);
        assert.match(body, /## Last drill\n\nFrom #31 \(DR drill 2026, closed 2026-01-20\):\n\n\| Figure \| Value \|\n\|---\|---\|\n\| RTO achieved \(start to usable database\) \| 14 min \|\n$/);
        // This year's block is empty and marked, so next year's run can quote it.
        assert.match(body, /<!-- figures -->\n\| Figure \| Value \|[\s\S]*\| Problems found \| \|\n<!-- \/figures -->/);
    });

    it("the first drill sets the baseline; an earlier one without figures says so", () => {
        let t = setup();
        assert.strictEqual(run("dr-drill-issue.sh", t.dir, t.env()).status, 0);
        assert.match(fs.readFileSync(t.created, "utf8"), /## Last drill\n\nNo earlier drill is on record: this one sets the baseline\.\n$/);
        t = setup();
        fs.writeFileSync(t.lastBody, "no markers here\n");
        assert.strictEqual(run("dr-drill-issue.sh", t.dir, t.env({ FAKE_LAST: "31\tDR drill 2026\t2026-01-20T10:00:00Z" })).status, 0);
        assert.match(fs.readFileSync(t.created, "utf8"), /#31 \(DR drill 2026\) recorded no figures/);
    });

    it("an issue already open for the year: nothing new; bad input exits 2", () => {
        const t = setup();
        const r = run("dr-drill-issue.sh", t.dir, t.env({ FAKE_OPEN: "40" }));
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /#40 is already open for 2027/);
        assert.ok(!t.gh.calls().some((c) => c[1] === "create"));
        const bad = run("dr-drill-issue.sh", t.dir, t.env({ YEAR: "27" }));
        assert.strictEqual(bad.status, 2);
        assert.match(bad.stderr, /^dr-drill: YEAR "27": must be a year such as 2027\n$/);
    });
});
