import test from "ava";
import type { RecipeInfo, TaskInfo } from "../../lib/config/index.js";
import { closeMatches, similarity } from "../../lib/graph/close-matches.js";
import { literalPrefix } from "../../lib/graph/providers.js";
import {
  buildTaskGraph,
  DependencyLoop,
  displayName,
  NothingProvides,
  pnBuildlist,
  RecipeIndex,
  runtimeProvider,
  taskDependsDot,
  taskDependsJson,
  type ProviderPreferences,
  type TaskGraph,
} from "../../lib/graph/index.js";

type TaskSpec = { after?: string[]; flags?: TaskInfo["flags"] };

function recipe(pn: string, opts: Partial<RecipeInfo> & { taskSpecs?: Record<string, TaskSpec> } = {}): RecipeInfo {
  const specs = opts.taskSpecs ?? {
    do_fetch: {},
    do_compile: { after: ["do_fetch"] },
    do_populate_sysroot: { after: ["do_compile"] },
    do_package: { after: ["do_compile"] },
    do_build: { after: ["do_populate_sysroot", "do_package"] },
  };
  const tasks = Object.entries(specs).map(([name, s]) => ({ name, after: s.after ?? [], flags: s.flags ?? {}, basehash: `h-${pn}-${name}` }));
  return {
    file: `/layer/${pn}_${opts.pv ?? "1.0"}.bb`,
    variant: "",
    pn,
    pe: "",
    pv: "1.0",
    pr: "r0",
    provides: [pn, ...(opts.provides ?? [])],
    depends: [],
    packages: [pn],
    rdepends: {},
    rrecommends: {},
    rprovides: {},
    defaultPreference: 0,
    layerPriority: 5,
    skipped: null,
    ...opts,
    tasks,
  } as RecipeInfo;
}

const prefsFrom = (vars: Record<string, string>): ProviderPreferences => ({
  provider: (n) => vars[`PREFERRED_PROVIDER_${n}`] ?? null,
  version: (n) => vars[`PREFERRED_VERSION_${n}`] ?? null,
  rprovider: (n) => vars[`PREFERRED_RPROVIDER_${n}`] ?? null,
});
const noPrefs = prefsFrom({});

function names(graph: TaskGraph): string[] {
  return [...graph.nodes.values()].map(displayName).sort();
}

function depsOf(graph: TaskGraph, name: string): string[] {
  const node = [...graph.nodes.values()].find((n) => displayName(n) === name)!;
  return node.deps.map((d) => displayName(graph.nodes.get(d)!)).sort();
}

const sysrootDeps = { do_compile: { after: ["do_fetch"], flags: { deptask: "do_populate_sysroot" } } };

test("deptask follows DEPENDS to the providers' tasks, and after links tasks within a recipe", (t) => {
  const base: Record<string, TaskSpec> = {
    do_fetch: {},
    ...sysrootDeps,
    do_populate_sysroot: { after: ["do_compile"] },
    do_build: { after: ["do_populate_sysroot"] },
  };
  const index = new RecipeIndex([
    recipe("app", { depends: ["libfoo"], taskSpecs: base }),
    recipe("libfoo", { depends: ["zlib"], taskSpecs: base }),
    recipe("zlib", { taskSpecs: base }),
    recipe("unused", { taskSpecs: base }),
  ]);
  const g = buildTaskGraph(index, noPrefs, [{ name: "app", task: "do_build" }]);
  t.deepEqual(depsOf(g, "app:do_compile"), ["app:do_fetch", "libfoo:do_populate_sysroot"]);
  t.deepEqual(depsOf(g, "libfoo:do_compile"), ["libfoo:do_fetch", "zlib:do_populate_sysroot"]);
  t.false(names(g).some((n) => n.startsWith("unused")));
  t.deepEqual(pnBuildlist(g).trim().split("\n"), ["app", "libfoo", "zlib"], "sorted, as BitBake writes it");
});

