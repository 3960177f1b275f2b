// An icecream cluster on this machine, for tests: two network namespaces joined by a veth pair, the
// "build" host (the icecc scheduler, an iceccd that takes no jobs itself, and whatever runs in
// `inBuildHost`) and a compile "node" (an iceccd with compile slots). Each daemon is the real
// Debian iceccd, reached as it would be across a network, so a job the node compiled went through
// the scheduler, was sent with its environment tarball and ran in the node's chroot.
//
// Bounded: every daemon runs under `timeout`, so even a SIGKILLed test leaves nothing running for
// long; `stop()` kills them and removes the namespaces and the directory, and a later start removes
// the namespaces and directories of runs whose test process is gone.
//
// iceccd offers its slots to the scheduler only while it reports a load below 1000 per mille,
// measured from /proc/stat. A machine shared by several people is always busy, so the node would
// never be given a job: its daemon runs in a mount namespace where /proc/stat reads as an idle
// machine, as a dedicated build node's would. Nothing else about the job changes.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PREFIX = "bkice";
const BUILD_IP = "10.77.0.1";
const NODE_IP = "10.77.0.2";
const NETNAME = "bake-test";
const DIR_PREFIX = "bake-icecc-cluster-";

/** Why a cluster cannot be started here (null: it can). */
export function iceccUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "needs root (network namespaces, and iceccd chroots into environments)";
  for (const program of ["icecc", "iceccd", "icecc-scheduler", "icecc-create-env", "ip", "unshare", "timeout"]) {
    if (spawnSync("sh", ["-c", `command -v ${program}`], { env: { PATH: `${process.env["PATH"]}:/usr/sbin:/sbin` } }).status !== 0) {
      return `${program} is not installed (npm run setup -- --tests)`;
    }
  }
  if (spawnSync("id", ["-u", "icecc"]).status !== 0) return "no icecc user (Debian's icecc package makes it)";
  return null;
}

