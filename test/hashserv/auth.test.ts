// Users, tokens, permissions and read-only mode.
import test from "ava";
import { HashEquivClient, HashservConfigError, HashservInvokeError, startHashserv } from "../../lib/sstate/hashserv/index.js";
import { METHOD, client, hash, server, tempDir } from "./helpers.js";

const ADMIN = { adminUser: "admin", adminPassword: "s3cret" };
const ALL = ["@all", "@db-admin", "@read", "@report", "@user-admin"];

test("the admin user from the command line logs in and manages users", async (t) => {
  const s = await server(t, { ...ADMIN, anonPermissions: ["@read"] });
  const admin = await client(t, s.address, { username: "admin", password: "s3cret" });
  t.deepEqual(await admin.getUser(), { username: "admin", permissions: ALL });

  const bob = await admin.newUser("bob", ["@read", "@none"]);
  t.is(bob.username, "bob");
  t.deepEqual(bob.permissions, ["@read"]);
  t.regex(bob.token!, /^[A-Za-z0-9._]{64}$/);
  await t.throwsAsync(admin.newUser("bob", []), { instanceOf: HashservInvokeError, message: "Cannot create new user 'bob'" });
  await t.throwsAsync(admin.newUser("eve", ["@read", "@root", "@god"]), {
    instanceOf: HashservInvokeError,
    message: "Unknown permissions @god, @root",
  });

  t.deepEqual(await admin.setUserPerms("bob", ["@report", "@read"]), { username: "bob", permissions: ["@read", "@report"] });
  t.deepEqual(await admin.getUser("bob"), { username: "bob", permissions: ["@read", "@report"] });
  t.is(await admin.getUser("nobody"), null);
  t.deepEqual(
    (await admin.getAllUsers()).map((u) => u.username).sort(),
    ["admin", "bob"],
  );
  await t.throwsAsync(admin.setUserPerms("nobody", []), { instanceOf: HashservInvokeError, message: "No user named 'nobody' exists" });

  // Logged in, bob reports; his name becomes the owner whatever the report says.
  const b = await client(t, s.address, { username: "bob", password: bob.token! });
  await b.reportUnihash({ taskhash: hash("t"), method: METHOD, outhash: hash("o"), unihash: hash("u"), extra: { owner: "mallory" } });
  t.is((await b.getTaskhash(METHOD, hash("t"), true))?.owner, "bob");

  t.deepEqual(await admin.deleteUser("bob"), { username: "bob" });
  await t.throwsAsync(admin.deleteUser("bob"), { instanceOf: HashservInvokeError, message: "No user named 'bob' exists" });
  await t.throwsAsync(HashEquivClient.connect(s.address, { username: "bob", password: bob.token! }), {
    instanceOf: HashservInvokeError,
    message: "Unable to authenticate as bob",
  });
});

test("restarting with the admin options resets that user's token and permissions", async (t) => {
  const db = `${await tempDir(t)}/db`;
  const first = await startHashserv({ bind: "127.0.0.1:0", db, ...ADMIN });
  const c = await HashEquivClient.connect(first.address, { username: "admin", password: "s3cret" });
  await c.setUserPerms("admin", ["@read"]);
  await c.close();
  await first.close();
  const second = await server(t, { db, adminUser: "admin", adminPassword: "other" });
  const again = await client(t, second.address, { username: "admin", password: "other" });
  t.deepEqual((await again.getUser())?.permissions, ALL);
});