test("providers: PREFERRED_PROVIDER for virtual names, PREFERRED_VERSION, priority, DEFAULT_PREFERENCE", (t) => {
  const index = new RecipeIndex([
    recipe("app", { depends: ["virtual/libc"], taskSpecs: { do_build: { flags: { deptask: "do_build" } } } }),
    recipe("glibc", { provides: ["virtual/libc"], taskSpecs: { do_build: {} } }),
    recipe("musl", { provides: ["virtual/libc"], taskSpecs: { do_build: {} } }),
    recipe("tool", { pv: "1.0", file: "/l/tool_1.0.bb", taskSpecs: { do_build: {} } }),
    recipe("tool", { pv: "2.0", file: "/l/tool_2.0.bb", taskSpecs: { do_build: {} } }),
    recipe("tool", { pv: "3.0", file: "/l/tool_3.0.bb", defaultPreference: -1, taskSpecs: { do_build: {} } }),
  ]);
  const g = buildTaskGraph(index, prefsFrom({ "PREFERRED_PROVIDER_virtual/libc": "musl" }), [{ name: "app", task: "do_build" }]);
  t.deepEqual(depsOf(g, "app:do_build"), ["musl:do_build"]);
  const pick = (prefs: ProviderPreferences) =>
    [...buildTaskGraph(index, prefs, [{ name: "tool", task: "do_build" }]).nodes.values()][0]!.recipe.pv;
  t.is(pick(noPrefs), "2.0", "DEFAULT_PREFERENCE -1 keeps 3.0 out");
  t.is(pick(prefsFrom({ PREFERRED_VERSION_tool: "3.%" })), "3.0");
  t.is(pick(prefsFrom({ PREFERRED_VERSION_tool: "1.0" })), "1.0");
});

test("rdeptask and recrdeptask follow runtime dependencies through packages and RPROVIDES", (t) => {
  const pkg = (flags: TaskInfo["flags"] = {}) => ({ do_package: { flags }, do_build: { after: ["do_package"] } });
  const graphWith = (busyboxPackage: TaskInfo["flags"]) => {
    const index = new RecipeIndex([
      recipe("image", {
        // The image's runtime dependency on busybox, as IMAGE_INSTALL gives it.
        packages: ["image"],
        rdepends: { image: ["busybox"] },
        taskSpecs: { do_rootfs: { flags: { recrdeptask: "do_package" } }, do_build: { after: ["do_rootfs"] } },
      }),
      recipe("busybox", { packages: ["busybox", "busybox-httpd"], rdepends: { busybox: ["libc6"] }, taskSpecs: pkg(busyboxPackage) }),
      recipe("musl", { packages: ["musl"], rprovides: { musl: ["libc6"] }, taskSpecs: pkg() }),
    ]);
    return buildTaskGraph(index, noPrefs, [{ name: "image", task: "do_build" }]);
  };
  // As OE's do_package_qa[rdeptask]: busybox's task reaches musl, so the image's recursion does.
  t.deepEqual(depsOf(graphWith({ rdeptask: "do_package" }), "image:do_rootfs"), ["busybox:do_package", "musl:do_package"]);
  // As BitBake: RDEPENDS that no task follows leave musl out (the recursion walks tasks, not recipes).
  t.deepEqual(depsOf(graphWith({}), "image:do_rootfs"), ["busybox:do_package"]);
});

test("recrdeptask reaches recipes through [depends] and the other tasks' edges, and a recursive task takes its recursive dependencies' tasks", (t) => {
  const index = new RecipeIndex([
    recipe("image", {
      packages: [],
      taskSpecs: {
        do_fetch: {},
        do_rootfs: { after: ["do_fetch"], flags: { recrdeptask: "do_lic", depends: "tool:do_populate_sysroot" } },
        do_sdk: { after: ["do_fetch"], flags: { recrdeptask: "do_lic", depends: "image:do_rootfs" } },
        do_build: { after: ["do_rootfs", "do_sdk"] },
      },
    }),
    recipe("tool", {
      depends: ["helper"],
      taskSpecs: { do_lic: {}, do_compile: { flags: { deptask: "do_populate_sysroot" } }, do_populate_sysroot: { after: ["do_compile"] } },
    }),
    recipe("helper", { taskSpecs: { do_lic: {}, do_populate_sysroot: {} } }),
  ]);
  const g = buildTaskGraph(index, noPrefs, [{ name: "image", task: "do_build" }]);
  t.deepEqual(depsOf(g, "image:do_rootfs"), ["helper:do_lic", "image:do_fetch", "tool:do_lic", "tool:do_populate_sysroot"]);
  t.deepEqual(depsOf(g, "image:do_sdk"), ["helper:do_lic", "image:do_fetch", "image:do_rootfs", "tool:do_lic"]);
});

