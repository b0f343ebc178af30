// The guide's commands must work as printed: every `kubectl …` in README.md and docs/*.md addresses objects that
// the program renders (kind, name, namespace, label selector, Service port), in both stacks.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { isKubernetesObject, toManifest } from "../../tools/lib/render";
import { runStack } from "../support/stacks";
import { checkCommand, checkDocument, CheckContext, extractCommands, RenderedStack, sectionHeadings } from "./kubectl";

const ROOT = path.join(__dirname, "..", "..");
const DOCUMENTS = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

async function render(stack: "staging" | "production"): Promise<RenderedStack> {
    const run = await runStack(stack);
    const objects = run.resources.filter(isKubernetesObject).map(toManifest);
    const ns = objects.find((o) => o.kind === "Namespace");
    assert.ok(ns, `${stack} renders no Namespace`);
    return { stack, namespace: ns.name, objects };
}

describe("kubectl commands in README.md and docs/*.md", () => {
    let stacks: RenderedStack[];
    before(async () => {
        stacks = [await render("staging"), await render("production")];
    });

    it("every command resolves against the rendered staging and production objects", () => {
        const problems: string[] = [];
        let count = 0;
        for (const file of DOCUMENTS) {
            const result = checkDocument(file, fs.readFileSync(path.join(ROOT, file), "utf8"), stacks);
            count += result.commands.length;
            problems.push(...result.problems);
        }
        assert.deepEqual(problems, [], `${problems.length} documented command(s) do not resolve:\n${problems.join("\n")}`);
        // The runbooks alone print dozens: an extractor that finds next to nothing is broken, not clean.
        assert.ok(count >= 60, `only ${count} kubectl commands found`);
    });

    it("covers the names operators type: both Deployments, the Service, both CronJobs", () => {
        const all = DOCUMENTS.flatMap((f) => extractCommands(f, fs.readFileSync(path.join(ROOT, f), "utf8"))).map((c) => c.text).join("\n");
        for (const ref of ["deployment/fork-knife-backend", "deployment/fork-knife-worker", "svc/fork-knife-backend",
            "cronjob/backup", "cronjob/restore-test"]) {
            assert.ok(all.includes(ref), `no documented command addresses ${ref}`);
        }
    });

    it("documents kubectl scale only in a restore section: bringing the workloads back from zero", () => {
        let found = 0;
        for (const file of DOCUMENTS) {
            const text = fs.readFileSync(path.join(ROOT, file), "utf8");
            const headings = sectionHeadings(text);
            text.split("\n").forEach((line, i) => {
                if (!/kubectl[^\n`]*\sscale\s/.test(line)) return;
                found++;
                assert.match(headings[i] ?? "", /restor/i, `${file}:${i + 1} documents kubectl scale outside a restore section`);
            });
        }
        // The restore procedure says how to bring both workloads back, per stack and from the HPAs.
        assert.ok(found >= 6, `only ${found} kubectl scale lines`);
    });

    describe("the checker itself (negative fixtures)", () => {
        const ctx = (namespacePlaceholder = true): CheckContext => ({ stacks, namespacePlaceholder, createdJobPrefixes: ["backup-manual-"] });
        const fails = (command: string, why: RegExp, c = ctx()) => {
            const problems = checkCommand(command, c);
            assert.ok(problems.some((p) => why.test(p)), `${command}\n  expected a problem matching ${why}, got: ${JSON.stringify(problems)}`);
        };
        const passes = (command: string, c = ctx()) => assert.deepEqual(checkCommand(command, c), [], command);

        it("passes commands that address rendered objects in every form", () => {
            passes("kubectl -n fork-knife-production rollout undo deployment/fork-knife-backend");
            passes("kubectl -n fork-knife-staging rollout status deploy/fork-knife-worker --timeout=5m");
            passes("kubectl -n NS get hpa fork-knife-backend fork-knife-worker");
            passes("kubectl -n fork-knife-<stack> create job --from=cronjob/backup backup-manual-$(date +%s)");
            passes("kubectl -n fork-knife-<stack> logs -f job/backup-manual-<id>");
            passes("kubectl -n $NS logs -l app.kubernetes.io/component=backend --since=15m --tail=200");
            passes("kubectl -n NS get jobs -l 'app.kubernetes.io/component in (backup,pre-migration-backup)'");
            passes("kubectl -n NS port-forward svc/fork-knife-backend 3000:http");
            passes("kubectl -n NS get endpoints fork-knife-backend");
            passes("kubectl -n fork-knife-production get secret fork-knife-jwt -o yaml");
            passes("kubectl get nodes");
        });

        it("fails a wrong name, a wrong kind, a wrong CronJob, and an auto-named pod", () => {
            fails("kubectl -n fork-knife-production rollout undo deployment/backend", /no Deployment named backend .*rendered: .*fork-knife-backend/);
            fails("kubectl -n fork-knife-production get cronjob backup-daily", /no CronJob named backup-daily/);
            fails("kubectl -n NS create job --from=cronjob/backups backup-manual-1", /no CronJob named backups/);
            fails("kubectl -n NS create job --from=cronjob/<cronjob> x", /fixed name; write the name/);
            fails("kubectl -n NS get deploymnt fork-knife-backend", /unknown kind "deploymnt"/);
            fails("kubectl -n NS logs fork-knife-backend-7d9f8-abcde", /Pod names are generated/);
            fails("kubectl -n NS get hpa fork-knife-api", /no HorizontalPodAutoscaler named fork-knife-api/);
        });

        it("apply: one manifest file into a rendered namespace (the manifest itself is held to the program elsewhere)", () => {
            passes("kubectl -n fork-knife-production apply -f migrate-ops.yaml");
            fails("kubectl -n fork-knife-production apply -f", /apply: name one manifest file/);
            fails("kubectl -n fork-knife-production apply -f a.yaml b.yaml", /apply: name one manifest file/);
            fails("kubectl -n fork-knife-prod apply -f migrate-ops.yaml", /namespace "fork-knife-prod" is not a rendered stack's namespace/);
        });

        it("fails a missing or unknown namespace, and NS where the document never defines it", () => {
            fails("kubectl get deployment fork-knife-backend", /no -n <namespace>/);
            fails("kubectl -n fork-knife-prod get deployment fork-knife-backend", /namespace "fork-knife-prod" is not a rendered stack's namespace/);
            fails("kubectl -n NS get deployment fork-knife-backend", /never says that NS is the namespace/, ctx(false));
            fails("kubectl get pods -A -l app.kubernetes.io/component=backend", /--all-namespaces/);
        });

        it("fails label selectors that match nothing the program renders", () => {
            fails("kubectl -n NS get pods -l app.kubernetes.io/component=frontend", /selects no rendered Pod/);
            fails("kubectl -n NS get jobs -l app=backup", /selects no rendered Job/);
            fails("kubectl -n NS rollout undo deployment -l app.kubernetes.io/component=migration", /selects no rendered Deployment/);
        });

        it("fails kubectl scale of an HPA-managed Deployment, by name or by selector", () => {
            fails("kubectl -n fork-knife-production scale deployment/fork-knife-backend --replicas=8", /HPA-managed Deployment.*raise minReplicas/);
            fails("kubectl -n NS scale deployment -l app.kubernetes.io/component=worker --replicas=0", /HPA-managed/);
            // The floor itself is still refused outside a restore section.
            fails("kubectl -n fork-knife-production scale deployment/fork-knife-backend --replicas=3", /HPA-managed Deployment.*raise minReplicas/,
                { ...ctx(), section: "Scaling by hand" });
        });

        it("passes scaling back to exactly the HPA's minReplicas in a restore section, and fails anything else there", () => {
            const restore = { ...ctx(), section: "Restore from a backup" };
            const hpaMin = (stack: RenderedStack, name: string) => stack.objects.find((o) => o.kind === "HorizontalPodAutoscaler" && o.name === name)!.body.spec.minReplicas;
            const [staging, production] = stacks;
            const prodMin = hpaMin(production, "fork-knife-backend");
            passes(`kubectl -n fork-knife-production scale deployment/fork-knife-backend --replicas=${prodMin}`, restore);
            passes(`kubectl -n fork-knife-staging scale deployment/fork-knife-worker --replicas=${hpaMin(staging, "fork-knife-worker")}`, restore);
            passes(`kubectl -n fork-knife-<stack> scale deployment/fork-knife-worker --replicas="$(kubectl -n fork-knife-<stack> get hpa fork-knife-worker -o jsonpath='{.spec.minReplicas}')"`, restore);
            // One above and one below the floor; a floor right for one stack only; no --replicas at all.
            fails(`kubectl -n fork-knife-production scale deployment/fork-knife-backend --replicas=${prodMin + 1}`, new RegExp(`must set --replicas to the HPA's minReplicas: ${prodMin} in fork-knife-production \\(got ${prodMin + 1}\\)`), restore);
            fails(`kubectl -n fork-knife-production scale deployment/fork-knife-backend --replicas=${prodMin - 1}`, /must set --replicas to the HPA's minReplicas/, restore);
            fails(`kubectl -n fork-knife-<stack> scale deployment/fork-knife-backend --replicas=${prodMin}`, /minReplicas: \d+ in fork-knife-staging \(got/, restore);
            fails("kubectl -n fork-knife-production scale deployment/fork-knife-backend", /\(got none\)/, restore);
            // By selector, or reading another HPA's floor, or another namespace's: still refused.
            fails("kubectl -n NS scale deployment -l app.kubernetes.io/component=worker --replicas=1", /HPA-managed Deployment.*raise minReplicas/, restore);
            fails(`kubectl -n fork-knife-<stack> scale deployment/fork-knife-worker --replicas="$(kubectl -n fork-knife-<stack> get hpa fork-knife-backend -o jsonpath='{.spec.minReplicas}')"`, /reads the floor from the Deployment's own HPA/, restore);
            fails(`kubectl -n fork-knife-<stack> scale deployment/fork-knife-worker --replicas="$(kubectl -n fork-knife-<stack> get hpa fork-knife-worker -o jsonpath='{.spec.maxReplicas}')"`, /own HPA/, restore);
            fails(`kubectl -n fork-knife-production scale deployment/fork-knife-worker --replicas="$(kubectl -n fork-knife-staging get hpa fork-knife-worker -o jsonpath='{.spec.minReplicas}')"`, /own HPA/, restore);
        });

        it("knows each line's section, and does not take a shell comment in a code block for a heading", () => {
            const headings = sectionHeadings(["# Operations", "text", "### Restore from a backup", "```sh", "# production: 3 and 2", "kubectl …", "```", "## Monitoring", "x"].join("\n"));
            assert.deepEqual(headings, ["Operations", "Operations", "Restore from a backup", "Restore from a backup", "Restore from a backup",
                "Restore from a backup", "Restore from a backup", "Monitoring", "Monitoring"]);
        });

        it("fails a port the Service does not have, and a Job prefix nothing creates", () => {
            fails("kubectl -n NS port-forward svc/fork-knife-backend 9090:admin", /has no port admin/);
            fails("kubectl -n NS logs job/nightly-<id>", /no rendered Job, CronJob or hand-made Job .* nightly-/);
        });

        it("finds commands in fenced blocks, indented blocks and wrapped inline code, and fails the broken one", () => {
            const doc = [
                "# Fixture", "", "`NS` is the stack's namespace.", "",
                "```sh", "kubectl -n NS rollout undo deployment/fork-knife-backend   # back one revision",
                "kubectl -n NS get pods \\", "  -l app.kubernetes.io/component=worker", "```", "",
                "    kubectl -n NS get cronjob restore-test", "",
                "Then run `kubectl -n NS logs", "deployment/fork-knife-worker --since=1h | grep -i error` and",
                "`kubectl -n NS rollout restart deployment/fork-knife-frontend`.",
            ].join("\n");
            const { commands, problems } = checkDocument("fixture.md", doc, stacks);
            assert.deepEqual(commands.map((c) => [c.line, c.text]), [
                [6, "kubectl -n NS rollout undo deployment/fork-knife-backend"],
                [7, "kubectl -n NS get pods -l app.kubernetes.io/component=worker"],
                [11, "kubectl -n NS get cronjob restore-test"],
                [13, "kubectl -n NS logs deployment/fork-knife-worker --since=1h"],
                [15, "kubectl -n NS rollout restart deployment/fork-knife-frontend"],
            ]);
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /^fixture\.md:15: [^]*no Deployment named fork-knife-frontend/);
        });
    });
});
