// `npm run bench -- startup`: what answering `bake --help` and `bake --version` costs, against node
// starting an empty program (the floor no JavaScript tool goes below), 10 runs each, interleaved
// so a change of load hits the three alike; wall and processor time, min / median / max.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuSeconds } from "./cpu-time.js";
import { show, spread } from "./bench-bitbake.js";

const RUNS = 10;
const bake = resolve(fileURLToPath(import.meta.url), "../../../bin/bake.js");

const commands: readonly (readonly [string, readonly string[]])[] = [
  ["node -e 0", ["-e", "0"]],
  ["bake --help", [bake, "--help"]],
  ["bake --version", [bake, "--version"]],
];

function time(args: readonly string[]): { wall: number; cpu: number } {
  const c0 = cpuSeconds();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed (exit ${r.status}): ${r.stderr}`);
  return { wall, cpu: cpuSeconds() - c0 };
}

export function benchStartup(): void {
  // Once each first: the page cache, not the start-up, would be measured.
  for (const [, args] of commands) time(args);
  const runs = commands.map(() => [] as { wall: number; cpu: number }[]);
  for (let i = 0; i < RUNS; i++) commands.forEach(([, args], c) => runs[c]!.push(time(args)));
  console.log(`startup: ${RUNS} runs each, interleaved (min / median / max)`);
  commands.forEach(([label], c) => {
    const r = runs[c]!;
    console.log(`startup:   ${label.padEnd(15)} wall ${show(spread(r.map((x) => x.wall * 1000)), " ms", 0)}, processor ${show(spread(r.map((x) => x.cpu * 1000)), " ms", 0)}`);
  });
}
