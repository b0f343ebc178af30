// What the backend and worker containers run. The guide's rule: migrations run once per release in the
// MigrationJob, before the rollout, never in the app's start (`migrate && start` races N replicas on one schema
// and lets a failed migration take the serving pods down with it). The settings refuse such a command and the
// policy workload-no-migration-in-app-command refuses it in any manifest; both use this one reading of it.

/** The image's production start: the backend's `start:prod` script (compiled server, no ts-node, no migration). */
export const DEFAULT_BACKEND_COMMAND = ["npm", "run", "start:prod"];
/** The worker's queue consumer. */
export const DEFAULT_WORKER_COMMAND = ["npm", "run", "worker"];

/** Limits for a container command in settings: enough for any real start line, small enough to read in a diff. */
export const COMMAND_MAX_ARGS = 32;
export const COMMAND_MAX_ARG_LENGTH = 1024;

/**
 * Script-name segments that mean "migrate": `prisma:migrate:deploy`, `db:migrate`, `migrate:deploy`,
 * `migration:run`, and the bare word in `prisma migrate deploy` or `npm run migrate`.
 */
const MIGRATION_SEGMENTS = new Set(["migrate", "migrations", "migration"]);
/** A word that can be an npm script or a CLI subcommand: no path, no extension, no option, no assignment. */
const SCRIPT_WORD = /^[A-Za-z0-9_][A-Za-z0-9_-]*(:[A-Za-z0-9_-]+)*$/;

/**
 * Words as a shell would see them, for argv lists and for `sh -c "a && b"` strings alike: split on blanks,
 * quotes and the shell's separators. Approximate on purpose (no quoting rules): erring towards more words only
 * makes the check stricter, and a real start command has no reason to be clever.
 */
export function commandWords(argv: readonly unknown[]): string[] {
    return argv.filter((a): a is string => typeof a === "string")
        .flatMap((a) => a.split(/[\s;&|()`'"<>$]+/))
        .filter((w) => w.length > 0);
}

function basename(word: string): string {
    return word.slice(word.lastIndexOf("/") + 1);
}

/**
 * The migration a command (command and args together) runs, as the words that give it away, or undefined.
 * Flags `prisma migrate …`, `prisma db push` (a schema change without a migration), and npm/yarn scripts or
 * subcommands with a migrate segment (`prisma:migrate:deploy`, `db:migrate`, `migrate deploy`, `db:push`).
 * A path or file that merely contains the word (`dist/migrate-helpers/server.js`, `--config=migrate.json`) is
 * not a migration.
 */
export function migrationInCommand(argv: readonly unknown[]): string | undefined {
    const words = commandWords(argv);
    for (let i = 0; i < words.length; i++) {
        const word = words[i];
        if (basename(word) === "prisma") {
            const sub = words.slice(i + 1).filter((w) => !w.startsWith("-")).slice(0, 2);
            if (sub[0] === "migrate") return ["prisma", ...sub].join(" ");
            if (sub[0] === "db" && sub[1] === "push") return "prisma db push";
        }
        if (!SCRIPT_WORD.test(word)) continue;
        const segments = word.split(":");
        if (segments.some((s) => MIGRATION_SEGMENTS.has(s))) {
            // `migrate deploy` reads better in a message than `migrate` alone.
            const next = words[i + 1];
            return segments.length === 1 && next !== undefined && SCRIPT_WORD.test(next) ? `${word} ${next}` : word;
        }
        if (segments.some((s, j) => s === "db" && segments[j + 1] === "push")) return word;
    }
    return undefined;
}
