// CPU use as Linux's /proc shows it (what BitBake's buildstats samples into reduced_proc_stat.log):
// the machine's counters from /proc/stat, and the CPU time of the processes in given process
// groups (a task's shell runs in a group of its own) from /proc/<pid>/stat. Times are in clock
// ticks, USER_HZ, which Linux fixes at 100 for every user-space interface.
import { readdirSync, readFileSync } from "node:fs";

export const TICKS_PER_SECOND = 100;

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

/**
 * A process's group and its CPU ticks, its own and its waited-for children's (utime + stime +
 * cutime + cstime): a child that make has reaped is counted in make, one still running in itself.
 */
export function parsePidStat(text: string): { pgrp: number; ticks: number } | null {
  // The command name, in parentheses, may itself contain spaces and parentheses.
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const f = text.slice(close + 2).split(" ");
  // Fields from the state (3rd field of the file) on: state ppid pgrp … utime(14) stime cutime cstime.
  const pgrp = Number(f[2]);
  const ticks = [11, 12, 13, 14].reduce((a, i) => a + Number(f[i]), 0);
  return Number.isFinite(pgrp) && Number.isFinite(ticks) ? { pgrp, ticks } : null;
}

/** CPU ticks of the live processes of each of `groups`, summed per group (absent: none alive). */
export function groupTicks(groups: ReadonlySet<number>): Map<number, number> {
  const out = new Map<number, number>();
  if (groups.size === 0) return out;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // Gone since the listing.
    }
    const s = parsePidStat(text);
    if (s && groups.has(s.pgrp)) out.set(s.pgrp, (out.get(s.pgrp) ?? 0) + s.ticks);
  }
  return out;
}