test("a task its own rdeptask leads back to (a native recipe RDEPENDS on a name it RPROVIDES) does not depend on itself", (t) => {
  const index = new RecipeIndex([
    recipe("util-linux-native", {
      packages: ["util-linux-native"],
      rdepends: { "util-linux-native": ["util-linux-mount-native", "zlib-native"] },
      rprovides: { "util-linux-native": ["util-linux-mount-native"] },
      taskSpecs: { do_populate_sysroot: { flags: { rdeptask: "do_populate_sysroot" } }, do_build: { after: ["do_populate_sysroot"] } },
    }),
    recipe("zlib-native", { packages: ["zlib-native"], taskSpecs: { do_populate_sysroot: {}, do_build: { after: ["do_populate_sysroot"] } } }),
  ]);
  const g = buildTaskGraph(index, noPrefs, [{ name: "util-linux-native", task: "do_build" }]);
  t.deepEqual(depsOf(g, "util-linux-native:do_populate_sysroot"), ["zlib-native:do_populate_sysroot"]);
});

test("a runtime name two recipes package goes to the one that is the PREFERRED_PROVIDER of something it PROVIDES (glibc, not glibc-testsuite)", (t) => {
  const index = new RecipeIndex([
    // Built from glibc's recipe with PROVIDES = "": the same packages (found first, as on oe-core).
    recipe("glibc-testsuite", { provides: [], packages: ["glibc", "ldconfig"] }),
    recipe("glibc", { provides: ["virtual/libc"], packages: ["glibc", "ldconfig"] }),
  ]);
  const pick = (prefs: ProviderPreferences) => runtimeProvider(index, "ldconfig", prefs)?.pn;
  t.is(pick(prefsFrom({ "PREFERRED_PROVIDER_virtual/libc": "glibc" })), "glibc");
  t.is(pick(prefsFrom({ PREFERRED_RPROVIDER_ldconfig: "glibc-testsuite", "PREFERRED_PROVIDER_virtual/libc": "glibc" })), "glibc-testsuite", "PREFERRED_RPROVIDER still decides first");
});

test("PACKAGES_DYNAMIC provides a runtime name only when no package or RPROVIDES has it, '+' taken literally", (t) => {
  const index = new RecipeIndex([
    recipe("glibc-locale", { packagesDynamic: ["^locale-base-.*", "glibc-gconv-.*"] }),
    recipe("gcc-runtime", { packagesDynamic: ["libstdc++-.*"] }),
    recipe("locale-base-en-us", { packages: ["locale-base-en-us"] }),
  ]);
  const pns = (name: string) => index.rprovidersOf(name).map((r) => r.pn);
  t.deepEqual(pns("locale-base-fr-fr"), ["glibc-locale"]);
  t.deepEqual(pns("glibc-gconv-utf-16"), ["glibc-locale"]);
  t.deepEqual(pns("locale-base-en-us"), ["locale-base-en-us"], "a real package wins over a dynamic pattern");
  t.deepEqual(pns("libstdc++-dev"), ["gcc-runtime"]);
  t.deepEqual(pns("libstdcc-dev"), [], "'+' is not a quantifier");
  t.deepEqual(pns("x-glibc-gconv-utf-16"), [], "patterns match from the start");
});

