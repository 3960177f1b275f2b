// Generates a synthetic layer of N recipes (default 5,000) for benchmarks: classes with tasks,
// EXPORT_FUNCTIONS and flags, shared include files, overrides, :append/:remove, bbappends, and
// DEPENDS forming a DAG, about ten tasks per recipe. Deterministic for a given N.
//
//   node dist/scripts/gen-corpus.js [--bitbake] OUTDIR [N]
//
// OUTDIR gets `meta-bench/` (the layer) and `build/conf/` (a build directory using meta-core and
// meta-bench), so `bake` can run in OUTDIR/build. With --bitbake the layer is also valid for BitBake
// (its one JavaScript function is a `python` one, which bake parses and never runs) and OUTDIR gets
// `meta-bitbake-min/` and `build-bitbake/`, so `bitbake` can run in OUTDIR/build-bitbake.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const CLASSES = 12;
const INCLUDES = 50;

/** A small deterministic PRNG (mulberry32) so every run generates the same corpus. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function classText(i: number, portable: boolean): string {
  return `# Benchmark class ${i}
BENCH_CLASS_${i}_FLAGS ?= "-O2 -g"
BENCH_CLASS_${i}_FLAGS:append:qemux86-64 = " -march=x86-64"
EXTRA_OECONF${i % 3 === 0 ? ":prepend" : ""} = "--with-feature-${i} "
CLASS_FEATURES = "\${@bb.utils.contains('DISTRO_FEATURES', 'x11', 'x11', '', d)} c${i}"

bench${i}_do_configure() {
\techo configuring \${PN} with \${BENCH_CLASS_${i}_FLAGS} \${EXTRA_OECONF}
\tbench${i}_helper
}

bench${i}_helper() {
\tfor f in \${CLASS_FEATURES}; do
\t\techo "feature $f"
\tdone
}

bench${i}_do_step${i}() {
\techo step ${i} for \${P}
}

${portable ? "python" : "js"} bench${i}_check() {
${portable ? "    " : "\t"}return d.getVar('PN') + ':' + d.getVar('PV');
}

do_step${i}[dirs] = "\${B}"
do_step${i}[doc] = "Step ${i} of the benchmark classes"
addtask step${i} after do_compile before do_install
EXPORT_FUNCTIONS do_configure do_step${i}
`;
}

function includeText(i: number): string {
  return `# Benchmark include ${i}
SUMMARY = "Benchmark recipe using include ${i}"
LICENSE = "MIT"
HOMEPAGE = "https://example.org/bench/${i}"
SRC_URI = "file://bench-${i}.patch \\
           file://defconfig"
INC_${i}_VALUE = "\${PN}-\${PV}-${i}"
PACKAGECONFIG ??= "a b c"
PACKAGECONFIG:remove = "b"
`;
}

function recipeText(n: number, rand: () => number, total: number): { name: string; text: string } {
  const name = `bench-recipe-${n}`;
  const version = `${1 + (n % 7)}.${n % 13}`;
  const classes = [n % CLASSES, (n * 7 + 3) % CLASSES].filter((c, i, a) => a.indexOf(c) === i);
  const deps: string[] = [];
  for (let k = 0; k < 3 && n > 0; k++) deps.push(`bench-recipe-${Math.floor(rand() * n)}`);
  const rdeps = n > 10 ? [`bench-recipe-${n - 1 - Math.floor(rand() * 10)}`] : [];
  return {
    name: `${name}_${version}.bb`,
    text: `require recipes-bench/includes/bench-${n % INCLUDES}.inc
inherit ${classes.map((c) => `bench${c}`).join(" ")}

DESCRIPTION = "Recipe ${n} of ${total}"
DEPENDS = "${[...new Set(deps)].join(" ")}"
RDEPENDS:\${PN} = "${rdeps.join(" ")}"
EXTRA_OEMAKE = "V=1 PREFIX=\${prefix}"
EXTRA_OEMAKE:append = " DESTDIR=\${D}"
EXTRA_OEMAKE:remove:qemuarm64 = "V=1"
CFLAGS:append:pn-${name} = " -DRECIPE=${n}"
RECIPE_OPTS = "\${@oe.utils.conditional('MACHINE', 'qemux86-64', 'x86', 'other', d)}"
FILES:\${PN}-extra = "\${datadir}/${name}"
PACKAGES =+ "\${PN}-extra"

do_compile() {
\toe_runmake -C \${B} all
\techo \${RECIPE_OPTS} \${INC_${n % INCLUDES}_VALUE}
}

do_install() {
\tinstall -d \${D}\${bindir}
\tinstall -m 0755 \${B}/${name} \${D}\${bindir}/
}
do_install[dirs] = "\${B}"
`,
  };
}

/** Options of the corpus; `bitbake` makes the layer valid for BitBake too (see bitbakeLayer). */
export interface CorpusOptions {
  /** Also write `meta-bitbake-min/` and `build-bitbake/`: the same meta-bench layer built by BitBake. */
  readonly bitbake?: boolean;
}

