// The policy table (docs/policies.md) is what reviewers and auditors read: it must say what the pack enforces.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { POLICIES } from "../../policies/registry";

describe("policy table in docs/policies.md", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "policies.md"), "utf8");
    const rows = new Map([...readme.matchAll(/^\| `([a-z0-9-]+)` \| (\w+) \| (\w+) \| (.+) \|$/gm)].map((m) => [m[1], m.slice(2, 5)]));

    it("lists every policy with its enforcement levels and its own description", () => {
        for (const p of POLICIES as { name: string; enforcementLevel: string; stagingEnforcementLevel?: string; description: string }[]) {
            assert.deepEqual(rows.get(p.name), [p.enforcementLevel, p.stagingEnforcementLevel ?? p.enforcementLevel, p.description], p.name);
        }
    });

    it("lists no policy the pack does not have", () => {
        const names = new Set(POLICIES.map((p) => p.name));
        assert.deepEqual([...rows.keys()].filter((n) => !names.has(n)), []);
    });
});
