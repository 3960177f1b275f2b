// The rig of the fault-injection tests: a small real build (three C recipes compiled with the
// host compiler on the real meta-core classes, shared state, one source fetched over HTTP from a
// server in the test), bake run as a child process that a test may SIGKILL at any moment, and
// the checks every rerun must pass: outputs byte for byte those of an uninterrupted build, and
// nothing in DL_DIR, SSTATE_DIR or the stamps that is corrupt or half-written.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { layerConf, write } from "../helpers/layer.js";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bakeJs = join(repo, "bin/bake.js");

/** A small, seeded PRNG (mulberry32): the same seed gives the same kill moments. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** How the source server behaves for a request (the 1-based count of requests so far). */
export type Serve = (req: IncomingMessage, res: ServerResponse, body: Buffer, hit: number) => void;

/** The whole body, or from `Range: bytes=N-`, sent in chunks with a pause between: a download takes a while. */
export const serveSlowly: Serve = (req, res, body) => {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const start = m ? Number(m[1]) : 0;
  if (m) {
    res.statusCode = 206;
    res.setHeader("content-range", `bytes ${start}-${body.length - 1}/${body.length}`);
  }
  res.setHeader("content-length", String(body.length - start));
  let at = start;
  const step = () => {
    if (res.destroyed) return;
    if (at >= body.length) return void res.end();
    const chunk = body.subarray(at, at + 64 * 1024);
    at += chunk.length;
    res.write(chunk);
    setTimeout(step, 5);
  };
  step();
};

export interface SourceServer {
  readonly url: string;
  readonly body: Buffer;
  readonly sha256: string;
  /** Requests for the tarball so far. */
  hits(): number;
  /** Bytes of the tarball sent so far, over every request. */
  sent(): number;
  serve: Serve;
  close(): Promise<void>;
}

/**
 * The upstream of libfa: a gzip'd tarball made here, deterministically (a C file and a header,
 * plus 1 MiB of seeded filler so that a download takes long enough to be interrupted).
 */
