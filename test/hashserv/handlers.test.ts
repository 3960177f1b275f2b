// Round trips of every request over TCP, checked against the behaviour of BitBake's server.
import test from "ava";
import { ConnectionClosedError, HashservInvokeError } from "../../lib/sstate/hashserv/index.js";
import { METHOD, RawConnection, client, hash, server } from "./helpers.js";

test("ping and stats", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  t.true(await c.ping());
  const stats = await c.getStats();
  t.is(stats.requests.num, 1); // the ping
  t.deepEqual(Object.keys(stats.requests).sort(), ["average", "max_time", "num", "stdev", "total_time"]);
  const before = await c.resetStats();
  t.is(before.requests.num, 2);
  // The reset request itself is the first sample after the reset, as in BitBake.
  t.is((await c.getStats()).requests.num, 1);
});

test("report then get, get-outhash, get-stream and exists-stream", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  const [taskhash, outhash, unihash] = [hash("t1"), hash("o1"), hash("u1")];

  t.is(await c.getUnihash(METHOD, taskhash), null);
  const reply = await c.reportUnihash({ taskhash, method: METHOD, outhash, unihash, extra: { PN: "zlib", PV: "1.3", task: "do_package" } });
  t.deepEqual(reply, { taskhash, method: METHOD, unihash });

  t.deepEqual(await c.getTaskhash(METHOD, taskhash), { taskhash, method: METHOD, unihash });
  const full = await c.getTaskhash(METHOD, taskhash, true);
  t.like(full, { taskhash, method: METHOD, outhash, unihash, PN: "zlib", PV: "1.3", PR: null, task: "do_package", owner: null });
  t.regex(full!.created!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);

  t.like(await c.getOuthash(METHOD, outhash, taskhash), { taskhash, outhash, unihash });
  const bare = await c.getOuthash(METHOD, outhash, taskhash, false);
  t.is(bare!.unihash, undefined);
  t.is(await c.getOuthash(METHOD, hash("other"), taskhash), null);
  t.is(await c.getTaskhash("other.method", taskhash), null);

  t.deepEqual(
    await c.getUnihashBatch([
      { method: METHOD, taskhash },
      { method: METHOD, taskhash: hash("missing") },
      { method: "other.method", taskhash },
    ]),
    [unihash, null, null],
  );
  t.deepEqual(await c.unihashExistsBatch([unihash, hash("nothing"), taskhash]), [true, false, false]);
  // Switching between stream modes and normal requests on one connection.
  t.true(await c.unihashExists(unihash));
  t.is(await c.getUnihash(METHOD, taskhash), unihash);
  t.true(await c.ping());
});

test("equal outhashes share the first unihash", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  const outhash = hash("shared-output");
  const first = await c.reportUnihash({ taskhash: hash("a"), method: METHOD, outhash, unihash: hash("ua") });
  t.is(first.unihash, hash("ua"));
  const second = await c.reportUnihash({ taskhash: hash("b"), method: METHOD, outhash, unihash: hash("ub") });
  t.is(second.unihash, hash("ua"));
  t.is(await c.getUnihash(METHOD, hash("b")), hash("ua"));
  // Another method is another namespace.
  const other = await c.reportUnihash({ taskhash: hash("b"), method: "other.method", outhash, unihash: hash("ub") });
  t.is(other.unihash, hash("ub"));
});

test("first writer wins: a taskhash keeps its first unihash", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  const taskhash = hash("dup");
  await c.reportUnihash({ taskhash, method: METHOD, outhash: hash("o1"), unihash: hash("u1") });
  const again = await c.reportUnihash({ taskhash, method: METHOD, outhash: hash("o2"), unihash: hash("u2") });
  t.is(again.unihash, hash("u1"));
  await c.reportUnihash({ taskhash, method: METHOD, outhash: hash("o3"), unihash: hash("u3") });
  t.is(await c.getUnihash(METHOD, taskhash), hash("u1"));
});

test("diverging reports (BitBake's race cases)", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  const [o1, o3] = [hash("out1"), hash("out3")];
  const [t1, t2] = [hash("task1"), hash("task2")];
  await c.reportUnihash({ taskhash: t1, method: METHOD, outhash: o1, unihash: t1 });
  t.is((await c.reportUnihash({ taskhash: t2, method: METHOD, outhash: o1, unihash: t2 })).unihash, t1);
  // Task 2 again with another output: still task 1's unihash.
  t.is((await c.reportUnihash({ taskhash: t2, method: METHOD, outhash: o3, unihash: t2 })).unihash, t1);

  // Reverse order on a fresh method: the non-deterministic output is reported first.
  const m = "reverse.method";
  await c.reportUnihash({ taskhash: t1, method: m, outhash: o1, unihash: t1 });
  t.is((await c.reportUnihash({ taskhash: t2, method: m, outhash: o3, unihash: t2 })).unihash, t2);
  t.is((await c.reportUnihash({ taskhash: t2, method: m, outhash: o1, unihash: t2 })).unihash, t2);
  t.is(await c.getUnihash(m, t2), t2);
});

