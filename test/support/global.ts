// Root hooks: one throwaway PostgreSQL per test process, started before its first file and stopped when the
// process ends. `npm test` runs the files in three mocha workers (--parallel): each worker has its own server, so a
// script in one worker (restore-test.sh sweeping stale scratch databases) never meets databases another worker's
// test planted. A serial run (`npx mocha file…`) is one process with one server, as before.
import type { Context } from "mocha";
import { publishTestPostgres, startPostgres, stopPostgres, TestPostgres } from "./postgres";

let server: TestPostgres | undefined;
let starting: Promise<void> | undefined;

function stop(): void {
    if (server) stopPostgres(server);
    server = undefined;
}

export const mochaHooks = {
    async beforeAll(this: Context): Promise<void> {
        this.timeout(180_000);
        starting ??= (async () => {
            server = await startPostgres();
            publishTestPostgres(server);
            // 'exit' handlers may only do synchronous work: stopPostgres is spawnSync(pg_ctl stop) and rmSync.
            process.once("exit", stop);
        })();
        await starting;
    },
};
