// The policy table (docs/policies.md) is what reviewers and auditors read: it must say what the pack enforces.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { isStackPolicy } from "../../policies/lib/policy";
import { POLICIES } from "../../policies/registry";

describe("policy table in docs/policies.md", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "policies.md"), "utf8");
    const rows = new Map([...readme.matchAll(/^\| `([a-z0-9-]+)` \| (\w+) \| (\w+) \| (\w+) \| (.+) \|$/gm)].map((m) => [m[1], m.slice(2, 6)]));

    it("lists every policy with its kind, its enforcement levels and its own description", () => {
        for (const p of POLICIES) {
            assert.deepEqual(rows.get(p.name), [p.kind, p.enforcementLevel, p.stagingEnforcementLevel ?? p.enforcementLevel, p.description], p.name);
        }
    });

    it("has every kind documented, and resource policies are all relational", () => {
        for (const kind of ["relational", "completeness"]) assert.match(readme, new RegExp(`^- \\*\\*${kind}\\*\\*: `, "m"));
        for (const p of POLICIES) if (!isStackPolicy(p)) assert.equal(p.kind, "relational", p.name);
    });

    it("lists no policy the pack does not have", () => {
        const names = new Set(POLICIES.map((p) => p.name));
        assert.deepEqual([...rows.keys()].filter((n) => !names.has(n)), []);
    });
});
