// `bake getvar [-r RECIPE] VAR`: bitbake-getvar's options, messages and exit codes (an undefined
// variable or flag is exit 1 with its message, unless --ignore-undefined).
import { parseArgs } from "node:util";
import { describeVariable } from "../data/index.js";
import { passthroughVariables, UsageError } from "./context.js";
import { datastoreFor } from "./datastore.js";

const USAGE = `usage: bake getvar [-h] [-r RECIPE] [-u] [-f FLAG] [--value] [-q] [--ignore-undefined] variable

  -r, --recipe RECIPE  the recipe's datastore instead of the configuration's
  -u, --unexpand       do not expand the value (with --value)
  -f, --flag FLAG      a flag of the variable (with --value)
      --value          only the value: no history and no variable name
  -q, --quiet          no notes or warnings while parsing
      --ignore-undefined  an undefined variable or flag prints an empty value, exit 0
`;

/** bitbake-getvar's sys.exit(message): the message on stderr, exit 1. */
function fail(message: string): number {
  process.stderr.write(`${message}\n`);
  return 1;
}

export async function getvarCommand(argv: string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      recipe: { type: "string", short: "r" },
      unexpand: { type: "boolean", short: "u" },
      flag: { type: "string", short: "f" },
      value: { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
      "ignore-undefined": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("getvar wants exactly one variable name");
  if (!values.value) {
    if (values.unexpand) return fail("--unexpand only makes sense with --value");
    if (values.flag !== undefined) return fail("--flag only makes sense with --value");
  }
  const name = positionals[0]!;
  const expand = !values.unexpand;
  const { value: shown } = await datastoreFor({ cwd, vars: passthroughVariables(process.env) }, values.recipe ?? null, null, (values.quiet ?? false) || (values.value ?? false), (m) => {
    const value = values.flag !== undefined ? m.d.getVarFlag(name, values.flag, expand) : m.d.getVar(name, expand);
    return { text: value === null && !values["ignore-undefined"] ? null : values.value ? `${value ?? ""}\n` : describeVariable(m.d, name) };
  });
  if (shown.text === null) {
    return fail(values.flag !== undefined ? `The flag '${values.flag}' is not defined for variable '${name}'` : `The variable '${name}' is not defined`);
  }
  process.stdout.write(shown.text);
  return 0;
}
