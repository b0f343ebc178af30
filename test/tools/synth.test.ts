import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { MOCK_SECRET_MARKER } from "../../tools/lib/program";
import { REPO_ROOT } from "../../tools/lib/stack-config";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { evaluatePolicies } from "../../policies/offline";
import { runProgram } from "../../tools/lib/program";
import { synth, SynthResult, toOfflineResource } from "../../tools/synth";
import { stackConfig, TODAY } from "../support/stacks";
import { runTool, scratchDirs } from "../support/tools";

const tmp = scratchDirs("synth");

function readManifests(dir: string): any[] {
    return fs.readdirSync(path.join(dir, "manifests")).map((f) => YAML.parse(fs.readFileSync(path.join(dir, "manifests", f), "utf8")));
}

const cli = (args: string[]) => runTool("synth.ts", args);


describe("npm run synth", () => {
    const results = {} as Record<"staging" | "production", SynthResult>;
    before(async () => {
        for (const stack of ["staging", "production"] as const) results[stack] = await synth({ stack, now: TODAY, outDir: tmp() });
    });

    for (const stack of ["staging", "production"] as const) {
        it(`${stack}: renders schema-valid manifests, passes every mandatory policy and exits 0`, () => {
            const r = results[stack];
            assert.deepEqual(r.schemaProblems, []);
            assert.deepEqual(r.policies.filter((p) => p.status === "fail").map((p) => p.violations), []);
            assert.equal(r.exitCode, 0);
            assert.ok(r.policies.length > 0, "the policy pack ran");
            const files = readManifests(r.outDir);
            assert.equal(files.length, r.manifests.length);
            assert.ok(fs.readFileSync(path.join(r.outDir, "report.md"), "utf8").includes("## Policies"));
        });

        it(`${stack}: one namespace-wide default deny; every egress rule names its peers except the marked HTTPS allowance`, () => {
            const policies = readManifests(results[stack].outDir).filter((m) => m.kind === "NetworkPolicy");
            const selectsAll = (p: any) => Object.keys(p.spec.podSelector ?? {}).length === 0;
            const denyAll = policies.filter(selectsAll);
            assert.equal(denyAll.length, 1, "exactly one policy with podSelector: {}");
            assert.deepEqual(denyAll[0].spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            assert.equal(denyAll[0].metadata.labels["app.kubernetes.io/component"], "platform");
            const open: string[] = [];
            for (const p of policies) {
                for (const rule of p.spec.egress ?? []) {
                    if ((rule.to ?? []).length > 0) continue;
                    open.push(`${p.metadata.labels["app.kubernetes.io/component"]}: ${JSON.stringify(rule.ports)} ${p.metadata.annotations?.["fork-knife.io/open-egress-ports"] ?? "unmarked"}`);
                }
            }
            // backend, worker and (production's s3 target) the backup Jobs reach Stripe, Twilio or object storage.
            const https = `[{"port":443,"protocol":"TCP"}] 443`;
            assert.deepEqual(open.sort(), stack === "production" ? [`backend: ${https}`, `backup: ${https}`, `worker: ${https}`] : [`backend: ${https}`, `worker: ${https}`]);
            assert.ok(policies.length >= 4, `${policies.length} NetworkPolicies`);
        });

        it(`${stack}: every pod that keeps data in an emptyDir requests and limits ephemeral storage`, () => {
            const pods = readManifests(results[stack].outDir).flatMap((m) => {
                if (m.kind === "Deployment" || m.kind === "Job") return [[m.metadata.name, m.spec.template.spec]];
                if (m.kind === "CronJob") return [[m.metadata.name, m.spec.jobTemplate.spec.template.spec]];
                return [];
            });
            // /tmp (256Mi, every pod) is scratch for the runtime; "work" and "tools" hold the dump and rclone.
            const withData = pods.filter(([, pod]) => pod.volumes.some((v: any) => v.emptyDir && v.name !== "tmp"));
            assert.ok(withData.length >= 2, `${withData.length} pods with data emptyDirs`);
            for (const [name, pod] of withData) {
                for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
                    assert.ok(c.resources.requests["ephemeral-storage"] && c.resources.limits["ephemeral-storage"], `${name}/${c.name}`);
                }
            }
        });

        it(`${stack}: every pod spec meets Pod Security Standards restricted`, () => {
            const pods = readManifests(results[stack].outDir).flatMap((m) => {
                if (m.kind === "Deployment" || m.kind === "Job") return [m.spec.template.spec];
                if (m.kind === "CronJob") return [m.spec.jobTemplate.spec.template.spec];
                return [];
            });
            assert.ok(pods.length >= 3);
            for (const pod of pods) {
                assert.equal(pod.securityContext.runAsNonRoot, true);
                assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
                for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
                    assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
                    assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"], c.name);
                    assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
                }
            }
        });

        it(`${stack}: writes no secret value and a v3 stack export with ciphertext placeholders`, () => {
            const dir = results[stack].outDir;
            const all = fs.readdirSync(path.join(dir, "manifests")).map((f) => fs.readFileSync(path.join(dir, "manifests", f), "utf8")).join("\n") +
                fs.readFileSync(path.join(dir, "stack-export.json"), "utf8") + fs.readFileSync(path.join(dir, "report.md"), "utf8");
            assert.ok(!all.includes(MOCK_SECRET_MARKER));
            assert.ok(!all.includes("secure value of"), "secure placeholders never rendered");
            const exported = JSON.parse(fs.readFileSync(path.join(dir, "stack-export.json"), "utf8"));
            assert.equal(exported.version, 3);
            const secrets = exported.deployment.resources.filter((r: any) => r.type === "kubernetes:core/v1:Secret");
            assert.ok(secrets.length >= 4);
            for (const s of secrets) assert.ok(s.inputs.stringData.ciphertext, `${s.urn} stringData is ciphertext`);
            const child = exported.deployment.resources.find((r: any) => r.type === "kubernetes:apps/v1:Deployment");
            assert.ok(exported.deployment.resources.some((r: any) => r.urn === child.parent), "parents are exported");
        });
    }

    it("production renders the resource map of the foundation", () => {
        const kinds = results.production.manifests.reduce((m, x) => m.set(x.kind, (m.get(x.kind) ?? 0) + 1), new Map<string, number>());
        for (const [kind, n] of [["Deployment", 2], ["HorizontalPodAutoscaler", 2], ["PodDisruptionBudget", 2], ["Service", 1]] as const) {
            assert.equal(kinds.get(kind), n, kind);
        }
        assert.ok((kinds.get("Job") ?? 0) >= 1);
        assert.ok((kinds.get("NetworkPolicy") ?? 0) >= 2);
        assert.ok((kinds.get("ServiceAccount") ?? 0) >= 2);
    });

    it("production renders the alert rules and the ServiceMonitor, schema-checked", () => {
        const kinds = results.production.manifests.map((m) => `${m.apiVersion} ${m.kind}`);
        assert.ok(kinds.includes("monitoring.coreos.com/v1 PrometheusRule"));
        assert.ok(kinds.includes("monitoring.coreos.com/v1 ServiceMonitor"));
        assert.deepEqual(results.production.schemaProblems, []);
    });

    for (const stack of ["staging", "production"] as const) {
        it(`${stack} renders the AlertmanagerConfig, schema-checked, with its credentials only as Secret references`, () => {
            const r = results[stack];
            const manifests = readManifests(r.outDir);
            const [amc] = manifests.filter((m) => m.kind === "AlertmanagerConfig");
            assert.ok(amc, "an AlertmanagerConfig is rendered");
            assert.equal(amc.apiVersion, "monitoring.coreos.com/v1alpha1");
            assert.equal(amc.metadata.name, "fork-knife-routing");
            assert.deepEqual(amc.spec.receivers.map((x: any) => x.name), stack === "production" ? ["pager", "team"] : ["team"]);
            assert.deepEqual(r.schemaProblems, []);
            const secretNames = new Set(manifests.filter((m) => m.kind === "Secret").map((m) => m.metadata.name));
            const refs = amc.spec.receivers.flatMap((x: any) => [...(x.pagerdutyConfigs ?? []).map((c: any) => c.routingKey), ...(x.slackConfigs ?? []).map((c: any) => c.apiURL)]);
            for (const ref of refs) assert.ok(secretNames.has(ref.name), `${ref.name} is a rendered Secret`);
            const slack = manifests.find((m) => m.kind === "Secret" && m.metadata.name === "fork-knife-alerting-slack")!;
            assert.equal(slack.metadata.annotations["fork-knife.io/secret-kind"], "slack-webhook");
            assert.equal(slack.stringData.webhookUrl, "[secret]");
            // Neither the webhook nor the routing key (nor synth's stand-in for them) is written anywhere.
            const written = fs.readdirSync(path.join(r.outDir, "manifests")).map((f) => fs.readFileSync(path.join(r.outDir, "manifests", f), "utf8")).join("\n");
            for (const key of ["slackWebhookUrl", "pagerdutyRoutingKey"]) assert.ok(!written.includes(`secure value of fork-knife:${key}`), key);
            assert.ok(!written.includes(MOCK_SECRET_MARKER));
        });
    }

    it("an overdue secret fails production synth and only warns in staging", async () => {
        // JWT rotated 2026-10-01 is due 2026-12-30 in both committed stacks.
        const production = await synth({ stack: "production", now: "2027-01-05", outDir: tmp() });
        const staging = await synth({ stack: "staging", now: "2027-01-05", outDir: tmp() });
        assert.equal(production.exitCode, 1);
        const overdue = (r: SynthResult) => r.policies.find((p) => p.policy === "secret-rotation-overdue")!;
        assert.equal(overdue(production).status, "fail");
        assert.match(overdue(production).violations.map((v) => v.message).join("\n"), /jwt/);
        assert.equal(staging.exitCode, 0);
        assert.equal(overdue(staging).status, "warn");
        assert.match(fs.readFileSync(path.join(production.outDir, "report.md"), "utf8"), /secret-rotation-overdue \| secrets \| mandatory \| fail/);
    });

    it("shows policies a secret Secret's keys, as the real engine does, so a credential without a rotation record fails", async () => {
        const run = await runProgram({ stack: "production", config: {}, secretKeys: [], program: () => {
            new k8s.core.v1.Secret("unannotated", {
                metadata: { name: "payment-keys", namespace: "fork-knife-production" },
                stringData: { STRIPE_SECRET_KEY: pulumi.secret("sk_test_x") },
            });
        } });
        const offline = run.resources.filter((r) => r.custom).map(toOfflineResource);
        assert.deepEqual(Object.keys((offline[0].props as any).stringData), ["STRIPE_SECRET_KEY"]);
        assert.ok(!JSON.stringify(offline).includes("sk_test_x"), "values stay redacted");
        const outcome = (await evaluatePolicies(offline, { environment: "production", now: new Date(TODAY) }))
            .find((p) => p.policy === "secret-rotation-annotations")!;
        assert.equal(outcome.status, "fail");
        assert.match(outcome.violations[0].message, /payment-keys/);
    });

    it("replaces only its own files in --out, never the rest of the directory", async () => {
        const out = tmp();
        fs.writeFileSync(path.join(out, "notes.txt"), "keep me");
        fs.mkdirSync(path.join(out, "manifests"));
        fs.writeFileSync(path.join(out, "manifests", "999-stale.yaml"), "kind: Stale");
        await synth({ stack: "staging", now: TODAY, outDir: out });
        assert.equal(fs.readFileSync(path.join(out, "notes.txt"), "utf8"), "keep me");
        assert.ok(!fs.existsSync(path.join(out, "manifests", "999-stale.yaml")), "stale manifests of an earlier run are gone");
        assert.ok(fs.existsSync(path.join(out, "report.md")));
    });

    it("the command line exits 0 for a clean stack and prints the summary", () => {
        const out = tmp();
        const r = cli(["--stack", "staging", "--now", TODAY, "--out", out]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /synth staging \(staging\): \d+ Kubernetes objects/);
        assert.match(r.stdout, /schema: all valid/);
        assert.ok(fs.existsSync(path.join(out, "report.md")));
    });

    const bad: [string, (c: any) => void, RegExp][] = [
        ["a latest tag", (c) => { c.config["fork-knife:image"].tag = "latest"; }, /fork-knife:image\.tag = "latest"/],
        ["minReplicas above maxReplicas", (c) => { c.config["fork-knife:backend"] = { minReplicas: 5, maxReplicas: 2 }; }, /fork-knife:backend\.minReplicas/],
        ["a 150 % CPU target", (c) => { c.config["fork-knife:backend"] = { targetCpuPercent: 150 }; }, /fork-knife:backend\.targetCpuPercent = 150/],
        ["a misspelt key", (c) => { c.config["fork-knife:backup"] = { retentionDay: 7 }; }, /fork-knife:backup\.retentionDay: unknown key/],
        ["a malformed quantity", (c) => { c.config["fork-knife:worker"] = { resources: { memory: "256m" } }; }, /fork-knife:worker\.resources\.memory/],
        ["an invalid namespace", (c) => { c.config["fork-knife:namespace"] = "Fork_Knife"; }, /fork-knife:namespace = "Fork_Knife"/],
        ["a bad cron", (c) => { c.config["fork-knife:backup"] = { schedule: "0 3 * *" }; }, /fork-knife:backup\.schedule/],
        ["a bad time zone", (c) => { c.config["fork-knife:backup"] = { timeZone: "Mars/Olympus" }; }, /fork-knife:backup\.timeZone/],
        ["a future rotatedAt", (c) => { c.config["fork-knife:rotation"].jwt.rotatedAt = "2027-01-01"; }, /fork-knife:rotation\.jwt\.rotatedAt = "2027-01-01"/],
        ["a malformed rotatedAt", (c) => { c.config["fork-knife:rotation"].stripe.rotatedAt = "2026-02-30"; }, /fork-knife:rotation\.stripe\.rotatedAt/],
    ];
    for (const [what, change, message] of bad) {
        it(`stops on ${what}: exit 2, the key named, no manifest written`, () => {
            const doc = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.staging.yaml"), "utf8"));
            change(doc);
            const dir = tmp();
            const file = path.join(dir, "Pulumi.bad.yaml");
            fs.writeFileSync(file, YAML.stringify(doc));
            const out = path.join(dir, "out");
            const r = cli(["--config-file", file, "--now", TODAY, "--out", out]);
            assert.equal(r.status, 2, r.stdout + r.stderr);
            assert.match(r.stderr, message);
            assert.ok(!fs.existsSync(out), "nothing written");
        });
    }

    const refused: [string, (dir: string) => string[], RegExp][] = [
        ["an unknown flag", () => ["--bogus"], /^synth: Unknown option '--bogus'.*\nusage: npm run synth -- /],
        ["--now 2026-02-30 (no such day)", () => ["--now", "2026-02-30"], /^synth: --now 2026-02-30: must be an ISO 8601 date .*not a calendar date\nsynth: nothing written$/],
        ["--out onto a file", (dir) => { fs.writeFileSync(path.join(dir, "taken"), "x"); return ["--out", path.join(dir, "taken")]; }, /^synth: --out .*taken: is a file, not a directory\nsynth: nothing written$/],
        ["--out below a file", (dir) => { fs.writeFileSync(path.join(dir, "taken"), "x"); return ["--out", path.join(dir, "taken", "out")]; }, /^synth: --out .*taken\/out \(its nearest existing parent .*taken\): is a file, not a directory\nsynth: nothing written$/],
        ["--out on a read-only file system", () => ["--out", "/proc/fork-knife-out"], /^synth: --out \/proc\/fork-knife-out \(its nearest existing parent \/proc\): not writable \(\w+\)\nsynth: nothing written$/],
    ];
    for (const [what, args, message] of refused) {
        it(`the command line refuses ${what}: exit 2, one message, no stack trace`, () => {
            const dir = tmp();
            const r = runTool("synth.ts", ["--stack", "staging", ...args(dir)]);
            assert.equal(r.status, 2, r.stdout + r.stderr);
            assert.match(r.stderr.trimEnd(), message);
            assert.doesNotMatch(r.stderr, /\n\s+at /);
            assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== "taken"), [], "nothing written");
        });
    }

    it("FORK_KNIFE_NOW (synth's --now inside the program) refuses 2026-11-31 by name, and takes 2026-11-30", async () => {
        const config = stackConfig("staging");
        await assert.rejects(runProgram({ stack: "staging", config: config.config, secretKeys: config.secretKeys, now: "2026-11-31" }),
            /FORK_KNIFE_NOW = "2026-11-31": must be .*not a calendar date/);
        const run = await runProgram({ stack: "staging", config: config.config, secretKeys: config.secretKeys, now: "2026-11-30" });
        assert.ok(run.resources.length > 0);
    });

    // Production refuses what staging only warns about; the line names the key, and nothing is written.
    const badProduction: [string, (c: any) => void, RegExp, string?][] = [
        ["database.sslMode require", (c) => { c.config["fork-knife:database"].sslMode = "require"; },
            /^  - fork-knife:database\.sslMode = "require": must be verify-full in production/m],
        ["no database.cidr", (c) => { delete c.config["fork-knife:database"].cidr; },
            /^  - fork-knife:database\.cidr: is required in production/m],
        ["a password in backup.s3Endpoint", (c) => { c.config["fork-knife:backup"].s3Endpoint = "https://user:pw@host"; },
            /^  - fork-knife:backup\.s3Endpoint: looks like a credential/m, "pw"],
    ];
    for (const [what, change, message, hidden] of badProduction) {
        it(`production: stops on ${what}: exit 2, the key named, no manifest written`, () => {
            const doc = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.production.yaml"), "utf8"));
            change(doc);
            const dir = tmp();
            const file = path.join(dir, "Pulumi.production.yaml");
            fs.writeFileSync(file, YAML.stringify(doc));
            const out = path.join(dir, "out");
            const r = cli(["--config-file", file, "--now", TODAY, "--out", out]);
            assert.equal(r.status, 2, r.stdout + r.stderr);
            assert.match(r.stderr, message);
            if (hidden) assert.ok(!(r.stdout + r.stderr).includes(hidden), `${hidden} must not be printed`);
            assert.ok(!fs.existsSync(out), "nothing written");
        });
    }
});

