import { HTTPS_PORT, OPEN_EGRESS_ANNOTATION } from "../../components/lib/egress-allowance";
import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/* eslint-disable @typescript-eslint/no-explicit-any */
const selects = (s: any) => s && typeof s === "object" &&
    (Object.keys(s.matchLabels ?? {}).length > 0 || (Array.isArray(s.matchExpressions) && s.matchExpressions.length > 0));
const EVERYWHERE = new Set(["0.0.0.0/0", "::/0"]);

/** Why a peer names nothing (any address, any pod of any namespace), or undefined when it names something. */
function unnamedPeer(peer: any): string | undefined {
    if (peer?.ipBlock) return EVERYWHERE.has(peer.ipBlock.cidr) ? `ipBlock ${peer.ipBlock.cidr} is every address` : undefined;
    if (selects(peer?.podSelector) || selects(peer?.namespaceSelector)) return undefined;
    return "a peer without an ipBlock or a non-empty selector matches every pod";
}

/** The marked HTTPS allowance: TCP 443 only, on a policy whose annotation lists exactly 443. */
function isHttpsAllowance(rule: any, annotations: any): boolean {
    const ports = Array.isArray(rule?.ports) ? rule.ports : [];
    const https = ports.length > 0 && ports.every((p: any) => (p?.protocol ?? "TCP") === "TCP" && p?.port === HTTPS_PORT && p?.endPort === undefined);
    return https && annotations?.[OPEN_EGRESS_ANNOTATION] === String(HTTPS_PORT);
}

/**
 * An egress rule without `to:` opens its ports to every address in the world and in the cluster. Production's
 * pods reach DNS, PostgreSQL and Redis by name (selectors or CIDR blocks); the one exception is HTTPS to
 * payment and messaging APIs whose addresses change without notice, and that exception must be declared: the
 * policy carries `fork-knife.io/open-egress-ports: "443"`.
 */
export const egressPeers = resourcePolicy({
    name: "workload-egress-peers",
    description: `Every NetworkPolicy egress rule names its peers (to: with a selector or a CIDR block narrower than /0), except TCP ${HTTPS_PORT} on a policy annotated ${OPEN_EGRESS_ANNOTATION}: "${HTTPS_PORT}".`,
    checklist: "workloads",
    enforcementLevel: "mandatory",
    stagingEnforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "NetworkPolicy")) return;
        const np = describe(args.type, args.props, args.name);
        const annotations = args.props.metadata?.annotations ?? {};
        const open = annotations[OPEN_EGRESS_ANNOTATION];
        if (open !== undefined && open !== String(HTTPS_PORT)) {
            report(`${np}: metadata.annotations["${OPEN_EGRESS_ANNOTATION}"] may only be "${HTTPS_PORT}", got ${JSON.stringify(open)}`);
        }
        const rules = Array.isArray(args.props.spec?.egress) ? args.props.spec.egress : [];
        rules.forEach((rule: any, i: number) => {
            const field = `${np}: spec.egress[${i}]`;
            const to = Array.isArray(rule?.to) ? rule.to : [];
            if (to.length === 0) {
                if (isHttpsAllowance(rule, annotations)) return;
                const ports = (Array.isArray(rule?.ports) ? rule.ports : []).map((p: any) => `${p?.protocol ?? "TCP"}/${p?.port ?? "any"}`);
                report(`${field} has no to: and opens ${ports.length ? ports.join(", ") : "every port"} to any address; name the peers ` +
                    `(a selector or a CIDR block), or for HTTPS alone mark the policy ${OPEN_EGRESS_ANNOTATION}: "${HTTPS_PORT}"`);
                return;
            }
            to.forEach((peer: any, j: number) => {
                const why = unnamedPeer(peer);
                if (why) report(`${field}.to[${j}] names no peer: ${why}`);
            });
        });
    },
});
