// The kill loop, shared by the default suite (a few kills) and test:e2e (30): a reference build
// without faults, then, from a state chosen at random (nothing; shared state only; shared state
// and downloads), bake SIGKILLed at a random moment and run again to completion; the rerun's
// outputs must be byte for byte the reference's and nothing may be corrupt or half-written.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { damage, differences, leftovers, outputBytes, outputs, prng, rig, runBake, startBake, type Rig, type Serve } from "./rig.js";

export interface KillFigures {
  readonly seed: number;
  readonly kills: number;
  readonly survived: number;
  readonly reruns: number;
  readonly bytesCompared: number;
  readonly leftovers: number;
  readonly failures: readonly string[];
}

type Start = "scratch" | "sstate" | "downloads";

/** Removes what the chosen start does not keep. */
function reset(r: Rig, start: Start): void {
  rmSync(r.tmpdir, { recursive: true, force: true });
  if (start === "scratch") {
    rmSync(r.sstateDir, { recursive: true, force: true });
    rmSync(r.dlDir, { recursive: true, force: true });
  }
  if (start === "downloads") rmSync(r.sstateDir, { recursive: true, force: true });
}

export async function killLoop(kills: number, seed: number, log: (line: string) => void): Promise<KillFigures> {
  const r = await rig("kill9");
  try {
    // The reference, and how long each kind of start takes (the kill moments are drawn in it).
    const duration = new Map<Start, number>();
    const first = await runBake(r);
    if (first.code !== 0) throw new Error(`reference build failed:\n${first.out}`);
    duration.set("scratch", first.seconds);
    const reference = outputs(r);
    for (const start of ["sstate", "downloads"] as const) {
      reset(r, start);
      const run = await runBake(r);
      if (run.code !== 0) throw new Error(`reference build from ${start} failed:\n${run.out}`);
      duration.set(start, run.seconds);
      const diff = differences(reference, outputs(r));
      if (diff.length > 0) throw new Error(`a build from ${start} differs from the first: ${diff.join(", ")}`);
    }
    log(`reference: ${reference.size} files, ${outputBytes(r)} bytes; ` + [...duration].map(([k, s]) => `from ${k} ${s.toFixed(1)} s`).join(", "));

    const random = prng(seed);
    const starts: Start[] = ["scratch", "scratch", "sstate", "downloads"];
    const failures: string[] = [];
    let survived = 0;
    let reruns = 0;
    let bytesCompared = 0;
    const left = new Set<string>();
    for (let i = 0; i < kills; i++) {
      const start = starts[Math.floor(random() * starts.length)]!;
      const at = Math.round(random() * duration.get(start)! * 1000);
      reset(r, start);
      const victim = startBake(r);
      const timer = setTimeout(() => victim.child.kill("SIGKILL"), at);
      const ended = await victim.done;
      clearTimeout(timer);
      const killed = ended.signal === "SIGKILL";
      // What the killed bake committed must be sound already, before anything repairs it.
      const afterKill = damage(r);
      // A rerun right away: the killed bake's lock, its tasks' groups, its partial files.
      const rerun = await runBake(r);
      reruns++;
      const what = `kill ${i + 1} (from ${start}, at ${at} ms${killed ? "" : ", after bake had finished"})`;
      if (rerun.code !== 0) {
        failures.push(`${what}: the rerun failed:\n${rerun.out.slice(-3000)}`);
        continue;
      }
      const refused = rerun.out.split("\n").filter((l) => /WARNING:.*(refus|corrupt|truncat|invalid|unavailable|failed)/i.test(l));
      const diff = differences(reference, outputs(r));
      const broken = damage(r);
      for (const f of leftovers(r)) left.add(f);
      if (diff.length > 0) {
        const now = outputs(r);
        const detail = diff.map((k) => `${k} (${now.has(k) ? (reference.has(k) ? "changed" : "extra") : "missing"})`);
        failures.push(`${what}: outputs differ from the reference: ${detail.join(", ")}\nkilled bake:\n${ended.out.slice(-1500)}\nrerun:\n${rerun.out.slice(-2500)}`);
      }
      if (broken.length > 0) failures.push(`${what}: ${broken.join("; ")}`);
      if (afterKill.length > 0) failures.push(`${what}: right after the kill: ${afterKill.join("; ")}`);
      if (refused.length > 0) failures.push(`${what}: the rerun refused something the killed bake wrote: ${refused.join("; ")}`);
      if (diff.length === 0 && broken.length === 0 && refused.length === 0 && afterKill.length === 0) {
        if (killed) survived++;
        bytesCompared += outputBytes(r);
      }
      log(`${what}: rerun ${rerun.seconds.toFixed(1)} s, ${diff.length + broken.length + refused.length + afterKill.length === 0 ? "identical, sound" : "FAULT"}`);
    }
    return { seed, kills, survived, reruns, bytesCompared, leftovers: left.size, failures };
  } finally {
    await r.cleanup();
  }
}