export interface Corpus {
  readonly layer: string;
  /** bake's build directory (meta-core + meta-bench). */
  readonly build: string;
  /** BitBake's build directory (meta-bitbake-min + meta-bench), with `bitbake: true`. */
  readonly bitbakeBuild: string | null;
}

export function generateCorpus(outdir: string, count: number, options: CorpusOptions = {}): Corpus {
  const portable = options.bitbake ?? false;
  const root = resolve(outdir);
  const layer = join(root, "meta-bench");
  const build = join(root, "build");
  rmSync(root, { recursive: true, force: true });
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  write(
    join(layer, "conf/layer.conf"),
    `BBPATH .= ":\${LAYERDIR}"
BBFILES += "\${LAYERDIR}/recipes-*/*/*.bb \${LAYERDIR}/recipes-*/*/*.bbappend"
BBFILE_COLLECTIONS += "bench"
BBFILE_PATTERN_bench = "^\${LAYERDIR}/"
BBFILE_PRIORITY_bench = "5"
LAYERDEPENDS_bench = "core"
LAYERSERIES_COMPAT_bench = "ember"
`,
  );
  for (let i = 0; i < CLASSES; i++) write(join(layer, `classes-recipe/bench${i}.bbclass`), classText(i, portable));
  for (let i = 0; i < INCLUDES; i++) write(join(layer, `recipes-bench/includes/bench-${i}.inc`), includeText(i));
  const rand = random(42);
  for (let n = 0; n < count; n++) {
    const { name, text } = recipeText(n, rand, count);
    const dir = join(layer, `recipes-bench/bench-${Math.floor(n / 100)}`);
    write(join(dir, name), text);
    if (n % 10 === 0) {
      write(join(dir, `bench-recipe-${n}_%.bbappend`), `EXTRA_OEMAKE:append = " APPENDED=1"\nDEPENDS:append = " "\n`);
    }
  }
  write(
    join(build, "conf/bblayers.conf"),
    `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`,
  );
  // The corpus measures metadata at scale: its recipes do not pull in the cross toolchain that every
  // compiling recipe otherwise depends on (meta-bootstrap is not in this build).
  const localConf = `MACHINE = "qemux86-64"\nBB_NUMBER_THREADS = "2"\nINHIBIT_DEFAULT_DEPS = "1"\n`;
  write(join(build, "conf/local.conf"), localConf);
  if (!portable) return { layer, build, bitbakeBuild: null };
  const core = join(root, "meta-bitbake-min");
  const bitbakeBuild = join(root, "build-bitbake");
  for (const [path, text] of Object.entries(bitbakeLayer())) write(join(core, path), text);
  write(
    join(bitbakeBuild, "conf/bblayers.conf"),
    `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${core} ${layer}"\n`,
  );
  write(join(bitbakeBuild, "conf/local.conf"), localConf);
  return { layer, build, bitbakeBuild };
}

/**
 * The smallest "core" layer under which BitBake parses meta-bench: the variables and tasks its
 * recipes use, a basehash signature handler (bake's parse computes basehashes too) and an `oe`
 * Python package with the one helper the recipes call. It is much smaller than meta-core, so the
 * comparison is conservative for bake: BitBake has less configuration to parse.
 */
