// A tiny metadata universe for the run tests: a build directory, one layer with its own minimal
// bake.conf and base class whose tasks append `PN:task` to ${TOPDIR}/trace (the idea of BitBake's
// runqueue tests: assert the set of tasks that ran), and a few recipes. The task graph is built
// by hand from the parsed recipes, standing in for lib/graph's builder.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { collectRecipes, loadBuildConfiguration, recipeId } from "../../lib/config/index.js";
import { recipeInfo } from "../../lib/config/parsing.js";
import { parseRecipeVariants } from "../../lib/evaluate/index.js";
import { taskId, type TaskGraph, type TaskId, type TaskNode } from "../../lib/graph/types.js";

const FILES: Record<string, string> = {
  "build/conf/bblayers.conf": `BBPATH = "\${TOPDIR}"\nBBLAYERS = "\${TOPDIR}/../meta-test"\n`,
  "meta-test/conf/layer.conf": [
    `BBPATH .= ":\${LAYERDIR}"`,
    `BBFILES += "\${LAYERDIR}/recipes/*.bb"`,
    `BBFILE_COLLECTIONS += "test"`,
    `BBFILE_PATTERN_test = "^\${LAYERDIR}/"`,
    `BBFILE_PRIORITY_test = "5"`,
    `LAYERSERIES_COMPAT_test = "ember"`,
    `LAYERSERIES_CORENAMES = "ember"`,
    "",
  ].join("\n"),
  "meta-test/conf/bake.conf": [
    `PN = "\${@bb.parse.vars_from_file(d.getVar('FILE', false), d)[0] || 'defaultpkgname'}"`,
    `PV = "\${@bb.parse.vars_from_file(d.getVar('FILE', false), d)[1] || '1.0'}"`,
    `PR = "r0"`,
    `TMPDIR = "\${TOPDIR}/tmp"`,
    `WORKDIR = "\${TMPDIR}/work/\${PN}"`,
    `T = "\${WORKDIR}/temp"`,
    `B = "\${WORKDIR}/build"`,
    `STAMP = "\${TMPDIR}/stamps/\${PN}/\${PV}"`,
    `TRACE = "\${TOPDIR}/trace"`,
    `export PATH = "/usr/bin:/bin"`,
    `BB_NUMBER_THREADS = "2"`,
    "",
  ].join("\n"),
  "meta-test/classes-global/base.bbclass": [
    "addtask fetch",
    "addtask configure after do_fetch",
    "addtask compile after do_configure",
    "addtask install after do_compile",
    "addtask build after do_install",
    `do_build[noexec] = "1"`,
    "trace() {",
    `\techo "\${PN}:$1" >> \${TRACE}`,
    "}",
    "do_fetch() {",
    "\ttrace do_fetch",
    "}",
    "do_configure() {",
    "\ttrace do_configure",
    "}",
    "do_compile() {",
    "\ttrace do_compile",
    "}",
    "do_install() {",
    "\ttrace do_install",
    "}",
    "",
  ].join("\n"),
  // A recipe whose compile calls helpers, whose configure dumps its environment.
  "meta-test/recipes/alpha_1.0.bb": [
    `export GREETING = "it's \\"quoted\\" \\$HOME \`x\`"`,
    `NOT_EXPORTED = "secret"`,
    `export UNSET_BUT_EXPORTED`,
    "inner_helper() {",
    `\techo inner >> \${B}/helpers`,
    "}",
    "helper() {",
    "\tinner_helper",
    `\techo helper >> \${B}/helpers`,
    "}",
    "unused_fn() {",
    "\techo never",
    "}",
    "do_configure() {",
    "\ttrace do_configure",
    `\tenv > \${WORKDIR}/env.out`,
    "}",
    "do_fetch() {",
    "\ttrace do_fetch",
    `\treadlink /proc/self/ns/net > \${WORKDIR}/netns.fetch`,
    "}",
    "do_install() {",
    "\ttrace do_install",
    `\treadlink /proc/self/ns/net > \${WORKDIR}/netns.install`,
    "}",
    `do_install[network] = "1"`,
    "do_compile() {",
    "\ttrace do_compile",
    `\treadlink /proc/self/ns/net > \${WORKDIR}/netns.compile`,
    "\thelper",
    "\tpwd > cwd.out",
    "}",
    `do_compile[dirs] = "\${B}/sub \${B}"`,
    `do_compile[umask] = "027"`,
    "",
  ].join("\n"),
  // prefuncs (shell) and postfuncs (js) around compile; configure empties a directory first.
  "meta-test/recipes/beta_1.0.bb": [
    "pre_step() {",
    "\ttrace pre_step",
    "}",
    "js post_step() {",
    `\tbb.note("post step of " + d.getVar("BB_RUNTASK"))`,
    "}",
    `do_compile[prefuncs] = "pre_step"`,
    `do_compile[postfuncs] = "post_step"`,
    `do_configure[cleandirs] = "\${WORKDIR}/clean"`,
    "",
  ].join("\n"),
  "meta-test/recipes/broken_1.0.bb": [
    "do_compile() {",
    "\ttrace do_compile",
    "\ti=1",
    "\twhile [ $i -le 30 ]; do echo \"output line $i\"; i=$((i+1)); done",
    "\texit 3",
    "}",
    "",
  ].join("\n"),
  // Its compile waits for ${TOPDIR}/go, so a test decides when it ends.
  "meta-test/recipes/slow_1.0.bb": [
    "do_compile() {",
    "\ttrace do_compile",
    `\ttouch \${TOPDIR}/slow-started`,
    `\twhile [ ! -e \${TOPDIR}/go ]; do sleep 0.05; done`,
    "\ttrace do_compile-end",
    "}",
    "",
  ].join("\n"),
  // Its compile, like a make with a compiler under it, writes ${WORKDIR}/ticks from the shell and
  // from a child of it, for ever: only a kill stops it.
  "meta-test/recipes/writer_1.0.bb": [
    "do_compile() {",
    `\t( while :; do echo child >> \${WORKDIR}/ticks; sleep 0.02; done ) &`,
    `\ttouch \${TOPDIR}/writer-started`,
    `\twhile :; do echo shell >> \${WORKDIR}/ticks; sleep 0.02; done`,
    "}",
    "",
  ].join("\n"),
  // A js task that runs another js function (as do_clean runs CLEANFUNCS) and logs after it.
  "meta-test/recipes/nested_1.0.bb": [
    "js inner_step() {",
    `\tbb.note("inner step of " + d.getVar("BB_RUNTASK"))`,
    "}",
    "js do_compile() {",
    `\tbb.note("before the inner function")`,
    `\tawait bb.build.exec_func("inner_step")`,
    `\tbb.note("after the inner function")`,
    `\tbb.warn("still the outer task")`,
    "}",
    "",
  ].join("\n"),
  // A js task that never yields its thread once started: only the pool's last resort ends it.
  "meta-test/recipes/stuck_1.0.bb": [
    "js do_compile() {",
    `\tbb.note("stuck from here")`,
    "\tfor (;;) {}",
    "}",
    "",
  ].join("\n"),
  "meta-test/recipes/scripted_1.0.bb": [
    "js do_compile() {",
    `\tbb.note("hello from js in " + d.getVar("PN"))`,
    `\tbb.warn("careful")`,
    "}",
    "python do_install() {",
    `\tbb.note("never")`,
    "}",
    "",
  ].join("\n"),
};

