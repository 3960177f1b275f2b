// What a warm `bake -p` loads (issue 14: a warm parse only checks file stamps and loads finalised
// data): with the configuration kept and every recipe in the parse cache, none of the evaluator,
// the parser, Python, LevelDB or a colour library is imported. The cold run beside it imports the
// evaluator and LevelDB, so the recording is known to see them.
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keptPythonLayer } from "../helpers/kept-python-layer.js";
import { buildDir, layerConf, write } from "../helpers/layer.js";
import { packagePath } from "../../lib/common/install.js";

/** A module hook, registered before bin/bake.js runs, that appends every URL the ESM loader loads to `log`. */
function recordingHook(log: string): string {
  const hook = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context); }`;
  const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  return `data:text/javascript,${encodeURIComponent(register)}`;
}

/** bake -p in `build`, and the URLs of the modules it loaded (bake's own relative to the package). */
function parseLoading(build: string, log: string): { stdout: string; modules: string[] } {
  rmSync(log, { force: true });
  const run = spawnSync(process.execPath, ["--import", recordingHook(log), packagePath("bin/bake.js"), "-p"], {
    cwd: build,
    encoding: "utf8",
    env: { ...process.env, XDG_CONFIG_HOME: join(build, "xdg") },
  });
  if (run.status !== 0) throw new Error(`bake -p failed (${run.status}): ${run.stderr}`);
  const root = `file://${packagePath()}/`;
  const urls = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const modules = urls.flatMap((url) => (url.startsWith(`${root}dist/generated/`) ? bundled(url) : [url.startsWith(root) ? url.slice(root.length) : url]));
  return { stdout: run.stdout, modules };
}

/**
 * The modules of dist/lib that a file of the bundle bin/bake.js runs holds (scripts/build.mjs),
 * from the comment esbuild writes before each: a chunk holds the modules that the same set of
 * entry points and dynamic imports reach, so the bundle loads the very modules dist/lib would.
 */
function bundled(url: string): string[] {
  const text = readFileSync(new URL(url), "utf8");
  return [...new Set(text.match(/^\/\/ dist\/lib\/\S+\.js$/gm) ?? [])].map((line) => line.slice(3));
}

test("a warm bake -p imports none of the evaluator, the parser, Python, LevelDB or chalk", (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-warm-path-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const layer = join(root, "meta-w");
  write(join(layer, "conf/layer.conf"), layerConf("w", 6));
  write(join(layer, "classes-recipe/alpha.bbclass"), 'PR = "r-alpha"\n');
  write(join(layer, "recipes-x/r1/r1_1.0.bb"), 'LICENSE = "MIT"\ninherit alpha\n');
  write(join(layer, "recipes-x/r2/r2_1.0.bb"), 'LICENSE = "MIT"\nBBCLASSEXTEND = "native"\n');
  const build = buildDir(join(root, "build"), [packagePath("meta-core"), layer], ['BBMASK = "/meta-core/recipes-"']);
  const log = join(root, "modules.log");

  const cold = parseLoading(build, log);
  t.regex(cold.stdout, /\(0 cached, 2 parsed\)/);
  t.true(cold.modules.includes("dist/lib/evaluate/statements.js"), "the cold run evaluates the configuration");
  // LevelDB's CommonJS modules are required, unseen by the hook; the package's entry is imported.
  t.true(cold.modules.some((m) => /(^|\/)node_modules\/level\//.test(m)), "the cold run writes LevelDB entries");

  const warm = parseLoading(build, log);
  t.regex(warm.stdout, /\(2 cached, 0 parsed\)/);
  const unwanted = warm.modules.filter(
    (m) =>
      /^dist\/lib\/(evaluate\/(index|statements|finalize)|parse\/(index|syntax-store|antlr-parser)|python\/(index|engine)|config\/(index|configuration))\.js$/.test(m) ||
      /(^|\/)node_modules\/(level|classic-level|abstract-level|chalk|antlr4ng|pyodide)\//.test(m),
  );
  t.deepEqual(unwanted, []);
  // What it does load: the kept configuration's state and the manifest.
  t.true(warm.modules.includes("dist/lib/evaluate/state.js"));
  t.true(warm.modules.includes("dist/lib/config/parse-manifest.js"));
});

test("a warm bake -p on a BitBake-style configuration (Python ${@...}, addpylib) starts no Python", (t) => {
  const f = keptPythonLayer(['CACHE = "${TMPDIR}/cache"'], [], { "recipes-x/r2/r2_2.0.bb": 'DESCRIPTION = "${GREETING}"\n' });
  t.teardown(f.cleanup);
  const { root, build } = f;
  const log = join(root, "modules.log");

  const cold = parseLoading(build, log);
  t.regex(cold.stdout, /\(0 cached, 2 parsed\)/);
  t.true(cold.modules.includes("dist/lib/python/engine.js"), "the cold run runs Python");
  const warm = parseLoading(build, log);
  t.regex(warm.stdout, /\(2 cached, 0 parsed\)/);
  t.deepEqual(
    warm.modules.filter((m) => /^dist\/lib\/(python\/(index|engine)|evaluate\/statements)\.js$/.test(m) || /(^|\/)node_modules\/pyodide\//.test(m)),
    [],
  );
});
