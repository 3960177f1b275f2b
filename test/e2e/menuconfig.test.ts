// `bake -c menuconfig busybox` for real: busybox's own Kconfig menu (mconf, built by the host
// compiler against ncurses) in a pseudo-terminal (util-linux `script`), driven by keystrokes as a
// user would: into Coreutils, turn off its first option, leave, save; then diffconfig. A bbappend takes the cross
// toolchain out of busybox's dependencies (Kconfig needs only the host compiler), so this runs
// without building one. Downloads come from BAKE_E2E_DL_DIR (default /work/bake-cache/downloads).
import test from "ava";
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

test("bake -c menuconfig busybox: the real menu in a terminal; a changed option is saved and taints do_compile", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-e2e-menuconfig-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dl = process.env["BAKE_E2E_DL_DIR"] ?? (existsSync("/work/bake-cache/downloads") ? "/work/bake-cache/downloads" : join(root, "downloads"));
  mkdirSync(dl, { recursive: true });
  const layer = join(root, "meta-kconfig-only");
  write(join(layer, "conf/layer.conf"), layerConf("kconfigonly"));
  write(
    join(layer, "recipes-core/busybox/busybox_%.bbappend"),
    'DEPENDS:remove = "virtual/${TARGET_PREFIX}gcc virtual/libc"\nINHIBIT_DEFAULT_DEPS = "1"\n',
  );
  const build = buildDir(join(root, "build"), [join(repo, "meta-core"), layer], ['BB_HASHSERVE = ""', `DL_DIR = "${dl}"`]);
  const configure = spawnSync(process.execPath, [bake, "-c", "configure", "busybox"], { cwd: build, encoding: "utf8", timeout: 1_800_000 });
  t.is(configure.status, 0, configure.stdout + configure.stderr);
  const value = (name: string) => spawnSync(process.execPath, [bake, "getvar", "-r", "busybox", "--value", name], { cwd: build, encoding: "utf8" }).stdout.trim();
  const config = join(value("B"), ".config");
  t.regex(readFileSync(config, "utf8"), /\nCONFIG_FEATURE_VERBOSE=y\n/, "the first option of Coreutils is on");

  // A 120x40 terminal: mconf refuses a smaller one.
  const child = spawn("script", ["-qec", `stty rows 40 cols 120; ${process.execPath} ${bake} -c menuconfig busybox`, "/dev/null"], {
    cwd: build,
    env: { ...process.env, TERM: "xterm" },
  });
  t.teardown(() => child.kill("SIGKILL"));
  // What was written, without the terminal's control sequences (colours split a hotkey letter from
  // the rest of its label).
  let screen = "";
  child.stdout.on("data", (b: Buffer) => (screen += b.toString("latin1").replace(/\x1b\[[0-9;?]*[A-Za-z@]|\x1b[()][0-9A-B]|\x1b[=>]/g, "")));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  const waitFor = async (text: string) => {
    for (let i = 0; i < 240 && !screen.includes(text); i++) await sleep(500);
    if (!screen.includes(text)) throw new Error(`no "${text}" on the screen:\n${screen.slice(-3000)}`);
  };
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      child.stdin.write(k);
      await sleep(1500);
    }
  };
  await waitFor("Busybox Configuration");
  await press(KEY.down, KEY.down, KEY.down, KEY.enter);
  await waitFor("Support verbose options");
  await press(KEY.space, KEY.back, KEY.back);
  await waitFor("Do you wish to save your new configuration?");
  await press(KEY.enter);
  const code = await exited;
  t.is(code, 0, screen.slice(-3000));
  t.regex(readFileSync(config, "utf8"), /\n# CONFIG_FEATURE_VERBOSE is not set\n/);
  t.regex(screen, /Changed configuration saved at:/);
  t.true(existsSync(`${value("STAMP")}.do_compile.taint`));
  const diff = spawnSync(process.execPath, [bake, "-c", "diffconfig", "busybox"], { cwd: build, encoding: "utf8" });
  t.is(diff.status, 0, diff.stdout + diff.stderr);
  t.is(readFileSync(join(value("WORKDIR"), "fragment.cfg"), "utf8"), "# CONFIG_FEATURE_VERBOSE is not set\n");
});
