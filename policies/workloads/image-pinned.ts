import { parseImage } from "../lib/image";
import { podPolicy } from "../lib/pod-policy";

/** The guide: a rollout and its rollback must run exactly the image that was tested. */
export const imagePinned = podPolicy({
    name: "workload-image-pinned",
    description: "Every image names a release tag (never latest, never missing), and in production a sha256 digest too.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        const image = ct.container?.image;
        if (typeof image !== "string") {
            if (image === undefined && ct.container) c.report(`${ct.path}.image must be set`, ct);
            continue;
        }
        const ref = parseImage(image);
        if (ref.tag === "latest") c.report(`${ct.path}.image ${image} must not use the moving tag latest`, ct);
        else if (!ref.tag && !ref.digest) c.report(`${ct.path}.image ${image} must name a release tag`, ct);
        if (c.environment === "production" && !/^sha256:[a-f0-9]{64}$/.test(ref.digest ?? "")) {
            c.report(`${ct.path}.image ${image} must be pinned by a sha256 digest in production`, ct);
        }
    }
});