export interface Fixture {
  readonly root: string;
  readonly topdir: string;
  /** Lines of ${TOPDIR}/trace: `PN:do_task`, in the order they ran. */
  trace(): string[];
  clearTrace(): void;
  cleanup(): void;
}

export function makeFixture(): Fixture {
  const root = mkdtempSync(join(tmpdir(), "bake-run-"));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const topdir = join(root, "build");
  const traceFile = join(topdir, "trace");
  return {
    root,
    topdir,
    trace: () => (existsSync(traceFile) ? readFileSync(traceFile, "utf8").split("\n").filter(Boolean) : []),
    clearTrace: () => rmSync(traceFile, { force: true }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * The task graph of `targets` (recipe names: their do_build), parsed for real; `extra` adds
 * dependencies between recipes, e.g. `{ "beta:do_configure": ["alpha:do_install"] }`.
 */
export function buildGraph(
  topdir: string,
  targets: readonly string[],
  extra: Readonly<Record<string, readonly string[]>> = {},
  targetTask = "do_build",
): TaskGraph {
  const config = loadBuildConfiguration({ topdir });
  const collection = collectRecipes(config.metadata.d, config.layers);
  const nodes = new Map<TaskId, TaskNode>();
  const byName = new Map<string, string>();
  for (const file of collection.recipes) {
    const parsed = parseRecipeVariants(config.metadata, file.path, [], config.files, [""])[0]!;
    const recipe = recipeInfo(parsed, file.path, file.priority, true);
    const rid = recipeId(file.path, "");
    byName.set(recipe.pn, rid);
    for (const task of recipe.tasks) {
      const id = taskId(rid, task.name);
      nodes.set(id, { id, recipeId: rid, recipe, task, deps: task.after.map((a) => taskId(rid, a)) });
    }
  }
  const resolve = (name: string): TaskId => {
    const [pn, task] = name.split(":") as [string, string];
    return taskId(byName.get(pn)!, task);
  };
  for (const [from, deps] of Object.entries(extra)) {
    const id = resolve(from);
    const node = nodes.get(id)!;
    nodes.set(id, { ...node, deps: [...node.deps, ...deps.map(resolve)] });
  }
  return { nodes, targets: targets.map((t) => resolve(t.includes(":") ? t : `${t}:${targetTask}`)) };
}