test("PACKAGES_DYNAMIC: every pattern that matches, in the order declared, whatever its literal prefix", (t) => {
  // The index tries only patterns whose literal prefix the name starts with: these patterns are
  // ones where a prefix read wrongly would leave a match out.
  const index = new RecipeIndex([
    recipe("z-any", { packagesDynamic: [".*-dbg"] }),
    recipe("alt", { packagesDynamic: ["kernel-x-.*|perl-module-.*"] }),
    recipe("opt", { packagesDynamic: ["perlx?-.*"] }),
    recipe("perl", { packagesDynamic: ["^perl-module-.*"] }),
    recipe("count", { packagesDynamic: ["pe{1,2}rl-.*"] }),
    recipe("class", { packagesDynamic: ["[pq]erl-module-a.*"] }),
    recipe("esc", { packagesDynamic: ["\\wer[l]-.*"] }),
  ]);
  const pns = (name: string) => index.rprovidersOf(name).map((r) => r.pn);
  t.deepEqual(pns("perl-module-abc"), ["alt", "opt", "perl", "count", "class", "esc"]);
  t.deepEqual(pns("perl-module-abc-dbg"), ["z-any", "alt", "opt", "perl", "count", "class", "esc"]);
  t.deepEqual(pns("perl-module-abc"), ["alt", "opt", "perl", "count", "class", "esc"], "the same answer asked again");
  t.deepEqual(pns("perl-x"), ["opt", "count", "esc"]);
  t.deepEqual(pns("peerl-x"), ["count"]);
  t.deepEqual(pns("kernel-x-1"), ["alt"]);
  t.deepEqual(pns("Perl-x"), ["esc"], "an escape is no literal prefix");
  t.deepEqual(pns("perL-x"), [], "case counts");
});

test("a PACKAGES_DYNAMIC pattern's literal prefix promises only what every match starts with", (t) => {
  t.is(literalPrefix("^perl-module-.*"), "perl-module-");
  t.is(literalPrefix("^^glibc-gconv-.*"), "glibc-gconv-");
  t.is(literalPrefix("libstdc++-.*"), "libstdc++-");
  t.is(literalPrefix("perlx?-.*"), "perl");
  t.is(literalPrefix("perl*"), "per");
  t.is(literalPrefix("pe{1,2}rl"), "p");
  t.is(literalPrefix("a.*|b.*"), "");
  t.is(literalPrefix("\\wx"), "");
  t.is(literalPrefix("[pq]erl"), "");
  t.is(literalPrefix("(kernel)-.*"), "");
  t.is(literalPrefix("x$"), "x");
});

test("a missing provider names what required it; skipped recipes give their reason", (t) => {
  const index = new RecipeIndex([
    recipe("app", { depends: ["libfoo"], taskSpecs: { do_build: { flags: { deptask: "do_build" } } } }),
    recipe("libfoo", { depends: ["libbar"], taskSpecs: { do_build: { flags: { deptask: "do_build" } } } }),
    { ...recipe("libbar"), skipped: "incompatible with machine qemuarm64 (not in COMPATIBLE_MACHINE)" },
  ]);
  const err = t.throws(() => buildTaskGraph(index, noPrefs, [{ name: "app", task: "do_build" }]), { instanceOf: NothingProvides });
  t.is(err!.message.split("\n")[0], "Nothing PROVIDES 'libbar' (but libfoo DEPENDS on or otherwise requires it)");
  t.regex(err!.message, /\nlibbar was skipped: incompatible with machine/);
  t.regex(err!.message, /\nMissing or unbuildable dependency chain was: \['app', 'libfoo', 'libbar'\]$/);
  t.false(/Close matches/.test(err!.message), "a skipped recipe explains it: no close matches (as BitBake)");
});

test("a name nothing provides gets BitBake's close-match hint (difflib, ratio >= 0.7, three at most)", (t) => {
  const index = new RecipeIndex([
    recipe("busybox", { taskSpecs: { do_build: {} } }),
    recipe("busybox-native", { taskSpecs: { do_build: {} } }),
    recipe("bash", { taskSpecs: { do_build: {} } }),
    recipe("zlib", { taskSpecs: { do_build: {} } }),
  ]);
  const err = t.throws(() => buildTaskGraph(index, noPrefs, [{ name: "busybx", task: "do_build" }]), { instanceOf: NothingProvides });
  t.is(err!.message, "Nothing PROVIDES 'busybx'. Close matches:\n  busybox");
});

