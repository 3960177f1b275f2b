#!/usr/bin/env node
import module from "node:module";

// Node 22 and later keep the compiled code of bake's modules between runs (in the system's
// temporary directory), which every command's start-up saves; older Node has no such cache.
module.enableCompileCache?.();

// Parsing loads its ES modules with require() (on first use), which Node runs unflagged from 20.19.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`ERROR: bake needs Node.js 20.19 or newer; this is ${process.version} (${process.execPath})\n`);
  process.exit(1);
}

const argv = process.argv.slice(2);
// `bake --help` and `bake --version` alone are answered without loading the command line's
// modules (issue 14: start-up under 150 ms); with anything else, main parses the options.
if (argv.length === 1 && ["--help", "-h", "help", "--version"].includes(argv[0])) {
  const { MAIN_HELP, versionText } = await import("../dist/lib/cli/help.js");
  // package.json beside bin/, as main's bakeVersion finds it.
  process.stdout.write(argv[0] === "--version" ? versionText(module.createRequire(import.meta.url)("../package.json").version) : MAIN_HELP);
} else {
  // The command line as `npm run build` bundles it (scripts/build.mjs): the same code as
  // dist/lib/cli/main.js in a few files.
  const { main } = await import("../dist/generated/cli/main.js");
  process.exitCode = await main(argv);
}