/** The seed: BAKE_FAULT_SEED to replay a run, else a new one (printed, so it can be). */
export function faultSeed(): number {
  const given = process.env["BAKE_FAULT_SEED"];
  return given !== undefined && given !== "" ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}

export const killCount = (fallback: number): number => Number(process.env["BAKE_FAULT_KILLS"] ?? fallback);


export interface ServerFigures {
  readonly dropped: number;
  readonly requests: number;
  readonly builds: number;
  readonly bytesCompared: number;
  readonly failures: readonly string[];
}

/**
 * The upstream drops connections mid-body: `drops` requests in a row get the headers and part
 * of the body, then a reset. Within the fetcher's retries the build must complete (resuming with
 * a Range request); beyond them it must fail naming the URL, commit nothing, and a rerun once the
 * server is sound must complete. Either way the outputs are the reference's.
 */
export async function droppingServer(log: (line: string) => void): Promise<ServerFigures> {
  const r = await rig("drops");
  const failures: string[] = [];
  let dropped = 0;
  let builds = 0;
  let bytesCompared = 0;
  try {
    const first = await runBake(r);
    builds++;
    if (first.code !== 0) throw new Error(`reference build failed:\n${first.out}`);
    const reference = outputs(r);
    const sound = r.source.serve;
    const dropping = (drops: number): Serve => (req, res, body, hit) => {
      if (hit - base > drops) return sound(req, res, body, hit);
      dropped++;
      const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
      if (from > 0) {
        res.statusCode = 206;
        res.setHeader("content-range", `bytes ${from}-${body.length - 1}/${body.length}`);
      }
      res.setHeader("content-length", String(body.length - from));
      // A third of what is left, then the connection is cut.
      res.write(body.subarray(from, from + Math.floor((body.length - from) / 3)), () => res.destroy());
    };
    let base = 0;
    for (const [drops, shouldPass] of [[2, true], [6, false]] as const) {
      reset(r, "scratch");
      base = r.source.hits();
      r.source.serve = dropping(drops);
      const run = await runBake(r);
      builds++;
      const what = `${drops} dropped connections`;
      const broken = damage(r);
      if (broken.length > 0) failures.push(`${what}: ${broken.join("; ")}`);
      if (shouldPass) {
        if (run.code !== 0) failures.push(`${what}: the build failed although the fetcher retries:\n${run.out.slice(-2000)}`);
        else if (r.source.hits() - base !== drops + 1) failures.push(`${what}: ${r.source.hits() - base} requests`);
      } else {
        if (run.code === 0) failures.push(`${what}: the build passed although every attempt was cut`);
        else if (!run.out.includes(r.source.url)) failures.push(`${what}: the failure does not name the URL:\n${run.out.slice(-2000)}`);
        if (existsSync(join(r.dlDir, "libfa-1.0.tar.gz.done"))) failures.push(`${what}: a .done stamp for a download that never completed`);
        r.source.serve = sound;
        const rerun = await runBake(r);
        builds++;
        if (rerun.code !== 0) failures.push(`${what}: the rerun with a sound server failed:\n${rerun.out.slice(-2000)}`);
      }
      const diff = differences(reference, outputs(r));
      if (diff.length > 0) failures.push(`${what}: outputs differ from the reference: ${diff.join(", ")}`);
      else bytesCompared += outputBytes(r);
      log(`${what}: first build ${run.code === 0 ? "passed" : "failed"} in ${run.seconds.toFixed(1)} s; ${r.source.hits() - base} requests`);
    }
    return { dropped, requests: r.source.hits(), builds, bytesCompared, failures };
  } finally {
    await r.cleanup();
  }
}

