// docs/runbook.md ("Security incident: suspected credential leak") tells an operator which generation bump revokes
// which leaked value. A random value is regenerated exactly when its keepers change, so these tests read the
// keepers the program declares at generation N, N + 1 and N + 2 and hold the runbook to its word.
import { strict as assert } from "assert";
import { ProgramRun } from "../../tools/lib/program";
import { loadStackConfig } from "../../tools/lib/stack-config";
import { one, plain, runStack } from "../support/stacks";

const RANDOM = "random:index/randomPassword:RandomPassword";

function keepers(run: ProgramRun, name: string): string {
    return JSON.stringify(plain(one(run, RANDOM, name)).keepers);
}

/** Which slot's random value the JWT Secret carries as JWT_SECRET (the mocks name each value after its resource). */
function currentJwtSlot(run: ProgramRun): number {
    const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && plain(r).metadata.name === "fork-knife-jwt");
    assert.ok(secret, "no Secret fork-knife-jwt");
    const m = /jwt-slot-([01])/.exec(String(plain(secret).stringData.JWT_SECRET));
    assert.ok(m, "JWT_SECRET names no slot");
    return Number(m[1]);
}

describe("the runbook's leak revocation (generation bumps) under Pulumi mocks", () => {
    const rotation = JSON.parse(loadStackConfig({ stack: "staging" }).config["fork-knife:rotation"]);
    const bumped = (kind: "jwt" | "databasePassword", by: number) =>
        runStack("staging", { set: { "fork-knife:rotation": { ...rotation, [kind]: { ...rotation[kind], generation: rotation[kind].generation + by } } } });
    let base: ProgramRun;
    before(async () => { base = await runStack("staging"); });

    it("JWT +1 regenerates only JWT_SECRET_PREVIOUS's slot and makes it current; the leaked current key stays valid as previous", async () => {
        const plus1 = await bumped("jwt", 1);
        const current = currentJwtSlot(base);
        const previous = 1 - current;
        assert.notEqual(keepers(plus1, `app-secrets-jwt-slot-${previous}`), keepers(base, `app-secrets-jwt-slot-${previous}`));
        assert.equal(keepers(plus1, `app-secrets-jwt-slot-${current}`), keepers(base, `app-secrets-jwt-slot-${current}`));
        assert.equal(currentJwtSlot(plus1), previous);
    });

    it("JWT +2 regenerates both slots in one pulumi up", async () => {
        const plus2 = await bumped("jwt", 2);
        for (const slot of [0, 1]) assert.notEqual(keepers(plus2, `app-secrets-jwt-slot-${slot}`), keepers(base, `app-secrets-jwt-slot-${slot}`), `slot ${slot}`);
    });

    it("database +1 regenerates the idle app role, the migrator, backup and restore, and moves DATABASE_URL to the idle role", async () => {
        const plus1 = await bumped("databasePassword", 1);
        const active = rotation.databasePassword.generation % 2;
        const idle = 1 - active;
        assert.notEqual(keepers(plus1, `database-app-${idle}-password`), keepers(base, `database-app-${idle}-password`));
        assert.equal(keepers(plus1, `database-app-${active}-password`), keepers(base, `database-app-${active}-password`),
            "the leaked active role keeps its password after +1: a second bump is needed");
        for (const role of ["migrator", "backup", "restore"]) {
            assert.notEqual(keepers(plus1, `database-${role}-password`), keepers(base, `database-${role}-password`), role);
        }
        assert.equal((plus1.outputs.audit as any).database.activeAppRole, `fork_knife_app_${idle}`);
        assert.equal((base.outputs.audit as any).database.activeAppRole, `fork_knife_app_${active}`);
    });

    it("database +2 regenerates both app roles in one pulumi up", async () => {
        const plus2 = await bumped("databasePassword", 2);
        for (const slot of [0, 1]) assert.notEqual(keepers(plus2, `database-app-${slot}-password`), keepers(base, `database-app-${slot}-password`), `slot ${slot}`);
    });
});
