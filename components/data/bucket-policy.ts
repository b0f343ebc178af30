// What each object-storage identity may do, as the JSON an operator applies to the bucket and the keys. A stolen
// backup-pod key must not be able to erase the history: it may add objects and read them, and delete only its own
// lock objects; retention is the bucket's lifecycle rules over a versioned, object-locked bucket, so no key the
// cluster holds can shorten it. synth writes these documents to out/<stack>/bucket-policies/ (docs/operations.md).

export type RetentionMode = "script" | "lifecycle";

export interface BucketDocuments {
    /** IAM policy of the key the backup pods use (backupS3AccessKeyId). */
    "backup-identity-policy": Record<string, unknown>;
    /** The bucket's lifecycle configuration: retention without any deleting key (lifecycle mode only). */
    "lifecycle-configuration"?: Record<string, unknown>;
    /** Default object-lock retention: nobody deletes a backup version before retentionDays (lifecycle mode only). */
    "object-lock-configuration"?: Record<string, unknown>;
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
    const statements: Record<string, unknown>[] = [
        { Sid: "ListTheBackups", Effect: "Allow", Action: ["s3:ListBucket"], Resource: `arn:aws:s3:::${bucket}`,
            Condition: { StringLike: { "s3:prefix": prefix ? [prefix, under("*")] : ["*"] } } },
        { Sid: "AddAndReadBackups", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: objects },
        // backup.sh's lock: each run writes and removes its own object under .backup.locks/.
        { Sid: "OwnLockObjects", Effect: "Allow", Action: ["s3:DeleteObject"], Resource: `arn:aws:s3:::${bucket}/${under(".backup.locks/*")}` },
    ];
    if (mode === "script") {
        // Retention by backup.sh prune with this very key: it may delete backups. Staging only (settings refuse it in production).
        statements.push({ Sid: "PruneOldBackups", Effect: "Allow", Action: ["s3:DeleteObject"], Resource: objects });
    } else {
        statements.push({
            Sid: "NeverEraseHistory", Effect: "Deny",
            Action: ["s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning", "s3:PutBucketObjectLockConfiguration",
                "s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:DeleteBucket"],
            Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        });
    }
    const docs: BucketDocuments = { "backup-identity-policy": { Version: "2012-10-17", Statement: statements } };
    if (mode === "lifecycle") {
        docs["lifecycle-configuration"] = {
            Rules: [
                { ID: "backups-expire-after-retention", Status: "Enabled", Filter: { Prefix: under(`${backupPrefix}-`) },
                    Expiration: { Days: retentionDays }, NoncurrentVersionExpiration: { NoncurrentDays: retentionDays } },
                { ID: "unfinished-uploads", Status: "Enabled", Filter: { Prefix: under("") }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
            ],
        };
        docs["object-lock-configuration"] = {
            ObjectLockEnabled: "Enabled",
            Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: retentionDays } },
        };
    }
    return docs;
}
