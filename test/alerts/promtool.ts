// Runs the real promtool. A missing promtool is a failure that names the install command, never a skip.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const INSTALL_PROMTOOL = "apt-get install -y prometheus (as root; tools/test-prereqs.sh does it before npm test)";

export function promtoolCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
    return [env.PROMTOOL, "/usr/bin/promtool", ...(env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, "promtool"))]
        .filter((c): c is string => !!c);
}

export function promtoolPath(candidates: string[] = promtoolCandidates()): string {
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) throw new Error(`promtool not found; install it: ${INSTALL_PROMTOOL}`);
    return found;
}

export interface PromtoolResult { status: number; output: string }

export function promtool(args: string[], cwd: string): PromtoolResult {
    const r = spawnSync(promtoolPath(), args, { cwd, encoding: "utf8", timeout: 120_000 });
    if (r.error) throw r.error;
    return { status: r.status ?? -1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}