test("report-equiv: first mapping wins", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  const taskhash = hash("equiv-task");
  t.deepEqual(await c.reportUnihashEquiv(taskhash, METHOD, hash("e1")), { taskhash, method: METHOD, unihash: hash("e1") });
  t.deepEqual(await c.reportUnihashEquiv(taskhash, METHOD, hash("e2")), { taskhash, method: METHOD, unihash: hash("e1") });
  t.is(await c.getUnihash(METHOD, taskhash), hash("e1"));
  // No outhash row: "get all" finds nothing, as in BitBake's joined query.
  t.is(await c.getTaskhash(METHOD, taskhash, true), null);
});

test("invalid unihashes are refused with BitBake's message", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  for (const bad of ["${@os.system('true')}", "a".repeat(63), "a".repeat(65), "A".repeat(64)]) {
    const e = await t.throwsAsync(c.reportUnihash({ taskhash: hash("x"), method: METHOD, outhash: hash("y"), unihash: bad }), {
      instanceOf: HashservInvokeError,
    });
    t.is(e?.message, "Invalid unihash");
  }
  await t.throwsAsync(c.reportUnihashEquiv(hash("x"), METHOD, "nope"), { instanceOf: HashservInvokeError, message: "Invalid unihash" });
  t.is(await c.getUnihash(METHOD, hash("x")), null);
});

test("messages longer than a chunk travel as a chunk stream both ways", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  const siginfo = "0".repeat(32 * 1024 * 4) + "é∑"; // non-ASCII travels escaped, like Python's json
  const [taskhash, outhash, unihash] = [hash("big"), hash("big-out"), hash("big-uni")];
  t.is((await c.reportUnihash({ taskhash, method: METHOD, outhash, unihash, extra: { outhash_siginfo: siginfo } })).unihash, unihash);
  const row = await c.getOuthash(METHOD, outhash, taskhash);
  t.is(row?.outhash_siginfo, siginfo);
});

test("remove by taskhash, unihash, outhash and method", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  const make = async (n: string) => {
    const row = { taskhash: hash(`t${n}`), method: METHOD, outhash: hash(`o${n}`), unihash: hash(`u${n}`) };
    await c.reportUnihash(row);
    return row;
  };
  const a = await make("a");
  t.is(await c.remove({ taskhash: a.taskhash }), 2); // its outhash row and its unihash row
  t.is(await c.getUnihash(METHOD, a.taskhash), null);
  t.is(await c.getOuthash(METHOD, a.outhash, a.taskhash), null);

  const b = await make("b");
  t.is(await c.remove({ unihash: b.unihash }), 1);
  t.is(await c.getUnihash(METHOD, b.taskhash), null);
  t.not(await c.getOuthash(METHOD, b.outhash, b.taskhash, false), null);

  const d = await make("d");
  t.is(await c.remove({ outhash: d.outhash }), 1);
  t.is(await c.getOuthash(METHOD, d.outhash, d.taskhash), null);
  t.is(await c.getUnihash(METHOD, d.taskhash), d.unihash);

  await make("e");
  t.true((await c.remove({ method: METHOD })) > 0);
  t.like(await c.getDbUsage(), { unihashes: { rows: 0 }, outhashes: { rows: 0 } });
  t.is(await c.remove({ nonsense: "x" }), 0);
});

test("clean-unused drops outhash rows no unihash uses", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  const row = { taskhash: hash("t"), method: METHOD, outhash: hash("o"), unihash: hash("u") };
  await c.reportUnihash(row);
  t.is(await c.cleanUnused(0), 0);
  await c.remove({ unihash: row.unihash });
  t.not(await c.getOuthash(METHOD, row.outhash, row.taskhash, false), null);
  t.is(await c.cleanUnused(3600), 0); // younger than an hour
  t.is(await c.cleanUnused(0), 1);
  t.is(await c.getOuthash(METHOD, row.outhash, row.taskhash, false), null);
});

