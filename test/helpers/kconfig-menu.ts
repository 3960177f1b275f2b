// For tests of `bake -c menuconfig` on real Kconfig recipes (busybox, the kernel): a build
// directory where the recipe is configured without a cross toolchain, and a pseudo-terminal
// (util-linux `script`) that runs the menu and is driven by keystrokes as a user would.
import type { ExecutionContext } from "ava";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir, layerConf, write } from "./layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

/** As an xterm in application cursor mode (mconf turns it on) sends them; <Esc><Esc> leaves a menu. */
export const KEY = { down: "\x1bOB", enter: "\r", space: " ", back: "\x1b\x1b" } as const;

/**
 * bbappends that let a recipe's Kconfig run with the host's compiler: Kconfig needs only a
 * compiler for the machine's architecture (the host's, here), so no cross toolchain is built.
 */
export const HOST_KCONFIG_APPENDS = {
  busybox: { "recipes-core/busybox/busybox_%.bbappend": 'DEPENDS:remove = "virtual/${TARGET_PREFIX}gcc virtual/libc"\nINHIBIT_DEFAULT_DEPS = "1"\n' },
  linux: { "recipes-kernel/linux/linux_%.bbappend": 'DEPENDS:remove = "virtual/${TARGET_PREFIX}gcc"\nKERNEL_CC = "${BUILD_CC}"\nKERNEL_LD = "ld"\n' },
} as const;

export interface ConfiguredRecipe {
  readonly build: string;
  readonly run: (...args: string[]) => SpawnSyncReturns<string>;
  /** A variable of the recipe, expanded. */
  readonly value: (name: string) => string;
}

/**
 * A build directory (removed at the end of the test) with meta-core and a layer of the recipe's
 * host-Kconfig bbappends, the recipe's do_configure run. Downloads come from BAKE_E2E_DL_DIR
 * (default /work/bake-cache/downloads when it exists).
 */
export function configuredRecipe(t: ExecutionContext, recipe: keyof typeof HOST_KCONFIG_APPENDS): ConfiguredRecipe {
  const root = mkdtempSync(join(tmpdir(), "bake-e2e-menuconfig-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dl = process.env["BAKE_E2E_DL_DIR"] ?? (existsSync("/work/bake-cache/downloads") ? "/work/bake-cache/downloads" : join(root, "downloads"));
  mkdirSync(dl, { recursive: true });
  const layer = join(root, "meta-kconfig-only");
  write(join(layer, "conf/layer.conf"), layerConf("kconfigonly"));
  for (const [path, text] of Object.entries(HOST_KCONFIG_APPENDS[recipe])) write(join(layer, path), text);
  const build = buildDir(join(root, "build"), [join(repo, "meta-core"), layer], ['BB_HASHSERVE = ""', `DL_DIR = "${dl}"`]);
  const run = (...args: string[]) => spawnSync(process.execPath, [bake, ...args], { cwd: build, encoding: "utf8", timeout: 1_800_000 });
  const configure = run("-c", "configure", recipe);
  t.is(configure.status, 0, configure.stdout + configure.stderr);
  const value = (name: string) => run("getvar", "-r", recipe, "--value", name).stdout.trim();
  return { build, run, value };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface MenuTerminal {
  /** What the menu drew, as text. */
  readonly screen: () => string;
  readonly exited: Promise<number | null>;
  /** Waits (up to two minutes) until `text` is on the screen. */
  readonly waitFor: (text: string) => Promise<void>;
  /** Presses the keys one after another, giving the menu time to redraw after each. */
  readonly press: (...keys: string[]) => Promise<void>;
}

/** `bake -c menuconfig RECIPE` in a 120x40 pseudo-terminal (mconf refuses a smaller one); killed at the end of the test. */
export function menuTerminal(t: ExecutionContext, build: string, recipe: string): MenuTerminal {
  const child = spawn("script", ["-qec", `stty rows 40 cols 120; ${process.execPath} ${bake} -c menuconfig ${recipe}`, "/dev/null"], {
    cwd: build,
    env: { ...process.env, TERM: "xterm" },
  });
  t.teardown(() => child.kill("SIGKILL"));
  // Without the terminal's control sequences (colours split a hotkey letter from the rest of its label).
  let screen = "";
  child.stdout.on("data", (b: Buffer) => (screen += b.toString("latin1").replace(/\x1b\[[0-9;?]*[A-Za-z@]|\x1b[()][0-9A-B]|\x1b[=>]/g, "")));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  return {
    screen: () => screen,
    exited,
    waitFor: async (text: string) => {
      for (let i = 0; i < 240 && !screen.includes(text); i++) await sleep(500);
      if (!screen.includes(text)) throw new Error(`no "${text}" on the screen:\n${screen.slice(-3000)}`);
    },
    press: async (...keys: string[]) => {
      for (const k of keys) {
        child.stdin.write(k);
        await sleep(1500);
      }
    },
  };
}
