// bake's process lock: who holds it, when a holder is gone, and what a broken lock hands over.
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describeHolder, tryLock } from "../../lib/common/lock.js";

function lockPath(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "bake-lock-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "x.lock");
}

const startOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19]!;

test("a live holder keeps the lock; the same pid started at another time is a reused pid, and stale", (t) => {
  const path = lockPath(t);
  const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
  t.teardown(() => sleeper.kill());
  const pid = sleeper.pid!;
  writeFileSync(path, `${pid} ${hostname()} live ${startOf(pid)}\n`);
  const busy = tryLock(path);
  t.false(busy.ok);
  t.like(busy, { holder: { pid, token: "live" } });

  writeFileSync(path, `${pid} ${hostname()} reused 1\ntask 123 /w/run.do_compile.1\n`);
  const got = tryLock(path);
  if (!got.ok) return t.fail("a reused pid's lock was not broken");
  t.like(got.broke, { pid, token: "reused", records: ["task 123 /w/run.do_compile.1"] });
  t.regex(readFileSync(path, "utf8"), new RegExp(`^${process.pid} ${hostname()} [0-9a-f]{16}`));
  got.lock.append("task 7 /w/run.do_install.7");
  t.regex(readFileSync(path, "utf8"), /\ntask 7 \/w\/run\.do_install\.7\n$/);
  // Each line is in the file as soon as append returns (the file is kept open between them).
  got.lock.append("task 8 /w/run.do_deploy.8");
  t.regex(readFileSync(path, "utf8"), /\ntask 7 \/w\/run\.do_install\.7\ntask 8 \/w\/run\.do_deploy\.8\n$/);
  got.lock.release();
  t.false(existsSync(path));
  got.lock.append("task 9 /w/run.do_package.9");
  t.false(existsSync(path), "nothing is written once released");
});

test("a lock of another host holds (its process cannot be seen); a pid alone is this host's", (t) => {
  const path = lockPath(t);
  const dead = spawnSync("true").pid!;
  writeFileSync(path, `${dead} build-server-7 theirs\n`);
  const busy = tryLock(path);
  if (busy.ok) return t.fail("another host's lock was broken");
  t.is(describeHolder(busy.holder), `pid ${dead} on build-server-7`);

  writeFileSync(path, `${dead}\n`);
  const got = tryLock(path);
  t.true(got.ok);
  if (got.ok) got.lock.release();
});

test("a lock with no holder line is one being written, until it is old enough to be a crash", (t) => {
  const path = lockPath(t);
  writeFileSync(path, "");
  const busy = tryLock(path);
  t.deepEqual(busy, { ok: false, holder: "unreadable" });
  const old = new Date(Date.now() - 60_000);
  utimesSync(path, old, old);
  const got = tryLock(path);
  t.true(got.ok);
  if (got.ok) {
    t.is(got.broke, null);
    got.lock.release();
  }
});

test("a thread's own lock is held against its second taker, and a release only removes its own lock", (t) => {
  const path = lockPath(t);
  const first = tryLock(path);
  if (!first.ok) return t.fail();
  t.like(tryLock(path), { ok: false, holder: { pid: process.pid } });
  // Someone broke and retook it meanwhile: releasing must leave theirs in place.
  writeFileSync(path, `${process.pid} ${hostname()} someone-else\n`);
  first.lock.release();
  t.true(existsSync(path));
});
