// Most workload rules look at one pod (a Pod, or the template of a controller, Job or CronJob) and its
// containers; this builds those policies and words their messages the same way.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { ResourceValidationArgs } from "@pulumi/policy";
import { containerLabel, ContainerRef, containersOf, describe, podTemplate, PodTemplate } from "./k8s";
import { Environment, FkResourcePolicy, packSettings, resourcePolicy } from "./policy";

export interface PodCheck {
    /** `Deployment/backend-…`. */
    resource: string;
    type: string;
    props: any;
    pod: PodTemplate;
    /** Init, regular and ephemeral containers, with their field paths. */
    containers: ContainerRef[];
    environment: Environment;
    now: Date;
    args: ResourceValidationArgs;
    /** Reports one violation, naming the resource and (when given) the container. */
    report(message: string, container?: ContainerRef): void;
}

type Meta = Omit<FkResourcePolicy, "validateResource" | "configSchema" | "kind">;

export function podPolicy(meta: Meta, check: (c: PodCheck) => void): FkResourcePolicy {
    return resourcePolicy({
        ...meta,
        validateResource: (args, reportViolation) => {
            const pod = podTemplate(args.type, args.props);
            if (!pod) return;
            const resource = describe(args.type, args.props, args.name);
            const { environment, now } = packSettings(args);
            check({
                resource, type: args.type, props: args.props, pod, containers: containersOf(pod), environment, now, args,
                report: (message, container) =>
                    reportViolation(container ? `${resource}, ${containerLabel(container)}: ${message}` : `${resource}: ${message}`),
            });
        },
    });
}

/** A container-level setting, falling back to the pod-level one as Kubernetes does. */
export function effective(pod: PodTemplate, c: ContainerRef, field: string): any {
    const own = c.container?.securityContext?.[field];
    return own !== undefined ? own : pod.spec?.securityContext?.[field];
}