test("close matches are difflib's: the same names and order as Python's get_close_matches", (t) => {
  const words = ["ape", "apple", "peach", "puppy", "busybox", "busybox-native", "bzip2", "linux-yocto", "linux-libc-headers", "core-image-minimal", "core-image-base"];
  // Python 3.11: difflib.get_close_matches(word, words, cutoff=0.7), as BitBake's taskdata calls it.
  t.deepEqual(closeMatches("appel", words), ["apple", "ape"]);
  t.deepEqual(closeMatches("core-image-minmal", words), ["core-image-minimal", "core-image-base"]);
  t.deepEqual(closeMatches("core-image-bas", words), ["core-image-base", "core-image-minimal"]);
  t.deepEqual(closeMatches("busybox-nativ", words), ["busybox-native", "busybox"]);
  t.deepEqual(closeMatches("busybx", words), ["busybox"]);
  t.deepEqual(closeMatches("linux", words), []);
  t.is(similarity("abcd", "bcde"), 0.75);
});

test("a dependency loop is an error that prints the loop", (t) => {
  const index = new RecipeIndex([
    recipe("a", { depends: ["b"], taskSpecs: { do_build: { flags: { deptask: "do_build" } } } }),
    recipe("b", { depends: ["a"], taskSpecs: { do_build: { flags: { deptask: "do_build" } } } }),
  ]);
  const err = t.throws(() => buildTaskGraph(index, noPrefs, [{ name: "a", task: "do_build" }]), { instanceOf: DependencyLoop });
  t.deepEqual(err!.loop.length, 3);
  t.regex(err!.message, /a:do_build\n {2}-> b:do_build\n {2}-> a:do_build|b:do_build\n {2}-> a:do_build\n {2}-> b:do_build/);
});

test("[depends] names another recipe's task explicitly", (t) => {
  const index = new RecipeIndex([
    recipe("img", { taskSpecs: { do_image: { flags: { depends: "kernel:do_deploy tools:do_populate_sysroot" } } } }),
    recipe("kernel", { taskSpecs: { do_deploy: {} } }),
    recipe("tools", { taskSpecs: { do_populate_sysroot: {} } }),
  ]);
  const g = buildTaskGraph(index, noPrefs, [{ name: "img", task: "do_image" }]);
  t.deepEqual(depsOf(g, "img:do_image"), ["kernel:do_deploy", "tools:do_populate_sysroot"]);
});

test("--runall adds a task of every recipe in the graph; --runonly keeps only that task and its needs", (t) => {
  const specs: Record<string, TaskSpec> = {
    do_fetch: {},
    do_compile: { after: ["do_fetch"], flags: { deptask: "do_populate_sysroot" } },
    do_populate_sysroot: { after: ["do_compile"] },
    do_build: { after: ["do_populate_sysroot"] },
  };
  const index = new RecipeIndex([recipe("app", { depends: ["lib"], taskSpecs: specs }), recipe("lib", { taskSpecs: specs })]);
  const all = buildTaskGraph(index, noPrefs, [{ name: "app", task: "do_build" }], { runall: ["do_fetch"] });
  t.true(names(all).includes("lib:do_fetch"));
  const only = buildTaskGraph(index, noPrefs, [{ name: "app", task: "do_build" }], { runonly: ["do_fetch"] });
  t.deepEqual(names(only), ["app:do_fetch", "lib:do_fetch"]);
});

test("graph files: dot edges, JSON with every task", (t) => {
  const index = new RecipeIndex([
    recipe("app", { depends: ["lib"], taskSpecs: { do_build: { flags: { deptask: "do_build" } } } }),
    recipe("lib", { taskSpecs: { do_build: {} } }),
  ]);
  const g = buildTaskGraph(index, noPrefs, [{ name: "app", task: "do_build" }]);
  t.regex(taskDependsDot(g), /"app\.do_build" -> "lib\.do_build"/);
  const json = JSON.parse(taskDependsJson(g)) as { tasks: { name: string; deps: string[] }[] };
  t.deepEqual(json.tasks.map((x) => x.name), ["lib:do_build", "app:do_build"]);
});
