// BitBake's own client against bake's server. Runs where `bitbake-hashclient` is on PATH (or
// named by $BITBAKE_HASHCLIENT, with its PYTHONPATH set); skipped elsewhere.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { server } from "./helpers.js";

const run = promisify(execFile);

function findHashclient(): string | undefined {
  const named = process.env.BITBAKE_HASHCLIENT;
  if (named !== undefined && named !== "") return named;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "bitbake-hashclient");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const hashclient = findHashclient();
const interop = hashclient === undefined ? test.skip : test;
if (hashclient === undefined) {
  console.log("bitbake-hashclient not found (PATH or $BITBAKE_HASHCLIENT): skipping BitBake interoperability tests");
}

async function hc(address: string, ...args: string[]): Promise<{ stdout: string; code: number }> {
  const argv = ["--address", address, "--no-netrc", ...args];
  try {
    const { stdout } = await run(hashclient!, argv, { timeout: 60_000 });
    return { stdout, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; code?: number };
    return { stdout: err.stdout ?? "", code: typeof err.code === "number" ? err.code : -1 };
  }
}

// bitbake-hashclient's stress subcommand derives its hashes like this.
const stressHash = (seed: string, i: number): string => createHash("sha256").update(seed).update(String(i)).digest("hex");

interop("bitbake-hashclient stats, ping, report and get against bake's server", async (t) => {
  const s = await server(t, { adminUser: "admin", adminPassword: "pw" });
  const stats = await hc(s.address, "stats");
  t.is(stats.code, 0);
  t.deepEqual(Object.keys(JSON.parse(stats.stdout).requests).sort(), ["average", "max_time", "num", "stdev", "total_time"]);
  t.is((await hc(s.address, "ping", "-n", "2", "-q")).code, 0);

  // Report through the stress subcommand, then read back through get / get-outhash.
  const report = await hc(s.address, "stress", "--clients", "2", "--requests", "5", "--report", "--outhash-seed", "out");
  t.is(report.code, 0);
  t.regex(report.stdout, /Hashes missed:\s+10/);
  const taskhash = stressHash("", 3);
  const outhash = stressHash("out", 3);
  const got = JSON.parse((await hc(s.address, "get", "stress.test.method", taskhash)).stdout);
  t.like(got, { taskhash, outhash, unihash: taskhash, method: "stress.test.method" });
  const row = JSON.parse((await hc(s.address, "get-outhash", "stress.test.method", outhash, taskhash)).stdout);
  t.like(row, { taskhash, outhash, unihash: taskhash });
  t.is((await hc(s.address, "unihash-exists", "--quiet", taskhash)).code, 0);
  t.is((await hc(s.address, "unihash-exists", "--quiet", stressHash("", 99))).code, 1);
  const again = await hc(s.address, "stress", "--clients", "2", "--requests", "5");
  t.regex(again.stdout, /Hashes found:\s+10/);

  // Users and permissions through BitBake's client.
  const users = await hc(s.address, "--login", "admin", "--password", "pw", "get-all-users");
  t.regex(users.stdout, /admin\s+\| @all @db-admin @read @report @user-admin/);
  const made = await hc(s.address, "--login", "admin", "--password", "pw", "new-user", "-u", "bob", "@read");
  t.regex(made.stdout, /Username:\s+bob\nPermissions: @read\nToken:\s+\S{64}/);
  const denied = await hc(s.address, "new-user", "-u", "eve", "@read");
  t.is(denied.code, 1);
  t.regex(denied.stdout, /ERROR: Anonymous user is not allowed to access permissions\(s\) @user-admin/);

  // Garbage collection.
  t.regex((await hc(s.address, "gc-mark", "M", "-w", "taskhash", taskhash)).stdout, /New hashes marked: 1/);
  t.regex((await hc(s.address, "gc-status")).stdout, /Current Mark: M\nTotal hashes to keep: 1\nTotal hashes to remove: 4/);
  t.regex((await hc(s.address, "gc-sweep", "M")).stdout, /Removed 4 rows/);
  t.regex((await hc(s.address, "remove", "-w", "taskhash", taskhash)).stdout, /Removed 2 row\(s\)/);
});
