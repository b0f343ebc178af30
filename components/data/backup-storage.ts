// Where backups go, as the pods see it: a PersistentVolumeClaim, or an S3-compatible bucket reached with
// rclone configured purely by environment variables (no config file to mount, nothing secret in a ConfigMap).
import * as k8s from "@pulumi/kubernetes";
import { parseQuantity } from "../config/validators";
import { restrictedContainerSecurityContext } from "../lib/pod-security";

/** rclone remote name the scripts use (RCLONE_REMOTE); it fixes the RCLONE_CONFIG_<REMOTE>_* variable names. */
export const RCLONE_REMOTE = "backup";
/** Keys of the credentials Secret: rclone reads them straight from the environment (envFrom). */
export const RCLONE_CREDENTIAL_KEYS = {
    accessKeyId: `RCLONE_CONFIG_${RCLONE_REMOTE.toUpperCase()}_ACCESS_KEY_ID`,
    secretAccessKey: `RCLONE_CONFIG_${RCLONE_REMOTE.toUpperCase()}_SECRET_ACCESS_KEY`,
} as const;

export function isS3Target(target: string): boolean {
    return target.startsWith("s3://");
}

/** Non-secret rclone settings for an S3 remote; path-style addressing for custom endpoints (MinIO, Ceph, …). */
export function rcloneEnv(s3: { endpoint?: string; region: string }): k8s.types.input.core.v1.EnvVar[] {
    const key = (k: string) => `RCLONE_CONFIG_${RCLONE_REMOTE.toUpperCase()}_${k}`;
    return [
        { name: key("TYPE"), value: "s3" },
        { name: key("PROVIDER"), value: s3.endpoint ? "Other" : "AWS" },
        { name: key("REGION"), value: s3.region },
        { name: key("ENV_AUTH"), value: "false" },
        // The bucket exists (the operator creates it with versioning and object lock): without this rclone sends
        // CreateBucket before every upload, which the keys' policies do not grant, and the upload fails on AWS.
        { name: key("NO_CHECK_BUCKET"), value: "true" },
        ...(s3.endpoint ? [{ name: key("ENDPOINT"), value: s3.endpoint }, { name: key("FORCE_PATH_STYLE"), value: "true" }] : []),
    ];
}

/** The emptyDir the rclone binary is copied into (mounted at /tools; the scripts run $RCLONE=/tools/rclone). */
export const RCLONE_TOOLS_SIZE = "128Mi";
/** The rclone copy: the binary in the tools volume, and its logs. */
const RCLONE_COPY_EPHEMERAL = "192Mi";

/** The rclone image ships a static binary; copying it into the tools volume lets the scripts run in the PostgreSQL image. */
export function rcloneInitContainer(image: string): k8s.types.input.core.v1.Container {
    return {
        name: "rclone", image, command: ["cp", "/usr/local/bin/rclone", "/tools/rclone"],
        securityContext: restrictedContainerSecurityContext(),
        resources: {
            requests: { cpu: "10m", memory: "32Mi", "ephemeral-storage": RCLONE_COPY_EPHEMERAL },
            limits: { memory: "64Mi", "ephemeral-storage": RCLONE_COPY_EPHEMERAL },
        },
        volumeMounts: [{ name: "tools", mountPath: "/tools" }],
    };
}

/** Container logs and the writable layer's leftovers, on top of the emptyDirs. */
const LOG_ALLOWANCE_MI = 256;

/** The emptyDirs' size limits plus room for logs, in Mi: a backup pod's ephemeral-storage request and limit, so the
 *  scheduler picks a node with room for them and a runaway pod is evicted rather than its neighbours. */
export function ephemeralStorage(sizeLimits: string[]): string {
    const bytes = sizeLimits.reduce((sum, q) => sum + parseQuantity(q)!, 0);
    return `${Math.ceil(bytes / 2 ** 20) + LOG_ALLOWANCE_MI}Mi`;
}
