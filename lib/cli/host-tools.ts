// The build host's programs a build needs (OE's HOSTTOOLS sanity check), checked before anything
// runs: a missing `bc` should be one clear message at the start, not the kernel's compile failing
// forty minutes in. HOSTTOOLS is global (bake.conf) plus what each recipe or class adds
// (`HOSTTOOLS += "bc flex bison"` in the kernel class); only recipes with work in this build count.
import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { TaskGraph, TaskId } from "../graph/types.js";
import { BakeError } from "../common/errors.js";
import { isSet } from "../graph/index.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "missing-host-tools": MissingHostTools;
  }
}

export class MissingHostTools extends BakeError {
  readonly kind = "missing-host-tools" as const;
  constructor(
    /** Each missing program and the recipes that need it. */
    readonly missing: ReadonlyMap<string, readonly string[]>,
    readonly searched: string,
  ) {
    const lines = [...missing].map(([tool, pns]) => `  ${tool} (needed by ${pns.slice(0, 4).join(", ")}${pns.length > 4 ? ", …" : ""})`);
    super(
      `these host tools (HOSTTOOLS) are not found in HOSTTOOLS_PATH (${searched}):\n${lines.join("\n")}\n` +
        "Install them (README, Requirements, names the Debian packages) and run bake again.",
    );
    this.name = "MissingHostTools";
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Where `tool` is found: an absolute path as it is, a name in one of `dirs`. */
export function findHostTool(tool: string, dirs: readonly string[]): string | null {
  if (isAbsolute(tool)) return executable(tool) ? tool : null;
  for (const dir of dirs) if (executable(join(dir, tool))) return join(dir, tool);
  return null;
}

/** Tasks that download or delete: they run none of the recipe's tools. */
const NEEDS_NO_TOOLS = new Set(["do_fetch", "do_clean", "do_cleansstate", "do_cleanall"]);

/** The HOSTTOOLS of every recipe with a task to run in `tasks` (fetching and cleaning aside), that are missing. */
export function checkHostTools(graph: TaskGraph, tasks: Iterable<TaskId>, hostToolsPath: string): void {
  const needed = new Map<string, Set<string>>();
  for (const id of tasks) {
    const node = graph.nodes.get(id);
    if (!node || isSet(node.task.flags.noexec) || NEEDS_NO_TOOLS.has(node.task.name)) continue;
    for (const tool of node.recipe.hostTools) {
      let pns = needed.get(tool);
      if (!pns) needed.set(tool, (pns = new Set()));
      pns.add(node.recipe.pn);
    }
  }
  const dirs = hostToolsPath.split(":").filter(Boolean);
  const missing = new Map<string, string[]>();
  for (const [tool, pns] of [...needed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (findHostTool(tool, dirs) === null) missing.set(tool, [...pns].sort());
  }
  if (missing.size > 0) throw new MissingHostTools(missing, hostToolsPath);
}
