// docs/writing-recipes.md builds: every fenced block marked `file=PATH` is written out, the layer
// goes into a build directory with meta-core, and its recipe is built and run, as the guide says.
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir, write } from "../helpers/layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

/** The guide's `file=` blocks: path and content. */
export function guideFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of markdown.matchAll(/^```\S* file=(\S+)\n([\s\S]*?)^```$/gm)) files.set(m[1]!, m[2]!);
  return files;
}

function run(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bake, ...args], { cwd, encoding: "utf8", timeout: 240_000, env: { ...process.env, BB_NUMBER_THREADS: "2" } });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

test("the guide's worked example builds with the host compiler, and its program runs", (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-guide-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const files = guideFiles(readFileSync(join(repo, "docs/writing-recipes.md"), "utf8"));
  t.deepEqual([...files.keys()].sort(), [
    "meta-hello/conf/layer.conf",
    "meta-hello/recipes-hello/greet/files/greet.c",
    "meta-hello/recipes-hello/greet/greet-native_1.0.bb",
  ]);
  for (const [path, text] of files) write(join(root, path), text);
  const build = buildDir(join(root, "build"), [join(repo, "meta-core")], ['BB_HASHSERVE = ""']);
  const add = run(build, "layers", "add-layer", join(root, "meta-hello"));
  t.is(add.code, 0, add.out);
  const r = run(build, "greet-native");
  t.is(r.code, 0, r.out);
  t.false(/WARNING/.test(r.out), r.out);
  const value = (name: string) => run(build, "getvar", "-r", "greet-native", "--value", name).stdout.trim();
  const program = join(value("D"), value("bindir"), "greet");
  const out = spawnSync(program, { encoding: "utf8" });
  t.is(out.stdout, "Hello from GREET 1.0\n");
  t.regex(readFileSync(join(value("T"), "log.do_check_install"), "utf8"), /installed .*\/greet/);
  // Two of the "useful next" commands the guide names.
  t.regex(run(build, "-c", "listtasks", "greet-native").out, /\ndo_check_install\s*\n/);
  t.is(run(build, "-g", "greet-native").code, 0);
  t.regex(readFileSync(join(build, "task-depends.dot"), "utf8"), /\n"greet-native\.do_populate_sysroot" -> "greet-native\.do_check_install"\n/);
});
