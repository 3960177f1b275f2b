// scripts/oe-conformance/compare: pairing BitBake's and bake's dumps of each recipe file and its
// BBCLASSEXTEND variants by BitBake's virtual: name, and the per-kind / per-value tallies.
import test from "ava";
import { comparePair, emptyTally, pairDumps, variantKind, variantOf, type Dump } from "../../scripts/oe-conformance/compare.js";

const A = "/l/recipes/a/a_1.0.bb";
const B = "/l/recipes/b/b_2.0.bb";
const parsed = (file: string, variant: string, vars: Record<string, string | null>, tasks = ["do_fetch"], depends: Record<string, string | null> = {}): Dump => ({
  file,
  id: variant === "" ? file : `virtual:${variant}:${file}`,
  variant,
  vars,
  tasks,
  depends,
});

test("a BitBake name gives its BBCLASSEXTEND entry and its kind", (t) => {
  t.is(variantOf(A, A), "");
  t.is(variantOf(`virtual:native:${A}`, A), "native");
  t.is(variantOf(`virtual:multilib:lib32:${A}`, A), "multilib:lib32");
  t.is(variantOf(`virtual:devupstream:target:${A}`, A), "devupstream:target");
  t.is(variantKind(""), "default");
  t.is(variantKind("nativesdk"), "nativesdk");
  t.is(variantKind("multilib:lib32"), "multilib");
  t.is(variantKind("devupstream:target"), "devupstream");
});

test("dumps pair by name, the recipe first, a variant only one tool made kept on its own", (t) => {
  const theirs = [parsed(A, "", {}), parsed(A, "nativesdk", {}), parsed(A, "native", {}), { file: B, error: "boom" }];
  const ours = [parsed(A, "native", {}), parsed(A, "", {}), parsed(A, "multilib:lib32", {}), parsed(B, "", {})];
  const pairs = pairDumps([A, B], theirs, ours);
  t.deepEqual(
    pairs.map((p) => [p.id, p.kind, p.bitbake !== undefined, p.bake !== undefined]),
    [
      [A, "default", true, true],
      [`virtual:multilib:lib32:${A}`, "multilib", false, true],
      [`virtual:native:${A}`, "native", true, true],
      [`virtual:nativesdk:${A}`, "nativesdk", true, false],
      [B, "default", true, true],
    ],
  );
});

test("a file neither tool made anything of is still one (empty) pair", (t) => {
  const pairs = pairDumps([A], [], []);
  t.is(pairs.length, 1);
  t.is(pairs[0]!.bitbake, undefined);
  t.is(pairs[0]!.bake, undefined);
});

test("each pair is tallied per kind: matches per value, skip decisions, variants one tool lacks", (t) => {
  const columns = ["PN", "DEPENDS", "tasks", "[depends]"];
  const theirs = [
    parsed(A, "", { PN: "a", DEPENDS: "zlib  virtual/libc" }, ["do_fetch", "do_build"], { do_build: "x:do_a y:do_b" }),
    parsed(A, "native", { PN: "a-native", DEPENDS: "zlib-native" }),
    { file: A, id: `virtual:nativesdk:${A}`, variant: "nativesdk", skipped: "not for sdk" },
    parsed(A, "multilib:lib32", { PN: "lib32-a", DEPENDS: "" }),
  ];
  const ours = [
    parsed(A, "", { PN: "a", DEPENDS: "zlib virtual/libc" }, ["do_build", "do_fetch"], { do_build: "y:do_b x:do_a" }),
    parsed(A, "native", { PN: "a-native", DEPENDS: "zlib" }),
    parsed(A, "nativesdk", { PN: "nativesdk-a", DEPENDS: "" }),
  ];
  const all = emptyTally(columns);
  const kinds = new Map<string, ReturnType<typeof emptyTally>>();
  const differences = pairDumps([A], theirs, ours).flatMap((p) => {
    if (!kinds.has(p.kind)) kinds.set(p.kind, emptyTally(columns));
    return comparePair(p, ["PN", "DEPENDS"], [], [all, kinds.get(p.kind)!]);
  });
  t.is(all.entries, 4);
  t.is(all.both, 2);
  t.is(all.allMatch, 1);
  t.is(all.onlyBitbake, 1);
  t.is(all.skipDiffers, 1);
  t.is(kinds.get("default")!.allMatch, 1);
  t.is(kinds.get("native")!.matched.get("PN"), 1);
  t.is(kinds.get("native")!.matched.get("DEPENDS"), 0);
  t.is(kinds.get("native")!.matched.get("tasks"), 1);
  t.is(kinds.get("nativesdk")!.skipDiffers, 1);
  t.is(kinds.get("multilib")!.onlyBitbake, 1);
  t.deepEqual(
    differences.map((d) => [d.id, d.what, d.bitbake, d.bake]),
    [
      [`virtual:multilib:lib32:${A}`, "variant", "present", null],
      [`virtual:native:${A}`, "DEPENDS", "zlib-native", "zlib"],
      [`virtual:nativesdk:${A}`, "skipped", "not for sdk", null],
    ],
  );
});

test("paths under either build directory compare as ${TOPDIR}", (t) => {
  const all = emptyTally(["FILES", "tasks", "[depends]"]);
  const [p] = pairDumps([A], [parsed(A, "", { FILES: "/b/bb/x" })], [parsed(A, "", { FILES: "/b/bake/x" })]);
  t.deepEqual(comparePair(p!, ["FILES"], ["/b/bake", "/b/bb"], [all]), []);
  t.is(all.allMatch, 1);
});
