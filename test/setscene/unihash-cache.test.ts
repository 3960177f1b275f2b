// The build directory's kept unihashes: an answer counts only for the taskhash it was given for
// and the server that gave it, and a damaged file is an empty cache, never an error.
import test from "ava";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asTaskHash, asUniHash } from "../../lib/common/hashes.js";
import { UnihashCache, type UnihashSource } from "../../lib/setscene/unihash-cache.js";

const task = (c: string) => asTaskHash(c.repeat(64));
const uni = (c: string) => asUniHash(c.repeat(64));
const source: UnihashSource = { server: "auto", upstream: "", database: "/b/cache/hashserv", method: "bake.OutHashBasic" };

function tempFile(t: { teardown(f: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "bake-unihashes-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "cache/unihashes.json");
}

test("an answer is kept for its task and taskhash, across builds, one entry per task", (t) => {
  const path = tempFile(t);
  const first = UnihashCache.load(path, source);
  t.is(first.get("core2-64/zlib:do_populate_sysroot", task("a")), null);
  first.set("core2-64/zlib:do_populate_sysroot", task("a"), uni("b"));
  first.save();

  const second = UnihashCache.load(path, source);
  t.deepEqual(second.get("core2-64/zlib:do_populate_sysroot", task("a")), { unihash: uni("b"), confirmed: true });
  t.is(second.get("core2-64/zlib:do_populate_sysroot", task("c")), null, "another taskhash of the task is asked again");
  t.is(second.get("aarch64/zlib:do_populate_sysroot", task("a")), null);
  second.set("core2-64/zlib:do_populate_sysroot", task("c"), uni("c"));
  second.save();
  const file = JSON.parse(readFileSync(path, "utf8")) as { tasks: Record<string, unknown> };
  t.deepEqual(Object.keys(file.tasks), ["core2-64/zlib:do_populate_sysroot"]);
  t.is(UnihashCache.load(path, source).get("core2-64/zlib:do_populate_sysroot", task("a")), null);
});

test("another server, upstream, database or method starts from an empty cache", (t) => {
  const path = tempFile(t);
  const c = UnihashCache.load(path, source);
  c.set("k", task("a"), uni("b"));
  c.save();
  for (const other of [{ server: "host:8686" }, { upstream: "up:8686" }, { database: "/elsewhere" }, { method: "oe.sstatesig.OEOuthashBasic" }]) {
    t.is(UnihashCache.load(path, { ...source, ...other }).get("k", task("a")), null, JSON.stringify(other));
  }
  t.deepEqual(UnihashCache.load(path, source).get("k", task("a")), { unihash: uni("b"), confirmed: true });
});

test("a file cut short, not JSON, or holding what is not a hash is an empty cache", (t) => {
  const path = tempFile(t);
  const c = UnihashCache.load(path, source);
  c.set("k", task("a"), uni("b"));
  c.save();
  const whole = readFileSync(path, "utf8");
  writeFileSync(path, whole.slice(0, whole.length / 2));
  t.is(UnihashCache.load(path, source).get("k", task("a")), null);
  writeFileSync(path, JSON.stringify({ version: 2, source, tasks: { k: [task("a"), "../../etc/passwd"] } }));
  t.is(UnihashCache.load(path, source).get("k", task("a")), null);
});

test("a taskhash the server did not know is kept as unconfirmed, its own taskhash standing in", (t) => {
  const path = tempFile(t);
  const c = UnihashCache.load(path, source);
  c.set("k", task("a"), null);
  c.set("j", task("d"), uni("e"));
  c.save();
  const again = UnihashCache.load(path, source);
  t.deepEqual(again.get("k", task("a")), { unihash: uni("a"), confirmed: false });
  t.deepEqual(again.get("j", task("d")), { unihash: uni("e"), confirmed: true });
  // An answer later replaces the unknown.
  again.set("k", task("a"), uni("f"));
  again.save();
  t.deepEqual(UnihashCache.load(path, source).get("k", task("a")), { unihash: uni("f"), confirmed: true });
});

test("a version 1 file, which did not tell an unknown taskhash from an answer, is an empty cache", (t) => {
  const path = tempFile(t);
  const c = UnihashCache.load(path, source);
  c.set("k", task("a"), uni("b"));
  c.save();
  const file = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify({ ...file, version: 1 }));
  t.is(UnihashCache.load(path, source).get("k", task("a")), null);
});
