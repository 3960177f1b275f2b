// A parse worker's interpreter is started from the thread that started one first (engine.ts,
// pythonSeed and seedPython): its compiled module, and the boot snapshot that thread restored from,
// the open file itself (or, when that thread made the snapshot, the snapshot in shared memory).
import test from "ava";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { DataStore } from "../../lib/data/index.js";
import { evalPythonInline, loadPython, pythonSeed } from "../../lib/python/index.js";
import { packagePath } from "../../lib/common/install.js";

const CODE = "bb.parse.vars_from_file(d.getVar('FILE', False), d)[0] + '-' + str(sorted({'b', 'a'}))";

/** `CODE` with FILE set to `file`, in a new thread started from `seed`. */
function inWorker(seed: unknown, file: string): Promise<string> {
  const python = JSON.stringify(pathToFileURL(packagePath("dist/lib/python/index.js")).href);
  const data = JSON.stringify(pathToFileURL(packagePath("dist/lib/data/index.js")).href);
  const source = `
    import { parentPort, workerData } from "node:worker_threads";
    const { seedPython, loadPython, evalPythonInline } = await import(${python});
    const { DataStore } = await import(${data});
    seedPython(workerData.seed);
    await loadPython();
    const d = new DataStore();
    d.setVar("FILE", workerData.file);
    parentPort.postMessage(evalPythonInline(workerData.code, d).value);
  `;
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { workerData: { seed, file, code: CODE } });
    w.once("message", (m: string) => {
      resolve(m);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

test("a worker started from this thread's seed evaluates as this thread does; the seed names the snapshot file rather than copying it", async (t) => {
  await loadPython();
  const seed = pythonSeed();
  if (seed === null) return t.fail("no seed once an interpreter is loaded");
  // Restored from the user's snapshot file: the open file, no copy of its runs. Booted from
  // nothing (no snapshot yet): the snapshot made, in shared memory.
  if ("fd" in seed.snapshot) t.true(seed.snapshot.fd >= 0 && seed.snapshot.prelude.dataLength > 0);
  else t.true(seed.snapshot.data.buffer instanceof SharedArrayBuffer);
  const d = new DataStore();
  d.setVar("FILE", "/layer/recipes-x/zlib/zlib_1.3.bb");
  const here = evalPythonInline(CODE, d).value;
  t.is(here, "zlib-['a', 'b']");
  t.is(await inWorker(seed, "/layer/recipes-x/zlib/zlib_1.3.bb"), here);
  // Two workers from the same seed, each reading its runs from the same file.
  t.deepEqual(await Promise.all([inWorker(seed, "/l/a_1.bb"), inWorker(seed, "/l/b_2.bb")]), ["a-['a', 'b']", "b-['a', 'b']"]);
});
