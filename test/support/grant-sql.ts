// Replays the Database component's declared roles and grants as the SQL the PostgreSQL provider issues,
// so a test can prove on a real server what each role may do.
import { GrantSpec, RoleNames } from "../../components/data/database-grants";

const ON: Record<GrantSpec["objectType"], (db: string, schema: string) => string> = {
    database: (db) => `DATABASE "${db}"`,
    schema: (_db, schema) => `SCHEMA ${schema}`,
    table: (_db, schema) => `ALL TABLES IN SCHEMA ${schema}`,
    sequence: (_db, schema) => `ALL SEQUENCES IN SCHEMA ${schema}`,
};
const DEFAULT_ON = { table: "TABLES", sequence: "SEQUENCES" } as Record<string, string>;

export function roleSql(roles: RoleNames, password: string, limits: { app: number; reserved: number }): string[] {
    const pw = `PASSWORD '${password}'`;
    return [
        `CREATE ROLE ${roles.migrator} LOGIN ${pw} CONNECTION LIMIT ${limits.reserved}`,
        ...roles.app.map((r) => `CREATE ROLE ${r} LOGIN ${pw} CONNECTION LIMIT ${limits.app}`),
        `CREATE ROLE ${roles.backup} LOGIN ${pw} CONNECTION LIMIT ${limits.reserved}`,
        `CREATE ROLE ${roles.restore} LOGIN CREATEDB ${pw} CONNECTION LIMIT 2 IN ROLE ${roles.migrator}`,
        `CREATE ROLE ${roles.restoreTest} LOGIN CREATEDB ${pw} CONNECTION LIMIT 2`,
    ];
}

export function grantSql(plan: GrantSpec[], db: string, schema: string, owner: string): string[] {
    return plan.flatMap((g) => {
        const privileges = g.privileges.join(", ");
        const statements = [`GRANT ${privileges} ON ${ON[g.objectType](db, schema)} TO ${g.role}`];
        if (g.defaultPrivileges) {
            statements.push(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT ${privileges} ON ${DEFAULT_ON[g.objectType]} TO ${g.role}`);
        }
        return statements;
    });
}
