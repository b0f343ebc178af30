// GitHub's own workflow parser (@actions/workflow-parser, the schema the Actions service and the VS Code
// extension use), loaded offline on Node 20 through json-import-hook.mjs.
import * as path from "path";
import { register } from "module";
import { pathToFileURL } from "url";

// A real dynamic import: ts-node would turn `import()` into require(), which cannot load this ESM package.
const importEsm = new Function("s", "return import(s)") as (s: string) => Promise<any>;

let parser: Promise<any> | undefined;

function load(): Promise<any> {
    if (!parser) {
        register(pathToFileURL(path.join(__dirname, "json-import-hook.mjs")));
        parser = importEsm("@actions/workflow-parser");
    }
    return parser;
}

/** Every problem GitHub's parser finds in a workflow (schema, expressions, conversion); empty when valid. */
export async function workflowProblems(fileName: string, content: string): Promise<string[]> {
    const wp = await load();
    const result = wp.parseWorkflow({ name: fileName, content }, new wp.NoOperationTraceWriter());
    const problems: string[] = result.context.errors.getErrors().map((e: { message: string }) => e.message);
    if (problems.length === 0 && result.value) {
        const template = await wp.convertWorkflowTemplate(result.context, result.value);
        problems.push(...(template.errors ?? []).map((e: { Message?: string; message?: string }) => e.Message ?? e.message ?? String(e)));
    }
    return problems;
}
