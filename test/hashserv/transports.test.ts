// Unix sockets, websockets, upstream servers, and the `bake hashserv` entry point.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { parseAddress } from "../../lib/sstate/hashserv/index.js";
import { METHOD, client, hash, server, tempDir } from "./helpers.js";

test("addresses are read as BitBake reads them", (t) => {
  t.deepEqual(parseAddress("unix:///tmp/h.sock"), { kind: "unix", path: "/tmp/h.sock" });
  t.deepEqual(parseAddress("localhost:8686"), { kind: "tcp", host: "localhost", port: 8686 });
  t.deepEqual(parseAddress(":8686"), { kind: "tcp", host: "", port: 8686 });
  t.deepEqual(parseAddress("[::1]:8686"), { kind: "tcp", host: "::1", port: 8686 });
  t.like(parseAddress("ws://example.org"), { kind: "websocket", host: "example.org", port: 80, secure: false });
  t.like(parseAddress("wss://[::1]:9000/path"), { kind: "websocket", host: "::1", port: 9000, secure: true });
  t.throws(() => parseAddress("example.org"));
  t.throws(() => parseAddress("host:port"));
});

test("unix socket transport", async (t) => {
  const dir = await tempDir(t);
  const sock = path.join(dir, "hashserve.sock");
  const s = await server(t, { bind: `unix://${sock}` });
  t.is(s.address, `unix://${sock}`);
  const c = await client(t, s.address);
  const reply = await c.reportUnihash({ taskhash: hash("t"), method: METHOD, outhash: hash("o"), unihash: hash("u") });
  t.is(reply.unihash, hash("u"));
  t.deepEqual(await c.getUnihashBatch([{ method: METHOD, taskhash: hash("t") }]), [hash("u")]);
  await c.close();
  await s.close();
  t.false(existsSync(sock), "the socket file is removed on close");
});

test("websocket transport", async (t) => {
  const s = await server(t, { bind: "ws://127.0.0.1:0", adminUser: "admin", adminPassword: "pw" });
  t.regex(s.address, /^ws:\/\/127\.0\.0\.1:\d+$/);
  const c = await client(t, s.address);
  t.true(await c.ping());
  const siginfo = "x".repeat(200_000); // websockets carry long messages whole, unchunked
  await c.reportUnihash({ taskhash: hash("t"), method: METHOD, outhash: hash("o"), unihash: hash("u"), extra: { outhash_siginfo: siginfo } });
  await c.reportUnihash({ taskhash: hash("t2"), method: METHOD, outhash: hash("o"), unihash: hash("u2") });
  t.deepEqual(
    await c.getUnihashBatch([hash("t"), hash("t2"), hash("t3")].map((taskhash) => ({ method: METHOD, taskhash }))),
    [hash("u"), hash("u"), null],
  );
  t.deepEqual(await c.unihashExistsBatch([hash("u"), hash("u2")]), [true, false]);
  t.is((await c.getOuthash(METHOD, hash("o"), hash("t")))?.outhash_siginfo, siginfo);
  const admin = await client(t, s.address, { username: "admin", password: "pw" });
  t.is((await admin.getUser())?.username, "admin");
});

test("upstream: misses are asked upstream and cached locally", async (t) => {
  const up = await server(t);
  const upc = await client(t, up.address);
  const known = { taskhash: hash("t-up"), method: METHOD, outhash: hash("o-up"), unihash: hash("u-up") };
  await upc.reportUnihash({ ...known, extra: { PN: "busybox" } });
  await upc.reportUnihash({ taskhash: hash("t-stream"), method: METHOD, outhash: hash("o-stream"), unihash: hash("u-stream") });

  const down = await server(t, { upstream: up.address });
  const c = await client(t, down.address);
  // get: copied from upstream.
  t.deepEqual(await c.getTaskhash(METHOD, known.taskhash), { taskhash: known.taskhash, method: METHOD, unihash: known.unihash });
  // get-outhash and get(all) copy the whole row.
  t.like(await c.getOuthash(METHOD, known.outhash, known.taskhash), { PN: "busybox", unihash: known.unihash });
  // get-stream answers from upstream and backfills in the background.
  t.deepEqual(await c.getUnihashBatch([{ method: METHOD, taskhash: hash("t-stream") }]), [hash("u-stream")]);
  t.true((await c.backfillWait()) <= 1);
  t.deepEqual(await c.unihashExistsBatch([hash("u-stream"), hash("nowhere")]), [true, false]);
  // A local report of an output the upstream knows takes the upstream's unihash.
  const r = await c.reportUnihash({ taskhash: hash("t-local"), method: METHOD, outhash: known.outhash, unihash: hash("u-local") });
  t.is(r.unihash, known.unihash);

  // Everything above is now in the downstream store itself.
  await up.close();
  const usage = await c.getDbUsage();
  t.is(usage.unihashes?.rows, 3);
  t.deepEqual(
    await c.getUnihashBatch([known.taskhash, hash("t-stream"), hash("t-local")].map((taskhash) => ({ method: METHOD, taskhash }))),
    [known.unihash, hash("u-stream"), known.unihash],
  );
  // With the upstream gone, a miss is a miss, not a failed request.
  t.is(await c.getUnihash(METHOD, hash("unknown")), null);
  t.is(await c.getTaskhash(METHOD, hash("unknown"), true), null);
});

test("hashservCommand: `bake hashserv` serves until SIGTERM", async (t) => {
  const dir = await tempDir(t);
  const cli = fileURLToPath(new URL("../../lib/cli/hashserv.js", import.meta.url));
  const script = `import(${JSON.stringify(cli)}).then(async (m) => process.exit(await m.hashservCommand(process.argv.slice(1))))`;
  const child = spawn(
    process.execPath,
    ["-e", script, "--", "--bind", "127.0.0.1:0", "--db", path.join(dir, "db"), "--admin-user", "root", "--admin-password", "pw", "--quiet"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  t.teardown(() => child.kill("SIGKILL"));
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
  const c = await client(t, address, { username: "root", password: "pw" });
  t.is((await c.getUser())?.username, "root");
  await c.close();
  const code = await new Promise<number | null>((resolve) => {
    child.once("exit", (c) => resolve(c));
    child.kill("SIGTERM");
  });
  t.is(code, 0, stderr);

  const usage = spawn(process.execPath, ["-e", script, "--", "--bogus"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  usage.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const usageCode = await new Promise<number | null>((resolve) => usage.once("exit", resolve));
  t.is(usageCode, 2);
  t.regex(err, /usage: bake hashserv/);
});
