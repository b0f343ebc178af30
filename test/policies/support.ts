// Small hand-made fixtures for the policy tests: compliant objects to start from, and a runner that
// evaluates one policy through the offline evaluator (the same objects the PolicyPack registers).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { evaluatePolicies, OfflineResource, PolicyOutcome } from "../../policies/offline";
import { standardLabels, selectorLabels, ANNOTATION } from "../../components/lib/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../components/lib/pod-security";

export const NS = "fork-knife-production";
export const DIGEST = "sha256:" + "a".repeat(64);
export const IMAGE = `ghcr.io/fork-knife/backend:2026.11.3@${DIGEST}`;
export const TOKENS: Record<string, string> = {
    Deployment: "kubernetes:apps/v1:Deployment", Pod: "kubernetes:core/v1:Pod", Job: "kubernetes:batch/v1:Job",
    CronJob: "kubernetes:batch/v1:CronJob", Service: "kubernetes:core/v1:Service", Secret: "kubernetes:core/v1:Secret",
    ConfigMap: "kubernetes:core/v1:ConfigMap", HorizontalPodAutoscaler: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    PodDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget", StatefulSet: "kubernetes:apps/v1:StatefulSet",
    PrometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
};

/**
 * The three names a workload fixture carries, all different, so a test can tell which one a message uses:
 * the Pulumi resource name (what `res()` is given), metadata.name, and the container's name.
 */
export const NAMES = { resource: "backend-res", object: "fk-backend", worker: "fk-worker", container: "app" } as const;

export function clone<T>(v: T): T {
    return JSON.parse(JSON.stringify(v));
}

export function container(name: string = NAMES.container): any {
    return {
        name, image: IMAGE,
        ports: [{ name: "http", containerPort: 3000 }],
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        securityContext: restrictedContainerSecurityContext(),
        readinessProbe: { httpGet: { path: "/health", port: "http" } },
        livenessProbe: { httpGet: { path: "/health", port: "http" } },
    };
}

export function podSpec(): any {
    return { automountServiceAccountToken: false, securityContext: restrictedPodSecurityContext(), containers: [container()], volumes: [{ name: "tmp", emptyDir: {} }] };
}

export function metadata(component: "backend" | "worker" | "migration" | "backup" | "restore-test" | "pre-migration-backup" | "secrets" = "backend", name?: string): any {
    return { ...(name ? { name } : {}), namespace: NS, labels: standardLabels(component, "production") };
}

/** A compliant Deployment named fk-<component> whose one container is "app". */
export function deployment(component: "backend" | "worker" = "backend"): any {
    return {
        metadata: metadata(component, `fk-${component}`),
        spec: {
            selector: { matchLabels: selectorLabels(component) },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
            template: { metadata: { labels: standardLabels(component, "production"), annotations: { [ANNOTATION.migrationJob]: "migrate-1" } }, spec: podSpec() },
        },
    };
}

