// `bake -c menuconfig` for real, on busybox and on the kernel: their own Kconfig menu (mconf, built
// by the host compiler against ncurses) in a pseudo-terminal (util-linux `script`), driven by
// keystrokes as a user would: one option toggled, the menu left, the change saved; then OE's
// companion tasks (diffconfig, savedefconfig). bbappends take the cross toolchain out, so this runs
// without building one (test/helpers/kconfig-menu). Downloads come from BAKE_E2E_DL_DIR (default
// /work/bake-cache/downloads).
import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configuredRecipe, KEY, menuTerminal } from "../helpers/kconfig-menu.js";

test("bake -c menuconfig busybox: the real menu in a terminal; a changed option is saved, taints do_compile, and diffconfig writes it", async (t) => {
  const { build, run, value } = configuredRecipe(t, "busybox");
  const config = join(value("B"), ".config");
  t.regex(readFileSync(config, "utf8"), /\nCONFIG_FEATURE_VERBOSE=y\n/, "the first option of Coreutils is on");
  const menu = menuTerminal(t, build, "busybox");
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
  const { build, run, value } = configuredRecipe(t, "linux");
  const config = join(value("B"), ".config");
  t.regex(readFileSync(config, "utf8"), /\n# CONFIG_CPU_MITIGATIONS is not set\n/, "tinyconfig leaves the mitigations off");
  const menu = menuTerminal(t, build, "linux");
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
