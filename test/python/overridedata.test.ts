// d.overridedata (data_smart's map from a variable to its linked `VAR:override` variables) as
// event handlers read it, on test/data/overridedata: a ConfigParsed handler that renames
// MACHINEOVERRIDES and a RecipeParsed handler that skips recipes carrying a filtered-out override
// and records what it saw, as meta-freescale's machine-overrides-extender.bbclass does, and the
// mapping methods of BitBake's DataSmart (d.get, d[VAR]: meta-freescale's libubootenv bbappend). The
// expected values are what BitBake 2.19 showed for `bitbake -e`, `-e kept`, `-e mapping` and the skip
// reasons (test/data/overridedata/README).
import test from "ava";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");
const data = join(repo, "test/data/overridedata");
const SHOWN = /^(R_[A-Z_]+|OVERRIDES|MACHINEOVERRIDES|PRISTINE_MACHINEOVERRIDES)=/;

function run(build: string, target: string): string {
  const r = spawnSync(process.execPath, [bake, "-e", ...(target ? [target] : [])], { cwd: build, encoding: "utf8", env: { ...process.env, LANG: "en_US.UTF-8" } });
  return r.stdout + r.stderr;
}

test("d.overridedata and d.get/d[VAR] read as BitBake 2.19's in ConfigParsed and RecipeParsed handlers", (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-overridedata-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(data, "meta-ovr"), join(root, "meta-ovr"), { recursive: true });
  const build = join(root, "build");
  const s = spawnSync("sh", [join(data, "setup-build.sh"), build, root], { encoding: "utf8" });
  t.is(s.status, 0, s.stderr);
  const values = (target: string) =>
    run(build, target)
      .split("\n")
      .filter((l) => SHOWN.test(l))
      .sort();
  const skip = (target: string) => run(build, target).split("\n").filter((l) => l.includes(" was skipped: "));
  const out = [
    "## (configuration)",
    ...values(""),
    "## kept",
    ...values("kept"),
    "## mapping",
    ...values("mapping"),
    "## skipped",
    ...skip("skipped"),
    "## combined",
    ...skip("combined"),
  ];
  t.is(out.join("\n") + "\n", readFileSync(join(data, "expected/values"), "utf8"));
});
