// Node 20 refuses `import x from "./file.json"` without `with { type: "json" }`, and
// @actions/workflow-parser imports its schema that way. This loader hook serves that one package's JSON
// files as ES modules, so the parser runs offline on Node 20 without patching node_modules.
import { readFile } from "node:fs/promises";

export async function load(url, context, nextLoad) {
    if (url.endsWith(".json") && url.includes("/@actions/workflow-parser/") && !context.importAttributes?.type) {
        const text = await readFile(new URL(url), "utf8");
        return { format: "module", source: `export default ${text};`, shortCircuit: true };
    }
    return nextLoad(url, context);
}
