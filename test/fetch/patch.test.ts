import test from "ava";
import { existsSync, promises as fs } from "node:fs";
import { join } from "node:path";
import { PatchFailed, applyPatches } from "../../lib/fetch/index.js";
import { makeCtx, tempDir } from "./helpers.js";

test("patches apply in SRC_URI order; a failing patch names the file and the hunk", async (t) => {
  const tmp = await tempDir();
  t.teardown(tmp.cleanup);
  const files = join(tmp.path, "files");
  const s = join(tmp.path, "S");
  await fs.mkdir(files);
  await fs.mkdir(join(s, "lib"), { recursive: true });
  await fs.writeFile(join(s, "lib", "a.c"), "line1\nline2\nline3\n");
  await fs.writeFile(
    join(files, "0001-first.patch"),
    "--- a/lib/a.c\n+++ b/lib/a.c\n@@ -1,3 +1,3 @@\n line1\n-line2\n+line2 patched\n line3\n",
  );
  // Applies on top of the first only (order matters).
  await fs.writeFile(
    join(files, "0002-second.diff"),
    "--- a/lib/a.c\n+++ b/lib/a.c\n@@ -1,3 +1,3 @@\n line1\n-line2 patched\n+line2 twice\n line3\n",
  );
  // patchdir + striplevel: a -p0 patch relative to lib/.
  await fs.writeFile(join(files, "in-lib.txt"), "--- a.c\n+++ a.c\n@@ -3 +3 @@\n-line3\n+line3 from lib\n");
  await fs.writeFile(
    join(files, "0003-broken.patch"),
    "--- a/lib/a.c\n+++ b/lib/a.c\n@@ -1,3 +1,3 @@\n line1\n-this line is not there\n+replacement\n line3\n",
  );
  const ctx = makeCtx({ DL_DIR: join(tmp.path, "dl"), FILESPATH: files });
  const applied = await applyPatches(
    ctx,
    ["file://0001-first.patch", "file://0002-second.diff", "file://in-lib.txt;apply=yes;patchdir=lib;striplevel=0"],
    { sourceDir: s },
  );
  t.is(applied.length, 3);
  t.is(await fs.readFile(join(s, "lib", "a.c"), "utf8"), "line1\nline2 twice\nline3 from lib\n");

  const err = await t.throwsAsync(applyPatches(ctx, ["file://0003-broken.patch"], { sourceDir: s }), { instanceOf: PatchFailed });
  t.is(err!.patchFile, join(files, "0003-broken.patch"));
  t.is(err!.failures.length, 1);
  t.like(err!.failures[0], { file: "lib/a.c", hunk: 1 });
  t.true(err!.failures[0]!.text!.includes("-this line is not there"));
  t.regex(err!.message, /0003-broken\.patch/);
  t.regex(err!.message, /Hunk #1 FAILED/);
  // The dry run kept the tree untouched.
  t.is(await fs.readFile(join(s, "lib", "a.c"), "utf8"), "line1\nline2 twice\nline3 from lib\n");
  t.false(existsSync(join(s, "lib", "a.c.rej")));
});