function run(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.stdout || `exit ${r.status}`}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Namespaces and directories of earlier runs whose process is gone (a SIGKILLed test leaves them). */
function removeStale(): void {
  const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  for (const line of list.split("\n")) {
    const m = new RegExp(`^(${PREFIX}(\\d+)[bn])\\b`).exec(line);
    if (!m || alive(Number(m[2]))) continue;
    removeNamespace(m[1]!);
  }
  for (const name of readdirSync(tmpdir())) {
    const m = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name);
    if (m && !alive(Number(m[1]))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function removeNamespace(ns: string): void {
  const pids = (spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout ?? "").split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
  spawnSync("ip", ["netns", "del", ns]);
}

export interface JobCounts {
  /** Compile jobs the scheduler handed to each daemon (by node name), from its log. */
  readonly byServer: Readonly<Record<string, number>>;
  /** Jobs the node's daemon ran to completion, from its own log. */
  readonly nodeCompleted: number;
  /** CPU seconds (user + system) of every job, as the scheduler was told when each ended. */
  readonly remoteCpu: number;
}

export interface IceccCluster {
  readonly dir: string;
  /** The build host's iceccd socket: ICECC_TEST_SOCKET for the clients. */
  readonly socket: string;
  /** `cmd args` run in the build host's namespace. */
  inBuildHost(cmd: string, args: readonly string[]): readonly [string, string[]];
  jobs(): JobCounts;
  /** The daemons' and the scheduler's logs, for a failure message. */
  logs(): string;
  stop(): void;
}

/**
 * Starts the scheduler and the two daemons, with their logs, sockets and environment caches in a
 * directory of their own, and waits until both daemons are logged in to the scheduler. Every
 * process is stopped after `lifetimeS`; `stop()` removes the directory too.
 */
export async function startCluster(lifetimeS = 1800): Promise<IceccCluster> {
  removeStale();
  // The daemons run as the icecc user: their directory must be reachable from /, not in a private one.
  const dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  chmodSync(dir, 0o755);
  const build = `${PREFIX}${process.pid}b`;
  const node = `${PREFIX}${process.pid}n`;
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const c of children) {
      if (c.pid !== undefined && c.exitCode === null) {
        try {
          process.kill(-c.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    removeNamespace(build);
    removeNamespace(node);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  try {
    run("ip", ["netns", "add", build]);
    run("ip", ["netns", "add", node]);
    const veth = `${PREFIX}${process.pid}`.slice(0, 12);
    run("ip", ["link", "add", `${veth}b`, "type", "veth", "peer", "name", `${veth}n`]);
    run("ip", ["link", "set", `${veth}b`, "netns", build]);
    run("ip", ["link", "set", `${veth}n`, "netns", node]);
    for (const [ns, dev, ip] of [[build, `${veth}b`, BUILD_IP], [node, `${veth}n`, NODE_IP]] as const) {
      run("ip", ["-n", ns, "addr", "add", `${ip}/24`, "dev", dev]);
      run("ip", ["-n", ns, "link", "set", dev, "up"]);
      run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    }
    // The daemons drop to the icecc user: their environment caches and sockets are theirs.
    const uid = Number(spawnSync("id", ["-u", "icecc"], { encoding: "utf8" }).stdout.trim());
    const gid = Number(spawnSync("id", ["-g", "icecc"], { encoding: "utf8" }).stdout.trim());
    for (const sub of ["", "envs-build", "envs-node"]) {
      mkdirSync(join(dir, sub), { recursive: true });
      chownSync(join(dir, sub), uid, gid);
    }
    writeFileSync(join(dir, "idle-stat"), "cpu  0 0 0 100000000 0 0 0 0 0 0\n");
    const start = (ns: string, command: string, env: Record<string, string> = {}) => {
      const child = spawn("ip", ["netns", "exec", ns, "timeout", "-k", "5", String(lifetimeS), "sh", "-c", command], {
        detached: true,
        stdio: "ignore",
        env: { ...process.env, ...env },
      });
      children.push(child);
    };
    start(build, `exec icecc-scheduler -n ${NETNAME} -l ${join(dir, "scheduler.log")} -vvv`);
    const daemon = (name: string, extra: string) =>
      `exec iceccd -s ${BUILD_IP} -n ${NETNAME} -N ${name} -b ${join(dir, `envs-${name}`)} -l ${join(dir, `${name}.log`)} -vvv ${extra}`;
    const socket = join(dir, "build.sock");
    start(build, daemon("build", "--no-remote -m 0"), { ICECC_TEST_SOCKET: socket });
    start(node, `unshare -m --propagation private sh -c 'mount --bind ${join(dir, "idle-stat")} /proc/stat && ${daemon("node", "-m 2")}'`, {
      ICECC_TEST_SOCKET: join(dir, "node.sock"),
    });
    const cluster: IceccCluster = {
      dir,
      socket,
      inBuildHost: (cmd, args) => ["ip", ["netns", "exec", build, cmd, ...args]],
      jobs: () => jobCounts(dir),
      logs: () => ["scheduler", "build", "node"].map((n) => `== ${n}.log\n${tail(join(dir, `${n}.log`), 30)}`).join("\n"),
      stop: () => {
        process.removeListener("exit", stop);
        stop();
      },
    };
    // A daemon looks for its scheduler every few seconds; both must be logged in before a build.
    const deadline = Date.now() + 60_000;
    while (!["build", "node"].every((n) => read(join(dir, "scheduler.log")).includes(`login ${n} `)) || !existsSync(socket)) {
      if (Date.now() > deadline) throw new Error(`the icecc cluster did not come up in 60 s\n${cluster.logs()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    return cluster;
  } catch (e) {
    process.removeListener("exit", stop);
    stop();
    throw e;
  }
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function tail(path: string, lines: number): string {
  return read(path).split("\n").slice(-lines).join("\n");
}

/** The scheduler logs `BEGIN: <job> client=<host>(<platform>) server=<host>(<platform>)` per job it placed. */
function jobCounts(dir: string): JobCounts {
  const byServer: Record<string, number> = {};
  for (const m of read(join(dir, "scheduler.log")).matchAll(/BEGIN: \d+ client=\S+ server=([^(\s]+)\(/g)) byServer[m[1]!] = (byServer[m[1]!] ?? 0) + 1;
  const nodeCompleted = [...read(join(dir, "node.log")).matchAll(/Remote compilation completed with exit code 0/g)].length;
  let cpuMs = 0;
  for (const m of read(join(dir, "scheduler.log")).matchAll(/END \d+ status=\d+ .* user=(\d+) sys=(\d+)/g)) cpuMs += Number(m[1]) + Number(m[2]);
  return { byServer, nodeCompleted, remoteCpu: cpuMs / 1000 };
}
