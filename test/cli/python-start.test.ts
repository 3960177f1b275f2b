// When a command starts the interpreter of a kept configuration that runs Python (cli/context.ts,
// PythonStart): `-e RECIPE` starts it in the background ("background") while it reads the parse
// cache, and shows what it showed when the interpreter was started only once the recipe needed it.
import test from "ava";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { keptPythonLayer } from "../helpers/kept-python-layer.js";
import { bakeIn } from "../helpers/layer.js";
import { packagePath } from "../../lib/common/install.js";

/** In a new process in `build`: loads the configuration with `start` and says whether the interpreter was loaded right after, and later. */
function loadingIn(build: string, start: string): { kept: boolean; atOnce: boolean; later: boolean } {
  const context = packagePath("dist/lib/cli/context.js");
  const options = packagePath("dist/lib/cli/options.js");
  const python = packagePath("dist/lib/python/index.js");
  const script = `
    const { loadConfiguration } = await import(${JSON.stringify(context)});
    const { passthroughVariables } = await import(${JSON.stringify(options)});
    const { pythonLoaded } = await import(${JSON.stringify(python)});
    const config = await loadConfiguration({ cwd: process.cwd(), vars: passthroughVariables(process.env) }, false, ${JSON.stringify(start)});
    const atOnce = pythonLoaded();
    // Nothing here waits for it: only the background start can load it.
    const until = Date.now() + 60000;
    while (!pythonLoaded() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    console.log(JSON.stringify({ kept: config.kept, atOnce, later: pythonLoaded() }));
  `;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: build,
    encoding: "utf8",
    env: { ...process.env, XDG_CONFIG_HOME: join(build, "xdg") },
  });
  if (run.status !== 0) throw new Error(`failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as { kept: boolean; atOnce: boolean; later: boolean };
}

test("a kept configuration's interpreter is started in the background for -e, and -e shows the same as before", (t) => {
  const f = keptPythonLayer();
  t.teardown(f.cleanup);
  const first = bakeIn(f.build, "-e", "hello");
  t.is(first.status, 0, first.stderr);
  // Kept now: the background start returns the configuration first and loads the interpreter after.
  t.deepEqual(loadingIn(f.build, "background"), { kept: true, atOnce: false, later: true });
  const second = bakeIn(f.build, "-e", "hello");
  t.is(second.status, 0, second.stderr);
  t.is(second.stdout, first.stdout);
  t.regex(second.stdout, /^GREETING="hello hello"$/m);
});
