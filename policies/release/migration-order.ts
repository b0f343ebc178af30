import { ANNOTATION } from "../../components/lib/labels";
import { byComponent } from "../lib/backups";
import { k8sObjects, mustFollow, refersTo } from "../lib/graph";
import { containersOf, podTemplate } from "../lib/k8s";
import { stackPolicy } from "../lib/policy";

function images(obj: { resource: { type: string }; props: unknown }): string[] {
    const pod = podTemplate(obj.resource.type, obj.props);
    return pod ? containersOf(pod).map((c) => c.container?.image).filter((i): i is string => typeof i === "string") : [];
}

/** The guide: run migrations before the app, so new code never meets an old schema. */
export const migrationOrder = stackPolicy({
    name: "release-migration-order",
    description: "Every Deployment that runs the migration Job's image depends on that Job and names it in its pod template's migration-job annotation.",
    checklist: "release",
    enforcementLevel: "mandatory",
    kind: "completeness",
    validateStack: (args, report) => {
        const deployments = k8sObjects(args.resources, "Deployment");
        for (const m of byComponent(args.resources, "migration", "Job")) {
            const migrated = new Set(images(m));
            for (const d of deployments) {
                if (!images(d).some((i) => migrated.has(i))) continue;
                if (!mustFollow(d.resource, m.resource)) {
                    report(`Deployment/${d.name}: must depend on migration Job/${m.name} (dependsOn), so it rolls out only after the migration succeeded`, d.resource.urn);
                }
                const named = d.props.spec?.template?.metadata?.annotations?.[ANNOTATION.migrationJob];
                if (!refersTo(m, named)) {
                    report(`Deployment/${d.name}: spec.template.metadata.annotations["${ANNOTATION.migrationJob}"] must be ${m.name}, got ${named ?? "unset"}`, d.resource.urn);
                }
            }
        }
    },
});
