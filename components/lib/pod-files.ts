// Files a pod reads instead of environment variables: the database CA bundle and, per workload, credentials
// mounted from their Secrets. Everything lands under one read-only root, so the app finds them the same way in
// every pod and an operator knows where to look.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Root of every file this program mounts into a pod. */
export const POD_FILES_ROOT = "/var/run/secrets/fork-knife";

/** A volume and where it is mounted: always read-only. */
export interface PodFiles {
    volume: k8s.types.input.core.v1.Volume;
    mount: k8s.types.input.core.v1.VolumeMount;
}

/** The database CA bundle, as every pod that talks to PostgreSQL sees it. */
export const DATABASE_CA = { volumeName: "database-ca", dir: `${POD_FILES_ROOT}/database-ca`, file: "ca.crt" } as const;
export const DATABASE_CA_PATH = `${DATABASE_CA.dir}/${DATABASE_CA.file}`;

export function configMapFiles(volumeName: string, configMapName: pulumi.Input<string>, dir: string): PodFiles {
    // 0444: readable by the non-root user the pods run as, writable by nobody.
    return {
        volume: { name: volumeName, configMap: { name: configMapName, defaultMode: 0o444 } },
        mount: { name: volumeName, mountPath: dir, readOnly: true },
    };
}

/** Selected keys of a Secret as files named after the keys, in `dir`. */
export function secretFiles(volumeName: string, secretName: pulumi.Input<string>, keys: string[], dir: string): PodFiles {
    return {
        // 0440 with the pod's fsGroup: the app's group reads them, nobody else.
        volume: { name: volumeName, secret: { secretName, defaultMode: 0o440, items: keys.map((key) => ({ key, path: key })) } },
        mount: { name: volumeName, mountPath: dir, readOnly: true },
    };
}
