// Who may do what in the database, as data: the Database component declares exactly these grants, and the
// tests replay them as SQL against a real PostgreSQL to prove what each role can and cannot do.

export interface RoleNames {
    migrator: string;
    app: [string, string];
    backup: string;
    /** The guarded live restore: recreates the migrator's objects, so it is a member of the migrator. */
    restore: string;
    /** The periodic restore test: CREATEDB for its scratch database and nothing else (no migrator membership, no
     *  privilege on the application's database), so a bug in it cannot touch production tables. */
    restoreTest: string;
}

export const ROLE_NAMES: RoleNames = {
    migrator: "fork_knife_migrator",
    app: ["fork_knife_app_0", "fork_knife_app_1"],
    backup: "fork_knife_backup",
    restore: "fork_knife_restore",
    restoreTest: "fork_knife_restore_test",
};

export const APP_SCHEMA = "public";

export interface GrantSpec {
    role: string;
    objectType: "database" | "schema" | "table" | "sequence";
    privileges: string[];
    /** Also for objects the migrator creates later (ALTER DEFAULT PRIVILEGES FOR ROLE migrator). */
    defaultPrivileges: boolean;
}

/** Data privileges only for the app, read-only for the backup role, nothing for the restore role beyond its own databases. */
export function grantPlan(roles: RoleNames = ROLE_NAMES): GrantSpec[] {
    const appGrants = (role: string): GrantSpec[] => [
        { role, objectType: "database", privileges: ["CONNECT"], defaultPrivileges: false },
        { role, objectType: "schema", privileges: ["USAGE"], defaultPrivileges: false },
        { role, objectType: "table", privileges: ["DELETE", "INSERT", "SELECT", "UPDATE"], defaultPrivileges: true },
        { role, objectType: "sequence", privileges: ["SELECT", "UPDATE", "USAGE"], defaultPrivileges: true },
    ];
    return [
        { role: roles.migrator, objectType: "database", privileges: ["CONNECT", "TEMPORARY"], defaultPrivileges: false },
        ...appGrants(roles.app[0]),
        ...appGrants(roles.app[1]),
        { role: roles.backup, objectType: "database", privileges: ["CONNECT"], defaultPrivileges: false },
        { role: roles.backup, objectType: "schema", privileges: ["USAGE"], defaultPrivileges: false },
        { role: roles.backup, objectType: "table", privileges: ["SELECT"], defaultPrivileges: true },
        { role: roles.backup, objectType: "sequence", privileges: ["SELECT"], defaultPrivileges: true },
    ];
}
