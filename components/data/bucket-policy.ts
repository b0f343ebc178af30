// What each object-storage identity may do, as the JSON an operator applies to the bucket and the keys. A stolen
// backup-pod key must not be able to erase the history: it may add objects and read them, and delete only its own
// lock objects. Retention is then either the bucket's lifecycle rules over a versioned, object-locked bucket, so no
// key the cluster holds can shorten it (lifecycle), or a separate prune identity that may list and delete old
// backups but never write one (prune-identity), over a versioned bucket whose noncurrent versions outlive a delete by
// retentionDays, so neither key alone can erase the history. synth writes these documents to
// out/<stack>/bucket-policies/ (docs/operations.md).
import type { RETENTION_MODES } from "../config/settings-schema";

export type RetentionMode = (typeof RETENTION_MODES)[number];

/** Actions that would rewrite or erase the bucket's history and its protection: no key the cluster holds needs them. */
export const HISTORY_ERASING_ACTIONS = [
    "s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning", "s3:PutBucketObjectLockConfiguration",
    "s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:DeleteBucket",
];

export interface BucketDocuments {
    /** IAM policy of the key the backup pods use (backupS3AccessKeyId). */
    "backup-identity-policy": Record<string, unknown>;
    /** The bucket's lifecycle configuration: retention without any deleting key (lifecycle mode only). */
    "lifecycle-configuration"?: Record<string, unknown>;
    /** Default object-lock retention: nobody deletes a backup version before retentionDays (lifecycle and prune-identity). */
    "object-lock-configuration"?: Record<string, unknown>;
    /** IAM policy of the backup-prune CronJob's key (backupPruneS3AccessKeyId): list, read, delete old backups (prune-identity only). */
    "prune-identity-policy"?: Record<string, unknown>;
}

/** s3://bucket/prefix → bucket and prefix without slashes at either end. */
export function splitTarget(target: string): { bucket: string; prefix: string } {
    const rest = target.replace(/^s3:\/\//, "");
    const [bucket, ...path] = rest.split("/");
    return { bucket, prefix: path.join("/").replace(/^\/+|\/+$/g, "") };
}

export function bucketDocuments(target: string, mode: RetentionMode, retentionDays: number, backupPrefix = "fork-knife"): BucketDocuments {
    const { bucket, prefix } = splitTarget(target);
    const under = (p: string) => (prefix ? `${prefix}/${p}` : p);
    const objects = `arn:aws:s3:::${bucket}/${under("*")}`;
    // backup.sh's lock: each run writes and removes its own object under .backup.locks/; .backup.lock is the
    // single lock object of earlier versions, which a run removes once it is stale.
    const locks = [`arn:aws:s3:::${bucket}/${under(".backup.locks/*")}`, `arn:aws:s3:::${bucket}/${under(".backup.lock")}`];
    const list = { Sid: "ListTheBackups", Effect: "Allow", Action: ["s3:ListBucket"], Resource: `arn:aws:s3:::${bucket}`,
        Condition: { StringLike: { "s3:prefix": prefix ? [prefix, under("*")] : ["*"] } } };
    const neverErase = { Sid: "NeverEraseHistory", Effect: "Deny", Action: HISTORY_ERASING_ACTIONS, Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] };
    const statements: Record<string, unknown>[] = [
        list,
        { Sid: "AddAndReadBackups", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: objects },
        { Sid: "OwnLockObjects", Effect: "Allow", Action: ["s3:DeleteObject"], Resource: locks },
    ];
    if (mode === "script") {
        // Retention by backup.sh prune with this very key: it may delete backups. Staging only (settings refuse it in production).
        statements.push({ Sid: "PruneOldBackups", Effect: "Allow", Action: ["s3:DeleteObject"], Resource: objects });
    } else {
        statements.push(neverErase);
    }
    const docs: BucketDocuments = { "backup-identity-policy": { Version: "2012-10-17", Statement: statements } };
    const noncurrentExpiry = { ID: "deleted-backups-expire-after-retention", Status: "Enabled", Filter: { Prefix: under("") },
        NoncurrentVersionExpiration: { NoncurrentDays: retentionDays } };
    const unfinishedUploads = { ID: "unfinished-uploads", Status: "Enabled", Filter: { Prefix: under("") }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } };
    if (mode === "lifecycle") {
        docs["lifecycle-configuration"] = {
            Rules: [
                { ID: "backups-expire-after-retention", Status: "Enabled", Filter: { Prefix: under(`${backupPrefix}-`) },
                    Expiration: { Days: retentionDays }, NoncurrentVersionExpiration: { NoncurrentDays: retentionDays } },
                // latest.json is replaced by every run and each lock object deleted: on a versioned bucket each leaves
                // a noncurrent version behind, which without this rule would be kept forever.
                noncurrentExpiry,
                unfinishedUploads,
            ],
        };
    }
    if (mode === "prune-identity") {
        // backup.sh prune deletes our backups older than retentionDays (never the newest verified one) and their
        // checksum sidecars; a directory dump is many objects under <name>.dir/. It reads latest.json and the
        // sidecars to decide, and it takes backup.sh's lock like a backup run. It never writes a backup.
        const backups = `arn:aws:s3:::${bucket}/${under(`${backupPrefix}-*`)}`;
        docs["prune-identity-policy"] = {
            Version: "2012-10-17",
            Statement: [
                list,
                { Sid: "ReadManifestsAndChecksums", Effect: "Allow", Action: ["s3:GetObject"], Resource: objects },
                { Sid: "DeleteOldBackups", Effect: "Allow", Action: ["s3:DeleteObject"], Resource: backups },
                { Sid: "OwnLockObjects", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: locks },
                // Nothing but its lock objects: it can neither overwrite a backup nor forge latest.json.
                { Sid: "NeverWriteBackups", Effect: "Deny", Action: ["s3:PutObject"], NotResource: locks },
                neverErase,
            ],
        };
        // A delete by either key (the prune's, or a stolen backup key overwriting a name) leaves a noncurrent
        // version that only this rule removes, retentionDays later: time to notice, and to restore it.
        docs["lifecycle-configuration"] = { Rules: [noncurrentExpiry, unfinishedUploads] };
    }
    if (mode !== "script") {
        docs["object-lock-configuration"] = {
            ObjectLockEnabled: "Enabled",
            Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: retentionDays } },
        };
    }
    return docs;
}
