// The rotation limits by secret kind, free of Pulumi imports so the audit tool and the policy pack load it cheaply.
import { MAX_AGE_DAYS } from "../config/settings-schema";

export type SecretKind = "jwt" | "database-password" | "stripe" | "twilio" | "object-storage-key"
    | "pagerduty-routing-key" | "slack-webhook" | "redis-password" | "object-storage-prune-key";

/** Limits by `fork-knife.io/secret-kind`: the one table the program, the policies and the audit share. */
export const MAX_AGE_BY_KIND: Record<SecretKind, number> = {
    "jwt": MAX_AGE_DAYS.jwt,
    "database-password": MAX_AGE_DAYS.databasePassword,
    "stripe": MAX_AGE_DAYS.stripe,
    "twilio": MAX_AGE_DAYS.twilio,
    "object-storage-key": MAX_AGE_DAYS.backupS3,
    "pagerduty-routing-key": MAX_AGE_DAYS.pagerdutyRoutingKey,
    "slack-webhook": MAX_AGE_DAYS.slackWebhook,
    "redis-password": MAX_AGE_DAYS.redis,
    "object-storage-prune-key": MAX_AGE_DAYS.backupPruneS3,
};
