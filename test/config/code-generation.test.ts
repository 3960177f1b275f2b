// The identity of bake's code that cached results are made with: by content, so that a rebuild
// which writes the same modules again (new mtimes, same text) keeps the parse cache and the
// configuration snapshot valid, while a changed module, a new one or a removed one does not.
import test from "ava";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { write } from "../helpers/layer.js";
import { codeDigest } from "../../lib/common/code-digest.js";
import { bundledStages, bundleGeneration, codeGeneration } from "../../lib/config/code-generation.js";

function fixture() {
  const root = mkdtempSync(join(tmpdir(), "bake-code-generation-"));
  write(join(root, "lib/parse/a.js"), "export const a = 1;\n");
  write(join(root, "lib/data/b.js"), "export const b = 2;\n");
  write(join(root, "lib/data/b.js.map"), "{}\n");
  write(join(root, "py/bb/__init__.py"), "x = 1\n");
  const dirs = [["parse", join(root, "lib/parse")], ["data", join(root, "lib/data")], ["py", join(root, "py")]] as const;
  return { root, dirs, hashes: join(root, "hashes.json"), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Writes `text` to `path` as a compiler writing its output again would: a new mtime. */
function rewrite(path: string, text: string, seconds: number): void {
  writeFileSync(path, text);
  utimesSync(path, seconds, seconds);
}

test("a module written again with the same content keeps the digest, and its new stamp is kept", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const before = codeDigest(f.dirs, f.hashes);
  const a = join(f.root, "lib/parse/a.js");
  rewrite(a, "export const a = 1;\n", 2_000_000_000);
  t.is(codeDigest(f.dirs, f.hashes), before);
  const st = statSync(a, { bigint: true });
  const kept = JSON.parse(readFileSync(f.hashes, "utf8")) as Record<string, [string, string]>;
  t.is(kept[a]![0], `${st.mtimeNs}:${st.size}:${st.ino}`);
  // Without kept hashes the answer is the same: they only save reads.
  t.is(codeDigest(f.dirs, null), before);
});

test("a changed, added or removed module changes the digest; files that are not code do not", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const first = codeDigest(f.dirs, f.hashes);
  rewrite(join(f.root, "lib/data/b.js.map"), '{"changed": true}\n', 2_000_000_000);
  t.is(codeDigest(f.dirs, f.hashes), first);
  // Same size, other content: the stamp moved, so the content is read again.
  rewrite(join(f.root, "lib/data/b.js"), "export const b = 3;\n", 2_000_000_000);
  const changed = codeDigest(f.dirs, f.hashes);
  t.not(changed, first);
  write(join(f.root, "py/bb/new.py"), "y = 2\n");
  const added = codeDigest(f.dirs, f.hashes);
  t.not(added, changed);
  unlinkSync(join(f.root, "py/bb/new.py"));
  t.is(codeDigest(f.dirs, f.hashes), changed);
  // A module moved to another stage is other code (the stage name is part of the digest).
  write(join(f.root, "lib/data/a.js"), "export const a = 1;\n");
  unlinkSync(join(f.root, "lib/parse/a.js"));
  t.not(codeDigest(f.dirs, f.hashes), changed);
});

test("kept hashes that cannot be read are ignored", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const digest = codeDigest(f.dirs, null);
  writeFileSync(f.hashes, "not json");
  t.is(codeDigest(f.dirs, f.hashes), digest);
  t.is(codeDigest(f.dirs, f.hashes), digest);
});

test("the bundle's code generation (its compiled stages taken when it was built) is the one dist/lib's modules give", (t) => {
  // scripts/build.mjs puts bundledStages() into the bundle: the command line and the tests, which
  // run dist/lib, then make and use the same cached results.
  t.is(bundleGeneration(bundledStages()), codeGeneration());
});
