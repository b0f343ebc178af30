// `npm run bench:synth`: how close `npm run synth -- --stack production` comes to the floor it cannot go under,
// a node process that only loads the SDKs the program uses (every @pulumi/* dependency of package.json).
// Both are measured in the same run as fresh processes, alternating so load on the machine hits both alike;
// the median of each is compared. Prints `synth / SDK load: <ratio>` (the goal is 1.5 or less), after what synth
// takes without V8's code cache.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "./lib/stack-config";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NOW = "2026-11-25";

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
const sdks = Object.keys(pkg.dependencies).filter((d) => d.startsWith("@pulumi/")).sort();

function timed(args: string[], env: NodeJS.ProcessEnv = process.env): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: "utf8", env });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr || r.stdout}`);
    return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
try {
    // The command `npm run synth` runs (read from package.json, so the bench follows it), without npm's own start-up.
    const [node, ...synthArgs] = String(pkg.scripts.synth).split(/\s+/);
    if (node !== "node") throw new Error(`package.json's synth script must start with node, not: ${pkg.scripts.synth}`);
    const synth = [...synthArgs, "--stack", "production", "--now", NOW, "--out", out];
    const sdkLoad = ["-e", sdks.map((s) => `require(${JSON.stringify(s)});`).join("")];
    timed(synth); // fills the compile cache if a source changed; not measured
    timed(sdkLoad);
    // The floor loads the SDKs as plain node does; synth compiles from V8's code cache (tools/ts-cache.js). What that
    // cache is worth is shown beside the ratio: synth run without it, in the same rounds.
    const uncached = { ...process.env, FORK_KNIFE_CODE_CACHE: "0" };
    const times = { synth: [] as number[], sdk: [] as number[], uncached: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
        times.synth.push(timed(synth));
        times.sdk.push(timed(sdkLoad));
        times.uncached.push(timed(synth, uncached));
    }
    const [s, b, u] = [median(times.synth), median(times.sdk), median(times.uncached)];
    const [load] = os.loadavg();
    console.log(`synth of production vs loading ${sdks.join(", ")}`);
    console.log(`median of ${ROUNDS}, alternating: synth ${(s / 1000).toFixed(2)} s, SDK load ${(b / 1000).toFixed(2)} s (load average ${load.toFixed(1)} on ${os.cpus().length} CPUs)`);
    const runs = (ts: number[]) => ts.map((t) => (t / 1000).toFixed(2)).join(" ");
    console.log(`runs: synth ${runs(times.synth)}; SDK ${runs(times.sdk)}; synth without the code cache ${runs(times.uncached)}`);
    console.log(`without the code cache (FORK_KNIFE_CODE_CACHE=0): synth ${(u / 1000).toFixed(2)} s, ${(u / b).toFixed(2)} x the SDK load`);
    console.log(`synth / SDK load: ${(s / b).toFixed(2)}`);
} finally {
    fs.rmSync(out, { recursive: true, force: true });
}
