// `bake -c menuconfig` for real, on busybox and on the kernel: their own Kconfig menu (mconf, built
// by the host compiler against ncurses) in a pseudo-terminal (util-linux `script`), driven by
// keystrokes as a user would: one option toggled, the menu left, the change saved; then OE's
// companion tasks (diffconfig, savedefconfig). bbappends take the cross toolchain out (Kconfig needs
// only a compiler for the machine's architecture: the host's, here), so this runs without building
// one. Downloads come from BAKE_E2E_DL_DIR (default /work/bake-cache/downloads).
import test, { type ExecutionContext } from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir, layerConf, write } from "../helpers/layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

// As an xterm in application cursor mode (mconf turns it on) sends them; <Esc><Esc> leaves a menu.
const KEY = { down: "\x1bOB", enter: "\r", space: " ", back: "\x1b\x1b" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A build directory with meta-core and a layer of these bbappends, the recipe configured. */
function configured(t: ExecutionContext, recipe: string, appends: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), "bake-e2e-menuconfig-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dl = process.env["BAKE_E2E_DL_DIR"] ?? (existsSync("/work/bake-cache/downloads") ? "/work/bake-cache/downloads" : join(root, "downloads"));
  mkdirSync(dl, { recursive: true });
  const layer = join(root, "meta-kconfig-only");
  write(join(layer, "conf/layer.conf"), layerConf("kconfigonly"));
  for (const [path, text] of Object.entries(appends)) write(join(layer, path), text);
  const build = buildDir(join(root, "build"), [join(repo, "meta-core"), layer], ['BB_HASHSERVE = ""', `DL_DIR = "${dl}"`]);
  const run = (...args: string[]) => spawnSync(process.execPath, [bake, ...args], { cwd: build, encoding: "utf8", timeout: 1_800_000 });
  const configure = run("-c", "configure", recipe);
  t.is(configure.status, 0, configure.stdout + configure.stderr);
  const value = (name: string) => run("getvar", "-r", recipe, "--value", name).stdout.trim();
  return { build, run, value };
}

/** `bake -c menuconfig RECIPE` in a 120x40 pseudo-terminal (mconf refuses a smaller one), with what it draws as text. */
function menuconfig(t: ExecutionContext, build: string, recipe: string) {
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

test("bake -c menuconfig busybox: the real menu in a terminal; a changed option is saved, taints do_compile, and diffconfig writes it", async (t) => {
  const { build, run, value } = configured(t, "busybox", {
    "recipes-core/busybox/busybox_%.bbappend": 'DEPENDS:remove = "virtual/${TARGET_PREFIX}gcc virtual/libc"\nINHIBIT_DEFAULT_DEPS = "1"\n',
  });
  const config = join(value("B"), ".config");
  t.regex(readFileSync(config, "utf8"), /\nCONFIG_FEATURE_VERBOSE=y\n/, "the first option of Coreutils is on");
  const menu = menuconfig(t, build, "busybox");
  await menu.waitFor("Busybox Configuration");
  await menu.press(KEY.down, KEY.down, KEY.down, KEY.enter);
  await menu.waitFor("Support verbose options");
  await menu.press(KEY.space, KEY.back, KEY.back);
  await menu.waitFor("Do you wish to save your new configuration?");
  await menu.press(KEY.enter);
  t.is(await menu.exited, 0, menu.screen().slice(-3000));
  t.regex(readFileSync(config, "utf8"), /\n# CONFIG_FEATURE_VERBOSE is not set\n/);
  t.regex(menu.screen(), /Changed configuration saved at:/);
  t.true(existsSync(`${value("STAMP")}.do_compile.taint`));
  const diff = run("-c", "diffconfig", "busybox");
  t.is(diff.status, 0, diff.stdout + diff.stderr);
  t.is(readFileSync(join(value("WORKDIR"), "fragment.cfg"), "utf8"), "# CONFIG_FEATURE_VERBOSE is not set\n");
});

test("bake -c menuconfig linux: the kernel's menu; an option turned on is saved; savedefconfig writes a defconfig", async (t) => {
  const { build, run, value } = configured(t, "linux", {
    "recipes-kernel/linux/linux_%.bbappend": 'DEPENDS:remove = "virtual/${TARGET_PREFIX}gcc"\nKERNEL_CC = "${BUILD_CC}"\nKERNEL_LD = "ld"\n',
  });
  const config = join(value("B"), ".config");
  t.regex(readFileSync(config, "utf8"), /\n# CONFIG_CPU_MITIGATIONS is not set\n/, "tinyconfig leaves the mitigations off");
  const menu = menuconfig(t, build, "linux");
  await menu.waitFor("Kernel Configuration");
  // The fourth entry of the main menu: "Mitigations for CPU vulnerabilities".
  await menu.press(KEY.down, KEY.down, KEY.down);
  await menu.waitFor("Mitigations for CPU vulnerabilities");
  await menu.press(KEY.space, KEY.back);
  await menu.waitFor("Do you wish to save your new configuration?");
  await menu.press(KEY.enter);
  t.is(await menu.exited, 0, menu.screen().slice(-3000));
  t.regex(readFileSync(config, "utf8"), /\nCONFIG_CPU_MITIGATIONS=y\n/);
  t.true(existsSync(`${value("STAMP")}.do_compile.taint`));
  const saved = run("-c", "savedefconfig", "linux");
  t.is(saved.status, 0, saved.stdout + saved.stderr);
  // A minimal defconfig: only what differs from Kconfig's defaults, and the mitigations are on by default now.
  const defconfig = readFileSync(join(value("B"), "defconfig"), "utf8");
  t.regex(defconfig, /^CONFIG_EMBEDDED=y$/m);
  t.false(/CPU_MITIGATIONS/.test(defconfig), defconfig);
  t.true(defconfig.length < readFileSync(config, "utf8").length / 10);
});
