// Generates a synthetic layer of N recipes (default 5,000) for benchmarks: classes with tasks,
// EXPORT_FUNCTIONS and flags, shared include files, overrides, :append/:remove, bbappends, and
// DEPENDS forming a DAG, about ten tasks per recipe. Deterministic for a given N.
//
//   node dist/scripts/gen-corpus.js OUTDIR [N]
//
// OUTDIR gets `meta-bench/` (the layer) and `build/conf/` (a build directory using meta-core and
// meta-bench), so `bake` can run in OUTDIR/build.
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

function classText(i: number): string {
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

js bench${i}_check() {
\treturn d.getVar('PN') + ':' + d.getVar('PV');
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

export function generateCorpus(outdir: string, count: number): { layer: string; build: string } {
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
  for (let i = 0; i < CLASSES; i++) write(join(layer, `classes-recipe/bench${i}.bbclass`), classText(i));
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
  write(join(build, "conf/local.conf"), `MACHINE = "qemux86-64"\nBB_NUMBER_THREADS = "2"\nINHIBIT_DEFAULT_DEPS = "1"\n`);
  return { layer, build };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [out, n] = process.argv.slice(2);
  if (!out) {
    console.error("usage: node dist/scripts/gen-corpus.js OUTDIR [N]");
    process.exit(2);
  }
  const { build } = generateCorpus(out, Number(n ?? 5000));
  console.log(`generated ${n ?? 5000} recipes; build directory: ${build}`);
}
