// Sections of `npm run bench` for signatures and shared state (see bench.ts):
//   signatures  taskhashes and unihashes of every task of the generated corpus, without and with
//               a local hash-equivalence server answering for the sstate tasks
//   setscene    the setscene decision: which objects exist (SSTATE_DIR by stat) and the plan
//   restore     installing sstate objects (verify-free restore + manifest merge) against
//               `zstd -d | tar -x` of the same archives
import { cpuSeconds } from "./cpu-time.js";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { collectRecipes, loadBuildConfiguration, parseAllRecipes } from "../lib/config/index.js";
import { buildTaskGraph, RecipeIndex, type TaskGraph } from "../lib/graph/index.js";
import { installObject, isSstateTask, pkgArchOf, planSetscene, Signatures } from "../lib/setscene/index.js";
import { type TaskHash, asUniHash } from "../lib/common/hashes.js";
import { checkAvailability, objectRelPath, writeSstateObject, type SstateObjectId } from "../lib/sstate/index.js";
import { HashEquivClient, startHashserv } from "../lib/sstate/hashserv/index.js";

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function corpusGraph(build: string): Promise<TaskGraph> {
  const vars = {};
  const config = loadBuildConfiguration({ topdir: build, vars });
  const collection = collectRecipes(config.metadata.d, config.layers);
  const parsed = await parseAllRecipes(config, collection, { vars, threads: availableParallelism(), cacheDir: join(build, "tmp/cache/parse") });
  const d = config.metadata.d;
  const prefs = {
    provider: (n: string) => d.getVar(`PREFERRED_PROVIDER_${n}`),
    version: (n: string) => d.getVar(`PREFERRED_VERSION_${n}`),
    rprovider: (n: string) => d.getVar(`PREFERRED_RPROVIDER_${n}`),
  };
  const index = new RecipeIndex(parsed.infos);
  return buildTaskGraph(index, prefs, [...new Set(parsed.infos.filter((r) => r.skipped === null && r.file.includes("/meta-bench/")).map((r) => r.pn))].map((name) => ({ name, task: "do_build" })));
}

