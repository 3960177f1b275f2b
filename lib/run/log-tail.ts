// The end of a task's log, for failure messages and the build report; apart from task execution,
// whose modules (fetchers, the task API) a build's own thread does not otherwise load.
import { closeSync, openSync, readSync, statSync } from "node:fs";

export const TAIL_LINES = 20;

/** The last `n` lines of a file (reading only its end: logs can be large). */
export function logTail(path: string, n: number = TAIL_LINES): string[] {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return [];
  }
  try {
    const size = statSync(path).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString("utf8").replace(/\n$/, "").split("\n");
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}
