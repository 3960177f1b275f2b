// The machine's CPU use as Linux's /proc/stat shows it (what BitBake's buildstats samples into
// reduced_proc_stat.log), in clock ticks: USER_HZ, which Linux fixes at 100 for user space.
import { readFileSync } from "node:fs";

/** The first line of /proc/stat: user nice system idle iowait irq softirq steal, cumulative ticks. */
export type CpuCounters = readonly [number, number, number, number, number, number, number, number];

export function parseProcStat(text: string): CpuCounters | null {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (line === undefined) return null;
  const n = line.trim().split(/\s+/).slice(1, 9).map(Number);
  while (n.length < 8) n.push(0);
  return n.some((x) => !Number.isFinite(x)) ? null : (n as unknown as CpuCounters);
}

export function readCpuCounters(): CpuCounters | null {
  try {
    return parseProcStat(readFileSync("/proc/stat", "utf8"));
  } catch {
    return null;
  }
}