export async function benchSignatures(build: string): Promise<void> {
  const graph = await corpusGraph(build);
  const ids = [...graph.nodes.keys()];
  const sstate = [...graph.nodes.values()].filter(isSstateTask).length;
  let t0 = process.hrtime.bigint();
  const c0 = cpuSeconds();
  const local = new Signatures(graph, { taint: () => null });
  await local.compute(ids);
  const tLocal = seconds(t0);
  const cLocal = cpuSeconds() - c0;
  console.log(
    `signatures: ${ids.length} tasks (${sstate} sstate) hashed in ${(tLocal * 1000).toFixed(0)} ms ` +
      `(${(cLocal * 1000).toFixed(0)} ms processor time), ${(ids.length / tLocal).toFixed(0)} tasks/s`,
  );

  const dir = mkdtempSync(join(tmpdir(), "bake-bench-hashserv-"));
  const server = await startHashserv({ bind: `unix://${join(dir, "sock")}`, db: join(dir, "db") });
  const client = await HashEquivClient.connect(server.address);
  try {
    let rounds = 0;
    let asked = 0;
    const inputs = {
      taint: () => null,
      asksServer: isSstateTask,
      lookup: async (qs: readonly { readonly taskhash: TaskHash }[]) => {
        rounds++;
        asked += qs.length;
        return client.getUnihashBatch(qs.map((q) => ({ method: "bench", taskhash: q.taskhash })));
      },
    };
    t0 = process.hrtime.bigint();
    await new Signatures(graph, inputs).compute(ids);
    const tServer = seconds(t0);
    console.log(`signatures: with a local hash-equivalence server: ${(tServer * 1000).toFixed(0)} ms (${asked} unihash lookups in ${rounds} batches)`);
  } finally {
    await client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchSetscene(build: string): Promise<void> {
  const graph = await corpusGraph(build);
  const set = new Set(graph.nodes.keys());
  const sig = new Signatures(graph, { taint: () => null });
  await sig.compute(set);
  const sstateNodes = [...graph.nodes.values()].filter(isSstateTask);
  const sstateDir = mkdtempSync(join(tmpdir(), "bake-bench-sstate-"));
  try {
    const idOf = (n: (typeof sstateNodes)[number]): SstateObjectId => ({ pn: n.recipe.pn, pkgArch: pkgArchOf(n), task: n.task.name, uniHash: asUniHash(sig.unihashOf(n.id)) });
    // Every other object present (empty files: existence is what the decision looks at).
    sstateNodes.forEach((n, i) => {
      if (i % 2 !== 0) return;
      const path = join(sstateDir, objectRelPath(idOf(n)));
      mkdirSync(join(path, ".."), { recursive: true });
      writeFileSync(path, "");
      writeFileSync(`${path}.siginfo`, "");
    });
    const t0 = process.hrtime.bigint();
    const found = await checkAvailability(sstateNodes.map(idOf), { sstateDir, mirrors: [] });
    const tCheck = seconds(t0);
    const available = new Set(sstateNodes.filter((n) => found.get(objectRelPath(idOf(n)))?.kind === "local").map((n) => n.id));
    const t1 = process.hrtime.bigint();
    const plan = planSetscene(graph, set, { isSstate: isSstateTask, sstate: (id) => (available.has(id) ? "available" : "missing") });
    const tPlan = seconds(t1);
    console.log(
      `setscene: ${sstateNodes.length} objects looked up (${available.size} found) in ${(tCheck * 1000).toFixed(0)} ms; ` +
        `plan over ${set.size} tasks in ${(tPlan * 1000).toFixed(0)} ms: ${plan.restore.size} restores, ${plan.run.size} to run, ${plan.covered.size} covered`,
    );
  } finally {
    rmSync(sstateDir, { recursive: true, force: true });
  }
}

export async function benchRestore(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "bake-bench-restore-"));
  try {
    const OBJECTS = Number(process.env.BAKE_BENCH_OBJECTS ?? 20);
    const FILES = 300;
    let bytes = 0;
    const archives: string[] = [];
    for (let o = 0; o < OBJECTS; o++) {
      const src = join(root, "src", String(o), "image");
      for (let f = 0; f < FILES; f++) {
        const dir = join(src, "usr", `d${f % 10}`);
        mkdirSync(dir, { recursive: true });
        // Compressible but not trivial content, 1–33 KiB.
        const size = 1024 + ((o * 7919 + f * 104729) % 32768);
        const seed = createHash("sha256").update(`${o}/${f}`).digest("hex");
        const body = Buffer.from(seed.repeat(Math.ceil(size / 64)).slice(0, size));
        writeFileSync(join(dir, `f${f}`), body);
        bytes += size;
      }
      const obj = await writeSstateObject({
        sstateDir: join(root, "sstate"),
        id: { pn: `p${o}`, pkgArch: "bench", task: "do_populate_sysroot", uniHash: asUniHash(createHash("sha256").update(String(o)).digest("hex")) },
        taskId: `p${o}:do_populate_sysroot`,
        taskHash: createHash("sha256").update(`t${o}`).digest("hex") as never,
        outHash: null,
        outputs: [{ name: "image", dir: src }],
        sourceDateEpoch: 1700000000,
      });
      archives.push(obj.archivePath);
    }
    // Pair by pair (A B, B A, …), each run on a flushed page cache's dirty state (sync), outputs
    // removed between runs: the filesystem's work dominates both, and a run right after the
    // previous one's deletions or the objects' creation pays for their writeback.
    const ROUNDS = Number(process.env.BAKE_BENCH_ROUNDS ?? 7);
    const bake = async (out: string) => {
      for (const [i, a] of archives.entries())
        await installObject(a, [{ name: "image", input: "", output: join(out, "o", String(i)) }], join(out, "manifests", String(i)), join(out, "staging"));
    };
    const tar = (out: string) => {
      for (const [i, a] of archives.entries()) {
        const dir = join(out, String(i));
        mkdirSync(dir, { recursive: true });
        execFileSync("sh", ["-c", `zstd -d -q -c "$1" | tar -x -C "$2"`, "sh", a, dir]);
      }
    };
    const mb = bytes / 1024 / 1024;
    const sorted = (v: number[]) => [...v].sort((p, q) => p - q);
    const med = (v: number[]) => sorted(v)[Math.floor(v.length / 2)]!;
    const span = (v: number[], f: (n: number) => string) => `min ${f(sorted(v)[0]!)} median ${f(med(v))} max ${f(sorted(v).at(-1)!)}`;
    // On disk the filesystem's work dominates both; on tmpfs what is left is each one's CPU.
    const places: [string, string][] = [[`disk (${tmpdir()})`, join(root, "out")]];
    if (existsSync("/dev/shm")) places.push(["tmpfs (/dev/shm)", join(mkdtempSync("/dev/shm/bake-bench-"), "out")]);
    for (const [label, out] of places) {
      const timed = async (fn: (out: string) => unknown): Promise<number> => {
        rmSync(out, { recursive: true, force: true });
        mkdirSync(out);
        execFileSync("sync");
        const t0 = process.hrtime.bigint();
        await fn(out);
        return seconds(t0);
      };
      const tBake: number[] = [];
      const tTar: number[] = [];
      const ratios: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        let b: number, x: number;
        if (r % 2 === 0) {
          b = await timed(bake);
          x = await timed(tar);
        } else {
          x = await timed(tar);
          b = await timed(bake);
        }
        tBake.push(b);
        tTar.push(x);
        ratios.push(b / x);
      }
      rmSync(out.startsWith("/dev/shm/") ? dirname(out) : out, { recursive: true, force: true });
      console.log(
        `restore to ${label}: ${OBJECTS} objects, ${OBJECTS * FILES} files, ${mb.toFixed(0)} MiB, ${ROUNDS} rounds: ` +
          `bake install median ${med(tBake).toFixed(2)} s (${(mb / med(tBake)).toFixed(0)} MiB/s), ` +
          `zstd -d | tar -x median ${med(tTar).toFixed(2)} s (${(mb / med(tTar)).toFixed(0)} MiB/s); ` +
          `ratio per pair ${span(ratios, (n) => n.toFixed(2))}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
