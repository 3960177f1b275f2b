// Processor time for benchmarks on a loaded machine, where wall-clock time mostly measures the
// other users: user+sys of this process (every thread), of its children that have been waited
// for (task scripts, tools), and of its children not waited for yet with what they waited for,
// from /proc (clock ticks; Linux). Elsewhere: this process only.
//
// The last part is the task launchers (lib/run/launcher.ts): each is the child of a worker thread,
// and nobody waits for it once that thread has ended, so every task script it ran would otherwise
// be missing from the figure.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

/** The fields of /proc/PID/stat after the command name (field 2, parenthesised, may hold spaces). */
function statFields(pid: number | "self"): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** utime, stime, cutime, cstime (fields 14-17 of the line, 12-15 after the name and state). */
const ticks = (fields: readonly string[]) => fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0);

/** Seconds of processor time used so far by this process and its children, reaped or not. */
export function cpuSeconds(): number {
  const self = statFields("self");
  if (self === null) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  let total = ticks(self);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    // The parent pid is field 4, the second after the state.
    if (fields !== null && Number(fields[1]) === process.pid) total += ticks(fields);
  }
  return total / TICKS_PER_SECOND;
}
