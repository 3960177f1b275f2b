// After a kill -9, the next bake's hash-equivalence server ("auto") must start: the dead bake's
// unix socket is still on disk and listen() refuses an existing path.
import test from "ava";
import { spawn } from "node:child_process";
import { lstatSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HashEquivalence } from "../../lib/setscene/index.js";
import { asOutHash, asTaskHash, asUniHash } from "../../lib/common/hashes.js";

test("hash equivalence 'auto' starts over a socket a killed bake left behind", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-hashsock-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, "hashserve.sock");
  // A process listening on the socket, killed with -9: the file stays, nobody listens.
  const holder = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(socket)}, () => console.log("up"))`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((r) => holder.stdout.once("data", r));
  holder.kill("SIGKILL");
  await new Promise((r) => holder.once("exit", r));
  t.true(lstatSync(socket).isSocket(), "the stale socket is there");

  const warnings: string[] = [];
  const he = await HashEquivalence.open(
    { hashserve: "auto", upstream: "", database: join(dir, "db"), socket, method: "bake.OutHashBasic" },
    (w) => warnings.push(w),
  );
  t.deepEqual(warnings, []);
  t.truthy(he);
  const unihash = await he!.report({ taskhash: asTaskHash("a".repeat(64)), unihash: asUniHash("a".repeat(64)), outhash: asOutHash("b".repeat(64)), pn: "x", task: "do_populate_sysroot" });
  t.is(unihash, asUniHash("a".repeat(64)));
  await he!.close();
});
