// Mocha global fixtures: one throwaway PostgreSQL for the whole run.
import { publishTestPostgres, startPostgres, stopPostgres, TestPostgres } from "./postgres";

let server: TestPostgres | undefined;

export async function mochaGlobalSetup(): Promise<void> {
    server = await startPostgres();
    publishTestPostgres(server);
}

export async function mochaGlobalTeardown(): Promise<void> {
    if (server) stopPostgres(server);
}
