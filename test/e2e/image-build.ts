// What the image tests share: a fresh build directory with the repository's layers for one
// machine, bake runs in it, and a guest booted with scripts/runqemu whose serial console the test
// reads and types into.
//
// BAKE_E2E_DL_DIR and BAKE_E2E_SSTATE_DIR point at shared downloads and shared state (default: in
// the temporary build directory, so everything is fetched and built; objects signed with the user's
// own key or BAKE_E2E_SSTATE_TRUSTED_KEYS are trusted). BAKE_E2E_EXTRA_LAYERS and
// BAKE_E2E_EXTRA_CONF (a file appended to local.conf) adjust the build, e.g. to try it with
// another toolchain.
import type { ExecutionContext } from "ava";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { e2eSstateConf } from "../helpers/e2e-sstate.js";
import { buildDir } from "../helpers/layer.js";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

export interface ImageBuild {
  readonly root: string;
  readonly build: string;
  readonly deploy: string;
  /** bake with these arguments in the build directory (MACHINE and other variables from `env`). */
  run(args: string[], env?: Record<string, string>): { status: number | null; output: string; seconds: number };
  /** The deployed images and kernels (name to bytes). */
  images(): Map<string, Buffer>;
}

export function imageBuild(machine: string, localConf: readonly string[] = []): ImageBuild {
  const root = mkdtempSync(join(process.env["BAKE_E2E_TMPDIR"] ?? tmpdir(), `bake-e2e-${machine}-`));
  const build = join(root, "build");
  const deploy = join(build, `tmp/deploy/images/${machine}`);
  buildDir(build, ["meta-core", "meta-bootstrap", "meta-containers"].map((l) => join(repo, l)).concat(process.env["BAKE_E2E_EXTRA_LAYERS"] ?? []), [
    // Weak, so that MACHINE in the environment switches the build directory to another machine.
    `MACHINE ??= "${machine}"`,
    `DL_DIR = "${process.env["BAKE_E2E_DL_DIR"] ?? join(build, "downloads")}"`,
    ...e2eSstateConf(build),
    'PREMIRRORS ??= "https?://.*/.* apt:///"',
    ...localConf,
    process.env["BAKE_E2E_EXTRA_CONF"] ? readFileSync(process.env["BAKE_E2E_EXTRA_CONF"], "utf8") : "",
  ]);
  return {
    root,
    build,
    deploy,
    run(args, env = {}) {
      const start = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [bake, ...args], { cwd: build, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...env } });
      return { status: r.status, output: r.stdout + r.stderr, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
    },
    images() {
      const out = new Map<string, Buffer>();
      for (const name of readdirSync(deploy).sort()) {
        if (/\.rootfs\.|\.qemuboot\.conf$|^(bzImage|Image)-.*\.bin$/.test(name)) out.set(name, readFileSync(join(deploy, name)));
      }
      return out;
    },
  };
}

/** Which tasks ran ("pn:do_task"), from bake's output. */
export function tasksRun(output: string): string[] {
  return [...output.matchAll(/^NOTE: Running task \d+ of \d+ \(([^)]+)\)/gm)].map((m) => m[1]!);
}

export interface Guest {
  /** Resolves when the console (everything so far) matches `re`; rejects after a generous bound. */
  waitFor(re: RegExp, what: string): Promise<void>;
  type(line: string): void;
  readonly exited: Promise<number | null>;
  console(): string;
  kill(): void;
}

/** Boots an image with scripts/runqemu (its qemuboot.conf) on a console the test drives. */
export function boot(conf: string, runqemuArgs: readonly string[] = []): Guest {
  const qemu = spawn(join(repo, "scripts/runqemu"), [...runqemuArgs, conf], { stdio: ["pipe", "pipe", "pipe"] });
  let text = "";
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString("utf8");
    for (const w of [...waiters]) {
      if (w.re.test(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  qemu.stdout.on("data", onData);
  qemu.stderr.on("data", onData);
  const exited = new Promise<number | null>((res) => qemu.on("exit", (code) => res(code)));
  return {
    // No timing assertions: the bound only ends a test whose guest hangs.
    waitFor: (re, what) =>
      new Promise<void>((res, rej) => {
        if (re.test(text)) return res();
        waiters.push({ re, resolve: res });
        setTimeout(() => rej(new Error(`no ${what} on the console:\n${text.slice(-3000)}`)), 900_000).unref();
      }),
    type: (line) => qemu.stdin.write(`${line}\n`),
    exited,
    console: () => text,
    kill: () => qemu.kill("SIGKILL"),
  };
}

/** The console's first and last lines, for the test's log (a boot transcript). */
export function transcript(t: ExecutionContext, guest: Guest, head = 5, tail = 25): void {
  const lines = guest.console().replace(/\r/g, "").split("\n");
  t.log([...lines.slice(0, head), "[...]", ...lines.slice(-tail)].join("\n"));
}