test("a user without @report is answered but not recorded; report-equiv is refused", async (t) => {
  const s = await server(t, { ...ADMIN, anonPermissions: ["@read"] });
  const admin = await client(t, s.address, { username: "admin", password: "s3cret" });
  const reader = await admin.newUser("reader", ["@read"]);
  const reporter = await admin.newUser("reporter", ["@read", "@report"]);

  for (const c of [await client(t, s.address), await client(t, s.address, { username: "reader", password: reader.token! })]) {
    const reply = await c.reportUnihash({ taskhash: hash("t1"), method: METHOD, outhash: hash("o1"), unihash: hash("u1") });
    t.is(reply.unihash, hash("u1"));
    t.is(await c.getUnihash(METHOD, hash("t1")), null);
  }
  const anon = await client(t, s.address);
  await t.throwsAsync(anon.reportUnihashEquiv(hash("t1"), METHOD, hash("u1")), {
    instanceOf: HashservInvokeError,
    message: "Anonymous user is not allowed to access permissions(s) @read, @report",
  });
  const r = await client(t, s.address, { username: "reader", password: reader.token! });
  await t.throwsAsync(r.reportUnihashEquiv(hash("t1"), METHOD, hash("u1")), {
    instanceOf: HashservInvokeError,
    message: "reader is not allowed to access permissions(s) @read, @report",
  });
  await t.throwsAsync(r.gcStatus(), { instanceOf: HashservInvokeError, message: "reader is not allowed to access permissions(s) @db-admin" });

  const w = await client(t, s.address, { username: "reporter", password: reporter.token! });
  await w.reportUnihash({ taskhash: hash("t1"), method: METHOD, outhash: hash("o1"), unihash: hash("u1") });
  t.is(await anon.getUnihash(METHOD, hash("t1")), hash("u1"));
  // Now that the output is known, a reader's report is told the recorded unihash.
  const told = await r.reportUnihash({ taskhash: hash("t2"), method: METHOD, outhash: hash("o1"), unihash: hash("u2") });
  t.is(told.unihash, hash("u1"));
  t.is(await r.getUnihash(METHOD, hash("t2")), null);
});

test("anonymous permissions are configurable, down to none", async (t) => {
  const s = await server(t, { ...ADMIN, anonPermissions: ["@none"] });
  const anon = await client(t, s.address);
  t.true(await anon.ping()); // ping needs no permission
  await t.throwsAsync(anon.getTaskhash(METHOD, hash("t")), {
    instanceOf: HashservInvokeError,
    message: "Anonymous user is not allowed to access permissions(s) @read",
  });
  await t.throwsAsync(anon.getUnihash(METHOD, hash("t")), { instanceOf: HashservInvokeError });
  await t.throwsAsync(anon.getStats(), { instanceOf: HashservInvokeError });
  const admin = await client(t, s.address, { username: "admin", password: "s3cret" });
  t.is(await admin.getUnihash(METHOD, hash("t")), null);

  const dflt = await server(t);
  const d = await client(t, dflt.address);
  t.is(await d.gcMark("m", {}), 0); // BitBake's defaults include @db-admin
  await t.throwsAsync(d.getAllUsers(), {
    instanceOf: HashservInvokeError,
    message: "Anonymous user is not allowed to access permissions(s) @user-admin",
  });

  for (const bad of [["@user-admin"], ["@read", "@all"]]) {
    await t.throwsAsync(startHashserv({ bind: "127.0.0.1:0", db: `${await tempDir(t)}/db`, anonPermissions: bad }), {
      instanceOf: HashservConfigError,
    });
  }
});

test("tokens: self-service refresh, admin refresh, reconnection keeps the login", async (t) => {
  const s = await server(t, { ...ADMIN, anonPermissions: ["@read"] });
  const admin = await client(t, s.address, { username: "admin", password: "s3cret" });
  const carol = await admin.newUser("carol", ["@read"]);
  const dave = await admin.newUser("dave", ["@read"]);
  const c = await client(t, s.address, { username: "carol", password: carol.token! });

  t.deepEqual(await c.getUser(), { username: "carol", permissions: ["@read"] });
  await t.throwsAsync(c.getUser("dave"), {
    instanceOf: HashservInvokeError,
    message: "carol is not allowed to access permissions(s) @user-admin",
  });
  const refreshed = await c.refreshToken();
  t.is(refreshed.username, "carol");
  t.not(refreshed.token, carol.token);
  // The client logs in again with the new token after the server hung up on an error.
  await t.throwsAsync(c.refreshToken("dave"), { instanceOf: HashservInvokeError });
  t.deepEqual(await c.getUser(), { username: "carol", permissions: ["@read"] });
  await t.throwsAsync(HashEquivClient.connect(s.address, { username: "carol", password: carol.token! }), {
    instanceOf: HashservInvokeError,
  });

  const forDave = await admin.refreshToken("dave");
  t.not(forDave.token, dave.token);
  const d = await client(t, s.address, { username: "dave", password: forDave.token });
  t.is((await d.getUser())?.username, "dave");
  // A user may delete themselves.
  t.deepEqual(await d.deleteUser("dave"), { username: "dave" });
  await t.throwsAsync(new HashEquivClient(s.address).refreshToken(), {
    instanceOf: HashservInvokeError,
    message: "Anonymous user is not allowed to access permissions(s) @user-admin",
  });
});

