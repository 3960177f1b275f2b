// `bake diffsigs A B` (two signature data files) and `bake diffsigs -t RECIPE TASK` (the task's two
// most recent signatures, as bitbake-diffsigs -t): which variable, file or dependency changed.
import { parseArgs } from "node:util";
import { compareSigData, findSigData, readSigData } from "../signature/index.js";
import { passthroughVariables, UsageError } from "./context.js";
import { providerOf } from "./prepare.js";

const USAGE = `usage: bake diffsigs SIGDATA_A SIGDATA_B
       bake diffsigs -t RECIPE TASK     compare the task's last two signatures`;

export async function diffsigsCommand(argv: string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { task: { type: "boolean", short: "t" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`diffsigs wants two arguments\n${USAGE}`);
  let files: [string, string];
  if (values.task) {
    const [recipe, rawTask] = positionals as [string, string];
    const task = rawTask.startsWith("do_") ? rawTask : `do_${rawTask}`;
    const { info } = await providerOf({ cwd, vars: passthroughVariables(process.env) }, recipe);
    const stamp = info.stamp;
    const found = stamp ? findSigData(stamp, task) : [];
    if (found.length < 2) {
      process.stderr.write(`bake diffsigs: ${found.length === 0 ? "no" : "only one"} signature data file for ${recipe}:${task} (run \`bake -S none ${recipe}\` after a change)\n`);
      return 1;
    }
    files = [found[1]!, found[0]!];
  } else files = [positionals[0]!, positionals[1]!];
  const lines = compareSigData(readSigData(files[0]), readSigData(files[1]));
  process.stdout.write(lines.length === 0 ? "the two signatures are the same\n" : `${lines.join("\n")}\n`);
  return 0;
}
