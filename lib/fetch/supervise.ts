// A command that cannot outlive bake. Started detached (a session and process group of its own,
// so a terminal's Ctrl-C reaches bake only), it would survive a `kill -9` of bake and go on
// writing into a work directory the next build is using. So it gets a watcher: before the
// command is exec'd, a background subshell in the same group blocks reading a pipe whose only
// writer is bake (the child's stdin, which bake never writes). The pipe ends when bake does, by
// any death, or when bake is done with the command (Node closes a child's stdin when it exits);
// the watcher then ends the whole group: the command, its children, and itself. SIGTERM first,
// so that make deletes the target it was writing (a compiler killed outright leaves an empty or
// truncated object newer than its source, which the next build's make takes as up to date and
// the link fails on: seen with gcc-cross after a kill -9 of bake); SIGKILL after a grace period
// for whatever ignored it.
//
// Why not PR_SET_PDEATHSIG (`setpriv --pdeathsig KILL`): it reaches only the direct child, not
// the make and cc1 under a task's shell; it fires when the *thread* that forked the child ends
// (a piscina worker retiring), not the process; and credential changes clear it. A pipe's end
// needs none of that, and a process group holds across `unshare --net --map-current-user`
// (a new network and user namespace, but the same pid namespace, so bake's uid can kill it).
//
// The command is exec'd by the shell the child starts as, so it keeps that pid (the group
// leader, which the build lock records), its exit status and default signal dispositions.

/** Tell `spawn` this for stdin: a pipe bake holds open and never writes. */
export const SUPERVISED_STDIN = "pipe";

// $0 is the command (for `ps`), "$@" its arguments; $$ is the command's pid (the shell execs it)
// and its process group's id. The watcher ignores TERM, INT and HUP: a task killed with SIGTERM
// to its group must not lose its watcher during its grace period, nor the watcher itself to its
// own SIGTERM. When the command is still running (bake died), the group gets SIGTERM and up to
// two seconds to end before SIGKILL; when it is done (the usual end), what it left behind gets
// SIGKILL at once. The watcher holds none of the command's output pipes, so it never delays
// bake's reading of a command's output to the end.
const SUPERVISOR =
  'exec 3<&0 </dev/null; ( trap "" TERM INT HUP; while read -r _ <&3; do :; done; ' +
  'if kill -0 $$; then kill -TERM 0; i=0; while kill -0 $$ && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done; fi; ' +
  'kill -KILL 0 ) >/dev/null 2>&1 & exec "$0" "$@" 3<&-';

/** The argv that runs `file args…` supervised: spawn it detached with stdin `SUPERVISED_STDIN`. */
export function supervised(file: string, args: readonly string[]): { file: string; args: string[] } {
  return { file: "/bin/sh", args: ["-c", SUPERVISOR, file, ...args] };
}
