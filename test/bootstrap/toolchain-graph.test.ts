// meta-bootstrap without building anything: every recipe parses, and the task graph of
// `bake gcc-cross-x86_64 musl hello` has the from-source order (binutils and gmp/mpfr/mpc, the
// first gcc, musl built by it, libgcc against musl, then target recipes), with target recipes
// compiling through the cross compiler against their own recipe sysroot.
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

function buildDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bake-bootstrap-"));
  mkdirSync(join(dir, "conf"));
  writeFileSync(
    join(dir, "conf/bblayers.conf"),
    `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${["meta-core", "meta-bootstrap", "meta-containers"].map((l) => join(repo, l)).join(" ")}"\n`,
  );
  writeFileSync(join(dir, "conf/local.conf"), 'MACHINE ??= "qemux86-64"\nDISTRO ??= "bake"\n');
  return dir;
}

function run(dir: string, args: string[]) {
  const r = spawnSync(process.execPath, [bake, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, BB_NO_NETWORK: "1" } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

interface GraphTask { name: string; recipe: string; task: string; deps: string[] }

test("the toolchain's task graph has the from-source order", (t) => {
  const dir = buildDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = run(dir, ["-g", "gcc-cross-x86_64", "musl", "hello", "linux-libc-headers"]);
  t.is(r.code, 0, r.out);
  t.regex(r.out, /0 errors/);

  const graph = JSON.parse(readFileSync(join(dir, "task-depends.json"), "utf8")) as { tasks: GraphTask[] };
  const byName = new Map(graph.tasks.map((task) => [`${task.recipe}:${task.task}`, task]));
  const idToName = new Map(graph.tasks.map((task: GraphTask & { id?: string }) => [task.id!, `${task.recipe}:${task.task}`]));
  const sysrootOf = (pn: string): string[] => {
    const task = byName.get(`${pn}:do_prepare_recipe_sysroot`);
    if (!task) return [];
    return task.deps.map((id) => idToName.get(id) ?? id).filter((n) => n.endsWith(":do_populate_sysroot")).map((n) => n.split(":")[0]!).sort();
  };

  t.deepEqual(sysrootOf("mpfr-native"), ["gmp-native"]);
  t.deepEqual(sysrootOf("gcc-cross-x86_64"), ["binutils-cross-x86_64", "gmp-native", "mpc-native", "mpfr-native"]);
  // The libc is built by the first compiler only and carries the kernel's UAPI headers to every
  // recipe that uses it; libgcc needs both; target recipes all three.
  t.deepEqual(sysrootOf("musl"), ["gcc-cross-x86_64", "linux-libc-headers"]);
  t.deepEqual(sysrootOf("libgcc"), ["gcc-cross-x86_64", "musl"]);
  t.deepEqual(sysrootOf("hello"), ["gcc-cross-x86_64", "libgcc", "musl"]);
  t.deepEqual(sysrootOf("linux-libc-headers"), []);

  // And transitively: the hello's compile comes after the whole toolchain.
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (name === to) return true;
      if (seen.has(name)) continue;
      seen.add(name);
      for (const id of byName.get(name)?.deps ?? []) stack.push(idToName.get(id) ?? id);
    }
    return false;
  };
  for (const step of ["binutils-cross-x86_64", "gcc-cross-x86_64", "musl", "libgcc"]) {
    t.true(reaches("hello:do_compile", `${step}:do_populate_sysroot`), `hello:do_compile after ${step}`);
  }
  t.false(reaches("musl:do_compile", "libgcc:do_populate_sysroot"), "musl does not wait for libgcc");
});

test("target recipes compile with the cross compiler against their own recipe sysroot", (t) => {
  const dir = buildDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cc = run(dir, ["getvar", "--value", "-r", "hello", "CC"]);
  t.is(cc.code, 0, cc.out);
  const sysroot = run(dir, ["getvar", "--value", "-r", "hello", "RECIPE_SYSROOT"]).out.trim().split("\n").pop()!;
  t.is(cc.out.trim().split("\n").pop(), `x86_64-bake-linux-musl-gcc --sysroot=${sysroot}`);
  const depends = run(dir, ["getvar", "--value", "-r", "hello", "DEPENDS"]).out.trim().split("\n").pop()!.split(/\s+/);
  // The default dependencies (OE's BASEDEPENDS), once each; PREFERRED_PROVIDER picks the recipes.
  t.deepEqual(depends.sort(), ["virtual/libc", "virtual/x86_64-bake-linux-musl-compilerlibs", "virtual/x86_64-bake-linux-musl-gcc"]);
  // Native and cross recipes use the build host's compiler, never the cross one.
  // (getvar -r looks recipes up by file name; gcc-cross-x86_64 is PN = "gcc-cross-${TARGET_ARCH}" in
  // gcc-cross_12.2.bb, so -e -b names the file.)
  const gccCross = join(repo, "meta-bootstrap/recipes-devtools/gcc/gcc-cross_12.2.bb");
  const env = run(dir, ["-b", gccCross, "-e"]);
  t.is(env.code, 0, env.out);
  t.regex(env.out, /^export CC="gcc"$/m);
  t.regex(env.out, /^PN="gcc-cross-x86_64"$/m);
});
