// What the program renders for a committed stack, for the tests that run real Alertmanager tools on it: the
// stack's parsed settings, and the alerts of the PrometheusRule the program declares (under Pulumi mocks, as
// `npm run synth` does), the outside check and the absent-data alerts included.
import { parseSettings, RawConfig, SECRET_KEYS, Settings } from "../../components/config/settings";
import { Rule } from "../../components/monitoring/alert-rules";
import { revealSecrets } from "../../tools/lib/program";
import { loadStackConfig } from "../../tools/lib/stack-config";
import { one, runStack, TODAY } from "../support/stacks";

export type Stack = "staging" | "production";

/** The committed stack's settings, parsed as the program parses them. */
export function committedSettings(stack: Stack): Settings {
    const c = loadStackConfig({ stack });
    const values: Record<string, unknown> = {};
    const secrets: RawConfig["secrets"] = {};
    for (const [full, text] of Object.entries(c.config)) {
        const key = full.slice("fork-knife:".length);
        if (key in SECRET_KEYS) secrets[key] = { value: text, isSecret: c.secretKeys.includes(full) };
        else values[key] = /^[\[{]/.test(text) ? JSON.parse(text) : text;
    }
    return parseSettings({ stack, now: new Date(`${TODAY}T00:00:00Z`), values, secrets });
}

/** Every alert of the PrometheusRule the program renders for the committed stack. */
export async function renderedAlerts(stack: Stack): Promise<Rule[]> {
    const rule = one(await runStack(stack), "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    const groups = (revealSecrets(rule.inputs) as any).spec.groups as { rules: Rule[] }[];
    return groups.flatMap((g) => g.rules).filter((r) => r.alert);
}
