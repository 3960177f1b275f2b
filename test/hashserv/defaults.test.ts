// The defaults of a hash server meant to be shared between teams and organizations: anonymous
// clients only read, widening is explicit and loud, the build's private server still takes the
// build's reports, and `bake hashserv --upstream` reads through to another organization's server.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import test from "ava";
import { HashservInvokeError, startHashserv } from "../../lib/sstate/hashserv/index.js";
import { HashEquivalence } from "../../lib/setscene/index.js";
import { asOutHash, asTaskHash } from "../../lib/common/hashes.js";
import { METHOD, client, hash, server, tempDir } from "./helpers.js";

test("anonymous clients of a server started with defaults may read; their reports are not recorded; no administration", async (t) => {
  const dir = await tempDir(t);
  const s = await startHashserv({ bind: "127.0.0.1:0", db: path.join(dir, "db"), adminUser: "admin", adminPassword: "pw" });
  t.teardown(() => s.close());
  const admin = await client(t, s.address, { username: "admin", password: "pw" });
  await admin.reportUnihash({ taskhash: hash("t"), method: METHOD, outhash: hash("o"), unihash: hash("u") });
  const anon = await client(t, s.address);
  t.is(await anon.getUnihash(METHOD, hash("t")), hash("u"));
  // As BitBake: a report without @report is answered (the unihash it would get) and not recorded.
  const r = await anon.reportUnihash({ taskhash: hash("t2"), method: METHOD, outhash: hash("o2"), unihash: hash("u2") });
  t.is(r.unihash, hash("u2"));
  t.is(await anon.getUnihash(METHOD, hash("t2")), null);
  await t.throwsAsync(anon.reportUnihashEquiv(hash("t3"), METHOD, hash("u3")), { instanceOf: HashservInvokeError, message: /@report/ });
  await t.throwsAsync(anon.remove({ method: METHOD }), { instanceOf: HashservInvokeError, message: /@db-admin/ });
});

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** `bake hashserv ARGS` as a process; resolves with its address once it listens. */
async function bakeHashserv(t: Parameters<typeof tempDir>[0], args: string[]): Promise<{ address: string; stderr: () => string; child: Child }> {
  const cli = fileURLToPath(new URL("../../lib/cli/hashserv.js", import.meta.url));
  const script = `import(${JSON.stringify(cli)}).then(async (m) => process.exit(await m.hashservCommand(process.argv.slice(1))))`;
  const child = spawn(process.execPath, ["-e", script, "--", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  t.teardown(() => void child.kill("SIGKILL"));
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const address = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  return { address, stderr: () => stderr, child };
}

test("bake hashserv warns loudly, even with --quiet, when anonymous clients get @db-admin", async (t) => {
  const dir = await tempDir(t);
  const wide = await bakeHashserv(t, ["--bind", "127.0.0.1:0", "--db", path.join(dir, "a"), "--anon-perms", "@read,@report,@db-admin", "--quiet"]);
  t.regex(wide.stderr(), /WARNING: anonymous clients have @db-admin/);
  const c = await client(t, wide.address);
  await c.reportUnihash({ taskhash: hash("t"), method: METHOD, outhash: hash("o"), unihash: hash("u") });
  t.is(await c.getUnihash(METHOD, hash("t")), hash("u"));

  const narrow = await bakeHashserv(t, ["--bind", "127.0.0.1:0", "--db", path.join(dir, "b"), "--anon-perms", "@read,@report"]);
  t.notRegex(narrow.stderr(), /WARNING/);
  t.regex(narrow.stderr(), /anonymous permissions: @read, @report/);
  const byDefault = await bakeHashserv(t, ["--bind", "127.0.0.1:0", "--db", path.join(dir, "c")]);
  t.regex(byDefault.stderr(), /anonymous permissions: @read\n/);
});

test("bake hashserv --upstream reads through to another organization's server", async (t) => {
  const dir = await tempDir(t);
  // Org A's server, read-only for strangers as the defaults make it; A's builder reports.
  const orgA = await server(t, { anonPermissions: ["@read"], adminUser: "a-builder", adminPassword: "pw" });
  const a = await client(t, orgA.address, { username: "a-builder", password: "pw" });
  const known = { taskhash: hash("t-a"), method: METHOD, outhash: hash("o-a"), unihash: hash("u-a") };
  await a.reportUnihash(known);

  // Org B's own server, pointed at A's.
  const orgB = await bakeHashserv(t, ["--bind", "127.0.0.1:0", "--db", path.join(dir, "b"), "--upstream", orgA.address, "--anon-perms", "@read,@report"]);
  const b = await client(t, orgB.address);
  t.is(await b.getUnihash(METHOD, known.taskhash), known.unihash);
  // B's build of the same output under another taskhash gets A's unihash, so it finds A's objects.
  const r = await b.reportUnihash({ taskhash: hash("t-b"), method: METHOD, outhash: known.outhash, unihash: hash("u-b") });
  t.is(r.unihash, known.unihash);
  // What B learns stays in B: A is never written to by B.
  t.is(await a.getUnihash(METHOD, hash("t-b")), null);
  t.is(await b.getUnihash(METHOD, hash("nothing")), null);
});

test("the build's own auto server takes the build's reports", async (t) => {
  const dir = await tempDir(t);
  const warnings: string[] = [];
  const he = await HashEquivalence.open(
    { hashserve: "auto", upstream: "", database: path.join(dir, "db"), socket: path.join(dir, "hashserve.sock"), method: METHOD },
    (w) => warnings.push(w),
  );
  t.truthy(he);
  t.teardown(() => he!.close());
  const uni = await he!.report({ taskhash: asTaskHash(hash("t")), unihash: hash("t"), outhash: asOutHash(hash("o")), pn: "zlib", task: "do_populate_sysroot" });
  t.is(uni, hash("t"));
  t.deepEqual(await he!.lookup([asTaskHash(hash("t"))]), [hash("t")]);
  t.deepEqual(warnings, []);
});
