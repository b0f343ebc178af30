// Pod Security Standards "restricted", in one place, for every pod this program runs.
import * as k8s from "@pulumi/kubernetes";

/** Non-root UID/GID above 10000 so they never collide with a host user. */
export const RUN_AS_USER = 10001;
export const RUN_AS_GROUP = 10001;

export function restrictedPodSecurityContext(): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: RUN_AS_USER,
        runAsGroup: RUN_AS_GROUP,
        fsGroup: RUN_AS_GROUP,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function restrictedContainerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: RUN_AS_USER,
        runAsGroup: RUN_AS_GROUP,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** A read-only root filesystem still needs somewhere to write temporary files. */
export const TMP_VOLUME = { name: "tmp", emptyDir: { sizeLimit: "256Mi" } };
export const TMP_MOUNT = { name: "tmp", mountPath: "/tmp" };
