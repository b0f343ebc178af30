// Running the command-line tools as a user runs them, in scratch directories that the suite removes afterwards.
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../../tools/lib/stack-config";

/** node's arguments for tools/<script> as package.json's scripts run it: the SDK parts it never calls deferred, the
 *  compile cache instead of ts-node (no TypeScript compiler loaded per process). */
export function toolArgv(script: string, args: string[] = []): string[] {
    return ["-r", path.join(REPO_ROOT, "tools", "lazy-pulumi.js"), "-r", path.join(REPO_ROOT, "tools", "ts-cache.js"), path.join(REPO_ROOT, "tools", script), ...args];
}

/** How long a tool may run before runTool gives up on it: far beyond any tool's time on a busy machine. */
export const TOOL_TIMEOUT_MS = 180_000;

/**
 * `npm run <tool>` without npm: tools/<script> as package.json runs it, from the repository root. A tool that does
 * not exit (a handle left open) fails the test with that reason instead of holding the suite: mocha's own timeout
 * cannot interrupt a synchronous spawn.
 */
export function runTool(script: string, args: string[]): SpawnSyncReturns<string> {
    const r = spawnSync(process.execPath, toolArgv(script, args), { cwd: REPO_ROOT, encoding: "utf8", timeout: TOOL_TIMEOUT_MS });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT") {
        throw new Error(`tools/${script} ${args.join(" ")} did not exit within ${TOOL_TIMEOUT_MS / 1000} s (stdout: ${r.stdout.slice(-500)}; stderr: ${r.stderr.slice(-500)})`);
    }
    return r;
}

/** A maker of temporary directories for one test file; they are removed when its suites end. */
export function scratchDirs(prefix: string): () => string {
    const made: string[] = [];
    after(() => { for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true }); });
    return () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fork-knife-${prefix}-`));
        made.push(dir);
        return dir;
    };
}
