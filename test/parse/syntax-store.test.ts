// Syntax trees kept between runs: a file with the same path and text is read back as the tree a
// parse gives, a changed one is parsed again, a syntax error is still reported where it is, and
// another build of the parser never reads a tree of this one; the store is bounded by bytes.
import test from "ava";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { write } from "../helpers/layer.js";
import { parseFile, ParseError, SyntaxTreeStore } from "../../lib/parse/index.js";

function fixture() {
  const root = mkdtempSync(join(tmpdir(), "bake-syntax-store-"));
  const file = join(root, "layer/classes/x.bbclass");
  write(file, 'A = "1"\ndo_x() {\n\techo ${A}\n}\naddtask x after do_fetch\n');
  return { root, file, store: join(root, "store"), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test("a kept tree is the tree a parse gives; a changed file is parsed again", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const first = new SyntaxTreeStore(f.store, "gen-1").parse(f.file);
  t.deepEqual(first, parseFile(f.file));
  t.is(readdirSync(join(f.store, "gen-1")).length, 1);
  // Another run: read back, the same tree.
  t.deepEqual(new SyntaxTreeStore(f.store, "gen-1").parse(f.file), first);
  write(f.file, 'A = "2"\n');
  const changed = new SyntaxTreeStore(f.store, "gen-1").parse(f.file);
  t.deepEqual(changed, parseFile(f.file));
  t.is(changed.statements.length, 1);
  t.is(readdirSync(join(f.store, "gen-1")).length, 2);
});

test("a syntax error and a missing file are reported as without the store", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  write(f.file, 'A = "1"\nthis is not metadata\n');
  const store = new SyntaxTreeStore(f.store, "gen-1");
  const err = t.throws(() => store.parse(f.file), { instanceOf: ParseError });
  t.regex(err!.format(), /x\.bbclass:2:/);
  t.throws(() => store.parse(join(f.root, "missing.bbclass")), { instanceOf: ParseError, message: /no such file/ });
});

test("trees of another build of the parser are not read, and a pruning store removes them", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  new SyntaxTreeStore(f.store, "gen-1").parse(f.file);
  new SyntaxTreeStore(f.store, "gen-2", true).parse(f.file);
  t.deepEqual(readdirSync(f.store), ["gen-2"]);
});

test("a pruning store is cut to its byte limit, least recently used trees first (a read counts as a use)", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const dir = join(f.store, "gen-1");
  const files = ["a", "b", "c"].map((n) => join(f.root, `layer/classes/${n}.bbclass`));
  const treeOf = new Map<string, string>();
  for (const file of files) {
    write(file, `${"X".repeat(20)} = "${file}"\n`);
    const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
    new SyntaxTreeStore(f.store, "gen-1").parse(file);
    treeOf.set(file, readdirSync(dir).find((n) => !before.has(n))!);
  }
  // Written in the order a, b, c, a long time ago; then a is read again.
  files.forEach((file, i) => utimesSync(join(dir, treeOf.get(file)!), 1000 + i, 1000 + i));
  new SyntaxTreeStore(f.store, "gen-1").parse(files[0]!);
  const sizes = [...treeOf.values()].map((n) => statSync(join(dir, n)).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  new SyntaxTreeStore(f.store, "gen-1", false, 1);
  t.is(readdirSync(dir).length, 3, "only a pruning store cuts");
  new SyntaxTreeStore(f.store, "gen-1", true, total - 1);
  t.deepEqual(readdirSync(dir).sort(), [treeOf.get(files[0]!)!, treeOf.get(files[2]!)!].sort(), "b, the least recently used, went");
  new SyntaxTreeStore(f.store, "gen-1", true, total);
  t.is(readdirSync(dir).length, 2, "under the limit nothing goes");
});