test("become-user acts as another user, and needs @user-admin", async (t) => {
  const s = await server(t, { ...ADMIN, anonPermissions: ["@read"] });
  const admin = await client(t, s.address, { username: "admin", password: "s3cret" });
  const erin = await admin.newUser("erin", ["@read", "@report"]);
  t.deepEqual(await admin.becomeUser("erin"), { username: "erin", permissions: ["@read", "@report"] });
  t.deepEqual(await admin.getUser(), { username: "erin", permissions: ["@read", "@report"] });
  await admin.reportUnihash({ taskhash: hash("t"), method: METHOD, outhash: hash("o"), unihash: hash("u") });
  t.is((await admin.getTaskhash(METHOD, hash("t"), true))?.owner, "erin");
  // erin lacks @user-admin: after become-user the admin rights are gone on this connection.
  await t.throwsAsync(admin.getAllUsers(), { instanceOf: HashservInvokeError });
  // The impersonation survives the reconnection that follows the error.
  t.is((await admin.getUser())?.username, "erin");

  const e = await client(t, s.address, { username: "erin", password: erin.token! });
  await t.throwsAsync(e.becomeUser("admin"), {
    instanceOf: HashservInvokeError,
    message: "erin is not allowed to access permissions(s) @user-admin",
  });
  const a2 = await client(t, s.address, { username: "admin", password: "s3cret" });
  await t.throwsAsync(a2.becomeUser("ghost"), { instanceOf: HashservInvokeError, message: "User ghost doesn't exist" });
});

test("a failed login is refused after a delay", async (t) => {
  const s = await server(t, ADMIN);
  await t.throwsAsync(HashEquivClient.connect(s.address, { username: "admin", password: "wrong" }), {
    instanceOf: HashservInvokeError,
    message: "Unable to authenticate as admin",
  });
  await t.throwsAsync(HashEquivClient.connect(s.address, { username: "nobody", password: "x" }), {
    instanceOf: HashservInvokeError,
    message: "Unable to authenticate as nobody",
  });
});

test("read-only mode: reads work, reports are not recorded, writing requests do not exist", async (t) => {
  const db = `${await tempDir(t)}/db`;
  const rw = await startHashserv({ bind: "127.0.0.1:0", db, anonPermissions: ["@read", "@report"], ...ADMIN });
  const w = await HashEquivClient.connect(rw.address);
  await w.reportUnihash({ taskhash: hash("t1"), method: METHOD, outhash: hash("o1"), unihash: hash("u1") });
  await w.close();
  await rw.close();

  const ro = await server(t, { db, readOnly: true, ...ADMIN });
  const c = await client(t, ro.address, { retries: 0 });
  t.is(await c.getUnihash(METHOD, hash("t1")), hash("u1"));
  t.deepEqual(await c.unihashExistsBatch([hash("u1")]), [true]);
  // Told what it would get, as BitBake's read-only server does, and nothing is written.
  t.is((await c.reportUnihash({ taskhash: hash("t2"), method: METHOD, outhash: hash("o1"), unihash: hash("u2") })).unihash, hash("u1"));
  t.is((await c.reportUnihash({ taskhash: hash("t3"), method: METHOD, outhash: hash("o3"), unihash: hash("u3") })).unihash, hash("u3"));
  t.deepEqual(await c.getUnihashBatch([hash("t2"), hash("t3")].map((taskhash) => ({ method: METHOD, taskhash }))), [null, null]);

  for (const write of [
    () => c.reportUnihashEquiv(hash("t4"), METHOD, hash("u4")),
    () => c.remove({ taskhash: hash("t1") }),
    () => c.gcMark("m", {}),
    () => c.gcSweep("m"),
    () => c.cleanUnused(0),
    () => c.resetStats(),
  ]) {
    await t.throwsAsync(write(), { message: /connection closed/ });
  }
  // Even the admin cannot write through a read-only server.
  const admin = await client(t, ro.address, { username: "admin", password: "s3cret", retries: 0 });
  await t.throwsAsync(admin.newUser("x", []), { message: /connection closed/ });
  t.deepEqual((await admin.getAllUsers()).map((u) => u.username), ["admin"]);
  t.is(await c.getUnihash(METHOD, hash("t1")), hash("u1"));

  await t.throwsAsync(startHashserv({ bind: "127.0.0.1:0", db: `${await tempDir(t)}/db`, readOnly: true, upstream: ro.address }), {
    instanceOf: HashservConfigError,
    message: "Read-only hashserv cannot pull from an upstream server",
  });
});
