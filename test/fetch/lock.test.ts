import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { fetchAll } from "../../lib/fetch/index.js";
import { withLock } from "../../lib/common/lock.js";
import { fastHttp, makeCtx, sha256, startServer, tempDir, type Handler } from "./helpers.js";

const BODY = Buffer.from("x".repeat(200_000));
const SUM = sha256(BODY);

/** Sends the body in two halves with a pause, so concurrent fetchers overlap. */
const slowBody: Handler = (_req, res) => {
  res.writeHead(200, { "content-length": BODY.length });
  res.write(BODY.subarray(0, 100_000));
  setTimeout(() => res.end(BODY.subarray(100_000)), 300);
};

test("two concurrent fetches of the same file in one process download it once", async (t) => {
  const server = await startServer({ "/f.tar.gz": slowBody });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const ctx = makeCtx({ DL_DIR: dl.path }, { "SRC_URI[sha256sum]": SUM });
  const url = `${server.base}/f.tar.gz`;
  const [a, b] = await Promise.all([fetchAll(ctx, [url], { http: fastHttp }), fetchAll(ctx, [url], { http: fastHttp })]);
  t.is(server.hits("/f.tar.gz"), 1);
  t.deepEqual(
    [a[0]!.origin, b[0]!.origin].sort(),
    ["dl_dir", "upstream"],
  );
  t.deepEqual(await fs.readFile(join(dl.path, "f.tar.gz")), BODY);
});

// bake's tasks run in worker threads of one process: a lock naming our own pid may be another
// thread's, and must be waited for, not broken as a leftover.
test("two worker threads of one process fetching the same file download it once", async (t) => {
  const server = await startServer({ "/w.tar.gz": slowBody });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const lib = new URL("../../lib/fetch/index.js", import.meta.url).href;
  const script = `
    const { parentPort } = require("node:worker_threads");
    import(${JSON.stringify(lib)}).then(async ({ fetchAll }) => {
      const ctx = { getVar: (n) => (n === "DL_DIR" ? ${JSON.stringify(dl.path)} : null),
                    getVarFlag: (n, f) => (f === "sha256sum" ? ${JSON.stringify(SUM)} : null) };
      const [r] = await fetchAll(ctx, [${JSON.stringify(`${server.base}/w.tar.gz`)}]);
      parentPort.postMessage(r.origin);
    });
  `;
  const run = () =>
    new Promise<string>((resolve, reject) => {
      const worker = new Worker(script, { eval: true });
      worker.once("message", (m: string) => {
        resolve(m);
        void worker.terminate();
      });
      worker.once("error", reject);
    });
  const origins = await Promise.all([run(), run()]);
  t.is(server.hits("/w.tar.gz"), 1);
  t.deepEqual(origins.sort(), ["dl_dir", "upstream"]);
});

test("two processes fetching the same file download it once", async (t) => {
  const server = await startServer({ "/p.tar.gz": slowBody });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const lib = fileURLToPath(new URL("../../lib/fetch/index.js", import.meta.url));
  const script = `
    const { fetchAll } = await import(${JSON.stringify(lib)});
    const ctx = { getVar: (n) => (n === "DL_DIR" ? ${JSON.stringify(dl.path)} : null),
                  getVarFlag: (n, f) => (f === "sha256sum" ? ${JSON.stringify(SUM)} : null) };
    const [r] = await fetchAll(ctx, [${JSON.stringify(`${server.base}/p.tar.gz`)}]);
    console.log(r.origin);
  `;
  const run = () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.on("close", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code}`))));
    });
  const origins = await Promise.all([run(), run()]);
  t.is(server.hits("/p.tar.gz"), 1);
  t.deepEqual(origins.sort(), ["dl_dir", "upstream"]);
});

test("a lock left by a dead process is broken; a live one is waited for", async (t) => {
  const dir = await tempDir();
  t.teardown(dir.cleanup);
  const lock = join(dir.path, "x.lock");
  const dead = spawnSync("true").pid!;
  await fs.writeFile(lock, `${dead} ${hostname()} old\n`);
  t.is(await withLock(lock, async () => "ran", { timeoutMs: 5_000 }), "ran");
  await t.throwsAsync(fs.stat(lock));

  // Held by us: a second taker waits until the first releases.
  const order: string[] = [];
  let release!: () => void;
  let acquired!: () => void;
  const firstHolds = new Promise<void>((r) => (acquired = r));
  const first = withLock(lock, () => new Promise<void>((r) => {
    release = () => (order.push("first done"), r());
    acquired();
  }));
  await firstHolds;
  let waited = false;
  const second = withLock(lock, async () => void order.push("second ran"), { onWait: () => (waited = true) });
  while (!waited) await new Promise((r) => setTimeout(r, 5));
  release();
  await Promise.all([first, second]);
  t.deepEqual(order, ["first done", "second ran"]);
});