export interface DiskFigures {
  /** How the small filesystem was made ("tmpfs"), or why it could not be. */
  readonly method: string;
  readonly sizes: readonly string[];
  readonly filled: number;
  readonly reruns: number;
  readonly bytesCompared: number;
  readonly failures: readonly string[];
}

function sh(...argv: string[]): boolean {
  return spawnSync(argv[0]!, argv.slice(1), { stdio: "ignore" }).status === 0;
}

/**
 * TMPDIR, DL_DIR, SSTATE_DIR and PERSISTENT_DIR on a tmpfs with a size: for each size, a build
 * from nothing that fills it must fail cleanly (nothing committed half-written), and once the
 * filesystem is large again a rerun must complete with the reference's outputs. Needs mount(2)
 * (root); returns method "unavailable: …" where it cannot mount.
 */
export async function fullDisk(sizes: readonly string[], log: (line: string) => void): Promise<DiskFigures> {
  const mnt = mkdtempSync(join(tmpdir(), "bake-fulldisk-"));
  if (!sh("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt)) {
    rmSync(mnt, { recursive: true, force: true });
    return { method: "unavailable: mount -t tmpfs is refused here", sizes, filled: 0, reruns: 0, bytesCompared: 0, failures: [] };
  }
  const r = await rig("fulldisk", { state: mnt });
  const failures: string[] = [];
  let filled = 0;
  let reruns = 0;
  let bytesCompared = 0;
  try {
    const first = await runBake(r);
    if (first.code !== 0) throw new Error(`reference build failed:\n${first.out}`);
    const reference = outputs(r);
    for (const size of sizes) {
      reset(r, "scratch");
      rmSync(join(mnt, "cache"), { recursive: true, force: true });
      if (!sh("mount", "-o", `remount,size=${size}`, mnt)) throw new Error(`cannot remount ${mnt} with size=${size}`);
      const run = await runBake(r);
      const what = `size=${size}`;
      if (run.code === 0) log(`${what}: the build fitted`);
      else {
        filled++;
        if (!/ENOSPC|No space left on device/.test(run.out)) failures.push(`${what}: the failure does not say the disk is full:\n${run.out.slice(-2000)}`);
        const lines = run.out.split("\n").filter((l) => /ENOSPC|No space left/.test(l));
        log(`${what}: failed as it should: ${lines[0]?.trim().slice(0, 200) ?? ""}`);
      }
      const broken = damage(r);
      if (broken.length > 0) failures.push(`${what}, after the full disk: ${broken.join("; ")}`);
      if (!sh("mount", "-o", "remount,size=64m", mnt)) throw new Error(`cannot remount ${mnt}`);
      const rerun = await runBake(r);
      reruns++;
      if (rerun.code !== 0) {
        failures.push(`${what}: the rerun with space failed:\n${rerun.out.slice(-2500)}`);
        continue;
      }
      const refused = rerun.out.split("\n").filter((l) => /WARNING:.*(refus|corrupt|truncat|invalid|unavailable|failed)/i.test(l));
      if (refused.length > 0) failures.push(`${what}: the rerun refused something: ${refused.join("; ")}`);
      const diff = differences(reference, outputs(r));
      const after = damage(r);
      if (diff.length > 0) failures.push(`${what}: outputs differ from the reference: ${diff.join(", ")}`);
      if (after.length > 0) failures.push(`${what}, after the rerun: ${after.join("; ")}`);
      if (diff.length === 0) bytesCompared += outputBytes(r);
    }
    return { method: "tmpfs (mount -t tmpfs -o size=…)", sizes, filled, reruns, bytesCompared, failures };
  } finally {
    await r.source.close();
    sh("umount", mnt);
    rmSync(r.root, { recursive: true, force: true });
    rmSync(mnt, { recursive: true, force: true });
  }
}
