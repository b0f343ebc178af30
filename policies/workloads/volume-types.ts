import { podPolicy } from "../lib/pod-policy";

const ALLOWED = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

/** PSS restricted "Volume Types". */
export const volumeTypes = podPolicy({
    name: "workload-volume-types",
    description: "Pods use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes (Pod Security Standards restricted: Volume Types).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    (c.pod.spec.volumes ?? []).forEach((v: Record<string, unknown>, i: number) => {
        const kinds = Object.keys(v ?? {}).filter((k) => k !== "name" && v[k] !== undefined && v[k] !== null);
        const bad = kinds.filter((k) => !ALLOWED.includes(k));
        if (bad.length > 0) c.report(`${c.pod.path}.volumes[${i}] ("${v.name}") must not be of type ${bad.join(", ")}`);
    });
});
