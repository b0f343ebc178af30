// The release's image as an immutable reference. A pinned digest (or one resolved from the registry at
// deploy time) makes every rollout repeatable: a rollback is "set the previous tag, pulumi up".
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface ImageSettings {
    /** Registry and repository, e.g. ghcr.io/fork-knife/backend. */
    repository: string;
    /** Release tag, never latest. */
    tag: string;
    /** sha256:… digest of that tag, when pinned in config. */
    digest?: string;
    /** Look the tag's digest up in the registry at deploy time. */
    resolveDigest: boolean;
}

/** `repository:tag@digest` when the digest is known, else `repository:tag`. */
export function imageReference(image: ImageSettings, opts?: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    const tagged = `${image.repository}:${image.tag}`;
    if (image.digest) return pulumi.output(`${tagged}@${image.digest}`);
    if (!image.resolveDigest) return pulumi.output(tagged);
    return docker.getRegistryImageOutput({ name: tagged }, opts).apply((r) => `${tagged}@${r.sha256Digest}`);
}
