import { strict as assert } from "assert";
import { psql, testPostgres } from "./postgres";

describe("test PostgreSQL (global fixture)", () => {
    it("is a real server reachable with password authentication over TCP", () => {
        const pg = testPostgres();
        assert.match(psql(pg, "postgres", "select version()"), /^PostgreSQL \d+/);
        assert.equal(psql(pg, "postgres", "select current_user"), "postgres");
    });
});
