// BitBake's collection_priorities warning for a BBFILE_PATTERN that gave its layer no recipe, on
// hand-made collections: what counts as matched (a recipe with a target, a bbappend, a skipped
// recipe no used pattern also matches) and BBFILE_PATTERN_IGNORE_EMPTY.
import test from "ava";
import { unmatchedPatternWarnings, type RecipeCollection } from "../../lib/config/collection.js";
import { layerMatcher, type Layer } from "../../lib/config/layers.js";
import { DataStore } from "../../lib/data/index.js";

function layer(name: string, pattern: string): Layer {
  return { name, pattern, priority: 5, version: null, depends: [], recommends: [], seriesCompat: [] };
}

function collection(layers: readonly Layer[], recipes: readonly string[], appends: readonly string[] = []): RecipeCollection {
  const of = layerMatcher(layers);
  return {
    recipes: recipes.map((path) => ({ path, pn: "x", pv: null, layer: of(path), priority: of(path)?.priority ?? 0 })),
    appends: new Map(),
    dangling: [...appends],
    masked: [],
  };
}

const outer = layer("outer", "^/l/outer/");
const inner = layer("inner", "^/l/outer/inner/");
const other = layer("other", "^/l/other/");

test("a layer whose recipes are all skipped is not warned about, unless a used pattern also matches them (a layer inside another)", (t) => {
  const d = new DataStore();
  const layers = [outer, inner, other];
  const files = ["/l/outer/a.bb", "/l/outer/inner/b.bb", "/l/other/c.bb"];
  // other's only recipe skipped: its file still counts for its own pattern.
  t.deepEqual(unmatchedPatternWarnings(d, layers, collection(layers, files), new Set(["/l/outer/a.bb", "/l/outer/inner/b.bb"])), []);
  // inner's only recipe skipped, and the outer pattern (used by a.bb) matches it too: warned.
  t.deepEqual(unmatchedPatternWarnings(d, layers, collection(layers, files), new Set(["/l/outer/a.bb", "/l/other/c.bb"])), [
    "No bb files in default matched BBFILE_PATTERN_inner '^/l/outer/inner/'",
  ]);
});

test("a bbappend counts as matched; an empty pattern is warned about with '' unless BBFILE_PATTERN_IGNORE_EMPTY_<name> is 1", (t) => {
  const d = new DataStore();
  const empty = layer("empty", "");
  const layers = [outer, other, empty];
  const c = collection(layers, ["/l/outer/a.bb"], ["/l/other/a.bbappend"]);
  t.deepEqual(unmatchedPatternWarnings(d, layers, c, new Set(["/l/outer/a.bb"])), ["No bb files in default matched BBFILE_PATTERN_empty ''"]);
  d.setVar("BBFILE_PATTERN_IGNORE_EMPTY_empty", "1");
  t.deepEqual(unmatchedPatternWarnings(d, layers, c, new Set(["/l/outer/a.bb"])), []);
});