export async function sourceServer(root: string, serve: Serve = serveSlowly): Promise<SourceServer> {
  const src = join(root, "upstream/libfa-1.0");
  write(join(src, "fa.h"), "const char *fa(void);\n");
  write(join(src, "fa.c"), '#include "fa.h"\nconst char *fa(void) { return "fa"; }\n');
  const random = prng(1234);
  const filler = Buffer.alloc(1 << 20);
  for (let i = 0; i < filler.length; i += 4) filler.writeUInt32LE(Math.floor(random() * 2 ** 32), i);
  mkdirSync(join(src, "data"), { recursive: true });
  write(join(src, "data/filler.bin"), filler.toString("latin1"));
  const tar = spawnSync(
    "sh",
    ["-c", "tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - libfa-1.0 | gzip -n"],
    { cwd: join(root, "upstream"), maxBuffer: 16 << 20 },
  );
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
  const body = tar.stdout;
  let hits = 0;
  let sent = 0;
  const state = { serve };
  const server: Server = createServer((req, res) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/libfa-1.0.tar.gz") {
      res.statusCode = 404;
      return void res.end();
    }
    hits++;
    const write = res.write.bind(res);
    res.write = ((chunk: Buffer, ...rest: never[]) => {
      sent += chunk.length;
      return write(chunk, ...rest);
    }) as typeof res.write;
    state.serve(req, res, body, hits);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/libfa-1.0.tar.gz`,
    body,
    sha256: sha256(body),
    hits: () => hits,
    sent: () => sent,
    get serve() {
      return state.serve;
    },
    set serve(s: Serve) {
      state.serve = s;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The layer: libfa (the HTTP tarball), libfb (local sources, uses libfa), app (links both). */
function layer(dir: string, source: SourceServer): void {
  write(join(dir, "conf/layer.conf"), layerConf("faults", 6));
  write(
    join(dir, "recipes-f/libfa/libfa_1.0.bb"),
    `SUMMARY = "a library from an HTTP tarball"
LICENSE = "MIT"
SRC_URI = "${source.url}"
SRC_URI[sha256sum] = "${source.sha256}"

do_compile() {
\t\${CC} \${CFLAGS} -c fa.c -o fa.o
\t\${AR} rcs libfa.a fa.o
}

do_install() {
\tinstall -d \${D}\${includedir} \${D}\${libdir} \${D}\${datadir}/libfa
\tinstall -m 0644 fa.h \${D}\${includedir}/
\tinstall -m 0644 libfa.a \${D}\${libdir}/
\tinstall -m 0644 data/filler.bin \${D}\${datadir}/libfa/
}
`,
  );
  write(join(dir, "recipes-f/libfb/files/fb.h"), "const char *fb(void);\n");
  write(join(dir, "recipes-f/libfb/files/fb.c"), '#include "fb.h"\n#include "fa.h"\nconst char *fb(void) { return fa(); }\n');
  write(
    join(dir, "recipes-f/libfb/libfb_1.0.bb"),
    `SUMMARY = "a library using libfa"
LICENSE = "MIT"
DEPENDS = "libfa"
SRC_URI = "file://fb.c file://fb.h"
S = "\${UNPACKDIR}"

do_compile() {
\t\${CC} \${CFLAGS} -I\${RECIPE_SYSROOT}\${includedir} -c fb.c -o fb.o
\t\${AR} rcs libfb.a fb.o
}

do_install() {
\tinstall -d \${D}\${includedir} \${D}\${libdir}
\tinstall -m 0644 fb.h \${D}\${includedir}/
\tinstall -m 0644 libfb.a \${D}\${libdir}/
}
`,
  );
  write(
    join(dir, "recipes-f/app/files/main.c"),
    '#include <stdio.h>\n#include "fa.h"\n#include "fb.h"\nint main(void) { printf("%s and %s\\n", fa(), fb()); return 0; }\n',
  );
  write(
    join(dir, "recipes-f/app/app_1.0.bb"),
    `SUMMARY = "a program using both"
LICENSE = "MIT"
DEPENDS = "libfa libfb"
SRC_URI = "file://main.c"
S = "\${UNPACKDIR}"

do_compile() {
\t\${CC} \${CFLAGS} -I\${RECIPE_SYSROOT}\${includedir} main.c -L\${RECIPE_SYSROOT}\${libdir} -lfb -lfa -o app
}

do_install() {
\tinstall -d \${D}\${bindir} \${D}\${datadir}/app
\tinstall -m 0755 app \${D}\${bindir}/
\t# Also where the sysroot takes it: compared after every rerun.
\tinstall -m 0755 app \${D}\${datadir}/app/
}
`,
  );
}

export interface Rig {
  readonly root: string;
  readonly build: string;
  readonly tmpdir: string;
  readonly dlDir: string;
  readonly sstateDir: string;
  readonly source: SourceServer;
  cleanup(): Promise<void>;
}

/**
 * A build directory whose TMPDIR, DL_DIR and SSTATE_DIR are under `state` (default: in it), so a
 * test may put them on a filesystem of its own.
 */
export async function rig(name: string, opts: { state?: string } = {}): Promise<Rig> {
  const root = mkdtempSync(join(tmpdir(), `bake-${name}-`));
  const source = await sourceServer(root);
  layer(join(root, "meta-faults"), source);
  const build = join(root, "build");
  const state = opts.state ?? join(build, "state");
  const r = {
    root,
    build,
    tmpdir: join(state, "tmp"),
    dlDir: join(state, "downloads"),
    sstateDir: join(state, "sstate-cache"),
    source,
  };
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${join(root, "meta-faults")}"\n`);
  write(
    join(build, "conf/local.conf"),
    [
      'MACHINE ??= "qemux86-64"',
      `TMPDIR = "${r.tmpdir}"`,
      `DL_DIR = "${r.dlDir}"`,
      `SSTATE_DIR = "${r.sstateDir}"`,
      `PERSISTENT_DIR = "${join(state, "cache")}"`,
      'CC = "${BUILD_CC}"',
      'AR = "${BUILD_AR}"',
      'CFLAGS = "-O2"',
      'INHIBIT_DEFAULT_DEPS = "1"',
      "",
    ].join("\n"),
  );
  return {
    ...r,
    async cleanup() {
      await source.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface BakeProcess {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
}

/** `bake app` in the rig's build directory, not blocking this process (its HTTP server must answer). */
export function startBake(r: Rig, args: readonly string[] = ["app"]): BakeProcess {
  const child = spawn(process.execPath, [bakeJs, ...args], {
    cwd: r.build,
    env: { ...process.env, HOME: r.root, XDG_CONFIG_HOME: join(r.root, "xdg"), BB_NUMBER_THREADS: "2", BB_VERIFY_DOWNLOADS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((res) =>
    child.on("close", (code, signal) => res({ code, signal, out })),
  );
  return { child, done };
}

export async function runBake(r: Rig, args?: readonly string[]): Promise<{ code: number | null; out: string; seconds: number }> {
  const started = Date.now();
  const { done } = startBake(r, args);
  const { code, out } = await done;
  return { code, out, seconds: (Date.now() - started) / 1000 };
}

/**
 * What a build produced, as path -> content hash (links as their target): the installed output
 * (sysroot components, deploy), which a full build and a restore from shared state both make.
 */
export function outputs(r: Rig): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (base: string, dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      const key = relative(base, path);
      if (e.isDirectory()) walk(base, path);
      else if (e.isSymbolicLink()) out.set(key, `-> ${readlinkSync(path)}`);
      else out.set(key, sha256(readFileSync(path)));
    }
  };
  for (const sub of ["sysroots-components", "deploy"]) {
    const dir = join(r.tmpdir, sub);
    // Build statistics and logs are records of a run, not its output.
    if (existsSync(dir)) walk(r.tmpdir, dir);
  }
  for (const key of [...out.keys()]) if (/(^|\/)(buildstats|log)\b/.test(key)) out.delete(key);
  return out;
}

/** Bytes of the files `outputs` compared. */
export function outputBytes(r: Rig): number {
  let n = 0;
  for (const key of outputs(r).keys()) {
    const st = lstatSync(join(r.tmpdir, key));
    if (st.isFile()) n += st.size;
  }
  return n;
}

/** Every file under `dir`, relative. */
export function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** What is wrong in DL_DIR, SSTATE_DIR and the stamps after a build that completed (empty: nothing). */
export function damage(r: Rig): string[] {
  const problems: string[] = [];
  // Downloads: a `.done` stamp commits a file that hashes to what it records, and to the recipe's sum.
  for (const name of files(r.dlDir).filter((f) => f.endsWith(".done"))) {
    const file = join(r.dlDir, name.slice(0, -".done".length));
    let recorded: string | undefined;
    try {
      recorded = (JSON.parse(readFileSync(join(r.dlDir, name), "utf8")) as { sha256?: string }).sha256;
    } catch (e) {
      problems.push(`download stamp ${name} is not readable JSON: ${(e as Error).message}`);
      continue;
    }
    if (!existsSync(file)) problems.push(`download stamp ${name} commits a missing file`);
    else if (sha256(readFileSync(file)) !== recorded) problems.push(`download ${file} does not hash to its stamp`);
    else if (file.endsWith("libfa-1.0.tar.gz") && recorded !== r.source.sha256) problems.push(`download ${file} is not upstream's`);
  }
  // Shared state: each object's metadata (.siginfo) names its archive's size and sha256; the
  // archive is a sound zstd stream. (An archive without metadata is uncommitted: never used; so is
  // anything under a writer's ".tmp-" name, which no reader opens and prune sweeps.)
  const temporary = (f: string) => basename(f).startsWith(".tmp-");
  for (const name of files(r.sstateDir).filter((f) => f.endsWith(".siginfo") && !temporary(f))) {
    let meta: { archive?: { sha256?: string; size?: number } };
    try {
      meta = JSON.parse(readFileSync(join(r.sstateDir, name), "utf8")) as typeof meta;
    } catch (e) {
      problems.push(`sstate metadata ${name} is not readable JSON: ${(e as Error).message}`);
      continue;
    }
    const archive = join(r.sstateDir, name.slice(0, -".siginfo".length));
    if (!existsSync(archive)) {
      problems.push(`sstate metadata ${name} commits a missing archive`);
      continue;
    }
    const data = readFileSync(archive);
    if (data.length !== meta.archive?.size || sha256(data) !== meta.archive?.sha256) problems.push(`sstate archive ${archive} does not match its metadata`);
    else if (spawnSync("zstd", ["-t", "-q", archive]).status !== 0) problems.push(`sstate archive ${archive} is not a sound zstd stream`);
  }
  // Stamps and signature data: every sigdata file is whole JSON.
  for (const name of files(join(r.tmpdir, "stamps")).filter((f) => /\.sigdata\./.test(f) && !/\.tmp/.test(f))) {
    try {
      JSON.parse(readFileSync(join(r.tmpdir, "stamps", name), "utf8"));
    } catch (e) {
      problems.push(`signature data ${name} is not readable JSON: ${(e as Error).message}`);
    }
  }
  return problems;
}

/** Files a killed writer left under temporary names (harmless if nothing ever reads them). */
export function leftovers(r: Rig): string[] {
  const temp = /(\.tmp|\.part$|\.copy\.\d+$|^\.tmp-|\/\.tmp-)/;
  return [
    ...files(r.dlDir).filter((f) => temp.test(f) && !f.startsWith("apt/")).map((f) => join(r.dlDir, f)),
    ...files(r.sstateDir).filter((f) => temp.test(f)).map((f) => join(r.sstateDir, f)),
  ];
}

/** Paths whose content differs between two `outputs`, and those in only one of them. */
export function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}