function bitbakeLayer(): Record<string, string> {
  const tasks = ["fetch", "unpack", "patch", "configure", "compile", "install", "package", "populate_sysroot"];
  return {
    "conf/layer.conf": `BBPATH .= ":\${LAYERDIR}"
BBFILE_COLLECTIONS += "core"
BBFILE_PATTERN_core = ""
BBFILE_PATTERN_IGNORE_EMPTY_core = "1"
BBFILE_PRIORITY_core = "5"
LAYERSERIES_CORENAMES = "ember"
LAYERSERIES_COMPAT_core = "ember"
LAYERVERSION_core = "1"
addpylib \${LAYERDIR}/lib oe
`,
    "conf/bitbake.conf": `# A minimal BitBake configuration for the benchmark layer.
include conf/local.conf
TMPDIR ?= "\${TOPDIR}/tmp"
CACHE = "\${TMPDIR}/cache"
PERSISTENT_DIR = "\${TMPDIR}/cache/persistent"
BB_SIGNATURE_HANDLER = "basichash"
BB_BASEHASH_IGNORE_VARS = "TMPDIR FILE PATH PWD BB_TASKHASH DATE TIME DATETIME TOPDIR CACHE PERSISTENT_DIR FILE_DIRNAME THISDIR STAMP WORKDIR T"
BB_DEFAULT_TASK ?= "build"
PN = "\${@bb.parse.vars_from_file(d.getVar('FILE', False), d)[0] or 'defaultpkgname'}"
PV = "\${@bb.parse.vars_from_file(d.getVar('FILE', False), d)[1] or '1.0'}"
PR = "r0"
BPN = "\${PN}"
P = "\${PN}-\${PV}"
BP = "\${BPN}-\${PV}"
PF = "\${PN}-\${PV}-\${PR}"
MACHINEOVERRIDES = "\${MACHINE}"
OVERRIDES = "linux:x86-64:pn-\${PN}:\${MACHINEOVERRIDES}:class-target:forcevariable"
DISTRO_FEATURES ?= "acl ipv6 usrmerge"
STAMP = "\${TMPDIR}/stamps/\${PN}/\${PV}"
WORKDIR = "\${TMPDIR}/work/\${PN}/\${PV}"
T = "\${WORKDIR}/temp"
S = "\${WORKDIR}/\${BP}"
B = "\${S}"
D = "\${WORKDIR}/image"
prefix = "/usr"
bindir = "\${prefix}/bin"
datadir = "\${prefix}/share"
PACKAGES = "\${PN}-dbg \${PN} \${PN}-doc \${PN}-dev"
FILES:\${PN} = "\${bindir}/*"
EXTRA_OEMAKE ?= ""
EXTRA_OECONF ?= ""
`,
    "classes/base.bbclass": `# Tasks of the benchmark layer's recipes; they are parsed, never run.
${tasks.map((t) => `base_do_${t}() {\n\t:\n}\n`).join("")}
oe_runmake() {
\tmake \${EXTRA_OEMAKE} "$@"
}

${tasks.map((t, i) => `addtask ${t}${i === 0 ? "" : ` after do_${tasks[i === 7 ? 5 : i - 1]}`}`).join("\n")}
addtask build after do_package do_populate_sysroot
do_build[noexec] = "1"
do_build() {
\t:
}
EXPORT_FUNCTIONS ${tasks.map((t) => `do_${t}`).join(" ")}
`,
    "lib/oe/__init__.py": `BBIMPORTS = ["utils"]\n`,
    "lib/oe/utils.py": `def conditional(variable, checkvalue, truevalue, falsevalue, d):
    return truevalue if d.getVar(variable) == checkvalue else falsevalue
`,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const bitbake = args.includes("--bitbake");
  const [out, n] = args.filter((a) => a !== "--bitbake");
  if (!out) {
    console.error("usage: node dist/scripts/gen-corpus.js [--bitbake] OUTDIR [N]");
    process.exit(2);
  }
  const corpus = generateCorpus(out, Number(n ?? 5000), { bitbake });
  console.log(`generated ${n ?? 5000} recipes; build directory: ${corpus.build}`);
  if (corpus.bitbakeBuild) console.log(`BitBake's build directory: ${corpus.bitbakeBuild}`);
}
