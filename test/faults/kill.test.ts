// Fault injection: bake SIGKILLed at random moments of a small real build, each followed by a
// rerun that must produce exactly the uninterrupted build's output and leave nothing corrupt.
// A few kills here (BAKE_FAULT_KILLS to change it); `npm run test:e2e` runs 30. BAKE_FAULT_SEED
// replays a run: the seed is printed.
import test from "ava";
import { faultSeed, killCount, killLoop } from "./scenarios.js";

test("bake killed with SIGKILL at random moments: every rerun completes, byte-identical, nothing corrupt", async (t) => {
  const seed = faultSeed();
  const kills = killCount(4);
  t.log(`seed ${seed} (BAKE_FAULT_SEED=${seed} replays it), ${kills} kills`);
  const f = await killLoop(kills, seed, (l) => t.log(l));
  t.log(`kills survived ${f.survived}/${f.kills}, reruns ${f.reruns}, bytes compared ${f.bytesCompared}, temporary files left by killed writers ${f.leftovers}`);
  t.deepEqual(f.failures, []);
  t.is(f.reruns, f.kills);
});
