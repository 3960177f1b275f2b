// `scripts/repro-check core-image-minimal` for each machine: two builds sharing only DL_DIR, every
// deployed image identical. BAKE_E2E_DL_DIR names the shared downloads; with BAKE_E2E_SSTATE_DIR the native and
// cross toolchain is restored from that cache (--toolchain-sstate) and everything for the target
// is still built twice; without it the toolchain is built twice too (hours on two cores).
import test from "ava";
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

for (const machine of ["qemux86-64", "qemuarm64"]) {
  test(`repro-check reports identical images for ${machine}`, (t) => {
    const env: NodeJS.ProcessEnv = { ...process.env, MACHINE: machine };
    if (process.env["BAKE_E2E_DL_DIR"]) env["DL_DIR"] = process.env["BAKE_E2E_DL_DIR"];
    const toolchain = process.env["BAKE_E2E_SSTATE_DIR"] ? ["--toolchain-sstate", process.env["BAKE_E2E_SSTATE_DIR"]] : [];
    const r = spawnSync(join(repo, "scripts/repro-check"), [...toolchain, "core-image-minimal"], { env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    t.log(r.stdout.split("\n").filter((l) => l.startsWith("repro-check:")).join("\n"));
    t.is(r.status, 0, r.stdout.slice(-8000) + r.stderr.slice(-4000));
    t.regex(r.stdout, /repro-check: core-image-minimal: identical: \d+ files/);
  });
}
