// The full fault-injection run: 30 SIGKILLs of bake at random moments of a small real build
// (test/faults/kill.test.ts runs 4 in npm test). BAKE_FAULT_SEED replays a run; BAKE_FAULT_KILLS
// changes the count.
import test from "ava";
import { faultSeed, killCount, killLoop } from "../faults/scenarios.js";

test("30 SIGKILLs of bake: every rerun completes, byte-identical to an uninterrupted build, nothing corrupt", async (t) => {
  const seed = faultSeed();
  const kills = killCount(30);
  t.log(`seed ${seed} (BAKE_FAULT_SEED=${seed} replays it), ${kills} kills`);
  const f = await killLoop(kills, seed, (l) => t.log(l));
  t.log(`kills survived ${f.survived}/${f.kills}, reruns ${f.reruns}, bytes compared ${f.bytesCompared}, temporary files left by killed writers ${f.leftovers}`);
  t.deepEqual(f.failures, []);
});
