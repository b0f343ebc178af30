// Runs the real amtool (Debian's prometheus-alertmanager). A missing amtool is a failure that names the install
// command, never a skip.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const INSTALL_AMTOOL = "apt-get install -y prometheus-alertmanager (as root; tools/test-prereqs.sh does it before npm test)";

export function amtoolPath(candidates: string[] = [process.env.AMTOOL, "/usr/bin/amtool",
    ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, "amtool"))]
    .filter((c): c is string => !!c)): string {
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) throw new Error(`amtool not found; install it: ${INSTALL_AMTOOL}`);
    return found;
}

export interface AmtoolResult { status: number; output: string }

export function amtool(args: string[], cwd: string): AmtoolResult {
    const r = spawnSync(amtoolPath(), args, { cwd, encoding: "utf8", timeout: 60_000 });
    if (r.error) throw r.error;
    return { status: r.status ?? -1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** The receivers amtool resolves for one alert's labels, in the order it prints them. */
export function routesFor(configFile: string, labels: Record<string, string>, cwd: string): { receivers: string[]; result: AmtoolResult } {
    const result = amtool(["config", "routes", "test", `--config.file=${configFile}`,
        ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)], cwd);
    // stdout is one line with the receivers separated by commas; stderr carries a notice about --alertmanager.url.
    const line = result.output.split("\n").find((l) => l.trim() !== "" && !l.startsWith("Warning:")) ?? "";
    return { receivers: line.split(",").map((r) => r.trim()).filter(Boolean), result };
}
