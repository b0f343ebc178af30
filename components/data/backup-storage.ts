// Where backups go, as the pods see it: a PersistentVolumeClaim, or an S3-compatible bucket reached with
// rclone configured purely by environment variables (no config file to mount, nothing secret in a ConfigMap).
import * as k8s from "@pulumi/kubernetes";

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
