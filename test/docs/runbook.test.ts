// docs/runbook.md is read under pressure: every alert's section must say what to look at first, give commands to
// run (test/docs/commands.test.ts checks that they resolve), and say who to call next; the guide's incident
// procedures and the escalation chain must be there.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { extractCommands } from "./kubectl";

const FILE = path.join(__dirname, "..", "..", "docs", "runbook.md");

function runbookProblems(markdown: string): string[] {
    const problems: string[] = [];
    const [preamble, ...sections] = `\n${markdown}`.split(/\n## /);
    for (const procedure of ["Escalation", "Service down", "Database issues", "High error rate", "Security incident", "Scaling by hand"]) {
        if (!new RegExp(`^### ${procedure}`, "m").test(preamble)) problems.push(`no "### ${procedure}" procedure before the alert sections`);
    }
    const chain = /On-call developer[^]*Senior developer[^]*CTO/.exec(preamble.slice(preamble.indexOf("### Escalation")));
    if (!chain) problems.push("the escalation procedure does not name the chain on-call developer → senior developer → CTO in order");
    for (const section of sections) {
        const [heading, ...rest] = section.split("\n");
        const body = rest.join("\n");
        if (!/\*\*First checks\.\*\*/.test(body)) problems.push(`## ${heading}: no **First checks.**`);
        if (extractCommands("runbook.md", body).length === 0) problems.push(`## ${heading}: no kubectl command`);
        const escalation = /\*\*Escalation\.\*\*([^]*)/.exec(body);
        if (!escalation) problems.push(`## ${heading}: no **Escalation.**`);
        else if (!/on-call developer|senior developer|CTO/i.test(escalation[1])) problems.push(`## ${heading}: the escalation names nobody`);
    }
    return problems;
}

describe("docs/runbook.md", () => {
    it("has the escalation chain, the incident procedures, and first checks, commands and escalation per alert", () => {
        const text = fs.readFileSync(FILE, "utf8");
        assert.deepEqual(runbookProblems(text), []);
        assert.ok(text.split("\n## ").length - 1 >= 12, "fewer alert sections than the rules have");
    });

    it("flags a section without first checks, commands or escalation, and a missing procedure (fixture)", () => {
        const text = [
            "# Incident response", "", "### Escalation", "", "1. **On-call developer.** 2. **Senior developer.** 3. **CTO.**", "",
            "### Service down", "", "### Database issues", "", "### High error rate", "", "### Scaling by hand", "",
            "## ForkKnifeA", "", "**First checks.** x", "", "```sh", "kubectl -n $NS get hpa fork-knife-backend", "```", "",
            "**Escalation.** On-call developer.", "",
            "## ForkKnifeB", "", "Look around.", "", "**Escalation.** Whoever is awake.", "",
        ].join("\n");
        assert.deepEqual(runbookProblems(text), [
            `no "### Security incident" procedure before the alert sections`,
            "## ForkKnifeB: no **First checks.**",
            "## ForkKnifeB: no kubectl command",
            "## ForkKnifeB: the escalation names nobody",
        ]);
    });
});
