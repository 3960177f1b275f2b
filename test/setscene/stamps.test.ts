// Stamps: one per task and signature; writing a task's stamp removes its stamps for other
// signatures, including those an earlier build left, and leaves other tasks' stamps alone.
import test from "ava";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecipeInfo } from "../../lib/config/index.js";
import { taskId, type TaskId, type TaskNode } from "../../lib/graph/types.js";
import { StampSet } from "../../lib/setscene/index.js";
import { asUniHash, type UniHash } from "../../lib/common/hashes.js";

const hash = (c: string) => asUniHash(c.repeat(64));

test("a task's new stamp replaces its stamps for other signatures, this build's and earlier ones'", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-stamps-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const base = join(dir, "stamps/x/1.0");
  mkdirSync(join(dir, "stamps/x"), { recursive: true });
  writeFileSync(`${base}.do_compile.${hash("0")}`, "");
  writeFileSync(`${base}.do_install.${hash("0")}`, "");
  const recipe = { pn: "x", file: "/l/x.bb", variant: "" } as RecipeInfo;
  const node = (name: string): TaskNode => ({ id: taskId(recipe.file, name), recipeId: recipe.file, recipe, task: { name, after: [], flags: {}, basehash: "b" }, deps: [] });
  const unihash = new Map<TaskId, UniHash>();
  const stamps = new StampSet(new Map([[recipe.file, base]]), (id) => unihash.get(id)!);
  const compile = node("do_compile");
  unihash.set(compile.id, hash("a"));
  stamps.write(compile);
  t.true(stamps.hasStamp(compile));
  unihash.set(compile.id, hash("b"));
  t.false(stamps.hasStamp(compile));
  stamps.write(compile);
  t.true(stamps.hasStamp(compile));
  const names = readdirSync(join(dir, "stamps/x")).sort();
  t.deepEqual(names, [`1.0.do_compile.${hash("b")}`, `1.0.do_install.${hash("0")}`]);
  t.true(existsSync(`${base}.do_install.${hash("0")}`));
});

test("a stamp is an empty file made in place (as BitBake's): no temporary name, a rewrite empties it", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-stamps-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const base = join(dir, "stamps/x/1.0");
  const recipe = { pn: "x", file: "/l/x.bb", variant: "" } as RecipeInfo;
  const compile: TaskNode = { id: taskId(recipe.file, "do_compile"), recipeId: recipe.file, recipe, task: { name: "do_compile", after: [], flags: {}, basehash: "b" }, deps: [] };
  const stamps = new StampSet(new Map([[recipe.file, base]]), () => hash("c"));
  stamps.write(compile);
  const path = `${base}.do_compile.${hash("c")}`;
  t.deepEqual(readdirSync(join(dir, "stamps/x")), [`1.0.do_compile.${hash("c")}`]);
  t.is(statSync(path).size, 0);
  // A stamp an older bake wrote with content: made again, it is BitBake's empty one.
  writeFileSync(path, `${hash("c")}\n`);
  stamps.write(compile);
  t.is(statSync(path).size, 0);
  t.deepEqual(readdirSync(join(dir, "stamps/x")), [`1.0.do_compile.${hash("c")}`]);
});
