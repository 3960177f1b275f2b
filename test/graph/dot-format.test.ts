// `bake -g` writes task-depends.dot and pn-buildlist in BitBake's format, byte for byte: checked
// against a golden file written from BitBake's format, and, where a BitBake checkout is at hand
// (BITBAKE_DIR, default /work/ext/bitbake), against what BitBake's own cooker writes for the same graph.
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecipeInfo } from "../../lib/config/index.js";
import { buildTaskGraph, pnBuildlist, RecipeIndex, taskDependsDot, type TaskGraph } from "../../lib/graph/index.js";

function recipe(pn: string, depends: string[], extra: Partial<RecipeInfo> = {}): RecipeInfo {
  const tasks = [
    { name: "do_fetch", after: [], flags: {}, basehash: "" },
    { name: "do_compile", after: ["do_fetch"], flags: { deptask: "do_populate_sysroot" }, basehash: "" },
    { name: "do_populate_sysroot", after: ["do_compile"], flags: {}, basehash: "" },
    { name: "do_build", after: ["do_populate_sysroot"], flags: {}, basehash: "" },
  ];
  return {
    file: `/layers/meta-x/recipes/${pn}/${pn}_1.0.bb`, variant: "", pn, pe: "", pv: "1.0", pr: "r0",
    provides: [pn], depends, packages: [pn], rdepends: {}, rrecommends: {}, rprovides: {},
    defaultPreference: 0, layerPriority: 5, skipped: null, tasks, ...extra,
  } as unknown as RecipeInfo;
}

const noPrefs = { provider: () => null, version: () => null, rprovider: () => null };

function graph(): TaskGraph {
  const index = new RecipeIndex([
    recipe("zlib", []),
    recipe("busybox", ["zlib", "libb"], { pe: "1", pv: "1.35.0", pr: "r2", file: "/layers/meta-core/busybox_1.35.0.bb" }),
    recipe("libb", []),
  ]);
  return buildTaskGraph(index, noPrefs, [{ name: "busybox", task: "do_build" }]);
}

test("task-depends.dot: \"pn.do_task\" nodes, 'pn do_task\\nPE:PV-PR\\nfile' labels, sorted nodes and edges", (t) => {
  const dot = taskDependsDot(graph());
  const expected = readFileSync(new URL("../../../test/graph/data/task-depends.dot", import.meta.url), "utf8");
  t.is(dot, expected);
  t.is(pnBuildlist(graph()), "busybox\nlibb\nzlib\n");
});

const bitbake = process.env["BITBAKE_DIR"] ?? "/work/ext/bitbake";
const python = spawnSync("python3", ["--version"]).status === 0;

(existsSync(join(bitbake, "lib/bb/cooker.py")) && python ? test : test.skip)(
  "the same graph written by BitBake's cooker (generateDotGraphFiles) gives the same bytes",
  (t) => {
    const g = graph();
    // BitBake's dependency tree for this graph, as its buildDependTree would make it.
    const pn: Record<string, { filename: string; version: string }> = {};
    const tdepends: Record<string, string[]> = {};
    for (const node of g.nodes.values()) {
      pn[node.recipe.pn] = { filename: node.recipeId, version: `${node.recipe.pe}:${node.recipe.pv}-${node.recipe.pr}` };
      tdepends[`${node.recipe.pn}.${node.task.name}`] = node.deps.map((d) => {
        const dep = g.nodes.get(d)!;
        return `${dep.recipe.pn}.${dep.task.name}`;
      });
    }
    const dir = mkdtempSync(join(tmpdir(), "bake-dot-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "depgraph.json"), JSON.stringify({ pn, tdepends }));
    const script = [
      "import json, bb.cooker",
      "class Cooker:",
      "    def generateTaskDepTreeData(self, pkgs, task):",
      "        return json.load(open('depgraph.json'))",
      "bb.cooker.BBCooker.generateDotGraphFiles(Cooker(), ['busybox'], 'build')",
    ].join("\n");
    const r = spawnSync("python3", ["-c", script], { cwd: dir, encoding: "utf8", env: { ...process.env, PYTHONPATH: join(bitbake, "lib") } });
    t.is(r.status, 0, r.stderr);
    t.is(taskDependsDot(g), readFileSync(join(dir, "task-depends.dot"), "utf8"));
    t.is(pnBuildlist(g), readFileSync(join(dir, "pn-buildlist"), "utf8"));
  },
);
