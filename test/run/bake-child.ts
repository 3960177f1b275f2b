// A bake in a process of its own, for the tests that kill it: builds the given recipes of the
// fixture build directory. Usage: node bake-child.js TOPDIR RECIPE...
import { runBuild } from "../../lib/run/index.js";
import { createUi } from "../../lib/ui/index.js";
import { buildGraph } from "./fixture.js";

const [topdir, ...targets] = process.argv.slice(2);
const ui = createUi({ out: process.stdout, env: process.env });
const summary = await runBuild(buildGraph(topdir!, targets), { topdir: topdir!, threads: 2, listener: ui.listener });
ui.close();
process.exit(summary.failed > 0 ? 1 : 0);
