// Splits an image reference the way container runtimes do: the tag is after the last ':' of the last path
// segment (so a registry port is not a tag), the digest after '@'.
export interface ImageRef { name: string; tag?: string; digest?: string }

export function parseImage(ref: string): ImageRef {
    const [withoutDigest, digest] = ref.split("@", 2);
    const slash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.lastIndexOf(":");
    if (colon > slash) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
    return { name: withoutDigest, digest };
}
