// The peer-check mapping (policies/peer-mapping.ts) without the peer cases themselves: every mapped policy
// exists, and exclusions are specific, explained, and match by file and by the peer's settings.
import * as assert from "assert";
import { EXCLUDED_CASES, exclusionFor, NOT_SHARED, SHARED } from "../../policies/peer-mapping";
import { POLICIES } from "../../policies/registry";

describe("peer-check mapping", () => {
    it("maps peer checks to registered policies, and never lists a check as both shared and not shared", () => {
        const names = new Set(POLICIES.map((p) => p.name));
        for (const [check, m] of Object.entries(SHARED)) {
            assert.ok(m.policies.length > 0, check);
            for (const p of m.policies) assert.ok(names.has(p), `${check}: no policy ${p}`);
            assert.ok(!(check in NOT_SHARED), `${check} is both shared and not shared`);
        }
    });
    it("excludes only cases of shared checks, each once, each with a one-line reason", () => {
        const seen = new Set<string>();
        for (const e of EXCLUDED_CASES) {
            assert.ok(SHARED[e.check], `${e.check}: exclude the whole check in NOT_SHARED instead`);
            assert.match(e.file, /^(polaris|kube-score)\/.+\.ya?ml$/);
            assert.match(e.reason, /^[^\n]{20,}\.$/, `${e.file}: reason`);
            const key = `${e.check} ${e.file} ${JSON.stringify(e.config)}`;
            assert.ok(!seen.has(key), `duplicate exclusion ${key}`);
            seen.add(key);
        }
    });
    it("matches an exclusion with settings only to the entry tested with those settings ({} being the peer's defaults)", () => {
        const file = "kube-score/service-target-deployment-replica-1.yaml";
        assert.ok(exclusionFor({ check: "Deployment Replicas", file, config: { "min-replicas-deployment": 1 } }));
        assert.strictEqual(exclusionFor({ check: "Deployment Replicas", file, config: { "min-replicas-deployment": 2 } }), undefined);
        assert.strictEqual(exclusionFor({ check: "Deployment Replicas", file }), undefined);
        assert.strictEqual(exclusionFor({ check: "Deployment Strategy", file, config: { "min-replicas-deployment": 1 } }), undefined);

        const noCpu = "kube-score/pod-test-resources-limits-and-requests-no-cpu-limit.yaml";
        assert.ok(exclusionFor({ check: "Container Resources", file: noCpu }), "defaults");
        assert.strictEqual(exclusionFor({ check: "Container Resources", file: noCpu, config: { "ignore-container-cpu-limit": true } }), undefined);
        // Key order of the settings does not matter.
        const noLimits = "kube-score/pod-test-resources-no-limits.yaml";
        assert.ok(exclusionFor({ check: "Container Resources", file: noLimits, config: { "ignore-container-memory-limit": true, "ignore-container-cpu-limit": true } }));
    });
    it("matches an exclusion without settings to every entry of its file", () => {
        const file = "kube-score/pod-seccomp-annotated.yaml";
        assert.ok(exclusionFor({ check: "Container Seccomp Profile", file }));
        assert.ok(exclusionFor({ check: "Container Seccomp Profile", file, config: { "enable-optional-test": ["container-seccomp-profile"] } }));
    });
});
