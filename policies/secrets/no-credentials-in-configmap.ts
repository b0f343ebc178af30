import { looksLikeCredential } from "../lib/credentials";
import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** ConfigMaps are readable by anyone who can read the namespace's config, and are never encrypted at rest. */
export const noCredentialsInConfigMap = resourcePolicy({
    name: "secret-no-credentials-in-configmap",
    description: "No ConfigMap holds a credential-looking key or value.",
    checklist: "secrets",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "ConfigMap")) return;
        for (const [key, value] of Object.entries(args.props.data ?? {})) {
            if (looksLikeCredential(key, value)) report(`${describe(args.type, args.props, args.name)}: data.${key} looks like a credential; put it in a Secret`);
        }
    },
});