describe("runProgram's onResource (what starts synth's schema loading)", () => {
    it("is told the type of every resource as the program constructs it, before any is registered", async () => {
        const seen: string[] = [];
        let registeredWhenConstructed = -1;
        const run = await runProgram({
            stack: "test", config: {}, secretKeys: [], onResource: (type) => seen.push(type),
            program: () => {
                const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: "a" } });
                new k8s.apps.v1.Deployment("d", { metadata: { namespace: ns.metadata.name },
                    spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } });
                registeredWhenConstructed = seen.length;
            },
        });
        assert.deepEqual(seen.filter((t) => t.startsWith("kubernetes:")), ["kubernetes:core/v1:Namespace", "kubernetes:apps/v1:Deployment"]);
        assert.equal(registeredWhenConstructed, seen.length, "told synchronously, in the constructors");
        assert.deepEqual([...seen].sort(), run.resources.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack").sort(), "every resource but the stack itself");
        assert.deepEqual(run.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.inputs.kind), ["Namespace", "Deployment"], "resources unchanged");
    });

    it("leaves what production registers exactly as it is without it", async () => {
        const c = stackConfig("production");
        const options = { stack: "production", config: c.config, secretKeys: c.secretKeys, now: TODAY };
        const told: string[] = [];
        const [watched, plainRun] = [await runProgram({ ...options, onResource: (t) => told.push(t) }), await runProgram(options)];
        assert.ok(told.length > 100, `${told.length} resources told`);
        assert.deepEqual(watched, plainRun);
    });
});
