// Processor time for benchmarks on a loaded machine, where wall-clock time mostly measures the
// other users: user+sys of this process (every thread) and of its children that have been waited
// for (task scripts, tools), from /proc/self/stat (clock ticks; Linux). Elsewhere: this process only.
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

/** Seconds of processor time used so far by this process and its reaped children. */
export function cpuSeconds(): number {
  try {
    // The command name (field 2) is parenthesised and may hold spaces: count fields after its ")".
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime, stime, cutime, cstime are fields 14-17 of the line, 12-15 after the name and state.
    const ticks = fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0);
    return ticks / TICKS_PER_SECOND;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
}
