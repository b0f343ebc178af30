/* eslint-disable @typescript-eslint/no-explicit-any */
import * as assert from "assert";
import { clone, metadata, res, violations } from "../support";

const POLICY = "workload-egress-peers";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const OPEN = "fork-knife.io/open-egress-ports";

/** A compliant workload policy: DNS by selectors, PostgreSQL and Redis by CIDR, HTTPS open and marked. */
function policy(): any {
    return {
        metadata: { ...metadata("backend", "fk-backend"), annotations: { [OPEN]: "443" } },
        spec: {
            podSelector: { matchLabels: { "app.kubernetes.io/component": "backend" } },
            policyTypes: ["Ingress", "Egress"],
            egress: [
                { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
                { to: [{ ipBlock: { cidr: "10.40.16.0/20" } }], ports: [{ protocol: "TCP", port: 5432 }] },
                { to: [{ ipBlock: { cidr: "10.40.32.0/24" } }], ports: [{ protocol: "TCP", port: 6379 }] },
                { ports: [{ protocol: "TCP", port: 443 }] },
            ],
        },
    };
}
const check = (p: any, environment: "staging" | "production" = "production") => violations(POLICY, [res(NP, "backend-np", p)], { environment });

describe("policy workload-egress-peers", () => {
    it("passes peers named by selectors and CIDR blocks, the marked HTTPS allowance, and a default deny", async () => {
        assert.deepStrictEqual(await check(policy()), []);
        const deny = { metadata: metadata("backend", "default-deny"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };
        assert.deepStrictEqual(await check(deny), []);
        const narrowed = clone(policy());
        narrowed.metadata.annotations = {};
        narrowed.spec.egress[3].to = [{ ipBlock: { cidr: "203.0.113.0/24" } }];
        assert.deepStrictEqual(await check(narrowed), [], "HTTPS narrowed to a block needs no mark");
    });

    it("flags an egress rule without to: (the database port open to any address)", async () => {
        const p = clone(policy());
        delete p.spec.egress[1].to;
        assert.deepStrictEqual(await check(p), [
            'NetworkPolicy/fk-backend: spec.egress[1] has no to: and opens TCP/5432 to any address; name the peers (a selector or a CIDR block), or for HTTPS alone mark the policy fork-knife.io/open-egress-ports: "443"',
        ]);
    });

    it("flags an unmarked HTTPS rule, and a marked one that opens more than 443", async () => {
        const unmarked = clone(policy());
        unmarked.metadata.annotations = {};
        assert.match((await check(unmarked))[0], /spec\.egress\[3\] has no to: and opens TCP\/443 to any address/);
        const wider = clone(policy());
        wider.spec.egress[3].ports.push({ protocol: "TCP", port: 80 });
        assert.match((await check(wider))[0], /spec\.egress\[3\] has no to: and opens TCP\/443, TCP\/80/);
        const range = clone(policy());
        range.spec.egress[3].ports[0].endPort = 8443;
        assert.strictEqual((await check(range)).length, 1, "443-8443 is not HTTPS alone");
        const udp = clone(policy());
        udp.spec.egress[3].ports[0].protocol = "UDP";
        assert.strictEqual((await check(udp)).length, 1, "UDP/443 (QUIC) is not the allowance");
    });

    it("flags an annotation that declares another open port, and an allow-all rule {}", async () => {
        const p = clone(policy());
        p.metadata.annotations[OPEN] = "443,6379";
        p.spec.egress.push({});
        assert.deepStrictEqual(await check(p), [
            'NetworkPolicy/fk-backend: metadata.annotations["fork-knife.io/open-egress-ports"] may only be "443", got "443,6379"',
            // A malformed mark marks nothing: the HTTPS rule is unnamed too.
            'NetworkPolicy/fk-backend: spec.egress[3] has no to: and opens TCP/443 to any address; name the peers (a selector or a CIDR block), or for HTTPS alone mark the policy fork-knife.io/open-egress-ports: "443"',
            "NetworkPolicy/fk-backend: spec.egress[4] has no to: and opens every port to any address; name the peers (a selector or a CIDR block), or for HTTPS alone mark the policy fork-knife.io/open-egress-ports: \"443\"",
        ]);
    });

    it("flags peers that name nothing: 0.0.0.0/0, ::/0, empty selectors; /1 is a block", async () => {
        const p = clone(policy());
        p.spec.egress[1].to = [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }, { namespaceSelector: {} }, { podSelector: { matchLabels: {} } }];
        assert.deepStrictEqual(await check(p), [
            "NetworkPolicy/fk-backend: spec.egress[1].to[0] names no peer: ipBlock 0.0.0.0/0 is every address",
            "NetworkPolicy/fk-backend: spec.egress[1].to[1] names no peer: ipBlock ::/0 is every address",
            "NetworkPolicy/fk-backend: spec.egress[1].to[2] names no peer: a peer without an ipBlock or a non-empty selector matches every pod",
            "NetworkPolicy/fk-backend: spec.egress[1].to[3] names no peer: a peer without an ipBlock or a non-empty selector matches every pod",
        ]);
        const half = clone(policy());
        half.spec.egress[1].to = [{ ipBlock: { cidr: "0.0.0.0/1" } }];
        assert.deepStrictEqual(await check(half), []);
        const expr = clone(policy());
        expr.spec.egress[0].to = [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["kube-system"] }] } }];
        assert.deepStrictEqual(await check(expr), []);
    });

    it("is advisory in staging: the same finding, reported without failing", async () => {
        const p = clone(policy());
        delete p.spec.egress[1].to;
        assert.strictEqual((await check(p, "staging")).length, 1);
        const { outcome } = await import("../support");
        assert.strictEqual((await outcome(POLICY, [res(NP, "backend-np", p)], { environment: "staging" })).status, "warn");
        assert.strictEqual((await outcome(POLICY, [res(NP, "backend-np", p)], { environment: "production" })).status, "fail");
    });
});
