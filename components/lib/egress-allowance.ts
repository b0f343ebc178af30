// How a NetworkPolicy declares the egress it opens to any address, free of Pulumi imports so the policy pack
// loads it cheaply.

/**
 * On a NetworkPolicy: the TCP ports its egress rules open to any address, comma-separated. Only 443 is
 * acceptable in production (policy workload-egress-peers); the annotation makes the allowance explicit, so an
 * egress rule that forgot its `to:` can never pass as one.
 */
export const OPEN_EGRESS_ANNOTATION = "fork-knife.io/open-egress-ports";

/** HTTPS: Stripe, Twilio and object storage, whose addresses change without notice. */
export const HTTPS_PORT = 443;