test("garbage collection: mark, mark-stream, status, sweep", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  for (const n of [1, 2, 3, 4]) {
    await c.reportUnihash({ taskhash: hash(`t${n}`), method: METHOD, outhash: hash(`o${n}`), unihash: hash(`u${n}`) });
  }
  t.deepEqual(await c.gcStatus(), { keep: 4, remove: 0, mark: null });
  t.is(await c.gcMark("ABC", { unihash: hash("u1") }), 1);
  t.deepEqual(await c.gcStatus(), { keep: 1, remove: 3, mark: "ABC" });
  t.is(await c.gcMarkStream("ABC", [{ taskhash: hash("t2"), method: METHOD }, { unihash: hash("nothing") }]), 1);
  // A hash reported during a collection is kept.
  await c.reportUnihash({ taskhash: hash("t5"), method: METHOD, outhash: hash("o5"), unihash: hash("u5") });
  t.deepEqual(await c.gcStatus(), { keep: 3, remove: 2, mark: "ABC" });

  await t.throwsAsync(c.gcSweep("XYZ"), { instanceOf: HashservInvokeError, message: "'XYZ' is not the current mark. Refusing to sweep" });
  t.is(await c.gcSweep("ABC"), 2);
  // The survivors keep mark "ABC" while no collection runs, so BitBake counts them as "remove".
  t.deepEqual(await c.gcStatus(), { keep: 0, remove: 3, mark: null });
  t.deepEqual(
    await c.getUnihashBatch([1, 2, 3, 4, 5].map((n) => ({ method: METHOD, taskhash: hash(`t${n}`) }))),
    [hash("u1"), hash("u2"), null, null, hash("u5")],
  );
});

test("gc-mark-stream refuses a bad line with an invoke error", async (t) => {
  const s = await server(t);
  const raw = await RawConnection.open(s.address);
  t.teardown(() => raw.close());
  raw.send("OEHASHEQUIV 1.1", "needs-headers: false", "", JSON.stringify({ "gc-mark-stream": null }));
  t.is(await raw.line(), '"ok"');
  raw.send("not json");
  t.is(await raw.line(), JSON.stringify({ "invoke-error": { message: "Could not decode JSONL input 'not json'" } }));
  t.is(await raw.line(), null);
});

test("db usage and query columns", async (t) => {
  const s = await server(t);
  const c = await client(t, s.address);
  await c.reportUnihash({ taskhash: hash("t"), method: METHOD, outhash: hash("o"), unihash: hash("u") });
  const usage = await c.getDbUsage();
  t.is(usage.unihashes?.rows, 1);
  t.is(usage.outhashes?.rows, 1);
  t.deepEqual(
    (await c.getDbQueryColumns()).sort(),
    ["PN", "PR", "PV", "gc_mark", "method", "outhash", "outhash_siginfo", "owner", "task", "taskhash", "unihash"],
  );
});

test("wire format: handshake, needs-headers, stream mode and hang-ups", async (t) => {
  const s = await server(t);
  const raw = await RawConnection.open(s.address);
  t.teardown(() => raw.close());
  raw.send("OEHASHEQUIV 1.1", "needs-headers: true", "x-extra: y", "");
  t.is(await raw.line(), ""); // no server headers, just their end
  raw.send('{"ping": {}}');
  t.is(await raw.line(), '{"alive":true}');
  raw.send('{"get-stream": null}');
  t.is(await raw.line(), '"ok"');
  raw.send(`${METHOD} ${hash("nothing")}`, "END");
  t.is(await raw.line(), "");
  t.is(await raw.line(), "ok");
  // An unknown request gets no reply: the server hangs up, as BitBake's does.
  raw.send('{"frobnicate": {}}');
  t.is(await raw.line(), null);

  for (const greeting of ["OEHASHEQUIV 1.0", "OEHASHEQUIV 1.2", "PRSERVICE 1.0"]) {
    const r = await RawConnection.open(s.address);
    t.teardown(() => r.close());
    r.send(greeting, "", '{"ping": {}}');
    t.is(await r.line(), null, greeting);
  }
});

test("a malformed request is refused with an invoke error, then the connection closes", async (t) => {
  const s = await server(t);
  const raw = await RawConnection.open(s.address);
  t.teardown(() => raw.close());
  raw.send("OEHASHEQUIV 1.1", "", JSON.stringify({ get: { method: METHOD } }));
  t.is(await raw.line(), JSON.stringify({ "invoke-error": { message: "Missing or invalid 'taskhash'" } }));
  t.is(await raw.line(), null);
  // The client reconnects by itself after an invoke error.
  const c = await client(t, s.address);
  await t.throwsAsync(c.reportUnihashEquiv(hash("x"), METHOD, "bad"), { instanceOf: HashservInvokeError });
  t.true(await c.ping());
});

test("unknown requests make the client give up with a connection error", async (t) => {
  const s = await server(t, { readOnly: true });
  const c = await client(t, s.address, { retries: 0 });
  await t.throwsAsync(c.remove({ taskhash: hash("x") }), { instanceOf: ConnectionClosedError });
  t.true(await c.ping());
});
