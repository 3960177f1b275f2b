// Tasks other than do_fetch and those flagged `[network] = "1"` run without the network: in a
// network namespace of their own, with only loopback (BitBake's bb.utils.disable_network). A
// user namespace mapping the current user to itself makes this work unprivileged, and keeps `id`
// and file owners what they would have been. Where the kernel refuses (some containers), tasks
// run as they are.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

let unshare: string | null | undefined;

/**
 * Where a working `unshare --net --map-current-user` is, or null (asked once per process). An
 * absolute path: the task's environment, whose PATH the lookup would use, is the metadata's.
 */
function unshareCommand(): string | null {
  if (unshare === undefined) {
    const found = ["/usr/bin/unshare", "/bin/unshare"].find((p) => existsSync(p)) ?? null;
    const works = (p: string) =>
      spawnSync(p, ["--net", "--map-current-user", "/bin/sh", "-c", "exit 0"], { stdio: "ignore", timeout: 10_000 }).status === 0;
    unshare = found !== null && works(found) ? found : null;
  }
  return unshare;
}

/** The `unshare` that isolates tasks, or null where the kernel refuses it. */
export function isolationCommand(): string | null {
  return unshareCommand();
}

/**
 * What another thread of this process found isolationCommand to be (the main thread tells each
 * task's worker): the same kernel and user give the same answer, and asking costs a process
 * started from this thread (a fork of all of bake's memory) per worker and per build.
 */
export function knownIsolationCommand(answer: string | null): void {
  unshare ??= answer;
}

export function networkIsolationAvailable(): boolean {
  return unshareCommand() !== null;
}

/** The task may reach the network: do_fetch, or its `network` flag is set. */
export function mayUseNetwork(task: string, networkFlag: string | null): boolean {
  return task === "do_fetch" || (networkFlag !== null && networkFlag !== "" && networkFlag !== "0");
}

// Bring loopback up (a new namespace has it down), then become the task's shell: after the exec
// the process is `/bin/sh RUNFILE`, as without isolation (the build lock relies on that).
const LOOPBACK_UP =
  'for ip in /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip; do [ -x "$ip" ] && { "$ip" link set lo up; break; }; done 2>/dev/null; exec /bin/sh "$0"';

/** The command that runs `runfile` with `/bin/sh`, isolated from the network or not. */
export function shellCommand(runfile: string, isolate: boolean): { file: string; args: string[] } {
  const command = isolate ? unshareCommand() : null;
  if (command !== null) {
    return { file: command, args: ["--net", "--map-current-user", "/bin/sh", "-c", LOOPBACK_UP, runfile] };
  }
  return { file: "/bin/sh", args: [runfile] };
}
