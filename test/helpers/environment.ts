// test/data/environment: the layout of BitBake 2.19's `-e RECIPE` (bb.cooker showEnvironment): the
// include history, the blocks of some variables, whole and in order, and everything from the first
// shell function on.
import { recordedFixture } from "./recorded-fixture.js";

/** Variables whose whole block (history, value) is compared. */
const BLOCKS = ["CONF_LIST", "EXPORT_ME", "EXPORTED", "EXTRA_CONF", "FILE", "FILES:demo-extra", "FROM_ANON", "FROM_BASE_ANON", "INC_VALUE", "MULTI", "PN", "pkg_postinst:demo-extra", "SUMMARY:defaultpkgname-extra", "SUMMARY:demo-extra"];

/** The include history, the blocks of BLOCKS, then every line from the first shell function to the end. */
export function environmentLayout(lines: readonly string[]): string[] {
  // The include history, to the "#" opening the first variable's block.
  const history = lines.indexOf("# INCLUDE HISTORY:");
  const first = lines.findIndex((l) => l.startsWith("# $"));
  const out: string[] = history < 0 || first < 0 ? ["(no include history)"] : lines.slice(history - 1, first - 1);
  for (const name of BLOCKS) {
    const start = lines.findIndex((l) => l === `# $${name}` || l.startsWith(`# $${name} [`));
    if (start < 0) {
      out.push(`(no ${name})`);
      continue;
    }
    // From the "#" opening the block to the line giving the value.
    let end = start;
    while (end < lines.length && !/^(export |unset )?[^#]/.test(lines[end]!)) end++;
    out.push(...lines.slice(start - 1, end + 1));
  }
  const functions = lines.findIndex((l) => l.startsWith("# line: "));
  out.push(...lines.slice(functions));
  // An anonymous function's name holds the fixture's temporary root, mangled.
  return out.map((l) => l.replace(/__anon_(\d+)_\S*?_meta_env_/g, "__anon_$1_@ROOT@_meta_env_"));
}

export const ENVIRONMENT = recordedFixture("environment", [["-e", "demo"], ["-e"]], environmentLayout);
