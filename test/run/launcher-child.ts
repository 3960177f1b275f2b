// A bake that only launches: starts one task through this thread's launcher and says its pid, for
// the tests that kill it. Usage: node launcher-child.js RUNFILE LOGFILE
import { threadLauncher } from "../../lib/run/launcher.js";
import { isolationCommand } from "../../lib/run/network.js";

const [runfile, logfile] = process.argv.slice(2);
// The launcher keeps no thread alive (a worker's tasks do): this one waits for its task.
const alive = setInterval(() => {}, 60_000);
const task = threadLauncher(isolationCommand()!)!.launch(runfile!, logfile!);
console.log(`pid ${await task.pid}`);
console.log(`exit ${await task.status}`);
clearInterval(alive);
