// BB_VERIFY_DOWNLOADS = "1": a download changed in DL_DIR after its `.done` stamp is caught
// before it is used: do_unpack fails naming the file and both sums (it has no network to fetch it
// again), do_fetch sets it aside and fetches it again.
import test from "ava";
import { existsSync, promises as fs } from "node:fs";
import { join } from "node:path";
import { DownloadChanged, fetchAll, unpackAll } from "../../lib/fetch/index.js";
import { makeCtx, serveBody, sha256, startServer, tempDir } from "./helpers.js";

const BODY = Buffer.from("the upstream release\n".repeat(100));

async function rig(t: { teardown(fn: () => Promise<void>): void }, verify: boolean) {
  const tmp = await tempDir();
  t.teardown(tmp.cleanup);
  const server = await startServer({ "/notes.txt": serveBody(BODY) });
  t.teardown(server.close);
  const dl = join(tmp.path, "dl");
  const ctx = makeCtx(
    { DL_DIR: dl, PN: "notes", BB_STRICT_CHECKSUM: "1", ...(verify ? { BB_VERIFY_DOWNLOADS: "1" } : {}) },
    { "SRC_URI[sha256sum]": sha256(BODY) },
  );
  const uri = `${server.base}/notes.txt`;
  await fetchAll(ctx, [uri]);
  const file = join(dl, "notes.txt");
  // Changed behind bake's back, stamp untouched.
  await fs.writeFile(file, "tampered\n");
  return { tmp, server, ctx, uri, file };
}

test("BB_VERIFY_DOWNLOADS: do_unpack refuses a download changed since its stamp, naming the file and both sums", async (t) => {
  const { tmp, ctx, uri, file } = await rig(t, true);
  const err = await t.throwsAsync(unpackAll(ctx, [uri], { rootDir: join(tmp.path, "work") }), { instanceOf: DownloadChanged });
  t.is(err!.path, file);
  t.is(err!.expected, sha256(BODY));
  t.is(err!.actual, sha256("tampered\n"));
  t.true(err!.message.includes(file) && err!.message.includes(sha256(BODY)) && err!.message.includes(sha256("tampered\n")), err!.message);
  t.regex(err!.message, /bake -C fetch notes/);
  // Nothing unpacked; the file is set aside and unstamped, so do_fetch brings it back.
  t.false(existsSync(join(tmp.path, "work", "notes.txt")));
  t.false(existsSync(file));
  t.false(existsSync(`${file}.done`));
  t.is(await fs.readFile(err!.movedTo, "utf8"), "tampered\n");
});

test("BB_VERIFY_DOWNLOADS: do_fetch hashes a stamped download again and fetches a changed one anew", async (t) => {
  const { server, ctx, uri, file } = await rig(t, true);
  const warnings: string[] = [];
  const [res] = await fetchAll(ctx, [uri], { onEvent: (e) => e.type === "warning" && warnings.push(e.message) });
  t.is(res!.origin, "upstream");
  t.is(server.hits("/notes.txt"), 2);
  t.deepEqual(await fs.readFile(file), BODY);
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /changed after it was fetched and verified/);
  t.true(warnings[0]!.includes(sha256("tampered\n")));
});

test("without BB_VERIFY_DOWNLOADS the stamp is trusted, as in BitBake: no rehash, no refetch", async (t) => {
  const { tmp, server, ctx, uri } = await rig(t, false);
  const [res] = await fetchAll(ctx, [uri]);
  t.is(res!.origin, "dl_dir");
  t.is(server.hits("/notes.txt"), 1);
  await unpackAll(ctx, [uri], { rootDir: join(tmp.path, "work") });
  t.is(await fs.readFile(join(tmp.path, "work", "notes.txt"), "utf8"), "tampered\n");
});
