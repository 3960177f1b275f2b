// -c devshell and -c menuconfig: [interactive] tasks that get bake's terminal. A scripted stdin
// stands in for the user; `script` (util-linux) gives menuconfig the terminal it insists on.
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fixture, repo, runBake, write } from "../sstate-build/fixture.js";

const bake = join(repo, "bin/bake.js");

function run(cwd: string, args: string[], input: string, xdg: string) {
  const r = spawnSync(process.execPath, [bake, ...args], { cwd, input, encoding: "utf8", timeout: 120_000, env: { ...process.env, BB_NUMBER_THREADS: "1", XDG_CONFIG_HOME: xdg } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("-c devshell runs a shell in the task environment, in S, reading the user's commands", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", ['BB_HASHSERVE = ""']);
  const r = run(build, ["-c", "devshell", "c"], 'echo "cwd=$(pwd)"\necho "path=$PATH"\nls\nexit 0\n', join(f.root, "xdg"));
  t.is(r.code, 0, r.out);
  t.regex(r.out, /\ncwd=\/.*\/tmp\/work\/x86_64-bake-linux-musl\/c\/1\.0\/sources\n/, "S of the recipe");
  t.regex(r.out, /\npath=\/.*\/c\/1\.0\/recipe-sysroot-native\/usr\/bin:/, "the task's PATH, with the native sysroot");
  t.regex(r.out, /\nc\.txt\n/, "the unpacked sources are there");
  // The task's exit is the shell's.
  const failed = run(build, ["-c", "devshell", "c"], "exit 4\n", join(f.root, "xdg"));
  t.is(failed.code, 1);
  t.regex(failed.out, /do_devshell failed with exit code 4/);
});

test("-c menuconfig: busybox and the kernel have it, on their make; it needs a terminal and runs the make target in B", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", ['BB_HASHSERVE = ""']);
  const value = async (recipe: string, name: string) => (await runBake(f, build, ["getvar", "-r", recipe, "--value", name])).out.trim().split("\n").pop()!;
  // (Their graphs need the cross toolchain, not in this fixture: asked through getvar.)
  for (const recipe of ["busybox", "linux"]) {
    t.regex((await runBake(f, build, ["getvar", "-r", recipe, "do_menuconfig", "--value", "--flag", "doc"])).out, /Runs the Kconfig menu/, `${recipe} has do_menuconfig`);
    t.is((await runBake(f, build, ["getvar", "-r", recipe, "do_menuconfig", "--value", "--flag", "interactive"])).out.trim().split("\n").pop(), "1");
  }
  t.regex(await value("busybox", "MENUCONFIG_MAKE"), /^oe_runmake CROSS_COMPILE=.* KCONFIG_NOTIMESTAMP=1$/);
  t.is(await value("linux", "MENUCONFIG_MAKE"), "kernel_make");
  t.regex((await runBake(f, build, ["getvar", "-r", "linux", "--value", "do_menuconfig"])).out, /\n\tkernel_make menuconfig\n/, "the kernel's make, target menuconfig");

  // A Kconfig recipe whose "make" records what it was asked for.
  write(join(f.layer, "recipes-st/kc/kc_1.0.bb"), `SUMMARY = "kconfig stand-in"
LICENSE = "MIT"
INHIBIT_DEFAULT_DEPS = "1"
inherit menuconfig
MENUCONFIG_MAKE = "fake_make"
fake_make() {
\techo "make $*" >> \${TOPDIR}/make.log
\techo "TERM=$TERM" >> \${TOPDIR}/make.log
\techo CONFIG_NEW=y >> .config
}
do_configure() {
\techo CONFIG_OLD=y > .config
}
`);
  const noTerminal = run(build, ["-c", "menuconfig", "kc"], "", join(f.root, "xdg"));
  t.is(noTerminal.code, 1);
  t.regex(noTerminal.out, /menuconfig needs a terminal: run bake -c menuconfig kc from one/);
  t.false(existsSync(join(build, "make.log")));
  const cmd = `${process.execPath} ${bake} -c menuconfig kc`;
  // The terminal's type reaches the task (ncurses draws nothing without it), though the task
  // environment is otherwise the exported variables only.
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: build, encoding: "utf8", timeout: 120_000, env: { ...process.env, TERM: "xterm-256color", XDG_CONFIG_HOME: join(f.root, "xdg") } });
  t.is(r.status, 0, r.stdout);
  t.is(readFileSync(join(build, "make.log"), "utf8"), "make menuconfig\nTERM=xterm-256color\n");
  t.regex(r.stdout, /Changed configuration saved at:\r?\n \/.*\/kc\/1\.0\/sources\/kc-1\.0\/\.config\r?\nRecompile will be forced/, "OE's words");
  t.true(existsSync(join(build, "tmp/stamps/x86_64-bake-linux-musl/kc/1.0.do_compile.taint")));
  // diffconfig: the lines menuconfig added, as a fragment for SRC_URI.
  const diff = await runBake(f, build, ["-c", "diffconfig", "kc"]);
  t.is(diff.code, 0, diff.out);
  t.is(readFileSync(join(build, "tmp/work/x86_64-bake-linux-musl/kc/1.0/fragment.cfg"), "utf8"), "CONFIG_NEW=y\n");
});
