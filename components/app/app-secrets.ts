// The application's credentials that are not database logins: the JWT signing secret (generated, two slots)
// and the Stripe and Twilio keys (external, from secure config). Each kind is its own Kubernetes Secret so
// it can carry its own rotation record.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SecretEnvVar } from "./secret-env";
import { activeSlot, credentialSecret, RotationRecord, rotationRecord, slotKeepers } from "./rotation";
import { Environment } from "../config/settings-schema";
import { urlHost } from "../config/validators";

export const JWT_SECRET_LENGTH = 64;

export interface AppSecretsArgs {
    /** Namespace the Secrets live in. */
    namespace: pulumi.Input<string>;
    /** staging or production. */
    environment: Environment;
    /** JWT rotation: generation N writes slot N % 2. */
    jwt: { rotatedAt: string; generation: number };
    /** Stripe keys (secure config) and when they were last rotated. */
    stripe: { rotatedAt: string; secretKey: pulumi.Output<string>; webhookSecret: pulumi.Output<string> };
    /** Twilio credentials (secure config) and when they were last rotated. */
    twilio: { rotatedAt: string; accountSid: pulumi.Output<string>; authToken: pulumi.Output<string> };
    /** The queue's Redis: where it listens, TLS or not, its password (secure config) and when that was changed. */
    redis: { host: string; port: number; tls: boolean; rotatedAt: string; password: pulumi.Output<string> };
}

/** REDIS_URL as ioredis and BullMQ read it: rediss:// with TLS, the password in the userinfo, IPv6 in brackets. */
export function redisUrl(redis: { host: string; port: number; tls: boolean }, password: string): string {
    return `${redis.tls ? "rediss" : "redis"}://:${encodeURIComponent(password)}@${urlHost(redis.host)}:${redis.port}`;
}

export class AppSecrets extends pulumi.ComponentResource {
    /** Environment variables for the backend and worker, all by reference. */
    public readonly env: SecretEnvVar[];
    public readonly records: RotationRecord[];
    public readonly jwtSlots: random.RandomPassword[];

    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:secrets:AppSecrets", name, {}, opts);
        const common = { namespace: args.namespace, environment: args.environment };
        const child = { parent: this };

        const generation = args.jwt.generation;
        this.jwtSlots = ([0, 1] as const).map((slot) => new random.RandomPassword(`${name}-jwt-slot-${slot}`, {
            length: JWT_SECRET_LENGTH,
            special: false,
            keepers: slotKeepers(slot, generation),
        }, child));
        const current = this.jwtSlots[activeSlot(generation)].result;
        const previous = this.jwtSlots[1 - activeSlot(generation)].result;

        const jwtRecord = rotationRecord("jwt", args.jwt.rotatedAt, generation);
        const stripeRecord = rotationRecord("stripe", args.stripe.rotatedAt);
        const twilioRecord = rotationRecord("twilio", args.twilio.rotatedAt);
        const redisRecord = rotationRecord("redis-password", args.redis.rotatedAt);
        this.records = [jwtRecord, stripeRecord, twilioRecord, redisRecord];

        const jwt = credentialSecret(`${name}-jwt`, {
            ...common, secretName: "fork-knife-jwt", record: jwtRecord,
            // Tokens signed with the previous key verify until they expire: a rotation logs nobody out
            // (docs/operations.md: the rollout's short window, and the two-phase rotation that would close it).
            values: { JWT_SECRET: current, JWT_SECRET_PREVIOUS: previous },
        }, child);
        const stripe = credentialSecret(`${name}-stripe`, {
            ...common, secretName: "fork-knife-stripe", record: stripeRecord,
            values: { STRIPE_SECRET_KEY: args.stripe.secretKey, STRIPE_WEBHOOK_SECRET: args.stripe.webhookSecret },
        }, child);
        const twilio = credentialSecret(`${name}-twilio`, {
            ...common, secretName: "fork-knife-twilio", record: twilioRecord,
            values: { TWILIO_ACCOUNT_SID: args.twilio.accountSid, TWILIO_AUTH_TOKEN: args.twilio.authToken },
        }, child);

        const redis = credentialSecret(`${name}-redis`, {
            ...common, secretName: "fork-knife-redis", record: redisRecord,
            values: { REDIS_URL: args.redis.password.apply((p) => redisUrl(args.redis, p)) },
        }, child);

        const ref = (secretName: pulumi.Output<string>, key: string) => ({ name: key, secretName, key });
        this.env = [
            ref(jwt.metadata.name, "JWT_SECRET"), ref(jwt.metadata.name, "JWT_SECRET_PREVIOUS"),
            ref(stripe.metadata.name, "STRIPE_SECRET_KEY"), ref(stripe.metadata.name, "STRIPE_WEBHOOK_SECRET"),
            ref(twilio.metadata.name, "TWILIO_ACCOUNT_SID"), ref(twilio.metadata.name, "TWILIO_AUTH_TOKEN"),
            ref(redis.metadata.name, "REDIS_URL"),
        ];
        this.registerOutputs({ rotation: this.records });
    }
}