/** A compliant HPA scaling the Deployment `target` (by default deployment(component)'s fk-<component>). */
export function hpa(target?: string, component: "backend" | "worker" = "backend"): any {
    target ??= `fk-${component}`;
    return {
        metadata: metadata(component, `${target}-hpa`),
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas: 2, maxReplicas: 6,
            metrics: [
                { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
                { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
            ],
        },
    };
}

export function pdb(component: "backend" | "worker" = "backend"): any {
    return { metadata: metadata(component, `${component}-pdb`), spec: { selector: { matchLabels: selectorLabels(component) }, maxUnavailable: 1 } };
}

export function service(): any {
    return { metadata: metadata("backend", "fork-knife-backend"), spec: { selector: selectorLabels("backend"), ports: [{ port: 3000, targetPort: "http" }] } };
}

export function job(component: "migration" | "pre-migration-backup" | "backup" = "migration", name = "migrate-1"): any {
    const spec = podSpec();
    spec.restartPolicy = "Never";
    spec.containers[0].ports = undefined;
    spec.containers[0].readinessProbe = undefined;
    spec.containers[0].livenessProbe = undefined;
    return {
        metadata: { ...metadata(component, name), annotations: { [ANNOTATION.replaceUnready]: "true" } },
        spec: { backoffLimit: 1, activeDeadlineSeconds: 600, template: { metadata: { labels: standardLabels(component, "production") }, spec } },
    };
}

export function cronJob(component: "backup" | "restore-test" = "backup", schedule = "0 3 * * *"): any {
    const j = job("backup", component);
    return {
        metadata: { ...metadata(component, component), annotations: { [ANNOTATION.retentionDays]: "30", [ANNOTATION.backupTarget]: "pvc" } },
        spec: {
            schedule, timeZone: "Etc/UTC", concurrencyPolicy: "Forbid", startingDeadlineSeconds: 600,
            successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3,
            jobTemplate: { spec: { ...j.spec, activeDeadlineSeconds: 3600 } },
        },
    };
}

export function credentialSecret(kind = "jwt", rotatedAt = "2026-10-01", maxAgeDays = 90, due = "2026-12-30"): any {
    return {
        metadata: {
            ...metadata("secrets", `fk-${kind}`),
            annotations: { [ANNOTATION.rotatedAt]: rotatedAt, [ANNOTATION.maxAgeDays]: String(maxAgeDays), [ANNOTATION.nextRotationDue]: due, [ANNOTATION.secretKind]: kind },
        },
        type: "Opaque",
        stringData: { JWT_SECRET: "[secret]" },
    };
}

/**
 * Env values and ConfigMap data share one rule (policies/lib/credentials.ts): these pairs must be flagged by both
 * policies, and those must pass both. Password-bearing values are assembled at run time so scanners never see one.
 */
export const CREDENTIAL_CASES: { flagged: [string, string][]; passed: [string, string][] } = {
    flagged: [
        ["CACHE", ["redis://", ":", "pw", "@redis:6379"].join("")],            // password without a user name
        ["QUEUE", ["amqp://", "app:", "s3cr3t", "@rabbit/"].join("")],         // user and password
        ["DB", ["postgres://db:5432/app?sslmode=require&", "password=", "s3cr3t"].join("")],
        ["JWT_SECRET", "change-me-please"],
        ["DATABASE_URL", "hunter2"],                                            // a credential name with no URL in it
        ["SESSION_SECRET_VALUE", "abcdef"],
        ["DB_PWD", ["pg", "-", "pw", "-", "2026"].join("")],                  // *PWD*
        ["MYSQL_PWD", "changeme"],
        ["Authorization", ["Bearer ", "abcDEF0123456789", "xyz"].join("")],   // the header itself
        ["UPSTREAM_AUTH_HEADER", ["Basic ", "dXNlcjpwYXNzd29yZA=="].join("")],
        ["PROXY_HEADERS", ["Authorization: Bearer ", "tok_0123456789"].join("")],
        ["AZURE_STORAGE_ACCOUNT_KEY", "c2VjcmV0LWFjY291bnQta2V5"],
        ["STORAGE_KEY", "c2VjcmV0LXN0b3JhZ2Uta2V5"],
        ["JWT_SIGNING_KEY", "k3y-for-signing"],
        ["DATA_ENCRYPTION_KEY", "0123456789abcdef0123456789abcdef"],
        ["MASTER_KEY", "master-0001"],
        ["sharedKey", "shared-0001"],
        ["AZURE_BATCH_KEY", "xxx"],                                             // Polaris's own failing fixture
        ["RETRY_HEADER", ["Bearer ", "abcd1234"].join("")],                     // 8 characters: the shortest token flagged
    ],
    passed: [
        ["JWT_SECRET_FILE", "/run/secrets/jwt"],
        ["GOOGLE_APPLICATION_CREDENTIALS", "/var/x.json"],
        ["AUTH_REDIRECT", "https://app.fork-knife.io/auth/done"],
        ["OAUTH_CALLBACK_URL", "https://app.fork-knife.io/oauth/callback"],
        ["SECRET_NAME", "fk-jwt"],
        ["TOKEN_TTL", "15min"],
        ["TOKEN_TTL_SECONDS", "3600"],
        ["DATABASE_URL", "postgres://db:5432/app?sslmode=require"],             // an address, no password in it
        ["REDIS_URL", "redis://:$(REDIS_PASSWORD)@redis:6379"],                 // Kubernetes expands it from a secretKeyRef env var
        ["authProvider", "google"],
        ["CACHE_KEY", "user:profile:v2"],                                        // lookup keys, not secret keys
        ["PARTITION_KEY", "tenant_id"],
        ["IDEMPOTENCY_KEY", "Idempotency-Key"],
        ["SORT_KEY", "created_at"],
        ["ENCRYPTION_KEY_ID", "alias/fk-production"],                           // names the key, is not it
        ["SIGNING_KEY_FILE", "/run/secrets/signing.pem"],
        ["PWD", "/app"],                                                        // the shell's working directory
        ["OLDPWD", "/"],
        ["AUTH_HEADER", "Authorization"],                                       // the header's name, not its value
        ["UPSTREAM_AUTH_HEADER", "Bearer $(API_TOKEN)"],                        // expanded from a secretKeyRef env var
        ["CHALLENGE_HEADER", 'Basic realm="fork-knife"'],                       // a challenge, no credential in it
        ["TRACE_HEADER", "Bearer abc1234"],                                     // 7 characters: shorter than any token we flag
    ],
};

/** A resource for the evaluator; kind is a Kubernetes kind (looked up in TOKENS) or a full type token. */
export function res(kind: string, name: string, props: any, extra: Partial<OfflineResource> = {}): OfflineResource {
    const type = TOKENS[kind] ?? kind;
    return { urn: `urn:pulumi:production::fork-knife::${type}::${name}`, type, name, props, ...extra };
}

export interface RunOptions { environment?: "staging" | "production"; now?: string }

export async function outcome(policy: string, resources: OfflineResource[], o: RunOptions = {}): Promise<PolicyOutcome> {
    const [result] = await evaluatePolicies(resources, {
        environment: o.environment ?? "production", now: new Date(`${o.now ?? "2026-11-25"}T00:00:00Z`), only: [policy],
    });
    if (!result) throw new Error(`no policy named ${policy}`);
    return result;
}

/** The violation messages one policy reports. */
export async function violations(policy: string, resources: OfflineResource[], o: RunOptions = {}): Promise<string[]> {
    return (await outcome(policy, resources, o)).violations.map((v) => v.message);
}
