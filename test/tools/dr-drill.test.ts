// npm run dr:drill for real: two throwaway PostgreSQL clusters, s3rver, the backup scripts and rclone. Three paths:
// the newest verified backup restored onto a new server; a corrupted newest backup refused by its checksum and the
// previous verified one restored instead; an empty store, one line and exit 1. Plus a bad flag, exit 2.
import * as assert from "assert";
import { runTool } from "../support/tools";

const STAMP = /fork-knife-(\d{8})T\d{6}Z\.dump/;
const day = (offset: number) => new Date(Date.now() - offset * 86400_000).toISOString().slice(0, 10).replace(/-/g, "");
const lines = (out: string) => out.split("\n").filter(Boolean);

describe("tools: dr-drill (npm run dr:drill)", function () {
    this.timeout(600_000);

    it("restores the newest verified backup onto a new server, with the stack's database and RTO budget, and says so in one line", () => {
        const r = runTool("dr-drill.ts", ["--stack", "production"]);
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        const out = lines(r.stdout);
        assert.strictEqual(out.length, 1, r.stdout);
        const m = /^dr drill: restored (fork-knife-\d{8}T\d{6}Z\.dump) onto a new server in (\d+\.\d) s \(RTO budget 14400 s\)$/.exec(out[0]);
        assert.ok(m, out[0]);
        // Two backups exist (yesterday's and today's): the newest is today's. (Around midnight UTC, yesterday's date.)
        assert.ok([day(0), day(1)].includes(STAMP.exec(m[1])![1]), m[1]);
        assert.ok(Number(m[2]) > 0 && Number(m[2]) < 14400);
    });

    it("a corrupted newest backup is refused by its checksum, and the previous verified one is restored instead", () => {
        const r = runTool("dr-drill.ts", ["--corrupt-newest"]);
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        const out = lines(r.stdout);
        assert.strictEqual(out.length, 2, r.stdout);
        const refused = /^dr drill: (fork-knife-\S+\.dump) was not restored \(corrupted backup, not restored: checksum mismatch for \1 \(expected [0-9a-f]{64}, got [0-9a-f]{64}\)\): falling back to the previous verified backup (fork-knife-\S+\.dump)$/.exec(out[0]);
        assert.ok(refused, out[0]);
        const [, newest, previous] = refused;
        assert.ok(previous < newest, `${previous} is older than ${newest}`);
        assert.match(out[1], new RegExp(`^dr drill: restored ${previous.replace(/\./g, "\\.")} onto a new server in \\d+\\.\\d s \\(RTO budget 14400 s\\)$`));
    });

    it("with no backup in the store: exit 1 and one line", () => {
        const r = runTool("dr-drill.ts", ["--no-backups"]);
        assert.strictEqual(r.status, 1, r.stdout + r.stderr);
        assert.deepStrictEqual(lines(r.stdout), ["dr drill: FAILED: no verified backup in s3://backups/dr-drill (the store holds none)"]);
    });

    it("a bad flag: exit 2, one line naming it and what is allowed", () => {
        const r = runTool("dr-drill.ts", ["--stack", "prod"]);
        assert.strictEqual(r.status, 2);
        assert.deepStrictEqual(lines(r.stderr), ["dr drill: --stack prod: must be staging or production"]);
    });
});
