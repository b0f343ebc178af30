import * as assert from "assert";
import { clone, cronJob, deployment, job, NAMES, res, violations } from "../support";

const POLICY = "workload-no-migration-in-app-command";

/** The backend (or worker) Deployment with its one container running `command` and `args`. */
function running(command?: string[], args?: string[], component: "backend" | "worker" = "backend"): any {
    const d = clone(deployment(component));
    const c = d.spec.template.spec.containers[0];
    if (command) c.command = command;
    if (args) c.args = args;
    return d;
}
const check = (d: any, kind = "Deployment") => violations(POLICY, [res(kind, NAMES.resource, d)]);
const PATH = "spec.template.spec.containers[0]";

describe("policy workload-no-migration-in-app-command", () => {
    it("passes the production start, the worker, and the image's own entrypoint", async () => {
        assert.deepStrictEqual(await check(running(["npm", "run", "start:prod"])), []);
        assert.deepStrictEqual(await check(running(["npm", "run", "worker"], undefined, "worker")), []);
        assert.deepStrictEqual(await check(running()), []);
        assert.deepStrictEqual(await check(running(["node"], ["dist/main.js"])), []);
    });

    it("passes paths, files and options that only contain the word (no false positives)", async () => {
        for (const [command, args] of [
            [["node", "/app/dist/migrate-helpers/server.js"], undefined],
            [["node", "dist/main.js"], ["--config=/etc/fork-knife/migrate.json"]],
            [["sh", "-c", "exec node /srv/migrations-report/index.js --no-migrate"], undefined],
            [["npm", "run", "start:prod", "--", "--skip-migrations"], undefined],
            [["node", "prisma/seed-reader.js"], ["--db-pusher-timeout=5"]],
        ] as [string[], string[] | undefined][]) {
            assert.deepStrictEqual(await check(running(command, args)), [], JSON.stringify({ command, args }));
        }
    });

    it("passes the migration Job, and any Job or CronJob that is not the backend or the worker", async () => {
        const migration = clone(job("migration"));
        migration.spec.template.spec.containers[0].command = ["npm", "run", "prisma:migrate:deploy"];
        assert.deepStrictEqual(await check(migration, "Job"), []);
        const adhoc = clone(cronJob("backup"));
        adhoc.spec.jobTemplate.spec.template.spec.containers[0].command = ["npx", "prisma", "migrate", "status"];
        assert.deepStrictEqual(await check(adhoc, "CronJob"), []);
    });

    it("flags `migrate && start` in a sh -c string and names resource, container, field and the words", async () => {
        const v = await check(running(["sh", "-c", "npm run prisma:migrate:deploy && npm run start:prod"]));
        assert.deepStrictEqual(v, [`Deployment/fk-backend, container "app": ${PATH}.command runs a database migration ` +
            `("prisma:migrate:deploy"); migrations run in the migration Job only, once per release`]);
    });

    it("flags a migration in args only, and one split across command and args", async () => {
        const argsOnly = await check(running(["sh", "-c"], ["npx prisma migrate deploy; exec node dist/main.js"]));
        assert.strictEqual(argsOnly.length, 1, argsOnly.join("\n"));
        assert.match(argsOnly[0], /containers\[0\]\.args runs a database migration \("prisma migrate deploy"\)/);
        const split = await check(running(["npx", "prisma"], ["db", "push"]));
        assert.strictEqual(split.length, 1, split.join("\n"));
        assert.match(split[0], /containers\[0\]\.command and args runs a database migration \("prisma db push"\)/);
    });

    it("flags every spelling of a migration: prisma migrate, npm/yarn scripts, migrate deploy, db push", async () => {
        const cases: [string[], string][] = [
            [["npx", "prisma", "migrate", "deploy"], "prisma migrate deploy"],
            [["/app/node_modules/.bin/prisma", "migrate", "deploy", "--schema=/app/prisma/schema.prisma"], "prisma migrate deploy"],
            [["npm", "run", "prisma:migrate"], "prisma:migrate"],
            [["yarn", "db:migrate"], "db:migrate"],
            [["pnpm", "migrate", "deploy"], "migrate deploy"],
            [["npx", "prisma", "db", "push", "--accept-data-loss"], "prisma db push"],
            [["npm", "run", "db:push"], "db:push"],
            [["bash", "-lc", "npx typeorm migration:run && node dist/main"], "migration:run"],
        ];
        for (const [command, words] of cases) {
            const v = await check(running(command));
            assert.strictEqual(v.length, 1, `${command.join(" ")}: ${v.join("\n")}`);
            assert.ok(v[0].includes(`("${words}")`), `${command.join(" ")}: ${v[0]}`);
        }
    });

    it("flags an init container and a postStart hook of the worker: every replica would run them", async () => {
        const d = running(["npm", "run", "worker"], undefined, "worker");
        d.spec.template.spec.initContainers = [{ ...clone(d.spec.template.spec.containers[0]), name: "migrate", command: ["npm", "run", "prisma:migrate:deploy"] }];
        d.spec.template.spec.containers[0].lifecycle = { postStart: { exec: { command: ["sh", "-c", "npx prisma db push"] } } };
        const v = await check(d);
        assert.deepStrictEqual(v, [
            `Deployment/fk-worker, init container "migrate": spec.template.spec.initContainers[0].command runs a database migration ("prisma:migrate:deploy"); migrations run in the migration Job only, once per release`,
            `Deployment/fk-worker, container "app": ${PATH}.lifecycle.postStart.exec.command runs a database migration ("prisma db push"); migrations run in the migration Job only, once per release`,
        ]);
    });

    it("flags a Job or a bare Pod labelled as the backend", async () => {
        const j = clone(job("migration"));
        j.metadata.labels["app.kubernetes.io/component"] = "backend";
        j.spec.template.spec.containers[0].command = ["npm", "run", "prisma:migrate:deploy"];
        assert.strictEqual((await check(j, "Job")).length, 1);
        const pod = { metadata: { name: "debug", namespace: "x" }, spec: { containers: [{ name: "c", image: "i", args: ["npx", "prisma", "migrate", "reset", "--force"] }] } };
        assert.match((await check(pod, "Pod"))[0], /^Pod\/debug, container "c": spec\.containers\[0\]\.args runs a database migration \("prisma migrate reset"\)/);
    });
});
