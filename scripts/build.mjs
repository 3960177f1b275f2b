// npm run build: regenerate the ANTLR parser from the grammar, compile TypeScript to dist/, then
// bundle the command line into dist/generated/cli/. Generated code lives in lib/parse/generated/
// (git-ignored) and is rebuilt here every time, so the grammar is the only source of truth.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const gen = join(root, "lib/parse/generated");
rmSync(gen, { recursive: true, force: true });
mkdirSync(gen, { recursive: true });
run(bin("antlr-ng"), ["-Dlanguage=TypeScript", "--generate-listener", "false", "--generate-visitor", "false",
  "-o", gen, "lib/parse/grammar/BitBakeLexer.g4", "lib/parse/grammar/BitBakeParser.g4"]);
// The generator writes extension-less relative imports; NodeNext ESM needs ".js".
for (const f of readdirSync(gen).filter((f) => f.endsWith(".ts"))) {
  const p = join(gen, f);
  const src = readFileSync(p, "utf8").replace(/from "\.\/([A-Za-z0-9_]+)"/g, 'from "./$1.js"');
  writeFileSync(p, "// @ts-nocheck\n" + src);
}
run(bin("tsc"), ["-p", "."]);

// tsc never deletes: a module moved or removed would leave its old output in dist/, where the
// test glob still finds and runs it. An output whose source is gone goes too.
for (const top of ["lib", "scripts", "test"]) {
  const out = join(root, "dist", top);
  if (!existsSync(out)) continue;
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    const m = /^(.*)\.js(?:\.map)?$/.exec(entry.name);
    if (!entry.isFile() || m === null) continue;
    const source = join(root, top, entry.parentPath.slice(out.length), `${m[1]}.ts`);
    if (!existsSync(source)) rmSync(join(entry.parentPath, entry.name));
  }
}

// bin/bake.js runs the command line from a bundle of dist/: Node 20 keeps no compiled code between
// runs, and each ES module it loads costs a resolution, a read and a link of its own (a warm
// `bake -p` loaded 56 of bake's modules). esbuild joins them into a few files, split where an
// import is dynamic so that what a command does not use is still not loaded. The worker threads'
// modules and antlr-parser.js (loaded with require() when a file is first parsed) are entry points
// beside main.js, so the `new URL("./parse-worker.js", import.meta.url)` and `require("./antlr-parser.js")`
// of the bundled code find them, sharing the chunks, and so the module instances, of the main
// bundle. Packages stay in node_modules. Tests import dist/lib/ as tsc wrote it.
// The bundle's code is this build's: the compiled stages' part of the code generation
// (config/code-generation.ts) is taken now, and its runs digest only the Python sources.
const { build } = await import("esbuild");
const { bundledStages } = await import("../dist/lib/config/code-generation.js");
const generated = join(root, "dist", "generated", "cli");
rmSync(generated, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["cli/main.js", "config/parse-worker.js", "run/worker.js", "setscene/sstate-worker.js", "parse/antlr-parser.js"].map((e) => join("dist", "lib", e)),
  outdir: generated,
  entryNames: "[name]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  define: { BAKE_BUNDLED_STAGES: JSON.stringify(bundledStages()) },
  logLevel: "warning",
});
